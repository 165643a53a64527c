#pragma once

#include "bootfiles.h"
#include "expected.h"
#include "httprequest.h"
#include "service.h"

#include <QMutex>
#include <array>
#include <chrono>
#include <memory>
#include <unordered_map>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace metaldesk {
class BootDecider;
class ConfigStore;
class Database;
class MachineStore;
} // namespace metaldesk

namespace metaldesk::http {

// What the Services page shows.
struct Counters {
    quint64 requests = 0;                 // answered, whatever the status
    std::array<quint64, 5> byStatusClass{}; // [0] 1xx … [4] 5xx
    quint64 bytesSent = 0;                // heads and bodies
    quint64 connectionsOpen = 0;
    quint64 connectionsAccepted = 0;
    quint64 connectionsRefused = 0; // over the connection limit (answered 503)
    quint64 badRequests = 0;        // heads that did not parse (400, 405, 431, 505)
    quint64 timedOut = 0;           // cut off in the middle of a request or of an answer
};

struct ServerConfig {
    QString address = QStringLiteral("0.0.0.0"); // --listen
    quint16 port = 5248;
    boot::BootFilesConfig files = boot::BootFilesConfig::defaults();
    // A request head must arrive, and an answer must make progress, within this time; an idle
    // keep-alive connection is closed after it too.
    int timeoutMs = 30000;
    int maxConnections = 512; // each holds a socket, and a file while it sends one
    Limits limits;
    // From config keys http_port, boot_root, boot_loader_dir, http_timeout_seconds,
    // http_max_connections; `listenAddress` is the --listen address.
    static Expected<ServerConfig> fromConfig(const ConfigStore &config, const QString &listenAddress);
};

// The HTTP boot server: GET and HEAD of the boot files (bootloaders, kernels, images, per-node iPXE
// scripts), with keep-alive, pipelining and byte ranges, in its own thread.
//
// Why raw sockets and not QTcpServer: QTcpSocket copies every byte through its user-space buffers
// and cannot hand a file to the kernel. Here all connections are non-blocking sockets in one
// edge-triggered epoll set watched by a single QSocketNotifier, and file bodies go from the file
// to the socket with sendfile(2), resumed when the socket is writable again. Measured with
// bench/http/run (docs/benchmarks.md).
class BootServer : public Service {
    Q_OBJECT
public:
    BootServer(std::shared_ptr<Database> db, ServerConfig config);
    ~BootServer() override;
    QString name() const override { return QStringLiteral("http"); }
    QString description() const override;
    void start() override;
    void stop() override;
    Counters counters() const;

private:
    struct Connection;
    struct Answer;
    using Clock = std::chrono::steady_clock;

    void serveReady();
    void acceptAll();
    void serve(Connection &c);
    bool readMore(Connection &c);
    bool writeOut(Connection &c);
    void answer(Connection &c, const Request &request);
    void answerFailure(Connection &c, const ParseFailure &failure);
    void startSending(Connection &c, Answer answer);
    void close(int fd);
    void sweep();
    void count(int status);
    void flushCounters();
    const QByteArray &date();

    std::shared_ptr<Database> db_;
    ServerConfig config_;
    std::unique_ptr<MachineStore> machines_;
    std::unique_ptr<BootDecider> decider_;
    std::unique_ptr<boot::BootFiles> files_;
    int listenFd_ = -1;
    int epollFd_ = -1;
    QSocketNotifier *notifier_ = nullptr;
    QTimer *sweepTimer_ = nullptr;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_; // by socket
    std::vector<int> again_; // connections that yielded with work left (fairness), served next turn
    bool againQueued_ = false;
    Clock::time_point now_;
    QByteArray date_; // the Date header's value, made once a second
    qint64 dateSecond_ = -1;
    mutable QMutex countersLock_;
    Counters counters_;
    quint64 unsentBytes_ = 0; // bytesSent not yet added under the lock: added once per wake-up
    quint64 logged_ = 0;      // failures seen, for logging one in a hundred
};

} // namespace metaldesk::http
