#pragma once

#include "core/base/expected.h"
#include "servers/http/httpcounters.h"
#include "servers/http/httprequest.h"
#include "servers/http/router.h"

#include <QMutex>
#include <QObject>
#include <chrono>
#include <memory>
#include <vector>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace metaldesk::http {

struct RequestServerConfig {
    QString address = QStringLiteral("0.0.0.0");
    QStringList moreAddresses; // listened on too, on the same port (the boot network's and loopback)
    QString device;            // when set, `address` takes connections from this interface only
    quint16 port = 0;
    QString portSetting;          // the setting that moves the port, named when it is taken
    int requestTimeoutMs = 30000; // a request (head and body) must arrive within this of its first byte
    int idleTimeoutMs = 30000;    // a keep-alive connection with nothing to do is closed after this
    // An answer must be taken by the client within this of being written (a total deadline, not
    // reset by progress: a client that reads a byte a second is still cut off).
    int answerTimeoutMs = 30000;
    int maxConnections = 256;
    // Backpressure: while more than this is written to a connection and not yet taken by its
    // client, no further request of it is read or answered (a client that pipelines requests and
    // never reads the answers holds at most this much of ours, then TCP stops it).
    qsizetype maxUnsentBytes = 1 << 20;
    Limits limits;
};

// The connection loop of the request/response services (the metadata service; the API): HTTP/1.1
// on QTcpServer with keep-alive and pipelining, "100 Continue", a lingering close after an error,
// request, idle and answer deadlines, a connection limit, and backpressure. Every request that
// parses goes to the handler (a Router's route, in practice), answered in the order it came.
// Lives in the thread that calls listen(); the handler runs there too.
class RequestServer : public QObject {
    Q_OBJECT
public:
    using RequestHandler = std::function<Response(const Request &, const Peer &)>;
    RequestServer(RequestServerConfig config, RequestHandler handler, QObject *parent = nullptr);
    ~RequestServer() override;

    // Starts listening; the error is a sentence with the fix (tcpListenFailure).
    Expected<void> listen();
    void close();
    const RequestServerConfig &config() const { return config_; }
    Counters counters() const; // from any thread

private:
    struct Connection;
    using Clock = std::chrono::steady_clock;
    void acceptAll(QTcpServer *listener);
    void serve(Connection &c);
    void send(Connection &c, const Response &response, bool headOnly, bool close, bool http10);
    void finish(Connection &c);
    void sweep();
    void forget(QTcpSocket *socket);
    Connection *find(QTcpSocket *socket);

    RequestServerConfig config_;
    RequestHandler handler_;
    std::vector<QTcpServer *> listeners_; // one per address, children of this
    QTimer *sweepTimer_ = nullptr;
    std::vector<std::unique_ptr<Connection>> connections_;
    QByteArray date_; // the Date header's value, made once a second
    qint64 dateSecond_ = -1;
    quint64 seenFailures_ = 0; // for logging one in a hundred
    mutable QMutex countersLock_;
    Counters counters_;
};

} // namespace metaldesk::http
