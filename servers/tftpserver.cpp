#include "tftpserver.h"

#include "bootdecision.h"
#include "configstore.h"
#include "machinestore.h"
#include "tftpsource.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimer>
#include <QtEndian>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::tftp {

Q_LOGGING_CATEGORY(lcTftp, "metaldesk.tftp")

namespace {

struct TftpText {
    Q_DECLARE_TR_FUNCTIONS(Tftp)
};

constexpr int kMinBlockSize = 8;      // RFC 2348
constexpr int kMaxBlockSize = 65464;  // RFC 2348
constexpr int kMaxWindow = 64;        // RFC 7440 allows 65535; beyond this a window only costs memory
constexpr int kReadAheadBytes = 128 * 1024;
constexpr int kEventsPerWait = 64;

qint64 nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QString peerText(const sockaddr_in &a)
{
    return QStringLiteral("%1:%2").arg(QHostAddress(ntohl(a.sin_addr.s_addr)).toString()).arg(ntohs(a.sin_port));
}

bool samePeer(const sockaddr_in &a, const sockaddr_in &b)
{
    return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

// A non-blocking UDP socket bound to `address` (network order) and `port` (0: an ephemeral TID).
// Returns the fd, or -1 with errno set.
int udpSocket(quint32 address, quint16 port, bool wantLocalAddress)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    const int on = 1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    local.sin_addr.s_addr = address;
    // IP_PKTINFO tells which of our addresses a request reached: the transfer answers from it,
    // and the per-node scripts name it.
    if ((wantLocalAddress && ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0) ||
        ::bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void sendTo(int fd, const sockaddr_in &to, const QByteArray &bytes)
{
    // A full socket buffer loses this datagram like the network could: the retransmission timer covers it.
    (void)::sendto(fd, bytes.constData(), size_t(bytes.size()), MSG_DONTWAIT, reinterpret_cast<const sockaddr *>(&to),
                   sizeof to);
}

QByteArray errorPacket(ErrorCode code, const QByteArray &message)
{
    return serialize(ErrorMessage{quint16(code), message});
}

} // namespace

// One read transfer: the client's TID, the negotiated options and the window of blocks it has
// not acknowledged yet. Block numbers are counted from 1 without limit; the wire carries the low
// 16 bits, so they roll over to 0 after 65535.
struct Server::Transfer {
    int fd = -1;
    sockaddr_in peer{};
    QString file; // for the log
    std::unique_ptr<Source> source;
    int blockSize = 512;
    int window = 1;
    int timeoutMs = 1000;
    QByteArray oack;             // sent instead of block 1 until the client acknowledges it with ACK 0
    bool optionsPending = false;
    std::vector<char> buffer;    // the stream from offset bufferStart: at least one window
    qint64 bufferStart = 0;
    qint64 bufferLength = 0;
    bool atEnd = false;          // the source is exhausted: lastBlock is known
    quint64 lastBlock = 0;
    quint64 acked = 0;           // the highest block the client acknowledged
    quint64 sent = 0;            // the highest block sent so far
    qint64 deadline = 0;         // when the unacknowledged window (or OACK) is sent again
    int retries = 0;
    char headers[kMaxWindow][4];

    qint64 offsetOf(quint64 block) const { return qint64(block - 1) * blockSize; }

    // Makes the stream up to the end of `block` available (or all of it, if it ends earlier).
    // Drops what the client has acknowledged first, so the buffer never grows. False on a read error.
    bool fill(quint64 block)
    {
        if (atEnd || bufferStart + bufferLength >= qint64(block) * blockSize)
            return true;
        const qint64 drop = qMin(qint64(acked) * blockSize - bufferStart, bufferLength);
        if (drop > 0) {
            std::memmove(buffer.data(), buffer.data() + drop, size_t(bufferLength - drop));
            bufferStart += drop;
            bufferLength -= drop;
        }
        while (bufferLength < qint64(buffer.size())) {
            const qint64 n = source->read(buffer.data() + bufferLength, qint64(buffer.size()) - bufferLength);
            if (n < 0)
                return false;
            if (n == 0) {
                atEnd = true;
                // A stream that ends on a block boundary ends with an empty block.
                lastBlock = quint64((bufferStart + bufferLength) / blockSize) + 1;
                break;
            }
            bufferLength += n;
        }
        return true;
    }
};

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config)
{
    ServerConfig c;
    auto port = config.intValue(QStringLiteral("tftp_port"), 69);
    if (!port)
        return port.error();
    if (*port < 1 || *port > 65535)
        return Error{TftpText::tr("the TFTP port %1 should be between 1 and 65535").arg(*port)};
    c.port = quint16(*port);
    auto root = config.value(QStringLiteral("boot_root"), c.files.root);
    if (!root)
        return root.error();
    auto loaders = config.value(QStringLiteral("boot_loader_dir"), c.files.bootloaderDir);
    if (!loaders)
        return loaders.error();
    c.files = {root->trimmed(), loaders->trimmed()};
    auto http = config.intValue(QStringLiteral("http_port"), c.httpPort);
    if (!http)
        return http.error();
    if (*http < 1 || *http > 65535)
        return Error{TftpText::tr("the HTTP port %1 should be between 1 and 65535").arg(*http)};
    c.httpPort = quint16(*http);
    auto retries = config.intValue(QStringLiteral("tftp_retries"), c.retries);
    if (!retries)
        return retries.error();
    if (*retries < 1)
        return Error{TftpText::tr("tftp_retries should be at least 1, not %1").arg(*retries)};
    c.retries = *retries;
    return c;
}

Server::Server(std::shared_ptr<Database> db, ServerConfig config) : db_(std::move(db)), config_(std::move(config)) {}

Server::~Server()
{
    for (const auto &[fd, transfer] : transfers_)
        ::close(fd);
    if (listenFd_ >= 0)
        ::close(listenFd_);
    if (epollFd_ >= 0)
        ::close(epollFd_);
}

QString Server::description() const
{
    return TftpText::tr("read-only TFTP on udp port %1, files from %2").arg(config_.port).arg(config_.files.root);
}

void Server::start()
{
    machines_ = std::make_unique<MachineStore>(db_, nullptr);
    decider_ = std::make_unique<BootDecider>(*machines_);
    files_ = std::make_unique<boot::BootFiles>(config_.files, *decider_);

    listenFd_ = udpSocket(htonl(INADDR_ANY), config_.port, true);
    if (listenFd_ < 0) {
        const int error = errno;
        QString detail = TftpText::tr("cannot listen on udp port %1: %2")
                             .arg(config_.port)
                             .arg(QString::fromLocal8Bit(std::strerror(error)));
        if (error == EACCES || error == EPERM)
            detail += TftpText::tr(". Ports below 1024 need root or the capability: sudo setcap "
                                   "cap_net_bind_service,cap_net_raw=ep %1")
                          .arg(QCoreApplication::applicationFilePath());
        qCWarning(lcTftp).noquote() << detail;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    // One epoll set holds the listening socket and every transfer's socket: one notifier for all.
    epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listenFd_;
    if (epollFd_ < 0 || ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &event) != 0) {
        const QString detail =
            TftpText::tr("cannot watch the TFTP sockets: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        qCWarning(lcTftp).noquote() << detail;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    notifier_ = new QSocketNotifier(qintptr(epollFd_), QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &Server::serveReady);
    retransmitTimer_ = new QTimer(this);
    retransmitTimer_->setInterval(100); // retransmission deadlines are checked to this precision
    connect(retransmitTimer_, &QTimer::timeout, this, &Server::resendExpired);

    if (const QString missing = files_->missingBootloaders(); !missing.isEmpty())
        qCWarning(lcTftp).noquote() << missing;
    qCInfo(lcTftp).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void Server::stop()
{
    delete notifier_;
    notifier_ = nullptr;
    if (retransmitTimer_)
        retransmitTimer_->stop();
    for (const auto &[fd, transfer] : transfers_)
        ::close(fd);
    transfers_.clear();
    if (listenFd_ >= 0)
        ::close(listenFd_);
    listenFd_ = -1;
    emit stateChanged(QStringLiteral("stopped"), {});
}

Counters Server::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

void Server::serveReady()
{
    epoll_event events[kEventsPerWait];
    // A few rounds per wake-up: the ACKs that arrived while we sent are served without another
    // trip through the event loop.
    for (int round = 0; round < 8; ++round) {
        const int ready = ::epoll_wait(epollFd_, events, kEventsPerWait, 0);
        if (ready <= 0)
            break;
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listenFd_) {
                readRequest();
            } else if (auto it = transfers_.find(fd); it != transfers_.end()) {
                readFromTransfer(*it->second);
            }
        }
    }
    if (unsentBytes_) {
        QMutexLocker lock(&countersLock_);
        counters_.bytesSent += unsentBytes_;
        unsentBytes_ = 0;
    }
}

void Server::readRequest()
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
                QMutexLocker lock(&countersLock_);
                // Counted always, logged once per hundred: a flood must not flood the log too.
                log = counters_.dropped[size_t(failure->error)]++ % 100 == 0;
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
        {
            QMutexLocker lock(&countersLock_);
            ++counters_.requests;
        }
        if (request->write) {
            {
                QMutexLocker lock(&countersLock_);
                ++counters_.refused;
            }
            qCInfo(lcTftp).noquote() << "refused an upload of" << request->filename << "from" << peerText(peer);
            refuse(peer, local, ErrorCode::AccessViolation, "MetalDesk serves boot files read-only: uploads are refused");
            continue;
        }
        startTransfer(*request, peer, local);
    }
}

