#include "dhcpserver.h"

#include "configstore.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QSocketNotifier>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::dhcp {

Q_LOGGING_CATEGORY(lcDhcp, "metaldesk.dhcp")

namespace {

struct DhcpText {
    Q_DECLARE_TR_FUNCTIONS(Dhcp)
};

std::optional<quint32> ipv4(const QString &text)
{
    QHostAddress a;
    if (!a.setAddress(text.trimmed()) || a.protocol() != QAbstractSocket::IPv4Protocol)
        return std::nullopt;
    return a.toIPv4Address();
}

// A UDP socket on port `port` that only sees and sends on `interface` (SO_BINDTODEVICE), so that
// a DHCP server never answers on a network it was not given. Returns the fd, or -1 and errno.
int boundSocket(const QByteArray &interface, quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    const int on = 1;
    // Room for a few thousand packets: a burst arriving while a batch is written must not be lost.
    // SO_RCVBUFFORCE passes net.core.rmem_max when we may (root, CAP_NET_ADMIN); otherwise the cap applies.
    const int buffer = 8 << 20;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) != 0)
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.constData(), socklen_t(interface.size())) != 0 ||
        ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

} // namespace

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config)
{
    ServerConfig c;
    auto value = [&config](const char *key) {
        auto v = config.value(QLatin1String(key));
        return v ? v->trimmed() : QString();
    };
    c.interfaceName = value("dhcp_interface");
    if (c.interfaceName.isEmpty())
        return c;
    const QNetworkInterface nic = QNetworkInterface::interfaceFromName(c.interfaceName);
    if (!nic.isValid())
        return Error{DhcpText::tr("the boot interface %1 does not exist on this machine").arg(c.interfaceName)};
    for (const QNetworkAddressEntry &entry : nic.addressEntries()) {
        if (entry.ip().protocol() == QAbstractSocket::IPv4Protocol) {
            c.settings.serverAddress = entry.ip().toIPv4Address();
            c.settings.subnetMask = entry.netmask().toIPv4Address();
            break;
        }
    }
    if (!c.settings.serverAddress)
        return Error{DhcpText::tr("the boot interface %1 has no IPv4 address: give it one (the DHCP server "
                                  "answers from it)")
                         .arg(c.interfaceName)};
    const QStringList range = value("dhcp_range").split(QLatin1Char('-'));
    const auto first = ipv4(range.value(0));
    const auto last = ipv4(range.value(1));
    if (range.size() != 2 || !first || !last || *first > *last)
        return Error{
            DhcpText::tr("the dynamic range '%1' should look like 10.99.0.100-10.99.0.199").arg(value("dhcp_range"))};
    const quint32 mask = c.settings.subnetMask;
    const quint32 network = c.settings.serverAddress & mask;
    if ((*first & mask) != network || (*last & mask) != network)
        return Error{
            DhcpText::tr("the dynamic range %1 is not inside the subnet of %2 (%3)")
                .arg(value("dhcp_range"), c.interfaceName,
                     QHostAddress(network).toString() + QLatin1Char('/') + QString::number(__builtin_popcount(mask)))};
    if (c.settings.serverAddress >= *first && c.settings.serverAddress <= *last)
        return Error{DhcpText::tr("the dynamic range %1 contains this server's own address %2")
                         .arg(value("dhcp_range"), QHostAddress(c.settings.serverAddress).toString())};
    c.settings.rangeFirst = *first;
    c.settings.rangeLast = *last;
    if (const QString router = value("dhcp_router"); !router.isEmpty()) {
        const auto r = ipv4(router);
        if (!r)
            return Error{DhcpText::tr("the gateway '%1' is not an IPv4 address").arg(router)};
        c.settings.router = *r;
    }
    const QStringList dnsList = value("dhcp_dns").split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &dns : dnsList) {
        const auto d = ipv4(dns);
        if (!d)
            return Error{DhcpText::tr("the DNS server '%1' is not an IPv4 address").arg(dns)};
        c.settings.dnsServers << *d;
    }
    c.settings.domain = value("dhcp_domain").toUtf8();
    bool ok = false;
    if (const QString lease = value("dhcp_lease_seconds"); !lease.isEmpty()) {
        c.settings.leaseSeconds = lease.toUInt(&ok);
        if (!ok || c.settings.leaseSeconds < 60)
            return Error{DhcpText::tr("the lease time '%1' should be a number of seconds, at least 60").arg(lease)};
    }
    if (const QString port = value("dhcp_port"); !port.isEmpty()) // tests serve on a high port
        c.port = quint16(port.toUInt());
    return c;
}

Server::Server(std::shared_ptr<Database> db, ServerConfig config) : db_(std::move(db)), config_(std::move(config)) {}

Server::~Server()
{
    if (fd_ >= 0)
        ::close(fd_);
}

