#include "servers/dhcp/dhcpserver.h"

#include "core/addresses/staticaddresses.h"
#include "core/storage/configstore.h"
#include "servers/dhcp/dhcpprobe.h"
#include "servers/net/udpsocket.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QSocketNotifier>
#include <QSysInfo>
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

} // namespace

const QStringList &ServerConfig::keys()
{
    // Every setting of the table whose name starts with dhcp_: all of them restart DHCP.
    static const QStringList names = [] {
        QStringList list;
        for (const SettingSpec &s : allSettings())
            if (QLatin1String(s.name).startsWith(QLatin1String("dhcp_")))
                list << QLatin1String(s.name);
        return list;
    }();
    return names;
}

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config)
{
    QHash<QString, QString> values;
    for (const QString &key : keys()) {
        auto v = config.value(key);
        if (!v)
            return v.error();
        values.insert(key, *v);
    }
    return fromValues(values);
}

namespace {

struct Range {
    quint32 first = 0;
    quint32 last = 0;
    bool contains(quint32 ip) const { return ip >= first && ip <= last; }
    bool overlaps(const Range &o) const { return first <= o.last && o.first <= last; }
};

// "10.99.0.100-10.99.0.199" inside the subnet and not over the server's or the gateway's address.
Expected<Range> parseRange(const QString &text, const char *what, quint32 server, quint32 mask, quint32 router)
{
    const QString name = DhcpText::tr(what);
    const QStringList parts = text.split(QLatin1Char('-'));
    const auto first = ipv4(parts.value(0));
    const auto last = ipv4(parts.value(1));
    if (parts.size() != 2 || !first || !last)
        return Error{DhcpText::tr("the %1 '%2' should look like 10.99.0.100-10.99.0.199").arg(name, text)};
    if (*first > *last)
        return Error{DhcpText::tr("the %1 %2 ends before it starts").arg(name, text)};
    const quint32 network = server & mask;
    if ((*first & mask) != network || (*last & mask) != network)
        return Error{
            DhcpText::tr("the %1 %2 is not inside the boot network %3")
                .arg(name, text,
                     QHostAddress(network).toString() + QLatin1Char('/') + QString::number(__builtin_popcount(mask)))};
    const Range range{*first, *last};
    if (range.contains(server))
        return Error{DhcpText::tr("the %1 %2 contains this server's own address %3")
                         .arg(name, text, QHostAddress(server).toString())};
    if (router && range.contains(router))
        return Error{DhcpText::tr("the %1 %2 contains the gateway's address %3")
                         .arg(name, text, QHostAddress(router).toString())};
    return range;
}

} // namespace

Expected<ServerConfig> ServerConfig::fromValues(const QHash<QString, QString> &values)
{
    ServerConfig c;
    auto value = [&values](const char *key) { return values.value(QLatin1String(key)).trimmed(); };
    c.interfaceName = value(setting::DhcpInterface);
    if (c.interfaceName.isEmpty())
        return c;
    const QString mode = value(setting::DhcpMode);
    if (mode == QLatin1String("proxy"))
        c.mode = Mode::Proxy;
    else if (!mode.isEmpty() && mode != QLatin1String("managed"))
        return Error{DhcpText::tr("the DHCP mode '%1' should be managed or proxy").arg(mode)};
    c.allowOtherServers = value(setting::DhcpAllowOtherServers) == QLatin1String("true");
    c.segment = QSysInfo::machineHostName() + QLatin1Char('/') + c.interfaceName;
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
    if (const QString port = value(setting::DhcpPort); !port.isEmpty()) { // tests serve on high ports
        c.port = quint16(port.toUInt());
        c.proxyPort = quint16(c.port + 1);
        c.probeClientPort = quint16(c.port + 2);
    }
    if (c.mode == Mode::Proxy)
        return c; // another server gives the addresses: nothing else applies
    const quint32 server = c.settings.serverAddress;
    const quint32 mask = c.settings.subnetMask;
    if (const QString router = value(setting::DhcpRouter); !router.isEmpty()) {
        const auto r = ipv4(router);
        if (!r)
            return Error{DhcpText::tr("the gateway '%1' is not an IPv4 address").arg(router)};
        if ((*r & mask) != (server & mask))
            return Error{DhcpText::tr("the gateway %1 is not on the boot network").arg(router)};
        c.settings.router = *r;
    }
    auto dynamic = parseRange(value(setting::DhcpRange), QT_TRANSLATE_NOOP("Dhcp", "dynamic range"), server, mask,
                              c.settings.router);
    if (!dynamic)
        return dynamic.error();
    c.settings.rangeFirst = dynamic->first;
    c.settings.rangeLast = dynamic->last;
    if (const QString reserved = value(setting::DhcpReservedRange); !reserved.isEmpty()) {
        auto range = parseRange(reserved, QT_TRANSLATE_NOOP("Dhcp", "reserved range"), server, mask, c.settings.router);
        if (!range)
            return range.error();
        if (range->overlaps(*dynamic))
            return Error{DhcpText::tr("the reserved range %1 overlaps the dynamic range %2")
                             .arg(reserved, value(setting::DhcpRange))};
        c.reservedFirst = range->first;
        c.reservedLast = range->last;
    }
    const QStringList dnsList = value(setting::DhcpDns).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &dns : dnsList) {
        const auto d = ipv4(dns);
        if (!d)
            return Error{DhcpText::tr("the DNS server '%1' is not an IPv4 address").arg(dns.trimmed())};
        c.settings.dnsServers << *d;
    }
    c.settings.domain = value(setting::DhcpDomain).toUtf8();
    if (const QString lease = value(setting::DhcpLeaseSeconds); !lease.isEmpty()) {
        bool ok = false;
        c.settings.leaseSeconds = lease.toUInt(&ok);
        if (!ok || c.settings.leaseSeconds < 60)
            return Error{DhcpText::tr("the lease time '%1' should be a number of seconds, at least 60").arg(lease)};
    }
    return c;
}

