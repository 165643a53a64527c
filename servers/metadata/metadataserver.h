#pragma once

#include "core/base/expected.h"
#include "core/runtime/service.h"
#include "servers/http/requestserver.h"
#include "servers/http/router.h"

#include <QMutex>
#include <memory>

namespace metaldesk {
class ChangeFeed;
class ConfigStore;
class Database;
class LifecycleEngine;
class NodeReports;
class NodeTokenStore;
} // namespace metaldesk

namespace metaldesk::metadata {

// What the Services page shows beside the HTTP counters.
struct Counters {
    quint64 credentialsRefused = 0; // 401: no, malformed or unknown OAuth credential
    quint64 enlisted = 0;           // machines created by enlistment
    quint64 commissioned = 0;       // commissioning results taken
};

struct ServerConfig {
    QString address = QStringLiteral("0.0.0.0"); // --listen
    quint16 port = 5240;                         // as MAAS's region API and metadata
    quint16 bootHttpPort = 5248;                 // the boot HTTP server, for image paths
    int timeoutMs = 30000; // a request must arrive within this time of its first byte; idle connections close
    int maxConnections = 256;
    http::Limits limits{16384, 100, 1 << 20, {"GET", "HEAD", "POST"}}; // bodies up to 1 MiB: an inventory is a few KiB
    // From the settings metadata_port, metadata_timeout_seconds, metadata_max_connections and
    // http_port; `listenAddress` is the --listen address.
    static Expected<ServerConfig> fromConfig(const ConfigStore &config, const QString &listenAddress);
    http::RequestServerConfig requestServer() const;
};

// The metadata service on tcp 5240 under /MAAS/metadata/, in its own thread: what booting
// machines call. MetalDesk's own calls for the built-in environment (metaldesk/v1/enlist,
// commission, status, deploy) and the MAAS datasource of cloud-init in deployed systems
// (<version>/meta-data/..., <version>/user-data, status/<system_id>), where <version> is "latest"
// or "2012-03-01". Every call but enlist needs the machine's own OAuth 1.0 PLAINTEXT credential and
// acts on that machine only. The logic is NodeReports's; this class is a route table on the shared
// HTTP stack (http::RequestServer and http::Router).
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
    // Every route served, "METHOD /pattern" (for docs and tests).
    QStringList routes() const { return router_.describe(); }

private:
    void addRoutes();
    // Runs `body` for the machine whose credential the request carries, or answers 401/503.
    http::Response authenticated(const http::Call &call,
                                 const std::function<http::Response(const QString &systemId)> &body);
    QString metadataUrl(const http::Call &call) const;

    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
    LifecycleEngine *engine_;
    ServerConfig config_;
    http::Router router_;
    std::unique_ptr<http::RequestServer> requests_;
    std::unique_ptr<NodeReports> reports_;
    std::unique_ptr<NodeTokenStore> tokens_;
    std::unique_ptr<ConfigStore> settings_;
    mutable QMutex countersLock_;
    Counters counters_;
};

} // namespace metaldesk::metadata