void Server::refuse(const sockaddr_in &peer, quint32 localAddress, ErrorCode code, const QByteArray &message)
{
    // From a TID of its own, as a transfer would answer (RFC 1350 §4).
    const int fd = udpSocket(localAddress, 0, false);
    if (fd < 0)
        return;
    sendTo(fd, peer, errorPacket(code, message));
    ::close(fd);
}

void Server::startTransfer(const Request &request, const sockaddr_in &peer, quint32 localAddress)
{
    const QString file = QString::fromUtf8(request.filename.left(200));
    auto refused = [&](ErrorCode code, const QString &why) {
        {
            QMutexLocker lock(&countersLock_);
            ++counters_.refused;
        }
        qCInfo(lcTftp).noquote() << "refused" << file << "to" << peerText(peer) << why;
        refuse(peer, localAddress, code, why.toUtf8());
    };
    if (int(transfers_.size()) >= config_.maxTransfers)
        return refused(ErrorCode::NotDefined, TftpText::tr("too many transfers at once, try again"));

    boot::Endpoint endpoint;
    endpoint.serverAddress = QHostAddress(ntohl(localAddress)).toString();
    endpoint.httpPort = config_.httpPort;
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
        } else if (option == "timeout" && ok && number >= 1 && number <= 255) {
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
    t->source = std::move(source);
    const int blocksAhead = qMax(t->window, (kReadAheadBytes + t->blockSize - 1) / t->blockSize);
    t->buffer.resize(size_t(blocksAhead) * size_t(t->blockSize));

    t->fd = udpSocket(localAddress, 0, false);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = t->fd;
    if (t->fd < 0 || ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, t->fd, &event) != 0) {
        const QString why = TftpText::tr("no socket for the transfer: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        qCWarning(lcTftp).noquote() << why;
        if (t->fd >= 0)
            ::close(t->fd);
        return refused(ErrorCode::NotDefined, why);
    }
    qCInfo(lcTftp).noquote() << "sending" << file << "to" << peerText(peer) << "blksize" << t->blockSize
                             << "windowsize" << t->window << request.mode;
    Transfer &transfer = *t;
    transfers_.emplace(t->fd, std::move(t));
    if (!retransmitTimer_->isActive())
        retransmitTimer_->start();
    if (!accepted.isEmpty()) {
        transfer.oack = serialize(OptionAck{accepted});
        transfer.optionsPending = true;
        sendTo(transfer.fd, transfer.peer, transfer.oack);
        transfer.deadline = nowMs() + transfer.timeoutMs;
    } else {
        sendWindow(transfer, 1);
    }
}

