#include "servers/boot/httpbootserver.h"

#include "core/boot/bootdecision.h"
#include "core/machines/machinestore.h"
#include "core/storage/configstore.h"
#include "core/storage/settings.h"
#include "servers/http/httpresponse.h"
#include "servers/net/listenfailure.h"
#include "servers/net/urlhost.h"

#include <QCoreApplication>
#include <QFile>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

namespace metaldesk::http {

Q_LOGGING_CATEGORY(lcHttp, "metaldesk.http")

namespace {

struct HttpText {
    Q_DECLARE_TR_FUNCTIONS(HttpBoot)
};

using namespace std::chrono_literals;

// Per connection and wake-up, so that one fast client cannot starve the others: after this many
// answers or bytes it waits for the next turn of the event loop.
constexpr int kAnswersPerTurn = 16;
constexpr qint64 kBytesPerTurn = 8 << 20;
constexpr auto kLingerMax = 2s;

QByteArrayView contentTypeFor(const QString &path)
{
    if (path.endsWith(QLatin1String(".ipxe")) || path.endsWith(QLatin1String(".txt")) ||
        path.endsWith(QLatin1String(".cfg")))
        return "text/plain; charset=utf-8";
    if (path.endsWith(QLatin1String(".json")))
        return "application/json";
    return "application/octet-stream";
}

} // namespace

using Clock = std::chrono::steady_clock;

namespace {

struct Connection {
    enum class State {
        Reading,   // waiting for (the rest of) a request head
        Writing,   // sending an answer
        Lingering, // answered and closed for writing; reading what the client still sends, then closing
    };
    int fd = -1;
    boot::Endpoint endpoint;
    State state = State::Reading;
    QByteArray in;               // received and not answered yet (pipelined requests included)
    bool requestStarted = false; // part of a head has arrived: its deadline does not move
    bool peerClosed = false;
    QByteArray out; // the head, and the body when it is in memory
    qsizetype outSent = 0;
    int file = -1;
    off_t fileOffset = 0;
    qint64 fileLeft = 0;
    bool closeAfter = false;
    Clock::time_point deadline;
    Clock::time_point answerEnd; // the answer being sent must be taken by then, progress or not

    ~Connection()
    {
        if (file >= 0)
            ::close(file);
        if (fd >= 0)
            ::close(fd);
    }
};

struct Answer {
    int status = 200;
    QByteArray head;
    QByteArray body; // in memory: generated files and error texts
    int file = -1;   // or from this file, owned by the answer until it is sent
    qint64 offset = 0;
    qint64 length = 0;
    bool close = false;
};

} // namespace

// Serves the connections it accepted, in one thread: the service's for the first worker, its own
// thread for the others.
struct BootServer::Worker : QObject {
    Worker(BootServer &server, int listenFd) : server_(server), config_(server.config_), listenFd_(listenFd) {}
    void start(); // in its thread
    void stop();  // in its thread

    void serveReady();
    void acceptAll();
    void serve(Connection &c);
    bool writeOut(Connection &c);
    void answer(Connection &c, const Request &request);
    void answerFailure(Connection &c, const ParseFailure &failure);
    void startSending(Connection &c, Answer answer);
    void close(int fd);
    void sweep();
    void flushCounters();
    const QByteArray &date();
    void watchListeningSocket();

    BootServer &server_;
    const ServerConfig &config_;
    std::unique_ptr<MachineStore> machines_;
    std::unique_ptr<BootDecider> decider_;
    std::unique_ptr<LeaseStore> leases_; // who may have a machine's credentials
    std::unique_ptr<boot::BootFiles> files_;
    const int listenFd_; // shared by all workers, owned by the server
    int epollFd_ = -1;
    QSocketNotifier *notifier_ = nullptr;
    QTimer *sweepTimer_ = nullptr;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_; // by socket
    std::vector<int> yielded_; // connections that yielded with work left (fairness), served next turn
    bool resumeQueued_ = false;
    bool listenPaused_ = false; // out of file descriptors: not accepting until the next sweep
    Clock::time_point now_;
    QByteArray date_; // the Date header's value, made once a second
    qint64 dateSecond_ = -1;
    quint64 uncountedBytes_ = 0; // sent, not yet added to bytesSent under the lock: added once per wake-up
    quint64 seenFailures_ = 0;   // failures seen, for logging one in a hundred
};

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config, const QString &listenAddress)
{
    ServerConfig c;
    if (!listenAddress.isEmpty())
        c.address = listenAddress;
    if (QHostAddress a; !a.setAddress(c.address))
        return Error{HttpText::tr("the listen address '%1' is not an IP address").arg(c.address)};
    auto port = config.integer(setting::HttpPort);
    auto timeout = config.integer(setting::HttpTimeoutSeconds);
    auto connections = config.integer(setting::HttpMaxConnections);
    auto workers = config.integer(setting::HttpWorkers);
    auto minRate = config.integer(setting::HttpMinRateKib);
    for (const auto *v : {&port, &timeout, &connections, &workers, &minRate})
        if (!*v)
            return v->error();
    c.port = quint16(*port);
    c.timeoutMs = *timeout * 1000;
    c.maxConnections = *connections;
    c.workers = *workers;
    c.minBytesPerSecond = qint64(*minRate) * 1024;
    auto files = boot::BootFilesConfig::fromConfig(config);
    if (!files)
        return files.error();
    c.files = *files;
    return c;
}

