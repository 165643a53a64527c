#include "servers/http/requestserver.h"

#include "servers/net/listenfailure.h"
#include "servers/net/urlhost.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::http {

Q_LOGGING_CATEGORY(lcRequests, "metaldesk.http.requests")

namespace {

using namespace std::chrono_literals;
constexpr auto kLingerMax = 2s;

net::ListenProblem problemFor(QAbstractSocket::SocketError error)
{
    switch (error) {
    case QAbstractSocket::SocketAccessError: return net::ListenProblem::AccessDenied;
    case QAbstractSocket::AddressInUseError: return net::ListenProblem::AddressInUse;
    case QAbstractSocket::SocketAddressNotAvailableError: return net::ListenProblem::AddressNotAvailable;
    default: return net::ListenProblem::Other;
    }
}

// QTcpServer binds no interface: the socket is made here, bound to `device` (SO_BINDTODEVICE: a
// host on another network that routes to this address through us is not answered), and handed
// over. Returns 0, or the errno.
int listenOnDevice(QTcpServer &listener, const QString &address, quint16 port, const QString &device)
{
    const QHostAddress host(address);
    sockaddr_in a4{};
    a4.sin_family = AF_INET;
    a4.sin_port = htons(port);
    a4.sin_addr.s_addr = htonl(host.toIPv4Address());
    const QByteArray name = device.toLocal8Bit();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.constData(), socklen_t(name.size())) != 0 ||
        ::bind(fd, reinterpret_cast<const sockaddr *>(&a4), sizeof a4) != 0 || ::listen(fd, 128) != 0) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        return error;
    }
    if (!listener.setSocketDescriptor(fd)) {
        ::close(fd);
        return EINVAL;
    }
    return 0;
}

} // namespace

struct RequestServer::Connection {
    QTcpSocket *socket = nullptr;
    Peer peer;
    QByteArray in;               // received and not answered yet (pipelined requests included)
    bool requestStarted = false; // part of a request has arrived: its deadline does not move
    bool continueSent = false;
    bool closing = false;                            // answered for the last time; draining what the client still sends
    Clock::time_point deadline;                      // of the request under way, or of the idle connection
    std::optional<Clock::time_point> answerDeadline; // while answers wait for the client to take them
};

RequestServer::RequestServer(RequestServerConfig config, RequestHandler handler, QObject *parent)
    : QObject(parent), config_(std::move(config)), handler_(std::move(handler))
{
}

RequestServer::~RequestServer() { close(); }

Expected<void> RequestServer::listen()
{
    for (const QString &address : QStringList{config_.address} + config_.moreAddresses) {
        auto *listener = new QTcpServer(this);
        listener->setMaxPendingConnections(128);
        // Every address on one port: the first one's, when the kernel chose it (asked for 0).
        const QString device = address == config_.address ? config_.device : QString();
        if (!device.isEmpty()) {
            if (const int error = listenOnDevice(*listener, address, config_.port, device)) {
                const QString detail =
                    net::tcpListenFailure(address, config_.port, net::listenProblemFor(error),
                                          QString::fromLocal8Bit(std::strerror(error)), config_.portSetting);
                delete listener;
                close();
                return Error{detail};
            }
        } else if (!listener->listen(QHostAddress(address), config_.port)) {
            const QString detail = net::tcpListenFailure(address, config_.port, problemFor(listener->serverError()),
                                                         listener->errorString(), config_.portSetting);
            delete listener;
            close();
            return Error{detail};
        }
        config_.port = listener->serverPort();
        listeners_.push_back(listener);
        connect(listener, &QTcpServer::newConnection, this, [this, listener] { acceptAll(listener); });
        // A full descriptor table pauses accepting (Qt stops watching the socket); the sweep resumes
        // it, so that a burst of connections never stops the listener for good.
        connect(listener, &QTcpServer::acceptError, this, [this, listener](QAbstractSocket::SocketError) {
            if (seenFailures_++ % 100 == 0)
                qCWarning(lcRequests) << "cannot accept a connection:" << listener->errorString();
            listener->pauseAccepting();
        });
    }
    sweepTimer_ = new QTimer(this);
    connect(sweepTimer_, &QTimer::timeout, this, &RequestServer::sweep);
    sweepTimer_->start(
        std::clamp(std::min({config_.requestTimeoutMs, config_.idleTimeoutMs, config_.answerTimeoutMs}) / 4, 50, 1000));
    return {};
}