QString Server::description() const
{
    return DhcpText::tr("managed DHCP on %1, udp port %2, range %3-%4")
        .arg(config_.interfaceName)
        .arg(config_.port)
        .arg(QHostAddress(config_.settings.rangeFirst).toString(), QHostAddress(config_.settings.rangeLast).toString());
}

void Server::start()
{
    leases_ = std::make_unique<LeaseStore>(db_);
    book_ = std::make_unique<LeaseBook>(*leases_);
    if (auto loaded = book_->load(); !loaded) {
        const QString detail = DhcpText::tr("cannot read the DHCP leases: %1").arg(loaded.errorMessage());
        qCWarning(lcDhcp).noquote() << detail;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    responder_ = std::make_unique<Responder>(*book_, config_.settings);
    const int fd = boundSocket(config_.interfaceName.toLocal8Bit(), config_.port);
    if (fd < 0) {
        const int error = errno;
        QString detail = DhcpText::tr("cannot listen on udp port %1 on %2: %3")
                             .arg(config_.port)
                             .arg(config_.interfaceName, QString::fromLocal8Bit(std::strerror(error)));
        if (error == EACCES || error == EPERM)
            detail += DhcpText::tr(". Ports below 1024 need root or the capability: sudo setcap "
                                   "cap_net_bind_service,cap_net_raw=ep %1")
                          .arg(QCoreApplication::applicationFilePath());
        qCWarning(lcDhcp).noquote() << detail;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    fd_ = fd;
    commitTimer_.setSingleShot(true);
    commitTimer_.setTimerType(Qt::PreciseTimer);
    commitTimer_.setInterval(kCommitDelayMs);
    connect(&commitTimer_, &QTimer::timeout, this, &Server::commit);
    notifier_ = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &Server::readDatagrams);
    qCInfo(lcDhcp).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void Server::stop()
{
    delete notifier_;
    notifier_ = nullptr;
    if (book_ && book_->pendingCount() > 0)
        commit(); // releases and declines not yet written
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
    emit stateChanged(QStringLiteral("stopped"), {});
}

Counters Server::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

void Server::readDatagrams()
{
    QList<OutgoingDatagram> immediate;
    for (int count; (count = reader_.receive(fd_)) > 0;) {
        immediate.clear();
        const qint64 now = nowMs();
        for (int i = 0; i < count; ++i) {
            auto parsed = reader_.truncated(i) ? std::variant<Packet, ParseFailure>(ParseFailure{
                                                     ParseError::Truncated, QStringLiteral("larger than 2048 bytes")})
                                               : parse(reader_.datagram(i));
            QMutexLocker lock(&countersLock_);
            ++counters_.received;
            if (const ParseFailure *failure = std::get_if<ParseFailure>(&parsed)) {
                // Counted always, logged once per hundred: a flood must not flood the log too.
                if (counters_.dropped[size_t(failure->error)]++ % 100 == 0)
                    qCInfo(lcDhcp).noquote() << "dropped:" << parseErrorName(failure->error) << failure->detail;
                continue;
            }
            lock.unlock();
            const Packet &request = std::get<Packet>(parsed);
            const qsizetype writesBefore = book_->pendingCount();
            const Outcome outcome = responder_->respond(request, now);
            if (const Silence *silence = std::get_if<Silence>(&outcome)) {
                lock.relock();
                ++counters_.silenced[size_t(*silence)];
                continue;
            }
            const Packet &reply = std::get<Answer>(outcome).reply;
            const Destination to = destinationOf(request, reply);
            // An answer that changed a lease (an ACK) waits until the change is durable; the rest
            // (OFFERs, NAKs) leave now.
            (book_->pendingCount() > writesBefore ? held_ : immediate)
                << OutgoingDatagram{serialize(reply), to.address, to.port};
        }
        send(immediate);
        if (held_.size() >= kMaxHeld)
            commit();
    }
    // Group commit: changes gather for a moment and are written in one transaction, so that under
    // load thousands of leases a second cost a few hundred transactions, not thousands.
    if (book_->pendingCount() > 0 && !commitTimer_.isActive())
        commitTimer_.start();
}

void Server::commit()
{
    commitTimer_.stop();
    if (auto saved = book_->flush(); !saved) {
        // Nothing held is durable, so nothing held is answered: the clients will ask again.
        QMutexLocker lock(&countersLock_);
        if (storeFailures_++ % 100 == 0)
            qCWarning(lcDhcp).noquote() << "leases not saved, answers held back:" << saved.errorMessage();
        counters_.silenced[size_t(Silence::StoreFailed)] += quint64(held_.size());
        held_.clear();
        return;
    }
    send(held_);
    held_.clear();
}

void Server::send(const QList<OutgoingDatagram> &replies)
{
    if (replies.isEmpty())
        return;
    const int sent = sendBatch(fd_, replies);
    QMutexLocker lock(&countersLock_);
    counters_.answered += quint64(sent);
    counters_.sendFailed += quint64(replies.size() - sent);
}

} // namespace metaldesk::dhcp