Server::Server(std::shared_ptr<Database> db, ServerConfig config) : db_(std::move(db)), config_(std::move(config)) {}

Server::~Server() { closeListeners(); }

void Server::closeListeners()
{
    for (const Listener &l : listeners_) {
        delete l.notifier;
        ::close(l.fd);
    }
    listeners_.clear();
}

QString Server::description() const
{
    if (config_.mode == ServerConfig::Mode::Proxy)
        return DhcpText::tr("proxy DHCP on %1, udp ports %2 and %3 (boot information only; another server gives "
                            "the addresses)")
            .arg(config_.interfaceName)
            .arg(config_.port)
            .arg(config_.proxyPort);
    return DhcpText::tr("managed DHCP on %1, udp port %2, range %3-%4")
        .arg(config_.interfaceName)
        .arg(config_.port)
        .arg(QHostAddress(config_.settings.rangeFirst).toString(), QHostAddress(config_.settings.rangeLast).toString());
}

bool Server::listen(quint16 port)
{
    // Only this interface (SO_BINDTODEVICE): a DHCP server never answers on a network it was not
    // given. Room for a few thousand packets: a burst arriving while a batch is written is kept.
    net::UdpSocketOptions options;
    options.port = port;
    options.device = config_.interfaceName.toLocal8Bit();
    options.broadcast = true;
    options.reuseAddress = true;
    options.receiveBuffer = 8 << 20;
    const int fd = net::openUdpSocket(options);
    if (fd < 0) {
        const int error = errno;
        const QString reason = QString::fromLocal8Bit(std::strerror(error));
        // Whole sentences, so that a translator sees each message at once.
        if (error == EACCES || error == EPERM)
            fail(DhcpText::tr("cannot listen on udp port %1 on %2: %3. Ports below 1024 need root or the "
                              "capability: sudo setcap cap_net_bind_service,cap_net_raw=ep %4")
                     .arg(port)
                     .arg(config_.interfaceName, reason, QCoreApplication::applicationFilePath()));
        else
            fail(DhcpText::tr("cannot listen on udp port %1 on %2: %3").arg(port).arg(config_.interfaceName, reason));
        return false;
    }
    auto *notifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    listeners_.push_back({fd, notifier, port});
    connect(notifier, &QSocketNotifier::activated, this, [this, fd] { readDatagrams(fd); });
    return true;
}

void Server::fail(const QString &detail)
{
    qCWarning(lcDhcp).noquote() << detail;
    emit stateChanged(QStringLiteral("failed"), detail);
}

