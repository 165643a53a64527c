#include "servers/region/regionserver.h"

#include "core/runtime/coreservices.h"
#include "core/storage/configstore.h"
#include "servers/api/apiroutes.h"
#include "servers/metadata/metadataroutes.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QSysInfo>

namespace metaldesk::region {

Q_LOGGING_CATEGORY(lcRegion, "metaldesk.region")

namespace {
struct RegionText {
    Q_DECLARE_TR_FUNCTIONS(Region)
};

// DNS rebinding (security review M2): a web page whose name an attacker points at this computer
// reaches the region through the browser, which names the page's host in Host. MAAS clients and
// booting machines name an IP address or a name of this computer.
bool namesThisComputer(const http::Request &request, const QStringList &names)
{
    const auto field = request.header("host");
    if (!field)
        return true; // HTTP/1.0 without Host: not a browser
    QByteArray host = field->trimmed();
    if (host.startsWith('['))
        return true; // an IPv6 literal
    if (const qsizetype colon = host.lastIndexOf(':'); colon >= 0)
        host.truncate(colon);
    const QString name = QString::fromLatin1(host).toLower();
    if (QHostAddress address; address.setAddress(name) && address.protocol() == QAbstractSocket::IPv4Protocol)
        return true;
    return names.contains(name.endsWith(QLatin1Char('.')) ? name.chopped(1) : name);
}
} // namespace

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config, const QStringList &addresses)
{
    ServerConfig c;
    if (!addresses.isEmpty())
        c.addresses = addresses;
    for (const QString &address : c.addresses)
        if (QHostAddress a; !a.setAddress(address))
            return Error{RegionText::tr("the listen address '%1' is not an IP address").arg(address)};
    auto port = config.integer(setting::MetadataPort);
    auto httpPort = config.integer(setting::HttpPort);
    auto timeout = config.integer(setting::MetadataTimeoutSeconds);
    auto connections = config.integer(setting::MetadataMaxConnections);
    for (const auto *v : {&port, &httpPort, &timeout, &connections})
        if (!*v)
            return v->error();
    c.port = quint16(*port);
    c.bootHttpPort = quint16(*httpPort);
    c.timeoutMs = *timeout * 1000;
    c.maxConnections = *connections;
    auto names = config.value(setting::ApiHostNames);
    if (!names)
        return names.error();
    const QString here = QSysInfo::machineHostName().toLower();
    c.hostNames << here << here.section(QLatin1Char('.'), 0, 0);
    for (QString name : names->split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        name = name.trimmed().toLower();
        c.hostNames << (name.endsWith(QLatin1Char('.')) ? name.chopped(1) : name);
    }
    c.hostNames.removeAll(QString());
    c.hostNames.removeDuplicates();
    return c;
}

http::RequestServerConfig ServerConfig::requestServer() const
{
    http::RequestServerConfig r;
    r.address = addresses.value(0);
    r.moreAddresses = addresses.mid(1);
    r.device = device;
    r.port = port;
    r.portSetting = QLatin1String(setting::MetadataPort);
    r.requestTimeoutMs = timeoutMs;
    r.idleTimeoutMs = timeoutMs;
    r.answerTimeoutMs = timeoutMs;
    r.maxConnections = maxConnections;
    r.limits = limits;
    return r;
}

Server::Server(CoreServices &core, ServerConfig config)
    : config_(std::move(config)),
      metadata_(std::make_unique<metadata::MetadataRoutes>(core.db, core.feed.get(), core.engine.get(), config_.port,
                                                           config_.bootHttpPort)),
      api_(std::make_unique<api::ApiRoutes>(core)),
      requests_(new http::RequestServer(
          config_.requestServer(),
          [this](const http::Request &r, const http::Peer &p) {
              if (namesThisComputer(r, config_.hostNames))
                  return router_.route(r, p);
              otherHosts_.fetch_add(1, std::memory_order_relaxed);
              // The names are not listed: a rebound page can read this answer.
              return http::Response::text(
                  421, RegionText::tr("MetalDesk answers here only under its IP addresses and known names. To reach "
                                      "it under this name, add it to the setting api_host_names (metaldesk "
                                      "set-config api_host_names NAME,...)."));
          },
          this))
{
    metadata_->addTo(router_);
    api_->addTo(router_);
}

Server::~Server() { stop(); }

QString Server::description() const
{
    QStringList where;
    for (const QString &address : config_.addresses)
        where << QStringLiteral("%1:%2").arg(address).arg(config_.port);
    return RegionText::tr("MAAS API and metadata service on tcp %1 (/MAAS/api/2.0/, /MAAS/metadata/)")
        .arg(where.join(QStringLiteral(", ")));
}

void Server::start()
{
    if (auto listening = requests_->listen(); !listening) {
        QString detail = listening.errorMessage();
        if (detail.contains(QLatin1String(setting::MetadataPort)))
            detail += QLatin1Char(' ') + RegionText::tr("(MAAS's region controller uses this port too.)");
        qCWarning(lcRegion).noquote() << detail;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    listening_ = true;
    qCInfo(lcRegion).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void Server::stop()
{
    if (!listening_)
        return;
    requests_->close();
    listening_ = false;
    emit stateChanged(QStringLiteral("stopped"), {});
}

QList<Counter> Server::counterList() const
{
    // The request server's counters are read under its own lock.
    return http::counterList(requests_->counters()) + metadata_->counterList() + api_->counterList() +
           QList<Counter>{{QStringLiteral("other_hosts"), RegionText::tr("requests for another host name"),
                           otherHosts_.load(std::memory_order_relaxed)}};
}

} // namespace metaldesk::region
