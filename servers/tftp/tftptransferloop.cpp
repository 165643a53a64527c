#include "servers/tftp/tftptransferloop.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QtEndian>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::tftp {

Q_DECLARE_LOGGING_CATEGORY(lcTftp)

namespace {

struct TftpText {
    Q_DECLARE_TR_FUNCTIONS(Tftp)
};

constexpr int kEventsPerWait = 64;
constexpr int kCheckEveryMs = 100; // retransmission deadlines are checked to this precision

qint64 nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool samePeer(const sockaddr_in &a, const sockaddr_in &b)
{
    return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

} // namespace

QString peerText(const sockaddr_in &a)
{
    return QStringLiteral("%1:%2").arg(QHostAddress(ntohl(a.sin_addr.s_addr)).toString()).arg(ntohs(a.sin_port));
}

void sendDatagram(int fd, const sockaddr_in &to, const QByteArray &bytes)
{
    (void)::sendto(fd, bytes.constData(), size_t(bytes.size()), MSG_DONTWAIT, reinterpret_cast<const sockaddr *>(&to),
                   sizeof to);
}

int AddressSlots::inUse(quint32 address) const
{
    QMutexLocker lock(&lock_);
    const auto it = used_.find(address);
    return it == used_.end() ? 0 : it->second;
}

void AddressSlots::take(quint32 address)
{
    QMutexLocker lock(&lock_);
    ++used_[address];
}

void AddressSlots::give(quint32 address)
{
    QMutexLocker lock(&lock_);
    if (auto it = used_.find(address); it != used_.end() && --it->second <= 0)
        used_.erase(it);
}

Transfer::~Transfer()
{
    if (fd >= 0)
        ::close(fd);
    if (addressSlots)
        addressSlots->give(peer.sin_addr.s_addr);
}

bool Transfer::fill(quint64 block)
{
    if (atEnd || bufferStart + bufferLength >= qint64(block) * blockSize)
        return true;
    if (const size_t want = size_t(heard ? readAheadBlocks : window) * size_t(blockSize); buffer.size() < want)
        buffer.resize(want);
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

TransferLoop::TransferLoop(SharedCounters &counters, int retries, int stallMs)
    : counters_(counters), retries_(retries), stallMs_(stallMs)
{
}

TransferLoop::~TransferLoop()
{
    if (thread_.joinable()) {
        stopping_ = true;
        wake();
        thread_.join();
    }
    transfers_.clear();
    queue_.clear();
    if (wakeFd_ >= 0)
        ::close(wakeFd_);
    if (epollFd_ >= 0)
        ::close(epollFd_);
}

QString TransferLoop::start()
{
    epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wakeFd_;
    if (epollFd_ < 0 || wakeFd_ < 0 || ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &event) != 0)
        return TftpText::tr("cannot watch the TFTP sockets: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    thread_ = std::thread([this] { run(); });
    return {};
}

void TransferLoop::wake()
{
    const quint64 one = 1;
    (void)::write(wakeFd_, &one, sizeof one);
}

void TransferLoop::add(std::unique_ptr<Transfer> transfer)
{
    active_.fetch_add(1, std::memory_order_relaxed);
    {
        QMutexLocker lock(&queueLock_);
        queue_.push_back(std::move(transfer));
    }
    wake();
}

void TransferLoop::run()
{
    epoll_event events[kEventsPerWait];
    qint64 nextCheck = nowMs() + kCheckEveryMs;
    while (!stopping_.load(std::memory_order_relaxed)) {
        const int timeout = transfers_.empty() ? -1 : int(qMax<qint64>(0, nextCheck - nowMs()));
        const int ready = ::epoll_wait(epollFd_, events, kEventsPerWait, timeout);
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            if (fd == wakeFd_) {
                adoptNew();
            } else if (auto it = transfers_.find(fd); it != transfers_.end()) {
                readFrom(*it->second);
            }
        }
        if (const qint64 now = nowMs(); now >= nextCheck) {
            resendExpired(now);
            nextCheck = now + kCheckEveryMs;
        }
        flushBytes();
    }
}

void TransferLoop::adoptNew()
{
    quint64 count = 0;
    (void)::read(wakeFd_, &count, sizeof count);
    std::vector<std::unique_ptr<Transfer>> arrived;
    {
        QMutexLocker lock(&queueLock_);
        arrived.swap(queue_);
    }
    for (auto &t : arrived) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = t->fd;
        if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, t->fd, &event) != 0) {
            qCWarning(lcTftp).noquote() << "cannot watch the socket of a transfer:" << std::strerror(errno);
            active_.fetch_sub(1, std::memory_order_relaxed);
            QMutexLocker lock(&counters_.lock);
            ++counters_.counters.failed;
            continue;
        }
        Transfer &transfer = *t;
        transfer.progress = nowMs();
        transfers_.emplace(t->fd, std::move(t));
        if (transfer.optionsPending) {
            sendDatagram(transfer.fd, transfer.peer, transfer.oack);
            transfer.deadline = nowMs() + transfer.timeoutMs;
        } else {
            sendWindow(transfer, 1);
        }
    }
}

