#pragma once

#include "core/base/expected.h"
#include "servers/metadata/metadatarequest.h"
#include "core/runtime/service.h"

#include <QMutex>
#include <array>
#include <memory>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace metaldesk {
class ChangeFeed;
class ConfigStore;
class Database;
class LifecycleEngine;
class NodeReports;
class NodeTokenStore;
} // namespace metaldesk

namespace metaldesk::metadata {

// What the Services page shows.
struct Counters {
    quint64 requests = 0;                   // answered, whatever the status
    std::array<quint64, 5> byStatusClass{}; // [0] 1xx … [4] 5xx
    quint64 credentialsRefused = 0;         // 401: no, malformed or unknown OAuth credential
    quint64 badRequests = 0;                // requests that did not parse (400, 411, 413, 431, ...)
    quint64 enlisted = 0;                   // machines created by enlistment
    quint64 commissioned = 0;               // commissioning results taken
    quint64 connectionsOpen = 0;
};

struct ServerConfig {
    QString address = QStringLiteral("0.0.0.0"); // --listen
    quint16 port = 5240;                         // as MAAS's region API and metadata
    quint16 bootHttpPort = 5248;                 // the boot HTTP server, for image paths
    int timeoutMs = 30000; // a request must arrive within this time of its first byte; idle connections close
    int maxConnections = 256;
    Limits limits;
    // From the config keys metadata_port, metadata_timeout_seconds, metadata_max_connections and
    // http_port; `listenAddress` is the --listen address.
    static Expected<ServerConfig> fromConfig(const ConfigStore &config, const QString &listenAddress);
};

// The metadata service on tcp 5240 under /MAAS/metadata/, in its own thread: what booting
// machines call. MetalDesk's own calls for the built-in environment (metaldesk/v1/enlist,
// commission, status, deploy) and the MAAS datasource of cloud-init in deployed systems
// (<version>/meta-data/..., <version>/user-data, status/<system_id>), where <version> is "latest"
// or "2012-03-01". Every call but enlist needs the machine's own OAuth 1.0 PLAINTEXT credential and
// acts on that machine only. The logic is NodeReports's; this class speaks HTTP/1.1 (keep-alive,
// bodies up to 1 MiB, 100-continue) over QTcpServer: a few machines calling now and then need
// nothing faster.
class Server : public Service {
    Q_OBJECT
public:
    Server(std::shared_ptr<Database> db, ChangeFeed *feed, LifecycleEngine *engine, ServerConfig config);
    ~Server() override;
    QString name() const override { return QStringLiteral("metadata"); }
    QString description() const override;
    void start() override;
    void stop() override;
    Counters counters() const;
    QList<Counter> counterList() const override;

    // An answer, before it is written.
    struct Response {
        int status = 200;
        QByteArray contentType = "text/plain; charset=utf-8";
        QByteArray body;
        QByteArray fields; // extra header lines, each ending in CRLF
    };

private:
    struct Connection;
    void acceptAll();
    void serve(QTcpSocket *socket);
    void sweep();
    void finish(Connection &c); // answered: close gracefully
    void send(Connection &c, const Response &response, bool head, bool close, bool http10);
    Response answer(const Request &request, const QString &serverAddress);
    Response route(const Request &request, const QByteArray &path, const QString &serverAddress);
    // The machine whose credential the request carries, or the 401/503 to answer.
    std::variant<QString, Response> authenticate(const Request &request);
    void count(int status);

    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
    LifecycleEngine *engine_;
    ServerConfig config_;
    QTcpServer *listener_ = nullptr;
    QTimer *sweepTimer_ = nullptr;
    std::unique_ptr<NodeReports> reports_;
    std::unique_ptr<NodeTokenStore> tokens_;
    std::unique_ptr<ConfigStore> settings_;
    std::vector<std::unique_ptr<Connection>> connections_;
    quint64 logged_ = 0; // refusals seen, for logging one in a hundred
    mutable QMutex countersLock_;
    Counters counters_;
};

} // namespace metaldesk::metadata
