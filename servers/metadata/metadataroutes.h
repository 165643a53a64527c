#pragma once

#include "core/runtime/service.h"
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
    quint64 enlistmentsRefused = 0; // 429: over enlistment's rate or count limit
    quint64 commissioned = 0;       // commissioning results taken
};

// The metadata service under /MAAS/metadata/: what booting machines call. MetalDesk's own calls for
// the built-in environment (metaldesk/v1/enlist, commission, status, deploy) and the MAAS
// datasource of cloud-init in deployed systems (<version>/meta-data/..., <version>/user-data,
// status/<system_id>), where <version> is "latest" or "2012-03-01". Every call but enlist needs the
// machine's own OAuth 1.0 PLAINTEXT credential and acts on that machine only. The logic is
// NodeReports's; this is a route table, served by the region service (servers/region) on 5240.
class MetadataRoutes {
public:
    MetadataRoutes(std::shared_ptr<Database> db, ChangeFeed *feed, LifecycleEngine *engine, quint16 port,
                   quint16 bootHttpPort);
    ~MetadataRoutes();
    void addTo(http::Router &router);
    Counters counters() const; // from any thread
    QList<Counter> counterList() const;

private:
    // Runs `body` for the machine whose credential the request carries, or answers 401/503.
    http::Response authenticated(const http::Call &call,
                                 const std::function<http::Response(const QString &systemId)> &body);
    QString metadataUrl(const http::Call &call) const;

    quint16 port_;
    quint16 bootHttpPort_;
    std::unique_ptr<NodeReports> reports_;
    std::unique_ptr<NodeTokenStore> tokens_;
    std::unique_ptr<ConfigStore> settings_;
    mutable QMutex countersLock_;
    Counters counters_;
};

} // namespace metaldesk::metadata