BootServer::BootServer(std::shared_ptr<Database> db, ServerConfig config)
    : db_(std::move(db)), config_(std::move(config))
{
}

BootServer::~BootServer() { stop(); }

QString BootServer::description() const
{
    return HttpText::tr("boot files over HTTP on tcp %1:%2 from %3")
        .arg(config_.address)
        .arg(config_.port)
        .arg(config_.files.root);
}

void BootServer::start()
{
    const QHostAddress address(config_.address);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *a6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(config_.port);
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        std::memcpy(&a6->sin6_addr, &bytes, sizeof bytes);
        length = sizeof(sockaddr_in6);
    } else {
        auto *a4 = reinterpret_cast<sockaddr_in *>(&storage);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(config_.port);
        a4->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof(sockaddr_in);
    }
    listenFd_ = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    const QByteArray device = config_.device.toLocal8Bit();
    if (listenFd_ < 0 || ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (!device.isEmpty() &&
         ::setsockopt(listenFd_, SOL_SOCKET, SO_BINDTODEVICE, device.constData(), socklen_t(device.size())) != 0) ||
        ::bind(listenFd_, reinterpret_cast<sockaddr *>(&storage), length) != 0 || ::listen(listenFd_, 1024) != 0) {
        const int error = errno;
        const QString reason = QString::fromLocal8Bit(std::strerror(error));
        const QString detail = net::tcpListenFailure(config_.address, config_.port, net::listenProblemFor(error),
                                                     reason, QLatin1String(setting::HttpPort));
        qCWarning(lcHttp).noquote() << detail;
        if (listenFd_ >= 0)
            ::close(listenFd_);
        listenFd_ = -1;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    for (int i = 0; i < std::max(config_.workers, 1); ++i)
        workers_.push_back(std::make_unique<Worker>(*this, listenFd_));
    workers_.front()->start();
    for (size_t i = 1; i < workers_.size(); ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("http-%1").arg(i));
        workers_[i]->moveToThread(thread);
        connect(thread, &QThread::started, workers_[i].get(), &Worker::start);
        thread->start();
        threads_.push_back(thread);
    }
    for (const QString &missing :
         {workers_.front()->files_->missingBootloaders(), workers_.front()->files_->missingEnvironment()})
        if (!missing.isEmpty())
            qCWarning(lcHttp).noquote() << missing;
    qCInfo(lcHttp).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void BootServer::stop()
{
    if (workers_.empty())
        return;
    for (size_t i = 1; i < workers_.size(); ++i) {
        QMetaObject::invokeMethod(workers_[i].get(), &Worker::stop, Qt::BlockingQueuedConnection);
        threads_[i - 1]->quit();
        threads_[i - 1]->wait();
        delete threads_[i - 1];
    }
    threads_.clear();
    workers_.front()->stop();
    workers_.clear();
    ::close(listenFd_);
    listenFd_ = -1;
    emit stateChanged(QStringLiteral("stopped"), {});
}

