#include "servers/metadata/metadataroutes.h"

#include "core/boot/nodereports.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/storage/configstore.h"
#include "core/users/nodetokens.h"
#include "core/users/oauthheader.h"
#include "servers/dhcp/dhcpserver.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

namespace metaldesk::metadata {

Q_LOGGING_CATEGORY(lcMetadata, "metaldesk.metadata")

namespace {

struct MetadataText {
    Q_DECLARE_TR_FUNCTIONS(Metadata)
};

using http::Call;
using http::Response;

// MAAS's metadata versions (metadataserver/api.py, check_version): cloud-init's MAAS datasource
// asks for 2012-03-01.
constexpr const char *kVersions[] = {"latest", "2012-03-01"};

Response json(const QJsonObject &object) { return Response::json(QJsonDocument(object)); }

Response fromError(const ReportError &e)
{
    switch (e.kind) {
    case ReportError::Invalid: return Response::text(400, e.reason);
    case ReportError::WrongStatus: return Response::text(409, e.reason);
    case ReportError::Forbidden: return Response::text(403, e.reason);
    case ReportError::Unavailable: return Response::unavailable(e.reason);
    case ReportError::Limited: {
        Response r = Response::text(429, e.reason);
        r.fields = "Retry-After: " + QByteArray::number(qMax(1, e.retryAfterSeconds)) + "\r\n";
        return r;
    }
    }
    return Response::text(500, e.reason);
}

// The boot network from the DHCP settings, when MetalDesk gives the addresses there.
std::optional<BootNetwork> bootNetwork(const ConfigStore &config)
{
    auto dhcp = dhcp::ServerConfig::fromConfig(config);
    if (!dhcp || dhcp->interfaceName.isEmpty() || dhcp->mode != dhcp::ServerConfig::Mode::Managed)
        return std::nullopt;
    BootNetwork n;
    n.reservedFirst = dhcp->reservedFirst;
    n.reservedLast = dhcp->reservedLast;
    n.prefixLength = __builtin_popcount(dhcp->settings.subnetMask);
    n.router = dhcp->settings.router;
    n.dnsServers = dhcp->settings.dnsServers;
    return n;
}

} // namespace

MetadataRoutes::MetadataRoutes(std::shared_ptr<Database> db, ChangeFeed *feed, LifecycleEngine *engine, quint16 port,
                               quint16 bootHttpPort)
    : port_(port),
      bootHttpPort_(bootHttpPort),
      reports_(std::make_unique<NodeReports>(db, feed, engine)),
      tokens_(std::make_unique<NodeTokenStore>(db)),
      settings_(std::make_unique<ConfigStore>(db))
{
}

MetadataRoutes::~MetadataRoutes() = default;

Counters MetadataRoutes::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

QList<Counter> MetadataRoutes::counterList() const
{
    const Counters c = counters();
    QList<Counter> list;
    list << Counter{QStringLiteral("credentials_refused"), MetadataText::tr("credentials refused"),
                    c.credentialsRefused}
         << Counter{QStringLiteral("enlisted"), MetadataText::tr("machines enlisted"), c.enlisted}
         << Counter{QStringLiteral("enlistments_refused"),
                    MetadataText::tr("enlistments refused (enlist_per_minute, enlist_max_new_machines)"),
                    c.enlistmentsRefused}
         << Counter{QStringLiteral("commissioned"), MetadataText::tr("commissioning results taken"), c.commissioned};
    return list;
}

QString MetadataRoutes::metadataUrl(const Call &call) const
{
    return QStringLiteral("http://%1:%2/MAAS/metadata/").arg(call.peer.serverAddress).arg(port_);
}

Response MetadataRoutes::authenticated(const Call &call, const std::function<Response(const QString &)> &body)
{
    auto refuse = [this](const QString &why) {
        {
            QMutexLocker lock(&countersLock_);
            ++counters_.credentialsRefused;
        }
        Response r = Response::text(401, why);
        r.fields = "WWW-Authenticate: OAuth realm=\"MetalDesk\"\r\n";
        return r;
    };
    const auto header = call.request.header("authorization");
    if (!header)
        return refuse(QStringLiteral("this call needs the machine's OAuth credential (the metaldesk.token of its "
                                     "boot environment, or the MAAS datasource's keys)"));
    auto credentials = parseOAuthHeader(*header);
    if (!credentials)
        return refuse(credentials.errorMessage());
    auto systemId = tokens_->authenticate(*credentials);
    if (!systemId)
        return Response::unavailable(systemId.errorMessage());
    if (!*systemId)
        return refuse(QStringLiteral("the credential matches no machine (it may have been deleted, or its "
                                     "credential renewed): start the action again from MetalDesk"));
    return body(**systemId);
}

void MetadataRoutes::addTo(http::Router &r)
{
    const QByteArray root = "/MAAS/metadata/";
    r.add("GET", root, [](const Call &) { return Response::text(200, QStringLiteral("2012-03-01\nlatest\n")); });

    // MetalDesk's own calls, made by the built-in environment (bootenv/README.md, "The protocol").
    const QByteArray own = root + "metaldesk/v1/";
    r.add("POST", own + "enlist", [this](const Call &call) {
        auto outcome = reports_->enlist(call.request.body, call.peer.address);
        if (auto *e = std::get_if<ReportError>(&outcome)) {
            if (e->kind == ReportError::Limited) {
                QMutexLocker lock(&countersLock_);
                ++counters_.enlistmentsRefused;
            }
            return fromError(*e);
        }
        const Enlisted &done = std::get<Enlisted>(outcome);
        if (!done.created) // MAAS's anonymous is_registered says as much: known, not which machine
            return json({{QStringLiteral("known"), true}});
        {
            QMutexLocker lock(&countersLock_);
            ++counters_.enlisted;
        }
        return json({{QStringLiteral("system_id"), done.systemId}, {QStringLiteral("hostname"), done.hostname}});
    });
    r.add("POST", own + "commission", [this](const Call &call) {
        return authenticated(call, [&](const QString &systemId) {
            auto outcome = reports_->commission(systemId, call.request.body);
            if (auto *e = std::get_if<ReportError>(&outcome))
                return fromError(*e);
            {
                QMutexLocker lock(&countersLock_);
                ++counters_.commissioned;
            }
            return json({{QStringLiteral("power_off"), std::get<Commissioned>(outcome).powerOff}});
        });
    });
    r.add("POST", own + "status", [this](const Call &call) {
        return authenticated(call, [&](const QString &systemId) {
            auto outcome = reports_->reportStatus(systemId, call.request.body);
            if (auto *e = std::get_if<ReportError>(&outcome))
                return fromError(*e);
            return json({});
        });
    });
    r.add("GET", own + "deploy", [this](const Call &call) {
        if (call.request.isHead()) // a deployment's answer assigns an address: only a real GET asks for it
            return Response::methodNotAllowed("GET");
        return authenticated(call, [&](const QString &systemId) {
            DeployContext context;
            context.metadataUrl = metadataUrl(call);
            context.bootHttpBase = QStringLiteral("http://%1:%2/").arg(call.peer.serverAddress).arg(bootHttpPort_);
            context.network = bootNetwork(*settings_);
            auto outcome = reports_->deployment(systemId, context);
            if (auto *e = std::get_if<ReportError>(&outcome))
                return fromError(*e);
            const Deployment &d = std::get<Deployment>(outcome);
            return json({{QStringLiteral("image_url"), d.imageUrl},
                         {QStringLiteral("image_format"), d.imageFormat},
                         {QStringLiteral("image_sha256"), d.imageSha256},
                         {QStringLiteral("kernel_url"), d.kernelUrl},
                         {QStringLiteral("kernel_sha256"), d.kernelSha256},
                         {QStringLiteral("initrd_url"), d.initrdUrl},
                         {QStringLiteral("initrd_sha256"), d.initrdSha256},
                         {QStringLiteral("raw_url"), d.rawUrl},
                         {QStringLiteral("block_map_url"), d.blockMapUrl},
                         {QStringLiteral("block_map_sha256"), d.blockMapSha256},
                         {QStringLiteral("disk"), d.disk},
                         {QStringLiteral("user_data"), d.userData},
                         {QStringLiteral("cloud_config"), QString::fromUtf8(d.cloudConfig)}});
        });
    });

    // cloud-init's webhook reporting (MAAS's api_twisted StatusHandler).
    r.add("POST", root + "status/{system_id}", [this](const Call &call) {
        return authenticated(call, [&](const QString &systemId) {
            if (QString::fromUtf8(call.param("system_id")) != systemId)
                return Response::text(403, QStringLiteral("this credential is another machine's: a machine reports "
                                                          "only about itself"));
            auto outcome = reports_->cloudInitEvent(systemId, call.request.body);
            if (auto *e = std::get_if<ReportError>(&outcome))
                return fromError(*e);
            return Response::empty(204);
        });
    });

    // The MAAS datasource: <version>/, <version>/meta-data/, <version>/meta-data/<item>, <version>/user-data.
    for (const char *version : kVersions) {
        const QByteArray base = root + version + '/';
        r.add("GET", base, [this](const Call &call) {
            return authenticated(
                call, [](const QString &) { return Response::text(200, QStringLiteral("meta-data/\nuser-data\n")); });
        });
        r.add("GET", base + "meta-data/", [this](const Call &call) {
            return authenticated(call, [](const QString &) {
                return Response::text(200, QStringLiteral("instance-id\nlocal-hostname\npublic-keys\nvendor-data\n"));
            });
        });
        r.add("GET", base + "meta-data/{item}", [this](const Call &call) {
            return authenticated(call, [&](const QString &systemId) {
                auto machine = reports_->machine(systemId);
                if (auto *e = std::get_if<ReportError>(&machine))
                    return fromError(*e);
                const Machine &m = std::get<Machine>(machine);
                Response answer;
                const QByteArray item = call.param("item");
                if (item == "instance-id")
                    answer.body = m.systemId.toUtf8();
                else if (item == "local-hostname")
                    answer.body = m.hostname.toUtf8();
                else if (item == "public-keys" || item == "vendor-data")
                    answer.body = {}; // no SSH keys or vendor configuration kept yet: the user-data can add them
                else
                    return Response::text(404, QStringLiteral("no meta-data item %1").arg(QString::fromUtf8(item)));
                return answer;
            });
        });
        r.add("GET", base + "user-data", [this](const Call &call) {
            if (call.request.isHead()) // cloud-init only GETs it; a HEAD would mark the machine Deployed
                return Response::methodNotAllowed("GET");
            return authenticated(call, [&](const QString &systemId) {
                auto outcome = reports_->userData(systemId);
                if (auto *e = std::get_if<ReportError>(&outcome))
                    return fromError(*e);
                Response answer;
                answer.contentType = "application/octet-stream";
                answer.body = std::get<QByteArray>(outcome);
                return answer;
            });
        });
    }
}

} // namespace metaldesk::metadata
