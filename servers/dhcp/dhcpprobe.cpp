#include "servers/dhcp/dhcpprobe.h"

#include "servers/net/udpsocket.h"

#include "servers/dhcp/dhcppacket.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QNetworkInterface>
#include <QRandomGenerator>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::dhcp {

namespace {
struct ProbeText {
    Q_DECLARE_TR_FUNCTIONS(DhcpProbe)
};
} // namespace

QString FoundServer::describe() const
{
    return ProbeText::tr("%1 (offered %2)")
        .arg(QHostAddress(serverId ? serverId : from).toString(), QHostAddress(offered).toString());
}

Expected<QList<FoundServer>> probeForServers(const QString &interfaceName, int waitMs, quint32 ignore,
                                             quint16 serverPort, quint16 clientPort)
{
    const QNetworkInterface nic = QNetworkInterface::interfaceFromName(interfaceName);
    const QByteArray mac = QByteArray::fromHex(nic.hardwareAddress().toLatin1().replace(':', ""));
    if (!nic.isValid() || mac.size() != 6)
        return Error{
            ProbeText::tr("cannot look for DHCP servers on %1: no such Ethernet interface").arg(interfaceName)};

    net::UdpSocketOptions options;
    options.port = clientPort;
    options.device = interfaceName.toLocal8Bit();
    options.broadcast = true;
    options.reuseAddress = true;
    options.blocking = true;
    const int fd = net::openUdpSocket(options);
    if (fd < 0) {
        const int error = errno;
        const QString reason = QString::fromLocal8Bit(std::strerror(error));
        if (error == EACCES || error == EPERM)
            return Error{ProbeText::tr("cannot look for DHCP servers on %1: %2 (port %3 needs root or: sudo setcap "
                                       "cap_net_bind_service,cap_net_raw=ep %4)")
                             .arg(interfaceName, reason)
                             .arg(clientPort)
                             .arg(QCoreApplication::applicationFilePath())};
        return Error{ProbeText::tr("cannot look for DHCP servers on %1: %2").arg(interfaceName, reason)};
    }

    Packet discover;
    discover.op = BootRequest;
    discover.xid = QRandomGenerator::global()->generate();
    discover.flags = BroadcastFlag; // we have no address: answers must be broadcast
    discover.chaddr = mac;
    discover.setMessageType(MessageType::Discover);
    discover.options[option::ParameterRequestList] = QByteArray("\x01\x03\x06\x36", 4);
    const QByteArray bytes = serialize(discover);
    sockaddr_in broadcast{};
    broadcast.sin_family = AF_INET;
    broadcast.sin_port = htons(serverPort);
    broadcast.sin_addr.s_addr = htonl(INADDR_BROADCAST);
    if (::sendto(fd, bytes.constData(), size_t(bytes.size()), 0, reinterpret_cast<sockaddr *>(&broadcast),
                 sizeof broadcast) < 0) {
        const int error = errno;
        ::close(fd);
        return Error{ProbeText::tr("cannot look for DHCP servers on %1: %2")
                         .arg(interfaceName, QString::fromLocal8Bit(std::strerror(error)))};
    }

    // Every OFFER for our transaction until the time is up: several servers may answer.
    QList<FoundServer> found;
    const QDeadlineTimer deadline(waitMs);
    char buffer[2048];
    for (;;) {
        const qint64 left = deadline.remainingTime();
        if (left <= 0)
            break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(left)) <= 0)
            continue; // timed out (the loop ends) or interrupted
        sockaddr_in source{};
        socklen_t sourceLength = sizeof source;
        const ssize_t n =
            ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr *>(&source), &sourceLength);
        if (n <= 0)
            continue;
        auto parsed = parse(QByteArrayView(buffer, n));
        const Packet *offer = std::get_if<Packet>(&parsed);
        if (!offer || offer->op != BootReply || offer->xid != discover.xid ||
            offer->messageType() != MessageType::Offer)
            continue;
        FoundServer server{offer->address(option::ServerIdentifier).value_or(0), offer->yiaddr,
                           ntohl(source.sin_addr.s_addr)};
        if (ignore && (server.serverId == ignore || server.from == ignore))
            continue;
        const bool seen = std::any_of(found.cbegin(), found.cend(), [&](const FoundServer &f) {
            return f.serverId == server.serverId && f.from == server.from;
        });
        if (!seen)
            found << server;
    }
    ::close(fd);
    return found;
}

} // namespace metaldesk::dhcp