void BootServer::Worker::start()
{
    // sendfile(2) has no MSG_NOSIGNAL: a client that goes away mid-file would raise SIGPIPE and
    // end the whole process. The signal is directed at the sending thread, so blocking it here
    // contains it to this thread; the call still fails with EPIPE and the connection is closed.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

    machines_ = std::make_unique<MachineStore>(server_.db_, nullptr);
    decider_ = std::make_unique<BootDecider>(*machines_);
    leases_ = std::make_unique<LeaseStore>(server_.db_);
    files_ = std::make_unique<boot::BootFiles>(config_.files, *decider_, leases_.get());
    epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
    watchListeningSocket();
    notifier_ = new QSocketNotifier(epollFd_, QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &Worker::serveReady);
    sweepTimer_ = new QTimer(this);
    connect(sweepTimer_, &QTimer::timeout, this, &Worker::sweep);
    sweepTimer_->start(std::clamp(config_.timeoutMs / 4, 50, 1000));
}

void BootServer::Worker::watchListeningSocket()
{
    // Level-triggered and exclusive: one worker wakes for a new connection, and a connection
    // left in the queue wakes someone again.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLEXCLUSIVE;
    event.data.fd = listenFd_;
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &event);
}

void BootServer::Worker::stop()
{
    delete notifier_;
    notifier_ = nullptr;
    delete sweepTimer_;
    sweepTimer_ = nullptr;
    {
        QMutexLocker lock(&server_.countersLock_);
        server_.counters_.connectionsOpen -= connections_.size();
    }
    connections_.clear();
    if (epollFd_ >= 0)
        ::close(epollFd_);
    epollFd_ = -1;
    flushCounters();
}

Counters BootServer::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

QList<Counter> BootServer::counterList() const { return http::counterList(counters()); }

void BootServer::Worker::flushCounters()
{
    if (!uncountedBytes_)
        return;
    QMutexLocker lock(&server_.countersLock_);
    server_.counters_.bytesSent += uncountedBytes_;
    uncountedBytes_ = 0;
}

void BootServer::count(int status)
{
    QMutexLocker lock(&countersLock_);
    counters_.countAnswer(status);
}

const QByteArray &BootServer::Worker::date()
{
    const time_t t = std::time(nullptr);
    if (t != dateSecond_) {
        dateSecond_ = t;
        date_ = httpDate(qint64(t));
    }
    return date_;
}

void BootServer::Worker::serveReady()
{
    now_ = Clock::now();
    epoll_event events[64];
    for (;;) {
        const int n = ::epoll_wait(epollFd_, events, 64, 0);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listenFd_) {
                acceptAll();
                continue;
            }
            if (auto it = connections_.find(fd); it != connections_.end())
                serve(*it->second);
        }
        if (n < 64)
            break;
    }
    flushCounters();
}

void BootServer::Worker::acceptAll()
{
    // A few at a time, so that the other workers get their share of a burst of connections.
    for (int accepted = 0; accepted < 4; ++accepted) {
        sockaddr_storage peer{};
        socklen_t peerLength = sizeof peer;
        const int fd =
            ::accept4(listenFd_, reinterpret_cast<sockaddr *>(&peer), &peerLength, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE) {
                // The queue stays readable (level-triggered): stop watching it until the sweep.
                if (seenFailures_++ % 100 == 0)
                    qCWarning(lcHttp) << "cannot accept a connection:" << std::strerror(errno);
                ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, listenFd_, nullptr);
                listenPaused_ = true;
            }
            return;
        }
        const bool full = [this] {
            QMutexLocker lock(&server_.countersLock_);
            return server_.counters_.connectionsOpen >= quint64(config_.maxConnections);
        }();
        if (full) {
            static constexpr char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                           "Connection: close\r\nRetry-After: 1\r\n\r\n";
            (void)!::send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(fd);
            QMutexLocker lock(&server_.countersLock_);
            ++server_.counters_.connectionsRefused;
            continue;
        }
        // Nagle would hold back the last segment of an answer; heads are coalesced with MSG_MORE.
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        sockaddr_storage local{};
        socklen_t localLength = sizeof local;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &localLength);
        c->endpoint.serverAddress = net::urlHost(QHostAddress(reinterpret_cast<const sockaddr *>(&local)));
        c->endpoint.httpPort = config_.port;
        bool ipv4 = false; // an IPv4 peer, or one mapped into IPv6
        const quint32 address = QHostAddress(reinterpret_cast<const sockaddr *>(&peer)).toIPv4Address(&ipv4);
        c->endpoint.clientAddress = ipv4 ? address : 0;
        c->in.reserve(config_.limits.maxHeadBytes);
        c->deadline = now_ + std::chrono::milliseconds(config_.timeoutMs);
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        event.data.fd = fd;
        if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) {
            qCWarning(lcHttp) << "cannot watch a connection:" << std::strerror(errno);
            continue; // the Connection closes it
        }
        connections_[fd] = std::move(c);
        QMutexLocker lock(&server_.countersLock_);
        ++server_.counters_.connectionsAccepted;
        ++server_.counters_.connectionsOpen;
    }
}

