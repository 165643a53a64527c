#pragma once

#include "core/base/expected.h"
#include "core/runtime/service.h"
#include "servers/boot/bootfiles.h"
#include "servers/http/httpcounters.h"
#include "servers/http/httprequest.h"

#include <QMutex>
#include <array>
#include <memory>
#include <vector>

class QThread;

namespace metaldesk {
class BootDecider;
class ConfigStore;
class Database;
class MachineStore;
} // namespace metaldesk

namespace metaldesk::http {

struct ServerConfig {
    QString address = QStringLiteral("0.0.0.0"); // --listen
    QString device; // when set, connections are taken from this interface only (SO_BINDTODEVICE)
    quint16 port = 5248;
    boot::BootFilesConfig files = boot::BootFilesConfig::defaults();
    // A request head must arrive, and an answer must make progress, within this time; an idle
    // keep-alive connection is closed after it too.
    int timeoutMs = 30000;
    // An answer must be taken within timeoutMs plus its size at this rate, however it trickles: a
    // client that reads a byte now and then would otherwise hold its connection for ever (review M9).
    qint64 minBytesPerSecond = 256 * 1024;
    int maxConnections = 512; // each holds a socket, and a file while it sends one
    // Threads serving connections. One thread is CPU-bound at ~0.4 s per GB on loopback; on a
    // busy two-core machine a second one, like nginx's second worker, gets the server its share.
    int workers = 2;
    Limits limits; // GET and HEAD, no bodies
    // From config keys http_port, boot_root, boot_loader_dir, http_timeout_seconds, http_min_rate_kib,
    // http_max_connections, http_workers; `listenAddress` is the --listen address.
    static Expected<ServerConfig> fromConfig(const ConfigStore &config, const QString &listenAddress);
};

// The HTTP boot server: GET and HEAD of the boot files (bootloaders, kernels, images, per-node iPXE
// scripts), with keep-alive, pipelining and byte ranges, in its own thread.
//
// Why raw sockets and not QTcpServer: QTcpSocket copies every byte through its user-space buffers
// and cannot hand a file to the kernel. Here each worker keeps its connections as non-blocking
// sockets in one edge-triggered epoll set watched by a single QSocketNotifier, and file bodies go
// from the file to the socket with sendfile(2), resumed when the socket is writable again. The
// workers share one listening socket (EPOLLEXCLUSIVE: one wakes per connection). Measured with
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
    QList<Counter> counterList() const override;

private:
    struct Worker;
    void count(int status);

    std::shared_ptr<Database> db_;
    ServerConfig config_;
    int listenFd_ = -1;
    std::vector<std::unique_ptr<Worker>> workers_; // the first runs in the service's thread
    std::vector<QThread *> threads_;               // one for each further worker
    mutable QMutex countersLock_;
    Counters counters_;
};

} // namespace metaldesk::http
