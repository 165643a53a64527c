#include "servers/dhcp/routersolicitations.h"

#include "servers/dhcp/ndp.h"

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QSocketNotifier>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::dhcp {

Q_DECLARE_LOGGING_CATEGORY(lcDhcp)

namespace {

struct RouterText {
    Q_DECLARE_TR_FUNCTIONS(Dhcp)
};

QString macText(const QByteArray &mac) { return QString::fromLatin1(mac.toHex(':')); }

bool ipv6DisabledOn(const QString &interfaceName)
{
    QFile disabled(QStringLiteral("/proc/sys/net/ipv6/conf/%1/disable_ipv6").arg(interfaceName));
    if (!disabled.open(QIODevice::ReadOnly))
        return true; // no IPv6 in this kernel at all (ipv6.disable=1)
    return disabled.readAll().trimmed() == "1";
}

} // namespace

RouterSolicitationAnswerer::RouterSolicitationAnswerer(QString interfaceName, QObject *parent)
    : QObject(parent), interfaceName_(std::move(interfaceName))
{
    clock_.start();
}

RouterSolicitationAnswerer::~RouterSolicitationAnswerer()
{
    delete notifier_;
    if (fd_ >= 0)
        ::close(fd_);
}

QString RouterSolicitationAnswerer::start()
{
    const QString waits = RouterText::tr("network-booting machines wait about 10 s for an IPv6 router at every boot");
    if (ipv6DisabledOn(interfaceName_))
        return RouterText::tr("IPv6 is disabled on %1: %2. Enable it to end the wait: sysctl -w "
                              "net.ipv6.conf.%1.disable_ipv6=0")
            .arg(interfaceName_, waits);
    const QNetworkInterface nic = QNetworkInterface::interfaceFromName(interfaceName_);
    interfaceIndex_ = unsigned(nic.index());
    ourMac_ = QByteArray::fromHex(nic.hardwareAddress().toLatin1());
    fd_ = ::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd_ < 0) {
        const int error = errno;
        return RouterText::tr("IPv6 router solicitations on %1 are not answered (%2): %3. It needs root or the "
                              "capability: sudo setcap cap_net_bind_service,cap_net_raw=ep %4")
            .arg(interfaceName_, QString::fromLocal8Bit(std::strerror(error)), waits,
                 QCoreApplication::applicationFilePath());
    }
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filter);
    ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filter);
    const int on = 1;
    const int off = 0;
    const int hops = 255; // RFC 4861 §6.1: anything less may come from off the link, and is dropped
    const int index = int(interfaceIndex_);
    ipv6_mreq allRouters{};
    inet_pton(AF_INET6, "ff02::2", &allRouters.ipv6mr_multiaddr);
    allRouters.ipv6mr_interface = interfaceIndex_;
    const QByteArray device = interfaceName_.toLocal8Bit();
    const bool ok = ::setsockopt(fd_, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) == 0 &&
                    ::setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, device.constData(), socklen_t(device.size())) == 0 &&
                    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) == 0 &&
                    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) == 0 &&
                    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index) == 0 &&
                    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof off) == 0 &&
                    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on) == 0 &&
                    // Solicitations go to all routers: join the group to hear them.
                    ::setsockopt(fd_, IPPROTO_IPV6, IPV6_JOIN_GROUP, &allRouters, sizeof allRouters) == 0;
    if (!ok) {
        const int error = errno;
        ::close(fd_);
        fd_ = -1;
        return RouterText::tr("IPv6 router solicitations on %1 are not answered (%2): %3")
            .arg(interfaceName_, QString::fromLocal8Bit(std::strerror(error)), waits);
    }
    notifier_ = new QSocketNotifier(fd_, QSocketNotifier::Read);
    connect(notifier_, &QSocketNotifier::activated, this, &RouterSolicitationAnswerer::read);
    // A router answers a solicitation at once, and advertises on its own only every few minutes:
    // ask, so that a router already on the link is known before the first machine boots. Twice,
    // as a host does when its link comes up (RFC 4861 §6.3.7), in case the first is lost.
    solicitRouters();
    solicitAgain_.setSingleShot(true);
    solicitAgain_.setInterval(4000);
    connect(&solicitAgain_, &QTimer::timeout, this, &RouterSolicitationAnswerer::solicitRouters);
    solicitAgain_.start();
    return {};
}