void Server::sendWindow(Transfer &t, quint64 from)
{
    const quint64 to = from + quint64(t.window) - 1;
    // Filled once for the whole window: the buffer must not move under the iovecs below.
    if (!t.fill(to)) {
        const int error = errno;
        sendTo(t.fd, t.peer, errorPacket(ErrorCode::NotDefined, "read error on the server"));
        finish(t.fd, false, TftpText::tr("cannot read %1: %2").arg(t.file, QString::fromLocal8Bit(std::strerror(error))));
        return;
    }
    mmsghdr messages[kMaxWindow];
    iovec parts[kMaxWindow][2];
    int count = 0;
    for (quint64 block = from; block <= to; ++block) {
        if (t.atEnd && block > t.lastBlock)
            break;
        const qint64 offset = t.offsetOf(block) - t.bufferStart;
        const qint64 length = qBound<qint64>(0, t.bufferLength - offset, t.blockSize);
        char *header = t.headers[count];
        qToBigEndian(quint16(Opcode::Data), header);
        qToBigEndian(quint16(block), header + 2); // the low 16 bits: 65535 rolls over to 0
        parts[count][0] = {header, 4};
        parts[count][1] = {t.buffer.data() + offset, size_t(length)};
        messages[count] = {};
        messages[count].msg_hdr.msg_name = &t.peer;
        messages[count].msg_hdr.msg_namelen = sizeof t.peer;
        messages[count].msg_hdr.msg_iov = parts[count];
        messages[count].msg_hdr.msg_iovlen = 2;
        unsentBytes_ += quint64(length);
        ++count;
    }
    for (int done = 0; done < count;) {
        const int n = ::sendmmsg(t.fd, messages + done, unsigned(count - done), MSG_DONTWAIT);
        if (n <= 0)
            break; // a full socket buffer: what is left goes again when the window times out
        done += n;
    }
    t.sent = qMax(t.sent, from + quint64(count) - 1);
    t.deadline = nowMs() + t.timeoutMs;
}