void BootServer::Worker::close(int fd)
{
    if (connections_.erase(fd)) {
        QMutexLocker lock(&server_.countersLock_);
        --server_.counters_.connectionsOpen;
    }
}

// Runs one connection as far as it can go without waiting. The sockets are edge-triggered, so
// every path that returns to wait has seen EAGAIN (or queued the connection for the next turn).
void BootServer::Worker::serve(Connection &c)
{
    using State = Connection::State;
    const int fd = c.fd;
    const auto timeout = std::chrono::milliseconds(config_.timeoutMs);
    int answered = 0;
    for (;;) {
        if (c.state == State::Lingering) {
            char discard[4096];
            for (;;) {
                const ssize_t n = ::recv(fd, discard, sizeof discard, 0);
                if (n > 0 || (n < 0 && errno == EINTR))
                    continue;
                if (n < 0 && errno == EAGAIN)
                    return;
                close(fd); // the client has read the answer and closed: done
                return;
            }
        }
        if (c.state == State::Writing) {
            const qint64 before = qint64(uncountedBytes_);
            const bool finished = writeOut(c);
            if (c.fd < 0) {
                close(fd);
                return;
            }
            if (!finished) {
                if (qint64(uncountedBytes_) - before >= kBytesPerTurn) {
                    yielded_.push_back(fd); // yielded, not blocked: no edge will come
                    break;
                }
                return;
            }
            if (c.closeAfter) {
                // Closing with unread input would reset the connection and could destroy the
                // answer before the client reads it: close our side, drain, then close.
                ::shutdown(fd, SHUT_WR);
                c.state = State::Lingering;
                c.in.clear();
                c.deadline = now_ + std::min<Clock::duration>(timeout, kLingerMax);
                continue;
            }
            c.state = State::Reading;
            c.requestStarted = !c.in.isEmpty();
            c.deadline = now_ + timeout;
            if (++answered >= kAnswersPerTurn) {
                yielded_.push_back(fd);
                break;
            }
        }
        ParseResult parsed = parse(c.in, config_.limits);
        if (Request *request = std::get_if<Request>(&parsed)) {
            c.in.remove(0, request->headLength);
            answer(c, *request);
            continue;
        }
        if (const ParseFailure *failure = std::get_if<ParseFailure>(&parsed)) {
            answerFailure(c, *failure);
            continue;
        }
        if (c.peerClosed) {
            close(fd);
            return;
        }
        // Need more: read what there is.
        const qsizetype had = c.in.size();
        const qsizetype room = std::max<qsizetype>(config_.limits.maxHeadBytes - had, 1);
        c.in.resize(had + room);
        ssize_t n;
        do
            n = ::recv(fd, c.in.data() + had, size_t(room), 0);
        while (n < 0 && errno == EINTR);
        c.in.resize(had + std::max<ssize_t>(n, 0));
        if (n == 0) {
            c.peerClosed = true;
            continue; // answer what is complete, then close
        }
        if (n < 0) {
            if (errno == EAGAIN)
                return;
            close(fd);
            return;
        }
        if (!c.requestStarted) {
            c.requestStarted = true;
            c.deadline = now_ + timeout;
        }
    }
    if (!resumeQueued_) {
        resumeQueued_ = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                resumeQueued_ = false;
                now_ = Clock::now();
                const std::vector<int> fds = std::exchange(yielded_, {});
                for (int fd : fds)
                    if (auto it = connections_.find(fd); it != connections_.end())
                        serve(*it->second);
                flushCounters();
            },
            Qt::QueuedConnection);
    }
}