void RouterSolicitationAnswerer::solicitRouters()
{
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::2", &to.sin6_addr);
    to.sin6_scope_id = interfaceIndex_;
    const QByteArray rs = ndp::routerSolicitation(ourMac_);
    if (::sendto(fd_, rs.constData(), size_t(rs.size()), 0, reinterpret_cast<sockaddr *>(&to), sizeof to) < 0)
        qCInfo(lcDhcp).noquote() << "could not ask for IPv6 routers on" << interfaceName_ << ":"
                                 << QString::fromLocal8Bit(std::strerror(errno));
}

void RouterSolicitationAnswerer::networkBooting(const QByteArray &mac)
{
    const qint64 now = clock_.elapsed();
    if (booting_.size() >= kMaxBooting) // bounded: forget the ones whose two minutes are over
        booting_.removeIf([now](const auto &entry) { return now - entry.value() > kBootingMs; });
    if (booting_.size() < kMaxBooting)
        booting_.insert(mac, now);
}

void RouterSolicitationAnswerer::read()
{
    // A bounded number per wake-up, so that a flood cannot hold the DHCP server's thread.
    for (int i = 0; i < 256; ++i) {
        char buffer[1500];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        sockaddr_in6 from{};
        iovec iov{buffer, sizeof buffer};
        msghdr message{};
        message.msg_name = &from;
        message.msg_namelen = sizeof from;
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd_, &message, 0);
        if (n < 0)
            return; // EAGAIN: all read
        int hopLimit = -1;
        for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
            if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
                std::memcpy(&hopLimit, CMSG_DATA(c), sizeof hopLimit);
        received(QByteArray(buffer, qsizetype(n)),
                 QByteArray(reinterpret_cast<const char *>(&from.sin6_addr), sizeof from.sin6_addr), hopLimit);
    }
}

void RouterSolicitationAnswerer::received(const QByteArray &icmp, const QByteArray &source, int hopLimit)
{
    const auto message = ndp::parse(icmp);
    if (!message || hopLimit != 255) {
        ++dropped_;
        return;
    }
    const qint64 now = clock_.elapsed();
    const QString from = QHostAddress(reinterpret_cast<const quint8 *>(source.constData())).toString();
    const bool linkLocal = quint8(source[0]) == 0xfe && (quint8(source[1]) & 0xc0) == 0x80;
    if (message->type == ndp::RouterAdvertisement) {
        if (!linkLocal) { // RFC 4861 §6.1.2: a router advertises from its link-local address
            ++dropped_;
            return;
        }
        if (!message->configures())
            return; // another MetalDesk's answer, or a router leaving: nothing a client would take
        if (otherRouterUntil_ < now || otherRouter_ != from)
            qCInfo(lcDhcp).noquote() << "IPv6 router" << from << "on" << interfaceName_
                                     << "answers network-booting machines: MetalDesk leaves them to it";
        otherRouter_ = from;
        otherRouterUntil_ = now + kRouterGoneMs;
        return;
    }
    const QByteArray mac = message->sourceLinkLayer.isEmpty() ? ndp::macFromLinkLocal(source).value_or(QByteArray())
                                                              : message->sourceLinkLayer;
    const auto booted = booting_.constFind(mac);
    if (mac.isEmpty() || booted == booting_.cend() || now - *booted > kBootingMs) {
        ++notBooting_;
        return;
    }
    if (otherRouterUntil_ >= now) {
        ++otherRouterCount_;
        return;
    }
    // To the address it asked from, which is link-local (a solicitation from :: cannot be answered
    // by unicast, and a multicast answer would reach every host).
    if (!linkLocal) {
        ++dropped_;
        return;
    }
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    std::memcpy(&to.sin6_addr, source.constData(), sizeof to.sin6_addr);
    to.sin6_scope_id = interfaceIndex_;
    const QByteArray ra = ndp::nonRouterAdvertisement(ourMac_);
    if (::sendto(fd_, ra.constData(), size_t(ra.size()), 0, reinterpret_cast<sockaddr *>(&to), sizeof to) < 0) {
        ++dropped_;
        return;
    }
    if (answered_++ % 100 == 0)
        qCInfo(lcDhcp).noquote() << "answered an IPv6 router solicitation from" << macText(mac) << "at" << from
                                 << "(no router on" << interfaceName_ << "): its wait ends";
}

RouterSolicitationAnswerer::Counts RouterSolicitationAnswerer::counts() const
{
    return {answered_.load(), notBooting_.load(), otherRouterCount_.load(), dropped_.load()};
}

} // namespace metaldesk::dhcp