void Server::start()
{
    if (config_.mode == ServerConfig::Mode::Proxy) {
        proxy_ = std::make_unique<ProxyResponder>(config_.settings);
        if (!listen(config_.port) || !listen(config_.proxyPort))
            return;
        startAnsweringRouterSolicitations();
        qCInfo(lcDhcp).noquote() << description();
        emit stateChanged(QStringLiteral("running"), description());
        return;
    }
    // Two DHCP servers on one network hand out clashing addresses: before serving, ask who answers.
    if (!config_.allowOtherServers) {
        auto others = probeForServers(config_.interfaceName, kProbeMs, config_.settings.serverAddress, config_.port,
                                      config_.probeClientPort);
        if (!others) {
            qCWarning(lcDhcp).noquote() << "could not look for other DHCP servers:" << others.errorMessage();
        } else if (!others->isEmpty()) {
            QStringList found;
            for (const FoundServer &f : *others)
                found << f.describe();
            fail(DhcpText::tr("another DHCP server already answers on %1: %2. Managed DHCP is not started: choose "
                              "proxy mode on the Network page (MetalDesk then adds only the boot information), or "
                              "confirm managed mode there if you are sure")
                     .arg(config_.interfaceName, found.join(QStringLiteral(", "))));
            return;
        }
    }
    leases_ = std::make_unique<LeaseStore>(db_, config_.segment);
    book_ = std::make_unique<LeaseBook>(*leases_);
    if (auto adopted = leases_->adoptLeasesWithoutSegment(); !adopted) {
        fail(DhcpText::tr("cannot read the DHCP leases: %1").arg(adopted.errorMessage()));
        return;
    }
    if (auto loaded = book_->load(); !loaded) {
        fail(DhcpText::tr("cannot read the DHCP leases: %1").arg(loaded.errorMessage()));
        return;
    }
    responder_ = std::make_unique<Responder>(*book_, config_.settings);
    readStaticAddresses();
    if (!listen(config_.port))
        return;
    staticTimer_.setInterval(kStaticRefreshMs);
    connect(&staticTimer_, &QTimer::timeout, this, &Server::readStaticAddresses);
    staticTimer_.start();
    commitTimer_.setSingleShot(true);
    commitTimer_.setTimerType(Qt::PreciseTimer);
    commitTimer_.setInterval(kCommitDelayMs);
    connect(&commitTimer_, &QTimer::timeout, this, &Server::commit);
    leaseCountTimer_.setInterval(1000);
    connect(&leaseCountTimer_, &QTimer::timeout, this, [this] {
        const auto inUse = quint64(book_->boundCount(nowMs()));
        QMutexLocker lock(&countersLock_);
        counters_.leasesInUse = inUse;
    });
    leaseCountTimer_.start();
    startAnsweringRouterSolicitations();
    qCInfo(lcDhcp).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void Server::readStaticAddresses()
{
    auto held = StaticAddressStore(db_).heldAddresses();
    if (!held) {
        // The last set read stays; a store that fails says so once in a hundred.
        if (staticFailures_++ % 100 == 0)
            qCWarning(lcDhcp).noquote() << "could not read the static addresses:" << held.errorMessage();
        return;
    }
    responder_->setStaticAddresses(std::move(*held));
}

void Server::startAnsweringRouterSolicitations()
{
    auto routers = std::make_unique<RouterSolicitationAnswerer>(config_.interfaceName);
    const QString notice = routers->start();
    if (!notice.isEmpty()) {
        routers.reset();
        qCWarning(lcDhcp).noquote() << notice;
    }
    // Under the lock: counterList() reads it from the GUI thread.
    QMutexLocker lock(&countersLock_);
    routers_ = std::move(routers);
    routersNotice_ = notice;
}

QStringList Server::notices() const
{
    QMutexLocker lock(&countersLock_);
    return routersNotice_.isEmpty() ? QStringList() : QStringList{routersNotice_};
}

void Server::stop()
{
    if (book_ && book_->pendingCount() > 0)
        commit(); // releases and declines not yet written
    closeListeners();
    std::unique_ptr<RouterSolicitationAnswerer> routers;
    {
        QMutexLocker lock(&countersLock_);
        routers = std::move(routers_);
    }
    routers.reset(); // here, in the thread its socket notifier lives in
    emit stateChanged(QStringLiteral("stopped"), {});
}

Counters Server::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

QList<Counter> Server::counterList() const
{
    const Counters c = counters();
    quint64 dropped = 0;
    for (quint64 n : c.dropped)
        dropped += n;
    QList<Counter> list{
        {QStringLiteral("answered"), DhcpText::tr("answered"), c.answered},
        {QStringLiteral("received"), DhcpText::tr("received"), c.received},
        {QStringLiteral("dropped"), DhcpText::tr("dropped (malformed)"), dropped},
        {QStringLiteral("leases"), DhcpText::tr("leases in use"), c.leasesInUse},
    };
    for (int i = 0; i < ParseErrorCount; ++i)
        if (c.dropped[size_t(i)])
            list << Counter{QStringLiteral("dropped.") + QLatin1String(parseErrorName(ParseError(i))),
                            DhcpText::tr("dropped: %1").arg(QLatin1String(parseErrorName(ParseError(i)))),
                            c.dropped[size_t(i)]};
    // clang-format off
    const std::pair<Silence, const char *> silences[] = {
        {Silence::Handled, QT_TRANSLATE_NOOP("Dhcp", "releases and declines")},
        {Silence::NotForUs, QT_TRANSLATE_NOOP("Dhcp", "not for this server")},
        {Silence::NoMessageType, QT_TRANSLATE_NOOP("Dhcp", "BOOTP without DHCP (not served)")},
        {Silence::RangeExhausted, QT_TRANSLATE_NOOP("Dhcp", "unanswered: the range is full")},
        {Silence::UnknownLease, QT_TRANSLATE_NOOP("Dhcp", "unknown lease")},
        {Silence::StoreFailed, QT_TRANSLATE_NOOP("Dhcp", "unanswered: leases could not be saved")},
        {Silence::UnsupportedArch, QT_TRANSLATE_NOOP("Dhcp", "unanswered: architecture not bootable")},
        {Silence::NotNetworkBoot, QT_TRANSLATE_NOOP("Dhcp", "left to the other server (not booting)")},
    };
    // clang-format on
    for (const auto &[silence, label] : silences)
        if (c.silenced[size_t(silence)])
            list << Counter{QStringLiteral("silenced.%1").arg(int(silence)), DhcpText::tr(label),
                            c.silenced[size_t(silence)]};
    if (c.sendFailed)
        list << Counter{QStringLiteral("sendFailed"), DhcpText::tr("answers the kernel refused"), c.sendFailed};
    RouterSolicitationAnswerer::Counts r;
    {
        QMutexLocker lock(&countersLock_);
        if (routers_)
            r = routers_->counts();
    }
    // clang-format off
    const std::tuple<const char *, const char *, quint64> ipv6[] = {
        {"ipv6.answered", QT_TRANSLATE_NOOP("Dhcp", "IPv6 router solicitations answered (no router: the boot's wait ends)"), r.answered},
        {"ipv6.router", QT_TRANSLATE_NOOP("Dhcp", "IPv6 router solicitations left to the router on the network"), r.otherRouter},
        {"ipv6.notBooting", QT_TRANSLATE_NOOP("Dhcp", "IPv6 router solicitations from machines not network booting"), r.notBooting},
        {"ipv6.dropped", QT_TRANSLATE_NOOP("Dhcp", "IPv6 router messages dropped (malformed or from off the link)"), r.dropped},
    };
    // clang-format on
    for (const auto &[key, label, value] : ipv6)
        if (value)
            list << Counter{QLatin1String(key), DhcpText::tr(label), value};
    return list;
}

void Server::readDatagrams(int fd)
{
    QList<OutgoingDatagram> immediate;
    for (int count; (count = reader_.receive(fd)) > 0;) {
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
            const qsizetype writesBefore = book_ ? book_->pendingCount() : 0;
            const Outcome outcome = proxy_ ? proxy_->respond(request) : responder_->respond(request, now);
            if (const Silence *silence = std::get_if<Silence>(&outcome)) {
                lock.relock();
                ++counters_.silenced[size_t(*silence)];
                continue;
            }
            const Packet &reply = std::get<Answer>(outcome).reply;
            // A boot file answered: this machine's IPv6 wait comes next.
            if (routers_ && !reply.file.isEmpty() && request.htype == 1 && request.chaddr.size() == 6)
                routers_->networkBooting(request.chaddr);
            Destination to = destinationOf(request, reply);
            // On the proxy port (4011) the client has its address and waits where it asked from.
            if (proxy_ && fd != listeners_.front().fd)
                to = {reader_.sourceAddress(i), reader_.sourcePort(i)};
            // An answer that changed a lease (an ACK) waits until the change is durable; the rest
            // (OFFERs, NAKs) leave now.
            (book_ && book_->pendingCount() > writesBefore ? held_ : immediate)
                << OutgoingDatagram{serialize(reply), to.address, to.port};
        }
        send(fd, immediate);
        if (held_.size() >= kMaxHeld)
            commit();
    }
    // Group commit: changes gather for a moment and are written in one transaction, so that under
    // load thousands of leases a second cost a few hundred transactions, not thousands.
    if (book_ && book_->pendingCount() > 0 && !commitTimer_.isActive())
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
    send(listeners_.front().fd, held_);
    held_.clear();
}

void Server::send(int fd, const QList<OutgoingDatagram> &replies)
{
    if (replies.isEmpty())
        return;
    const int sent = sendBatch(fd, replies);
    QMutexLocker lock(&countersLock_);
    counters_.answered += quint64(sent);
    counters_.sendFailed += quint64(replies.size() - sent);
}

} // namespace metaldesk::dhcp
