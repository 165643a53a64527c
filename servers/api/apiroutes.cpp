#include "servers/api/apiroutes.h"

#include "core/boot/nodereports.h"
#include "core/lifecycle/permissions.h"
#include "core/runtime/coreservices.h"
#include "core/users/oauthheader.h"
#include "servers/dhcp/dhcpserver.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

namespace metaldesk::api {

Q_LOGGING_CATEGORY(lcApi, "metaldesk.api")

namespace {

struct ApiText {
    Q_DECLARE_TR_FUNCTIONS(Api)
};

using http::Call;
using http::Response;

Response json(const QJsonValue &value, int status = 200)
{
    return value.isArray() ? Response::json(QJsonDocument(value.toArray()), status)
                           : Response::json(QJsonDocument(value.toObject()), status);
}

// MAAS's version/ answer: what a MAAS 3 region says it can do (src/maasserver/api/version.py).
QJsonObject versionJson()
{
    return {{QStringLiteral("capabilities"),
             QJsonArray{QStringLiteral("networks-management"), QStringLiteral("static-ipaddresses"),
                        QStringLiteral("devices-management"), QStringLiteral("network-deployment-ubuntu"),
                        QStringLiteral("authenticate-api")}},
            {QStringLiteral("version"), QStringLiteral("3.4.0")},
            {QStringLiteral("subversion"), QStringLiteral("MetalDesk " METALDESK_VERSION)}};
}

QJsonObject userJson(const User &u)
{
    return {{QStringLiteral("username"), u.username},
            {QStringLiteral("email"), u.email},
            {QStringLiteral("is_superuser"), u.isAdmin},
            {QStringLiteral("is_local"), true},
            {QStringLiteral("resource_uri"), QLatin1String(kApiRoot) + QStringLiteral("users/%1/").arg(u.username)}};
}

QJsonObject fileJson(const StoredFile &f, bool withContent)
{
    const QString name = QString::fromUtf8(QUrl::toPercentEncoding(f.filename));
    QJsonObject o{{QStringLiteral("filename"), f.filename},
                  {QStringLiteral("resource_uri"), QLatin1String(kApiRoot) + QStringLiteral("files/%1/").arg(name)},
                  {QStringLiteral("anon_resource_uri"),
                   QLatin1String(kApiRoot) + QStringLiteral("files/?op=get&filename=%1").arg(name)}};
    if (withContent)
        o.insert(QStringLiteral("content"), QString::fromLatin1(f.content.toBase64()));
    return o;
}

} // namespace

ApiRoutes::ApiRoutes(CoreServices &core)
    : core_(core),
      labels_(core.db, core.feed.get()),
      images_(core.db),
      files_(core.db),
      devices_(core.db),
      results_(core.db),
      statics_(core.db),
      leases_(core.db),
      allocator_(*core.engine, core.db),
      runner_(*core.engine)
{
}

ApiRoutes::~ApiRoutes() = default;

void ApiRoutes::count(quint64 Counters::*counter)
{
    QMutexLocker lock(&countersLock_);
    ++(counters_.*counter);
}

QList<Counter> ApiRoutes::counterList() const
{
    QMutexLocker lock(&countersLock_);
    return {
        {QStringLiteral("api.calls"), ApiText::tr("API calls answered"), counters_.calls},
        {QStringLiteral("api.unauthorized"), ApiText::tr("API calls without a valid key"), counters_.unauthorized},
        {QStringLiteral("api.forbidden"), ApiText::tr("API calls refused (not allowed)"), counters_.forbidden},
        {QStringLiteral("api.allocated"), ApiText::tr("machines allocated through the API"), counters_.allocated},
        {QStringLiteral("api.no_match"), ApiText::tr("allocations nothing matched"), counters_.noMatch},
    };
}

http::Handler ApiRoutes::signedIn(Body body)
{
    return [this, body = std::move(body)](const Call &call) -> Response {
        auto refuse = [this](const QString &why) {
            count(&Counters::unauthorized);
            Response r = Response::text(401, why);
            r.fields = "WWW-Authenticate: OAuth realm=\"MAAS API\"\r\n";
            return r;
        };
        const auto header = call.request.header("authorization");
        if (!header)
            return refuse(QStringLiteral("this call needs an API key: sign with OAuth PLAINTEXT (an API key is "
                                         "made on the Users page, or with `metaldesk apikey --username NAME`)"));
        auto credentials = parseOAuthHeader(*header);
        if (!credentials)
            return refuse(credentials.errorMessage());
        auto user =
            core_.users->authenticateToken(credentials->consumerKey, credentials->tokenKey, credentials->tokenSecret);
        if (!user)
            return refuse(QStringLiteral("the API key is not valid (it may have been revoked)"));
        auto form = http::parseForm(call.request);
        if (!form)
            return Response::text(400, form.errorMessage());
        Context context{call, Actor{user->id, user->username, user->isAdmin}, *form};
        Response answer = body(context);
        count(&Counters::calls);
        if (answer.status == 403)
            count(&Counters::forbidden);
        if (answer.status >= 500)
            qCWarning(lcApi).noquote() << call.request.method << call.path << answer.status << answer.body.trimmed();
        return answer;
    };
}

ApiNetwork ApiRoutes::network() const
{
    ApiNetwork n;
    if (auto domain = core_.config->value(setting::DhcpDomain); domain && !domain->isEmpty())
        n.domain = *domain;
    auto dhcp = dhcp::ServerConfig::fromConfig(*core_.config);
    if (!dhcp || dhcp->interfaceName.isEmpty())
        return n;
    const quint32 mask = dhcp->settings.subnetMask;
    n.known = true;
    n.cidr = QHostAddress(dhcp->settings.serverAddress & mask).toString() + QLatin1Char('/') +
             QString::number(__builtin_popcount(mask));
    if (dhcp->settings.router)
        n.gateway = QHostAddress(dhcp->settings.router).toString();
    for (quint32 dns : dhcp->settings.dnsServers)
        n.dnsServers << QHostAddress(dns).toString();
    n.dhcpOn = dhcp->mode == dhcp::ServerConfig::Mode::Managed;
    return n;
}

Expected<MachineView> ApiRoutes::viewOf(const Machine &m) const
{
    MachineView view;
    view.machine = m;
    view.network = network();
    auto inventory = results_.latest(m.systemId, QLatin1String(NodeReports::kCommissioningResult));
    if (!inventory)
        return inventory.error();
    if (*inventory)
        if (auto parsed = parseInventory((*inventory)->output))
            view.inventory = *parsed;
    if (!m.interfaces.isEmpty()) {
        auto fixed = statics_.addressOf(m.systemId);
        if (!fixed)
            return fixed.error();
        if (*fixed && (m.status == NodeStatus::Deploying || m.status == NodeStatus::Deployed))
            view.links << ApiLink{m.interfaces.first().id, QStringLiteral("auto"), QHostAddress(**fixed).toString()};
    }
    // Its own address, or else its leases: a lease left from the boot that installed it is not an
    // address it answers on (as MachineStore::ipAddresses, and MAAS).
    const qint64 now = nowMs();
    for (const Interface &iface : view.links.isEmpty() ? m.interfaces : QList<Interface>{}) {
        auto lease = leases_.forMac(iface.macAddress);
        if (!lease)
            return lease.error();
        if (*lease && (*lease)->holds(now) && (*lease)->state == Lease::State::Bound)
            view.links << ApiLink{iface.id, QStringLiteral("dhcp"), QHostAddress((*lease)->ip).toString()};
    }
    auto data = labels_.ownerData(m.systemId);
    if (!data)
        return data.error();
    view.ownerData = *data;
    return view;
}

bool ApiRoutes::maySee(const Actor &actor, const Machine &m) const
{
    // As MAAS: a plain user sees the machines nobody owns and their own.
    return actor.isAdmin || !m.ownerId || *m.ownerId == actor.userId;
}

Response ApiRoutes::machineAnswer(const QString &systemId, int status)
{
    auto m = core_.machines->get(systemId);
    if (!m)
        return Response::text(404, m.errorMessage());
    auto view = viewOf(*m);
    if (!view)
        return Response::unavailable(view.errorMessage());
    return json(machineJson(*view), status);
}

void ApiRoutes::addTo(http::Router &router)
{
    addAccountRoutes(router);
    addNetworkRoutes(router);
    addMachineRoutes(router);
    addFileRoutes(router);
    addDeviceRoutes(router);
}

void ApiRoutes::addAccountRoutes(http::Router &r)
{
    const QByteArray root = kApiRoot;
    // Anonymous, as on MAAS: clients read it before they sign anything.
    r.add("GET", root + "version/", [](const Call &) { return json(versionJson()); });
    r.add("GET", root + "users/", signedIn([this](Context &c) {
              auto users = core_.users->list();
              if (!users)
                  return Response::unavailable(users.errorMessage());
              QJsonArray list;
              for (const User &u : std::as_const(*users))
                  if (isAllowed(Capability::SeeOtherUsers, c.actor) || u.id == c.actor.userId)
                      list.append(userJson(u));
              return json(list);
          }));
    r.add("GET", root + "users/", signedIn([this](Context &c) {
              auto user = core_.users->find(c.actor.username);
              if (!user)
                  return Response::unavailable(user.errorMessage());
              return json(userJson(*user));
          }),
          "whoami");
    r.add("GET", root + "boot-resources/", signedIn([this](Context &) {
              auto images = images_.list();
              if (!images)
                  return Response::unavailable(images.errorMessage());
              QJsonArray list;
              for (const BootImage &i : std::as_const(*images))
                  if (i.deployable())
                      list.append(bootResourceJson(i));
              return json(list);
          }));
}

void ApiRoutes::addNetworkRoutes(http::Router &r)
{
    const QByteArray root = kApiRoot;
    auto zoneList = [this](bool pools) {
        return signedIn([this, pools](Context &) {
            auto zones = pools ? labels_.pools() : labels_.zones();
            if (!zones)
                return Response::unavailable(zones.errorMessage());
            QJsonArray list;
            for (int i = 0; i < zones->size(); ++i)
                list.append(pools ? poolJson(zones->at(i), i) : zoneJson(zones->at(i), i));
            return json(list);
        });
    };
    r.add("GET", root + "zones/", zoneList(false));
    r.add("GET", root + "pools/", zoneList(true)); // gomaasapi asks here; MAAS serves resourcepools/
    r.add("GET", root + "resourcepools/", zoneList(true));
    auto addNamed = [this](bool pool) {
        return signedIn([this, pool](Context &c) {
            const QString name = c.form.text("name");
            auto added = pool ? labels_.addPool(c.actor, name, c.form.text("description"))
                              : labels_.addZone(c.actor, name, c.form.text("description"));
            if (!added)
                return Response::text(isAllowed(Capability::EditMachineLabels, c.actor) ? 400 : 403,
                                      added.errorMessage());
            return json(pool ? poolJson({name, c.form.text("description")}, 0)
                             : zoneJson({name, c.form.text("description")}, 0));
        });
    };
    r.add("POST", root + "zones/", addNamed(false));
    r.add("POST", root + "resourcepools/", addNamed(true));
    r.add("GET", root + "spaces/", signedIn([](Context &) { return json(QJsonArray()); })); // no spaces
    r.add("GET", root + "static-routes/", signedIn([](Context &) { return json(QJsonArray()); }));
    r.add("GET", root + "fabrics/", signedIn([this](Context &) { return json(QJsonArray{fabricJson(network())}); }));
    r.add("GET", root + "vlans/{id}/", signedIn([this](Context &) { return json(vlanJson(network())); }));
    r.add("GET", root + "subnets/", signedIn([this](Context &) {
              const ApiNetwork n = network();
              return json(n.known ? QJsonArray{subnetJson(n)} : QJsonArray());
          }));
    r.add("GET", root + "subnets/{id}/", signedIn([this](Context &c) {
              const ApiNetwork n = network();
              if (!n.known || c.call.param("id") != "1")
                  return Response::text(404, QStringLiteral("no such subnet"));
              return json(subnetJson(n));
          }));
    r.add("GET", root + "domains/", signedIn([this](Context &) { return json(QJsonArray{domainJson(network())}); }));
    r.add("GET", root + "tags/", signedIn([this](Context &) {
              auto tags = labels_.tags();
              if (!tags)
                  return Response::unavailable(tags.errorMessage());
              QJsonArray list;
              for (const Tag &t : std::as_const(*tags))
                  list.append(tagJson(t));
              return json(list);
          }));
    r.add("POST", root + "tags/", signedIn([this](Context &c) {
              auto added = labels_.addTag(c.actor, c.form.text("name"), c.form.text("comment"));
              if (!added)
                  return Response::text(isAllowed(Capability::EditMachineLabels, c.actor) ? 400 : 403,
                                        added.errorMessage());
              return json(tagJson({c.form.text("name"), c.form.text("comment")}));
          }));
    // MAAS's way of tagging machines: add= and remove= system ids.
    r.add("POST", root + "tags/{name}/", signedIn([this](Context &c) {
              if (!isAllowed(Capability::EditMachineLabels, c.actor))
                  return Response::text(403, capabilityRefusal(Capability::EditMachineLabels, c.actor));
              const QString tag = QString::fromUtf8(c.call.param("name"));
              int added = 0, removed = 0;
              for (const auto &[key, ids] : {std::pair{"add", c.form.texts("add")}, {"remove", c.form.texts("remove")}})
                  for (const QString &id : ids) {
                      auto m = core_.machines->get(id);
                      if (!m)
                          return Response::text(404, m.errorMessage());
                      QStringList tags = m->tags;
                      if (qstrcmp(key, "add") == 0 && !tags.contains(tag)) {
                          tags << tag;
                          ++added;
                      } else if (qstrcmp(key, "remove") == 0 && tags.removeAll(tag)) {
                          ++removed;
                      }
                      if (auto set = labels_.setTags(c.actor, id, tags); !set)
                          return Response::text(400, set.errorMessage());
                  }
              return json(QJsonObject{{QStringLiteral("added"), added}, {QStringLiteral("removed"), removed}});
          }),
          "update_nodes");
}

void ApiRoutes::addFileRoutes(http::Router &r)
{
    const QByteArray root = kApiRoot;
    r.add("GET", root + "files/", signedIn([this](Context &c) {
              auto files = files_.list(c.actor.userId, c.form.text("prefix"), false);
              if (!files)
                  return Response::unavailable(files.errorMessage());
              QJsonArray list;
              for (const StoredFile &f : std::as_const(*files))
                  list.append(fileJson(f, false));
              return json(list);
          }));
    // The content itself, raw (gomaasapi's file.ReadAll).
    r.add("GET", root + "files/", signedIn([this](Context &c) {
              auto file = files_.get(c.actor.userId, c.form.text("filename"));
              if (!file)
                  return Response::unavailable(file.errorMessage());
              if (!*file)
                  return Response::text(404, QStringLiteral("no file named %1").arg(c.form.text("filename")));
              Response answer;
              answer.contentType = "application/octet-stream";
              answer.body = (*file)->content;
              return answer;
          }),
          "get");
    r.add("GET", root + "files/{filename}/", signedIn([this](Context &c) {
              const QString name = QString::fromUtf8(c.call.param("filename"));
              auto file = files_.get(c.actor.userId, name);
              if (!file)
                  return Response::unavailable(file.errorMessage());
              if (!*file)
                  return Response::text(404, QStringLiteral("no file named %1").arg(name));
              return json(fileJson(**file, true));
          }));
    auto add = signedIn([this](Context &c) {
        const QString name = c.form.text("filename");
        if (c.form.files.isEmpty())
            return Response::text(400, QStringLiteral("send the file as a multipart part named 'file'"));
        if (auto stored = files_.put(c.actor.userId, name, c.form.files.first().content); !stored)
            return Response::text(400, stored.errorMessage());
        return json(fileJson({name, {}, 0, nowMs()}, false), 201);
    });
    r.add("POST", root + "files/", add); // gomaasapi names no op
    r.add("POST", root + "files/", add, "add");
    r.add("DELETE", root + "files/{filename}/", signedIn([this](Context &c) {
              const QString name = QString::fromUtf8(c.call.param("filename"));
              auto removed = files_.remove(c.actor.userId, name);
              if (!removed)
                  return Response::unavailable(removed.errorMessage());
              if (!*removed)
                  return Response::text(404, QStringLiteral("no file named %1").arg(name));
              return Response::empty(204);
          }));
}

} // namespace metaldesk::api