void Server::readFromTransfer(Transfer &t)
{
    char packet[1024];
    for (int i = 0; i < 16; ++i) {
        sockaddr_in from{};
        socklen_t fromLength = sizeof from;
        const ssize_t n = ::recvfrom(t.fd, packet, sizeof packet, MSG_DONTWAIT, reinterpret_cast<sockaddr *>(&from),
                                     &fromLength);
        if (n < 0)
            return;
        if (!samePeer(from, t.peer)) {
            // Someone else's packet on this TID: tell them, and carry on with our client (RFC 1350 §4).
            sendTo(t.fd, from, errorPacket(ErrorCode::UnknownTransferId, "unknown transfer ID"));
            continue;
        }
        auto parsed = parse(QByteArrayView(packet, qMin<qsizetype>(n, sizeof packet)));
        if (const ParseFailure *failure = std::get_if<ParseFailure>(&parsed)) {
            QMutexLocker lock(&countersLock_);
            ++counters_.dropped[size_t(failure->error)];
            continue;
        }
        const Message &message = std::get<Message>(parsed);
        if (const ErrorMessage *error = std::get_if<ErrorMessage>(&message)) {
            finish(t.fd, false,
                   TftpText::tr("the client gave up (error %1: %2)")
                       .arg(error->code)
                       .arg(QString::fromUtf8(error->message.left(200))));
            return;
        }
        const Ack *ack = std::get_if<Ack>(&message);
        if (!ack)
            continue;
        if (t.optionsPending) {
            if (ack->block != 0)
                continue;
            t.optionsPending = false;
            t.retries = 0;
            sendWindow(t, 1);
            continue;
        }
        // The one block in the unacknowledged window with these low 16 bits.
        const quint64 block = t.acked + quint16(ack->block - quint16(t.acked));
        // A duplicate or stale ACK never makes us send: answering duplicates with data would
        // double every packet from then on (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1).
        if (block <= t.acked || block > t.sent)
            continue;
        t.acked = block;
        t.retries = 0;
        if (t.atEnd && block == t.lastBlock) {
            finish(t.fd, true, {});
            return;
        }
        // With a window, an ACK of block n asks for n+1 onwards, also when n ends a partial window.
        sendWindow(t, block + 1);
        if (!transfers_.count(t.fd))
            return;
    }
}

void Server::resendExpired()
{
    const qint64 now = nowMs();
    std::vector<int> expired;
    for (const auto &[fd, t] : transfers_)
        if (t->deadline <= now)
            expired.push_back(fd);
    for (int fd : expired) {
        auto it = transfers_.find(fd);
        if (it == transfers_.end())
            continue;
        Transfer &t = *it->second;
        if (t.retries >= config_.retries) {
            finish(fd, false, TftpText::tr("no answer after %1 retransmissions").arg(t.retries));
            continue;
        }
        ++t.retries;
        if (t.optionsPending) {
            sendTo(t.fd, t.peer, t.oack);
            t.deadline = now + t.timeoutMs;
        } else {
            sendWindow(t, t.acked + 1);
        }
    }
    if (unsentBytes_) {
        QMutexLocker lock(&countersLock_);
        counters_.bytesSent += unsentBytes_;
        unsentBytes_ = 0;
    }
}

void Server::finish(int fd, bool completed, const QString &why)
{
    auto it = transfers_.find(fd);
    if (it == transfers_.end())
        return;
    const Transfer &t = *it->second;
    if (completed)
        qCInfo(lcTftp).noquote() << "sent" << t.file << "to" << peerText(t.peer) << "(" << t.bufferStart + t.bufferLength
                                 << "bytes)";
    else
        qCInfo(lcTftp).noquote() << "transfer of" << t.file << "to" << peerText(t.peer) << "failed:" << why;
    ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    transfers_.erase(it);
    if (transfers_.empty())
        retransmitTimer_->stop();
    QMutexLocker lock(&countersLock_);
    ++(completed ? counters_.completed : counters_.failed);
}

} // namespace metaldesk::tftp