void TransferLoop::sendWindow(Transfer &t, quint64 from)
{
    const quint64 to = from + quint64(t.window) - 1;
    // Filled once for the whole window: the buffer must not move under the iovecs below.
    if (!t.fill(to)) {
        const int error = errno;
        sendDatagram(t.fd, t.peer, serialize(ErrorMessage{quint16(ErrorCode::NotDefined), "read error on the server"}));
        finish(t.fd, false,
               TftpText::tr("cannot read %1: %2").arg(t.file, QString::fromLocal8Bit(std::strerror(error))));
        return;
    }
    mmsghdr messages[kMaxWindow];
    iovec parts[kMaxWindow][2];
    int count = 0;
    for (quint64 block = from; block <= to; ++block) {
        if (t.atEnd && block > t.lastBlock)
            break;
        const qint64 offset = t.offsetOf(block) - t.bufferStart;
        const qint64 length = qBound(qint64(0), t.bufferLength - offset, qint64(t.blockSize));
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

void TransferLoop::readFrom(Transfer &t)
{
    // One datagram per call: epoll is level-triggered, so the next wake-up reads the next one,
    // and the usual case (one ACK) costs no extra recvfrom that ends in EAGAIN.
    const int fd = t.fd;
    char packet[1024];
    sockaddr_in from{};
    socklen_t fromLength = sizeof from;
    const ssize_t n =
        ::recvfrom(fd, packet, sizeof packet, MSG_DONTWAIT, reinterpret_cast<sockaddr *>(&from), &fromLength);
    if (n < 0)
        return;
    if (!samePeer(from, t.peer)) {
        // Someone else's packet on this TID: tell them, and carry on with our client (RFC 1350 §4).
        sendDatagram(fd, from, serialize(ErrorMessage{quint16(ErrorCode::UnknownTransferId), "unknown transfer ID"}));
        return;
    }
    auto parsed = parse(QByteArrayView(packet, qMin<qsizetype>(n, sizeof packet)));
    if (const ParseFailure *failure = std::get_if<ParseFailure>(&parsed)) {
        QMutexLocker lock(&counters_.lock);
        ++counters_.counters.dropped[size_t(failure->error)];
        return;
    }
    const Message &message = std::get<Message>(parsed);
    if (const ErrorMessage *error = std::get_if<ErrorMessage>(&message)) {
        finish(fd, false,
               TftpText::tr("the client gave up (error %1: %2)")
                   .arg(error->code)
                   .arg(QString::fromUtf8(error->message.left(200))));
        return;
    }
    const Ack *ack = std::get_if<Ack>(&message);
    if (!ack)
        return;
    if (t.optionsPending) {
        if (ack->block != 0)
            return;
        t.optionsPending = false;
        t.heard = true;
        t.retries = 0;
        t.progress = nowMs();
        sendWindow(t, 1);
        return;
    }
    // The one block in the unacknowledged window with these low 16 bits.
    const quint64 block = t.acked + quint16(ack->block - quint16(t.acked));
    // A duplicate or stale ACK never makes us send: answering duplicates with data would
    // double every packet from then on (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1).
    if (block <= t.acked || block > t.sent)
        return;
    t.acked = block;
    t.heard = true;
    t.retries = 0;
    t.progress = nowMs();
    if (t.atEnd && block == t.lastBlock) {
        finish(fd, true, {});
        return;
    }
    // With a window, an ACK of block n asks for n+1 onwards, also when n ends a partial window.
    sendWindow(t, block + 1);
}

void TransferLoop::resendExpired(qint64 now)
{
    std::vector<int> expired;
    for (const auto &[fd, t] : transfers_)
        if (t->deadline <= now)
            expired.push_back(fd);
    for (int fd : expired) {
        auto it = transfers_.find(fd);
        if (it == transfers_.end())
            continue;
        Transfer &t = *it->second;
        // A client not heard from yet may be a forged source address: it gets at most
        // kUnheardResends resends (block 1 or the OACK), however many the setting allows a client
        // that has answered (security review L2, reflection).
        if (t.retries >= (t.heard ? retries_ : qMin(retries_, kUnheardResends))) {
            finish(fd, false, TftpText::tr("no answer after %1 retransmissions").arg(t.retries));
            continue;
        }
        if (now - t.progress >= stallMs_) {
            finish(fd, false, TftpText::tr("no progress for %1 s").arg(stallMs_ / 1000.0));
            continue;
        }
        ++t.retries;
        if (t.optionsPending) {
            sendDatagram(t.fd, t.peer, t.oack);
            t.deadline = now + t.timeoutMs;
        } else {
            sendWindow(t, t.acked + 1);
        }
    }
}

void TransferLoop::finish(int fd, bool completed, const QString &why)
{
    auto it = transfers_.find(fd);
    if (it == transfers_.end())
        return;
    const Transfer &t = *it->second;
    if (completed)
        qCInfo(lcTftp).noquote() << "sent" << t.file << "to" << peerText(t.peer) << "("
                                 << t.bufferStart + t.bufferLength << "bytes)";
    else
        qCInfo(lcTftp).noquote() << "transfer of" << t.file << "to" << peerText(t.peer) << "failed:" << why;
    ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    transfers_.erase(it); // closes the socket
    active_.fetch_sub(1, std::memory_order_relaxed);
    QMutexLocker lock(&counters_.lock);
    ++(completed ? counters_.counters.completed : counters_.counters.failed);
}

void TransferLoop::flushBytes()
{
    if (!unsentBytes_)
        return;
    QMutexLocker lock(&counters_.lock);
    counters_.counters.bytesSent += unsentBytes_;
    unsentBytes_ = 0;
}

} // namespace metaldesk::tftp
