#include "servers/tftp/tftpserver.h"

#include "core/boot/bootdecision.h"
#include "core/machines/machinestore.h"
#include "core/storage/configstore.h"
#include "servers/net/udpsocket.h"
#include "servers/tftp/tftpsource.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::tftp {

Q_LOGGING_CATEGORY(lcTftp, "metaldesk.tftp")

namespace {

struct TftpText {
    Q_DECLARE_TR_FUNCTIONS(Tftp)
};

constexpr int kMinBlockSize = 8;     // RFC 2348
constexpr int kMaxBlockSize = 65464; // RFC 2348
constexpr int kReadAheadBytes = 128 * 1024;

// A non-blocking UDP socket bound to `address` (network order) and `port` (0: an ephemeral TID).
// IP_PKTINFO on the listening one tells which of our addresses a request reached: the transfer
// answers from it, and the per-node scripts name it. Returns the fd, or -1 with errno set.
int udpSocket(quint32 address, quint16 port, bool wantLocalAddress, const QString &device = {})
{
    net::UdpSocketOptions options;
    options.address = address;
    options.port = port;
    options.packetInfo = wantLocalAddress;
    options.device = device.toLocal8Bit();
    // The listening socket takes bursts: a flood of requests (hundreds at once) must not drop a
    // firmware's request among them (the default buffer holds about 300).
    if (port != 0)
        options.receiveBuffer = 4 << 20;
    return net::openUdpSocket(options);
}

} // namespace

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config, const QString &listenAddress)
{
    ServerConfig c;
    if (!listenAddress.isEmpty())
        c.address = listenAddress;
    if (QHostAddress a; !a.setAddress(c.address) || a.protocol() != QAbstractSocket::IPv4Protocol)
        return Error{TftpText::tr("the listen address '%1' is not an IPv4 address").arg(c.address)};
    auto port = config.integer(setting::TftpPort);
    auto http = config.integer(setting::HttpPort);
    auto retries = config.integer(setting::TftpRetries);
    auto threads = config.integer(setting::TftpThreads);
    for (const auto *v : {&port, &http, &retries, &threads})
        if (!*v)
            return v->error();
    auto files = boot::BootFilesConfig::fromConfig(config);
    if (!files)
        return files.error();
    c.files = *files;
    c.port = quint16(*port);
    c.httpPort = quint16(*http);
    c.retries = *retries;
    // More loops than cores on purpose (the setting's default is 8): lock-step transfers wait on
    // round trips, not on the CPU, and on a busy host (the VMs being booted run beside us) the
    // scheduler shares the CPU per runnable thread. Eight measured 1.3x faster than two with 8
    // clients on 2 cores.
    c.threads = *threads;
    return c;
}

Server::Server(std::shared_ptr<Database> db, ServerConfig config) : db_(std::move(db)), config_(std::move(config)) {}

Server::~Server()
{
    loops_.clear(); // joins their threads before the counters they write go
    if (listenFd_ >= 0)
        ::close(listenFd_);
}

QString Server::description() const
{
    return TftpText::tr("read-only TFTP on udp port %1 of %2, files from %3")
        .arg(config_.port)
        .arg(config_.address, config_.files.root);
}

