#pragma once

#include <QString>

namespace metaldesk::net {

// Why a server could not take its port, in the terms its fix depends on.
enum class ListenProblem {
    AccessDenied,        // EACCES/EPERM: a port below 1024 without root or the capability
    AddressInUse,        // EADDRINUSE: another program serves it
    AddressNotAvailable, // EADDRNOTAVAIL: no interface has the address
    Other,
};
ListenProblem listenProblemFor(int error); // from errno

// The sentence a user reads when a TCP server cannot listen, with the fix: the setcap command for
// this program, the setting that moves the port, or the --listen option. `reason` (the system's text)
// is said only when the cause is none of the known ones.
QString tcpListenFailure(const QString &address, quint16 port, ListenProblem problem, const QString &reason,
                         const QString &portSetting);

} // namespace metaldesk::net