// Sends what is pending. True when the answer is out; false when the socket is full (or the turn's
// byte budget is spent). On an error it sets c.fd to -1 for the caller to drop the connection.
bool BootServer::Worker::writeOut(Connection &c)
{
    const auto timeout = std::chrono::milliseconds(config_.timeoutMs);
    qint64 sent = 0;
    while (c.outSent < c.out.size()) {
        const int more = c.fileLeft > 0 ? MSG_MORE : 0; // the head leaves with the file's first bytes
        const ssize_t n =
            ::send(c.fd, c.out.constData() + c.outSent, size_t(c.out.size() - c.outSent), MSG_NOSIGNAL | more);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                ::close(c.fd);
                c.fd = -1;
            }
            uncountedBytes_ += quint64(sent);
            return false;
        }
        c.outSent += n;
        sent += n;
        c.deadline = std::min(now_ + timeout, c.answerEnd);
    }
    while (c.fileLeft > 0 && sent < kBytesPerTurn) {
        const ssize_t n = ::sendfile(c.fd, c.file, &c.fileOffset, size_t(std::min<qint64>(c.fileLeft, 1 << 30)));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            // 0: the file got shorter than the Content-Length we promised; the client must not
            // take what it got for the whole file, so the connection ends here.
            if (n == 0 || errno != EAGAIN) {
                ::close(c.fd);
                c.fd = -1;
            }
            uncountedBytes_ += quint64(sent);
            return false;
        }
        c.fileLeft -= n;
        sent += n;
        c.deadline = std::min(now_ + timeout, c.answerEnd);
    }
    uncountedBytes_ += quint64(sent);
    if (c.fileLeft > 0)
        return false;
    if (c.file >= 0) {
        ::close(c.file);
        c.file = -1;
    }
    c.out.clear();
    c.outSent = 0;
    return true;
}

void BootServer::Worker::startSending(Connection &c, Answer a)
{
    server_.count(a.status);
    c.out = std::move(a.head);
    c.out += a.body;
    c.outSent = 0;
    if (c.file >= 0)
        ::close(c.file);
    c.file = a.file;
    c.fileOffset = off_t(a.offset);
    c.fileLeft = a.file >= 0 ? a.length : 0;
    c.closeAfter = a.close;
    c.state = Connection::State::Writing;
    c.deadline = now_ + std::chrono::milliseconds(config_.timeoutMs);
    const qint64 bytes = c.out.size() + c.fileLeft;
    c.answerEnd = c.deadline + std::chrono::milliseconds(bytes * 1000 / std::max<qint64>(config_.minBytesPerSecond, 1));
}

void BootServer::Worker::answerFailure(Connection &c, const ParseFailure &failure)
{
    const int status = statusFor(failure.error);
    const QByteArray extra = failure.error == ParseError::UnsupportedMethod ? "Allow: GET, HEAD\r\n" : "";
    {
        QMutexLocker lock(&server_.countersLock_);
        ++server_.counters_.badRequests;
    }
    // Counted always, logged once per hundred: a flood must not flood the log too.
    if (seenFailures_++ % 100 == 0)
        qCInfo(lcHttp).noquote() << "refused:" << parseErrorName(failure.error) << QString::fromUtf8(failure.detail);
    Answer a;
    a.status = status;
    a.close = true; // what follows a broken head cannot be trusted to be a request
    a.body = QByteArray::number(status) + ' ' + reasonPhrase(status) + '\n';
    a.head = writeHead(status, {date(), true, false, a.body.size(), "text/plain; charset=utf-8", extra});
    c.in.clear();
    startSending(c, std::move(a));
}

