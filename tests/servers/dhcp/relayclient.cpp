#include "relayclient.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::testing {

int udpSocketInNamespace(const QString &ns, quint32 address, quint16 port, QString *error)
{
    const int self = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = ::open(QByteArray("/run/netns/" + ns.toLocal8Bit()).constData(), O_RDONLY | O_CLOEXEC);
    auto closeBoth = [&] {
        if (self >= 0)
            ::close(self);
        if (target >= 0)
            ::close(target);
    };
    if (self < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
        *error = QStringLiteral("cannot enter the network namespace %1: %2")
                     .arg(ns, QString::fromLocal8Bit(strerror(errno)));
        closeBoth();
        return -1;
    }
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int saved = errno;
    const bool back = ::setns(self, CLONE_NEWNET) == 0; // the socket stays in `ns`
    closeBoth();
    if (!back) {
        *error = QStringLiteral("cannot return to the test's network namespace");
        if (fd >= 0)
            ::close(fd);
        return -1;
    }
    if (fd < 0) {
        *error = QStringLiteral("socket: %1").arg(QString::fromLocal8Bit(strerror(saved)));
        return -1;
    }
    const int on = 1;
    const int buffer = 8 << 20; // a burst of answers must not be lost before the test reads them
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer);
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(address);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        *error = QStringLiteral("bind: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        ::close(fd);
        return -1;
    }
    return fd;
}

QByteArray testMac(quint8 family, quint32 n)
{
    const char bytes[6] = {0x02, char(family), char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    return QByteArray(bytes, 6);
}

QString macText(const QByteArray &mac) { return QString::fromLatin1(mac.toHex(':')); }

namespace {

struct Exchange {
    QByteArray mac;
    qint64 sentAt = 0;
    bool requesting = false;
};

} // namespace

RelayRun runExchanges(int fd, const QList<QByteArray> &macs, const RelayOptions &o)
{
    RelayRun run;
    QElapsedTimer clock;
    clock.start();
    QHash<quint32, Exchange> open; // by xid
    QList<QByteArray> again;       // MACs to start over after a timeout
    qsizetype next = 0;
    quint32 xid = 0x4d440000;
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(o.serverPort);
    server.sin_addr.s_addr = htonl(o.serverAddress);

    auto send = [&](const dhcp::Packet &p) {
        const QByteArray bytes = dhcp::serialize(p);
        if (::sendto(fd, bytes.constData(), size_t(bytes.size()), 0, reinterpret_cast<sockaddr *>(&server),
                     sizeof server) != bytes.size())
            ++run.sendFailed;
    };
    auto request = [&](const QByteArray &mac, quint32 id, dhcp::MessageType type) {
        dhcp::Packet p;
        p.op = dhcp::BootRequest;
        p.hops = 1;
        p.xid = id;
        p.giaddr = o.relayAddress;
        p.chaddr = mac;
        p.setMessageType(type);
        return p;
    };
    auto begin = [&](const QByteArray &mac, qint64 now) {
        const quint32 id = ++xid;
        open.insert(id, Exchange{mac, now, false});
        ++run.attempts[macText(mac)];
        send(request(mac, id, dhcp::MessageType::Discover));
    };

    bool startNew = true, stop = false;
    char buffer[4096];
    for (;;) {
        const qint64 now = clock.elapsed();
        run.inFlight = open.size(); // what the tick sees: the exchanges open right now
        if (o.tick)
            o.tick(now, run, startNew, stop);
        if (stop || now >= o.endMs)
            break;
        for (auto it = open.begin(); it != open.end();) {
            if (now - it->sentAt < o.timeoutMs) {
                ++it;
                continue;
            }
            ++run.timedOut;
            if (run.attempts.value(macText(it->mac)) <= o.retries)
                again << it->mac;
            it = open.erase(it);
        }
        while (startNew && open.size() < o.window && (!again.isEmpty() || next < macs.size()))
            begin(again.isEmpty() ? macs[next++] : again.takeFirst(), now);
        if (open.isEmpty() && again.isEmpty() && next >= macs.size())
            break;
        pollfd p{fd, POLLIN, 0};
        (void)::poll(&p, 1, 2);
        for (;;) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n < 0)
                break;
            const auto parsed = dhcp::parse(QByteArrayView(buffer, n));
            const dhcp::Packet *reply = std::get_if<dhcp::Packet>(&parsed);
            const auto it = reply ? open.find(reply->xid) : open.end();
            if (it == open.end() || reply->op != dhcp::BootReply || reply->chaddr != it->mac) {
                ++run.strays; // a late answer to an exchange given up, or not ours
                continue;
            }
            const auto type = reply->messageType();
            if (type == dhcp::MessageType::Offer && !it->requesting) {
                ++run.offers;
                it->requesting = true;
                it->sentAt = clock.elapsed();
                dhcp::Packet req = request(it->mac, reply->xid, dhcp::MessageType::Request);
                req.setAddress(dhcp::option::RequestedAddress, reply->yiaddr);
                req.setAddress(dhcp::option::ServerIdentifier,
                               reply->address(dhcp::option::ServerIdentifier).value_or(o.serverAddress));
                send(req);
            } else if (type == dhcp::MessageType::Ack && it->requesting) {
                run.acks << AckRecord{macText(it->mac), reply->yiaddr, clock.elapsed()};
                open.erase(it);
            } else if (type == dhcp::MessageType::Nak) {
                ++run.naks;
                open.erase(it);
            } else {
                ++run.strays;
            }
        }
    }
    run.inFlight = open.size();
    return run;
}

} // namespace metaldesk::testing
