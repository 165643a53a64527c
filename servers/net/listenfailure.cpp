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
    // Whole sentences, so that a translator sees each message at once. A known cause is said in our
    // words, which are translated; the system's own text (English: "Address already in use") only
    // where the cause is not one of these.
    switch (problem) {
    case ListenProblem::AccessDenied:
        return ListenText::tr("cannot listen on tcp %1 port %2: ports below 1024 need root or the capability. "
                              "Give it with: sudo setcap cap_net_bind_service=ep %3")
            .arg(address)
            .arg(port)
            .arg(QCoreApplication::applicationFilePath());
    case ListenProblem::AddressInUse:
        return ListenText::tr("cannot listen on tcp %1 port %2: another program serves this port. Stop it, or "
                              "choose another port in the setting %3")
            .arg(address)
            .arg(port)
            .arg(portSetting);
    case ListenProblem::AddressNotAvailable:
        return ListenText::tr("cannot listen on tcp %1 port %2: no interface of this computer has that address. "
                              "Check --listen")
            .arg(address)
            .arg(port);
    case ListenProblem::Other: break;
    }
    return ListenText::tr("cannot listen on tcp %1 port %2: %3").arg(address).arg(port).arg(reason);
}

} // namespace metaldesk::net