void Server::start()
{
    machines_ = std::make_unique<MachineStore>(db_, nullptr);
    decider_ = std::make_unique<BootDecider>(*machines_);
    leases_ = std::make_unique<LeaseStore>(db_);
    files_ = std::make_unique<boot::BootFiles>(config_.files, *decider_, leases_.get());

    listenFd_ = udpSocket(htonl(QHostAddress(config_.address).toIPv4Address()), config_.port, true, config_.device);
    if (listenFd_ < 0) {
        const int error = errno;
        const QString reason = QString::fromLocal8Bit(std::strerror(error));
        // Whole sentences, so that a translator sees each message at once.
        const QString detail =
            (error == EACCES || error == EPERM)
                ? TftpText::tr("cannot listen on udp %1:%2: %3. Ports below 1024 need root or the capability: "
                               "sudo setcap cap_net_bind_service=ep %4")
                      .arg(config_.address)
                      .arg(config_.port)
                      .arg(reason, QCoreApplication::applicationFilePath())
                : TftpText::tr("cannot listen on udp %1:%2: %3").arg(config_.address).arg(config_.port).arg(reason);
        qCWarning(lcTftp).noquote() << detail;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    for (int i = 0; i < config_.threads; ++i) {
        auto loop = std::make_unique<TransferLoop>(counters_, config_.retries, config_.stallMs);
        if (const QString problem = loop->start(); !problem.isEmpty()) {
            qCWarning(lcTftp).noquote() << problem;
            emit stateChanged(QStringLiteral("failed"), problem);
            return;
        }
        loops_.push_back(std::move(loop));
    }
    notifier_ = new QSocketNotifier(qintptr(listenFd_), QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &Server::readRequests);

    if (const QString missing = files_->missingBootloaders(); !missing.isEmpty())
        qCWarning(lcTftp).noquote() << missing;
    qCInfo(lcTftp).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void Server::stop()
{
    delete notifier_;
    notifier_ = nullptr;
    loops_.clear();
    if (listenFd_ >= 0)
        ::close(listenFd_);
    listenFd_ = -1;
    emit stateChanged(QStringLiteral("stopped"), {});
}

Counters Server::counters() const
{
    QMutexLocker lock(&counters_.lock);
    return counters_.counters;
}

QList<Counter> Server::counterList() const
{
    const Counters c = counters();
    quint64 dropped = 0;
    for (quint64 n : c.dropped)
        dropped += n;
    QList<Counter> list{
        {QStringLiteral("requests"), TftpText::tr("requests"), c.requests},
        {QStringLiteral("completed"), TftpText::tr("transfers completed"), c.completed},
        {QStringLiteral("failed"), TftpText::tr("transfers failed"), c.failed},
        {QStringLiteral("refused"), TftpText::tr("requests refused"), c.refused},
        {QStringLiteral("bytes"), TftpText::tr("bytes sent"), c.bytesSent},
        {QStringLiteral("dropped"), TftpText::tr("dropped (malformed)"), dropped},
    };
    for (int i = 0; i < ParseErrorCount; ++i)
        if (c.dropped[size_t(i)])
            list << Counter{QStringLiteral("dropped.") + QLatin1String(parseErrorName(ParseError(i))),
                            TftpText::tr("dropped: %1").arg(QLatin1String(parseErrorName(ParseError(i)))),
                            c.dropped[size_t(i)]};
    return list;
}

void Server::count(quint64 Counters::*counter)
{
    QMutexLocker lock(&counters_.lock);
    ++(counters_.counters.*counter);
}

bool Server::countRefusal()
{
    // Logged once per hundred: a flood of requests must not flood the log (and stall this thread on
    // a full pipe or disk) too.
    QMutexLocker lock(&counters_.lock);
    return counters_.counters.refused++ % 100 == 0;
}

void Server::readRequests()
{
    char packet[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
    for (int i = 0; i < 32; ++i) {
        sockaddr_in peer{};
        iovec iov{packet, sizeof packet};
        msghdr message{};
        message.msg_name = &peer;
        message.msg_namelen = sizeof peer;
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(listenFd_, &message, MSG_DONTWAIT);
        if (n < 0)
            return;
        quint32 local = htonl(INADDR_ANY);
        for (cmsghdr *c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
                local = reinterpret_cast<const in_pktinfo *>(CMSG_DATA(c))->ipi_spec_dst.s_addr;

        auto parsed = parse(QByteArrayView(packet, qMin<qsizetype>(n, sizeof packet)));
        if (const ParseFailure *failure = std::get_if<ParseFailure>(&parsed)) {
            bool log = false;
            {
                QMutexLocker lock(&counters_.lock);
                // Counted always, logged once per hundred: a flood must not flood the log too.
                log = counters_.counters.dropped[size_t(failure->error)]++ % 100 == 0;
            }
            if (log)
                qCInfo(lcTftp).noquote() << "dropped from" << peerText(peer) << parseErrorName(failure->error)
                                         << failure->detail;
            // A request we understood as far as its opcode or mode: the client learns why.
            if (failure->error == ParseError::BadOpcode || failure->error == ParseError::BadMode)
                refuse(peer, local, ErrorCode::IllegalOperation, failure->detail.toUtf8());
            continue;
        }
        const Request *request = std::get_if<Request>(&std::get<Message>(parsed));
        if (!request)
            continue; // a late DATA, ACK or ERROR for a finished transfer: nothing to answer
        count(&Counters::requests);
        if (request->write) {
            if (countRefusal())
                qCInfo(lcTftp).noquote() << "refused an upload of" << request->filename << "from" << peerText(peer)
                                         << "(one refusal in a hundred is logged; all are counted)";
            refuse(peer, local, ErrorCode::AccessViolation,
                   "MetalDesk serves boot files read-only: uploads are refused");
            continue;
        }
        startTransfer(*request, peer, local);
    }
}

void Server::refuse(const sockaddr_in &peer, quint32 localAddress, ErrorCode code, const QByteArray &message)
{
    // From a TID of its own, as a transfer would answer (RFC 1350 section 4).
    const int fd = udpSocket(localAddress, 0, false);
    if (fd < 0)
        return;
    sendDatagram(fd, peer, serialize(ErrorMessage{quint16(code), message}));
    ::close(fd);
}

void Server::startTransfer(const Request &request, const sockaddr_in &peer, quint32 localAddress)
{
    const QString file = QString::fromUtf8(request.filename.left(200));
    auto refused = [&](ErrorCode code, const QString &why) {
        if (countRefusal())
            qCInfo(lcTftp).noquote() << "refused" << file << "to" << peerText(peer) << why
                                     << "(one refusal in a hundred is logged; all are counted)";
        refuse(peer, localAddress, code, why.toUtf8());
    };
    auto leastBusy = std::min_element(loops_.begin(), loops_.end(),
                                      [](const auto &a, const auto &b) { return a->active() < b->active(); });
    int active = 0;
    for (const auto &loop : loops_)
        active += loop->active();
    if (active >= config_.maxTransfers)
        return refused(ErrorCode::NotDefined, TftpText::tr("too many transfers at once, try again"));
    if (slots_.inUse(peer.sin_addr.s_addr) >= config_.maxTransfersPerClient)
        return refused(ErrorCode::NotDefined, TftpText::tr("too many transfers from %1 at once, try again")
                                                  .arg(QHostAddress(ntohl(peer.sin_addr.s_addr)).toString()));

    boot::Endpoint endpoint;
    endpoint.serverAddress = QHostAddress(ntohl(localAddress)).toString();
    endpoint.httpPort = config_.httpPort;
    endpoint.clientAddress = ntohl(peer.sin_addr.s_addr);
    const boot::Resolved resolved = files_->resolve(request.filename, endpoint);
    std::unique_ptr<Source> source;
    QByteArray generated;
    if (const auto *no = std::get_if<boot::Refused>(&resolved)) {
        switch (no->reason) {
        case boot::Refusal::BadPath: return refused(ErrorCode::AccessViolation, no->detail);
        case boot::Refusal::NotFound: return refused(ErrorCode::FileNotFound, no->detail);
        case boot::Refusal::Unavailable: return refused(ErrorCode::NotDefined, no->detail);
        }
        return;
    }
    if (const auto *disk = std::get_if<boot::OnDisk>(&resolved)) {
        auto f = std::make_unique<FileSource>(disk->path);
        if (const int error = f->error())
            return refused(error == EACCES ? ErrorCode::AccessViolation : ErrorCode::FileNotFound,
                           TftpText::tr("cannot read %1: %2").arg(file, QString::fromLocal8Bit(std::strerror(error))));
        source = std::move(f);
    } else {
        generated = std::get<boot::Generated>(resolved).content;
        source = std::make_unique<BytesSource>(generated);
    }
    if (request.mode == "netascii") {
        // A file's netascii size is only known by reading it all: tsize is then left unanswered.
        const qint64 size = std::holds_alternative<boot::Generated>(resolved) ? netasciiSize(generated) : -1;
        source = std::make_unique<NetasciiSource>(std::move(source), size);
    }

    auto t = std::make_unique<Transfer>();
    t->peer = peer;
    t->file = file;
    t->timeoutMs = config_.retransmitMs;
    Options accepted;
    for (const auto &[option, value] : request.options) {
        bool ok = false;
        const int number = value.toInt(&ok);
        if (option == "blksize" && ok && number >= kMinBlockSize) {
            t->blockSize = qMin(number, kMaxBlockSize);
            accepted.append({option, QByteArray::number(t->blockSize)});
        } else if (option == "timeout" && ok && number >= 1 && number <= kMaxTimeoutSeconds) {
            t->timeoutMs = number * 1000;
            accepted.append({option, value});
        } else if (option == "tsize" && source->size() >= 0) {
            accepted.append({option, QByteArray::number(source->size())});
        } else if (option == "windowsize" && ok && number >= 1) {
            t->window = qMin(number, kMaxWindow);
            accepted.append({option, QByteArray::number(t->window)});
        }
        // Anything else is left out of the OACK, which tells the client it was not taken (RFC 2347).
    }
    // A window of large blocks is shrunk to what kMaxWindowBytes holds, and the OACK says so.
    if (const int fits = qMax(1, kMaxWindowBytes / t->blockSize); t->window > fits) {
        t->window = fits;
        for (auto &[option, value] : accepted)
            if (option == "windowsize")
                value = QByteArray::number(fits);
    }
    t->source = std::move(source);
    // Allocated as the transfer goes (Transfer::fill): nothing before the client's first answer.
    t->readAheadBlocks = qMax(t->window, (kReadAheadBytes + t->blockSize - 1) / t->blockSize);
    if (!accepted.isEmpty()) {
        t->oack = serialize(OptionAck{accepted});
        t->optionsPending = true;
    }
    t->fd = udpSocket(localAddress, 0, false);
    if (t->fd < 0) {
        const QString why =
            TftpText::tr("no socket for the transfer: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        qCWarning(lcTftp).noquote() << why;
        return refused(ErrorCode::NotDefined, why);
    }
    t->addressSlots = &slots_;
    slots_.take(peer.sin_addr.s_addr);
    qCInfo(lcTftp).noquote() << "sending" << file << "to" << peerText(peer) << "blksize" << t->blockSize << "windowsize"
                             << t->window << request.mode;
    (*leastBusy)->add(std::move(t));
}

} // namespace metaldesk::tftp