void RequestServer::close()
{
    for (auto &c : connections_) {
        c->socket->disconnect(this);
        c->socket->abort();
        delete c->socket;
    }
    {
        QMutexLocker lock(&countersLock_);
        counters_.connectionsOpen -= connections_.size();
    }
    connections_.clear();
    delete sweepTimer_;
    sweepTimer_ = nullptr;
    for (QTcpServer *listener : listeners_)
        delete listener;
    listeners_.clear();
}

Counters RequestServer::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

RequestServer::Connection *RequestServer::find(QTcpSocket *socket)
{
    for (const auto &c : connections_)
        if (c->socket == socket)
            return c.get();
    return nullptr;
}

void RequestServer::forget(QTcpSocket *socket)
{
    for (auto it = connections_.begin(); it != connections_.end(); ++it) {
        if ((*it)->socket != socket)
            continue;
        connections_.erase(it);
        QMutexLocker lock(&countersLock_);
        --counters_.connectionsOpen;
        break;
    }
    socket->deleteLater();
}

void RequestServer::acceptAll(QTcpServer *listener)
{
    while (QTcpSocket *socket = listener->nextPendingConnection()) {
        if (int(connections_.size()) >= config_.maxConnections) {
            // Too many at once: say so and let the client try again later.
            Response busy = Response::text(503, QStringLiteral("503 too many connections; try again"));
            busy.fields = "Retry-After: 1\r\n";
            const QByteArray date = httpDate(QDateTime::currentSecsSinceEpoch());
            socket->write(writeHead(503, {date, true, false, busy.body.size(), busy.contentType, busy.fields}) +
                          busy.body);
            {
                QMutexLocker lock(&countersLock_);
                counters_.countAnswer(503);
                ++counters_.connectionsRefused;
            }
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            socket->disconnectFromHost();
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->socket = socket;
        c->peer.address = socket->peerAddress();
        c->peer.serverAddress = net::urlHost(socket->localAddress());
        c->peer.serverPort = socket->localPort();
        c->deadline = Clock::now() + std::chrono::milliseconds(config_.idleTimeoutMs);
        // Qt reads from the kernel only while its buffer has room: when we stop taking input
        // (backpressure), the client's sending stops at TCP's window, not in our memory.
        socket->setReadBufferSize(64 * 1024);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
            if (Connection *conn = find(socket))
                serve(*conn);
        });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] {
            Connection *conn = find(socket);
            if (!conn)
                return;
            if (socket->bytesToWrite() == 0)
                conn->answerDeadline.reset();
            if (!conn->closing && socket->bytesToWrite() <= config_.maxUnsentBytes / 2)
                serve(*conn); // answers were held back: go on
        });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
        connections_.push_back(std::move(c));
        QMutexLocker lock(&countersLock_);
        ++counters_.connectionsOpen;
        ++counters_.connectionsAccepted;
    }
}

void RequestServer::sweep()
{
    const auto now = Clock::now();
    std::vector<QTcpSocket *> expired;
    quint64 timedOut = 0;
    for (const auto &c : connections_) {
        // While answers wait for the client, only the answer deadline counts: a big answer taken
        // slowly is not an idle connection.
        const bool slowReader = c->answerDeadline && *c->answerDeadline <= now;
        if (c->answerDeadline ? !slowReader : c->deadline > now)
            continue;
        expired.push_back(c->socket);
        // An idle keep-alive connection ending is normal; a client stuck mid-request or not
        // taking its answers is not.
        if (slowReader || (c->requestStarted && !c->closing))
            ++timedOut;
    }
    if (timedOut) {
        QMutexLocker lock(&countersLock_);
        counters_.timedOut += timedOut;
    }
    for (QTcpSocket *socket : expired)
        socket->abort(); // emits disconnected: the connection is forgotten there
    for (QTcpServer *listener : listeners_)
        listener->resumeAccepting(); // after an accept error paused it; harmless otherwise
}

