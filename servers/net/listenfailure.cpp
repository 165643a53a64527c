#include "servers/net/listenfailure.h"

#include <QCoreApplication>
#include <cerrno>

namespace metaldesk::net {

namespace {
struct ListenText {
    Q_DECLARE_TR_FUNCTIONS(Listen)
};
} // namespace

ListenProblem listenProblemFor(int error)
{
    switch (error) {
    case EACCES:
    case EPERM: return ListenProblem::AccessDenied;
    case EADDRINUSE: return ListenProblem::AddressInUse;
    case EADDRNOTAVAIL: return ListenProblem::AddressNotAvailable;
    default: return ListenProblem::Other;
    }
}

QString tcpListenFailure(const QString &address, quint16 port, ListenProblem problem, const QString &reason,
                         const QString &portSetting)
{
    // Whole sentences, so that a translator sees each message at once.
    switch (problem) {
    case ListenProblem::AccessDenied:
        return ListenText::tr("cannot listen on tcp %1 port %2: %3. Ports below 1024 need root or the capability: "
                              "sudo setcap cap_net_bind_service=ep %4")
            .arg(address)
            .arg(port)
            .arg(reason, QCoreApplication::applicationFilePath());
    case ListenProblem::AddressInUse:
        return ListenText::tr("cannot listen on tcp %1 port %2: %3. Another program serves this port: stop it, or "
                              "choose another port in the setting %4")
            .arg(address)
            .arg(port)
            .arg(reason, portSetting);
    case ListenProblem::AddressNotAvailable:
        return ListenText::tr("cannot listen on tcp %1 port %2: %3. No interface of this machine has that address: "
                              "check --listen")
            .arg(address)
            .arg(port)
            .arg(reason);
    case ListenProblem::Other: break;
    }
    return ListenText::tr("cannot listen on tcp %1 port %2: %3").arg(address).arg(port).arg(reason);
}

} // namespace metaldesk::net
