#pragma once

#include "core/base/expected.h"
#include "core/runtime/service.h"
#include "servers/http/requestserver.h"
#include "servers/http/router.h"

#include <atomic>
#include <memory>

namespace metaldesk {
struct CoreServices;
class ConfigStore;
namespace metadata {
class MetadataRoutes;
}
namespace api {
class ApiRoutes;
}
} // namespace metaldesk

namespace metaldesk::region {

struct ServerConfig {
    QStringList addresses{QStringLiteral("0.0.0.0")}; // what listenAddresses() chose
    QString device;              // when set, the first address takes connections from this interface only
    quint16 port = 5240;         // MAAS's region port: its API and metadata
    quint16 bootHttpPort = 5248; // the boot HTTP server, for image paths
    int timeoutMs = 30000;       // a request must arrive within this time of its first byte; idle connections close
    int maxConnections = 256;
    // Host names a request may name besides IP addresses (lower case): localhost, this computer's
    // name, and the setting api_host_names.
    QStringList hostNames{QStringLiteral("localhost")};
    // Bodies up to 1 MiB: an inventory is a few KiB, an API form or file (juju's provider state) a few more.
    http::Limits limits{16384, 100, 1 << 20, {"GET", "HEAD", "POST", "PUT", "DELETE"}};
    // From the settings metadata_port, metadata_timeout_seconds, metadata_max_connections,
    // api_host_names and http_port; `addresses` are what listenAddresses() chose (empty: every address).
    static Expected<ServerConfig> fromConfig(const ConfigStore &config, const QStringList &addresses);
    http::RequestServerConfig requestServer() const;
};

// MAAS's region service on tcp 5240, in its own thread: the MAAS REST API 2.0 under /MAAS/api/2.0/
// (what juju and other MAAS clients call) and the metadata service under /MAAS/metadata/ (what
// booting machines call), two route tables on one listener of the shared HTTP stack.
class Server : public Service {
    Q_OBJECT
public:
    Server(CoreServices &core, ServerConfig config);
    ~Server() override;
    QString name() const override { return QStringLiteral("region"); }
    QString description() const override;
    void start() override;
    void stop() override;
    QList<Counter> counterList() const override;
    // Every route served, "METHOD /pattern[?op=x]" (docs/api.md is checked against it).
    QStringList routes() const { return router_.describe(); }

private:
    ServerConfig config_;
    http::Router router_;
    std::unique_ptr<metadata::MetadataRoutes> metadata_;
    std::unique_ptr<api::ApiRoutes> api_;
    http::RequestServer *requests_; // a child: it moves to the service's thread with it
    bool listening_ = false;
    std::atomic<quint64> otherHosts_ = 0; // requests refused for naming another host
};

} // namespace metaldesk::region
