#pragma once

#include "core/base/expected.h"

#include <QList>
#include <QString>

namespace metaldesk::dhcp {

// A DHCP server that answered our DISCOVER: the home router, a forgotten dnsmasq, another MAAS.
struct FoundServer {
    quint32 serverId = 0;     // option 54; host order
    quint32 offered = 0;      // yiaddr: what it would give a new machine
    quint32 from = 0;         // the source address of its answer
    QString describe() const; // "10.99.0.254 (offered 10.99.0.57)"
};

// Asks on `interfaceName` whether a DHCP server already gives addresses there: sends a DISCOVER
// (broadcast, from port 68, bound to that interface only) and lists every server that offers
// within `waitMs`. `ignore` is our own address, so that our own server does not count. Blocks for
// `waitMs`: run it in a service thread or with QtConcurrent. Needs root or CAP_NET_BIND_SERVICE.
Expected<QList<FoundServer>> probeForServers(const QString &interfaceName, int waitMs = 2000, quint32 ignore = 0,
                                             quint16 serverPort = 67, quint16 clientPort = 68);

} // namespace metaldesk::dhcp