void BootServer::Worker::answer(Connection &c, const Request &request)
{
    const bool headOnly = request.isHead();
    const bool http10 = request.minorVersion == 0;
    const bool closeAfter = !request.keepAlive();
    auto plain = [&](int status, QByteArrayView extra = {}) {
        Answer a;
        a.status = status;
        a.close = closeAfter;
        const QByteArray body = QByteArray::number(status) + ' ' + reasonPhrase(status) + '\n';
        a.head = writeHead(status, {date(), closeAfter, http10, body.size(), "text/plain; charset=utf-8", extra});
        if (!headOnly)
            a.body = body;
        startSending(c, std::move(a));
    };

    const std::optional<QByteArray> path = decodedPath(request.target);
    if (!path) {
        plain(400);
        return;
    }
    // A one-time boot URL's ticket comes in the query: "boot/52-54-00-ab-cd-ef.ipxe?ticket=…".
    boot::Endpoint endpoint = c.endpoint;
    for (const QByteArray &pair : query(request.target).toByteArray().split('&'))
        if (pair.startsWith("ticket="))
            endpoint.ticket = pair.mid(7);
    boot::Resolved resolved = files_->resolve(*path, endpoint);
    if (const boot::Refused *refused = std::get_if<boot::Refused>(&resolved)) {
        if (refused->reason == boot::Refusal::Unavailable) {
            if (seenFailures_++ % 100 == 0)
                qCWarning(lcHttp).noquote() << refused->detail;
            plain(503);
        } else {
            qCDebug(lcHttp).noquote() << "404:" << refused->detail;
            plain(404);
        }
        return;
    }

    // Where the body comes from: a file, or memory.
    int file = -1;
    qint64 size = 0;
    QByteArray lastModified;
    QByteArrayView contentType;
    QByteArray memory;
    if (const boot::OnDisk *onDisk = std::get_if<boot::OnDisk>(&resolved)) {
        file = boot::openOnDisk(*onDisk);
        struct stat st {};
        if (file < 0 || ::fstat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
            if (file >= 0)
                ::close(file);
            plain(404); // gone since it was resolved
            return;
        }
        size = st.st_size;
        lastModified = httpDate(qint64(st.st_mtim.tv_sec));
        contentType = contentTypeFor(onDisk->path);
    } else {
        memory = std::move(std::get<boot::Generated>(resolved).content);
        size = memory.size();
        contentType = "text/plain; charset=utf-8";
    }

    QByteArray fields = "Accept-Ranges: bytes\r\n";
    if (file >= 0) {
        fields += "Last-Modified: " + lastModified + "\r\n";
    } else {
        fields += "Cache-Control: no-store\r\n"; // the boot decision changes what a node gets
    }
    // Ranges apply unless If-Range names another version (RFC 9110 §13.1.5); a generated file has
    // no validator, so any If-Range means "send it all".
    const auto range = request.header("range");
    const auto ifRange = request.header("if-range");
    const bool rangeApplies = range && (!ifRange || (file >= 0 && *ifRange == lastModified));
    RangeAnswer ranged = rangeApplies ? parseRange(*range, size) : RangeAnswer(WholeRepresentation{});

    // An unchanged file is not sent again (exact date match, as nginx does by default).
    if (file >= 0 && !range && request.header("if-modified-since") == lastModified) {
        ::close(file);
        Answer a;
        a.status = 304;
        a.close = closeAfter;
        a.head = writeHead(304, {date(), closeAfter, http10, 0, {}, "Last-Modified: " + lastModified + "\r\n"});
        startSending(c, std::move(a));
        return;
    }
    if (std::holds_alternative<NotSatisfiable>(ranged)) {
        if (file >= 0)
            ::close(file);
        plain(416, "Content-Range: bytes */" + QByteArray::number(size) + "\r\n");
        return;
    }
    Answer a;
    a.status = 200;
    a.close = closeAfter;
    a.offset = 0;
    a.length = size;
    if (const ByteRange *r = std::get_if<ByteRange>(&ranged)) {
        a.status = 206;
        a.offset = r->first;
        a.length = r->length;
        fields += "Content-Range: bytes " + QByteArray::number(r->first) + '-' +
                  QByteArray::number(r->first + r->length - 1) + '/' + QByteArray::number(size) + "\r\n";
    }
    a.head = writeHead(a.status, {date(), closeAfter, http10, a.length, contentType, fields});
    if (headOnly) {
        if (file >= 0)
            ::close(file);
    } else if (file >= 0) {
        a.file = file;
    } else {
        a.body = memory.mid(a.offset, a.length);
    }
    qCDebug(lcHttp).noquote() << a.status << QString::fromUtf8(*path);
    startSending(c, std::move(a));
}

void BootServer::Worker::sweep()
{
    now_ = Clock::now();
    std::vector<int> expired;
    quint64 timedOut = 0;
    for (const auto &[fd, c] : connections_) {
        if (c->deadline > now_)
            continue;
        expired.push_back(fd);
        // An idle keep-alive connection ending is normal; a client stuck mid-request or
        // mid-answer is not. It is reset rather than closed: a plain close would leave what is
        // still in the socket's send buffer (megabytes) for the kernel to trickle to it.
        if (c->state == Connection::State::Writing || (c->state == Connection::State::Reading && c->requestStarted)) {
            ++timedOut;
            const linger reset{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        }
    }
    for (int fd : expired)
        close(fd);
    if (timedOut) {
        QMutexLocker lock(&server_.countersLock_);
        server_.counters_.timedOut += timedOut;
    }
    if (listenPaused_) {
        listenPaused_ = false;
        watchListeningSocket();
    }
    flushCounters();
}

} // namespace metaldesk::http