void RequestServer::send(Connection &c, const Response &r, bool headOnly, bool close, bool http10)
{
    const qint64 seconds = QDateTime::currentSecsSinceEpoch();
    if (seconds != dateSecond_) {
        dateSecond_ = seconds;
        date_ = httpDate(seconds);
    }
    QByteArray out = writeHead(
        r.status, {date_, close, http10, r.body.size(), r.contentType, "Cache-Control: no-store\r\n" + r.fields});
    if (!headOnly && r.status != 204 && r.status != 304)
        out += r.body;
    if (c.socket->bytesToWrite() == 0)
        c.answerDeadline = Clock::now() + std::chrono::milliseconds(config_.answerTimeoutMs);
    c.socket->write(out);
    {
        QMutexLocker lock(&countersLock_);
        counters_.countAnswer(r.status);
        counters_.bytesSent += quint64(out.size());
    }
    if (r.status >= 400 && seenFailures_++ % 100 == 0)
        qCInfo(lcRequests).noquote() << "answered" << r.status << QString::fromUtf8(r.body.trimmed().left(300));
}

// Closing at once with unread input would reset the connection and could destroy the answer before
// the client reads it (a body it sent without waiting for "100 Continue", say). So: send the answer,
// close our side for writing, read and drop what still comes until the client closes, for at most
// two seconds.
void RequestServer::finish(Connection &c)
{
    c.closing = true;
    c.in.clear();
    c.deadline =
        Clock::now() + std::min<Clock::duration>(std::chrono::milliseconds(config_.requestTimeoutMs), kLingerMax);
    QTcpSocket *socket = c.socket;
    auto shutDown = [socket] {
        if (socket->bytesToWrite() == 0 && socket->socketDescriptor() >= 0)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    socket->flush();
    if (socket->bytesToWrite() == 0)
        shutDown();
    else
        connect(socket, &QTcpSocket::bytesWritten, this, shutDown);
}

void RequestServer::serve(Connection &c)
{
    QTcpSocket *socket = c.socket;
    if (c.closing) {
        socket->readAll(); // answered for the last time: what else comes is dropped
        return;
    }
    // A whole request is at most the head and body limits; one more byte tells the parser it is over.
    const qsizetype most = config_.limits.maxHeadBytes + config_.limits.maxBodyBytes + 1;
    for (;;) {
        if (socket->bytesToWrite() > config_.maxUnsentBytes)
            return; // backpressure: bytesWritten calls us again once the client has taken some
        ParseResult parsed = c.in.isEmpty() ? ParseResult(NeedMore{}) : parse(c.in, config_.limits);
        if (auto *more = std::get_if<NeedMore>(&parsed)) {
            const QByteArray got = socket->read(std::max<qsizetype>(most - c.in.size(), 0));
            if (!got.isEmpty()) {
                if (c.in.isEmpty() && !c.requestStarted) {
                    c.requestStarted = true;
                    c.deadline = Clock::now() + std::chrono::milliseconds(config_.requestTimeoutMs);
                }
                c.in += got;
                continue;
            }
            if (more->continueWanted && !c.continueSent) {
                socket->write("HTTP/1.1 100 Continue\r\n\r\n");
                c.continueSent = true;
            }
            return;
        }
        if (auto *failure = std::get_if<ParseFailure>(&parsed)) {
            {
                QMutexLocker lock(&countersLock_);
                ++counters_.badRequests;
            }
            Response r = Response::text(statusFor(failure->error), QString::fromUtf8(failure->detail));
            if (failure->error == ParseError::UnsupportedMethod)
                r.fields = "Allow: " + config_.limits.methods.join(", ") + "\r\n";
            send(c, r, false, true, false);
            finish(c);
            return;
        }
        const Request request = std::get<Request>(std::move(parsed));
        c.in.remove(0, request.length);
        c.continueSent = false;
        const bool close = !request.keepAlive();
        send(c, handler_(request, c.peer), request.isHead(), close, request.minorVersion == 0);
        if (close) {
            finish(c);
            return;
        }
        c.requestStarted = !c.in.isEmpty();
        c.deadline = Clock::now() +
                     std::chrono::milliseconds(c.requestStarted ? config_.requestTimeoutMs : config_.idleTimeoutMs);
    }
}

} // namespace metaldesk::http
