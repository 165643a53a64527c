// The machines of MAAS's API 2.0: listing with filters, allocation with constraints, release,
// deploy, owner data, power and the other lifecycle actions. Every change goes through core: the
// allocator, the action runner and the lifecycle engine under it.
#include "core/lifecycle/lifecycletables.h"
#include "core/lifecycle/permissions.h"
#include "core/runtime/coreservices.h"
#include "servers/api/apiroutes.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

namespace metaldesk::api {

namespace {

struct ApiText {
    Q_DECLARE_TR_FUNCTIONS(Api)
};

using http::Response;

Response json(const QJsonValue &value, int status = 200)
{
    return value.isArray() ? Response::json(QJsonDocument(value.toArray()), status)
                           : Response::json(QJsonDocument(value.toObject()), status);
}

// MAAS answers an action the caller may not take with 403, and one the machine's status does not
// allow with 409 (what gomaasapi tells apart). The action table decides both.
int refusalStatus(NodeAction action, const Machine &m, const Actor &actor)
{
    const NodeActionSpec &spec = nodeActionSpec(action);
    return roleHas(LifecycleEngine::roleOf(m, actor), spec.permission) ? 409 : 403;
}

std::optional<int> number(const http::Form &form, QByteArrayView name, bool *bad)
{
    if (!form.has(name) || form.value(name).isEmpty())
        return std::nullopt;
    bool ok = false;
    const double v = form.value(name).toDouble(&ok); // MAAS takes "2", "2.0" and "2048.5" alike
    if (!ok)
        *bad = true;
    return int(v);
}

// Tags as juju sends them (repeated) or as people type them ("a,b").
QStringList listOf(const http::Form &form, QByteArrayView name)
{
    QStringList values;
    for (const QString &v : form.texts(name))
        for (const QString &part : v.split(QLatin1Char(','), Qt::SkipEmptyParts))
            values << part.trimmed();
    return values;
}

} // namespace

std::variant<Machine, Response> ApiRoutes::machineFor(Context &c)
{
    const QString id = QString::fromUtf8(c.call.param("system_id"));
    auto m = core_.machines->get(id);
    if (!m || !maySee(c.actor, *m)) // another user's machine is as absent as a missing one
        return Response::text(404, QStringLiteral("no machine with system id %1").arg(id));
    return *m;
}

void ApiRoutes::addMachineRoutes(http::Router &r)
{
    const QByteArray root = QByteArray(kApiRoot) + "machines/";
    const QByteArray one = root + "{system_id}/";
    r.add("GET", root, signedIn([this](Context &c) { return listMachines(c); }));
    r.add("POST", root, signedIn([this](Context &c) { return allocate(c); }), "allocate");
    r.add("POST", root, signedIn([this](Context &c) { return releaseMany(c); }), "release");
    r.add("GET", one, signedIn([this](Context &c) {
              auto m = machineFor(c);
              if (auto *refused = std::get_if<Response>(&m))
                  return *refused;
              return machineAnswer(std::get<Machine>(m).systemId);
          }));
    r.add("PUT", one, signedIn([this](Context &c) { return updateMachine(c); }));
    r.add("POST", one, signedIn([this](Context &c) { return deploy(c); }), "deploy");
    r.add("POST", one, signedIn([this](Context &c) { return setOwnerData(c); }), "set_owner_data");
    r.add("POST", one, signedIn([this](Context &c) { return setOwnerData(c); }), "set_workload_annotations");
    r.add("GET", one, signedIn([this](Context &c) { return queryPower(c); }), "query_power_state");
    // The other actions: MAAS's op names, each the action of the table.
    const std::pair<const char *, NodeAction> actions[] = {
        {"release", NodeAction::Release},
        {"power_on", NodeAction::PowerOn},
        {"power_off", NodeAction::PowerOff},
        {"abort", NodeAction::Abort},
        {"mark_broken", NodeAction::MarkBroken},
        {"mark_fixed", NodeAction::MarkFixed},
        {"rescue_mode", NodeAction::RescueMode},
        {"exit_rescue_mode", NodeAction::ExitRescueMode},
        {"test", NodeAction::Test},
    };
    for (const auto &[op, action] : actions)
        r.add("POST", one, signedIn([this, action = action](Context &c) {
                  if (action != NodeAction::Release)
                      return takeAction(c, action, ActionRequest(action));
                  auto request = releaseRequest(c.form);
                  if (!request)
                      return Response::unavailable(request.errorMessage());
                  return takeAction(c, action, *request);
              }),
              op);
    r.add("POST", one, signedIn([this](Context &c) {
              ActionRequest request(NodeAction::Commission);
              request.keepPoweredOn = c.form.value("enable_ssh") == "1" || c.form.value("enable_ssh") == "true";
              return takeAction(c, NodeAction::Commission, request);
          }),
          "commission");
}

Response ApiRoutes::listMachines(Context &c)
{
    auto all = core_.machines->list();
    if (!all)
        return Response::unavailable(all.errorMessage());
    const QStringList hostnames = c.form.texts("hostname");
    const QStringList macs = c.form.texts("mac_address");
    const QStringList ids = c.form.texts("id");
    const QStringList tags = listOf(c.form, "tags");
    QStringList normalisedMacs;
    for (const QString &mac : macs)
        normalisedMacs << normaliseMacAddress(mac);
    QJsonArray list;
    for (const Machine &m : std::as_const(*all)) {
        if (!maySee(c.actor, m))
            continue;
        if (!hostnames.isEmpty() && !hostnames.contains(m.hostname))
            continue;
        if (!ids.isEmpty() && !ids.contains(m.systemId))
            continue;
        if (!normalisedMacs.isEmpty() &&
            std::none_of(m.interfaces.cbegin(), m.interfaces.cend(),
                         [&](const Interface &i) { return normalisedMacs.contains(i.macAddress); }))
            continue;
        if (c.form.has("zone") && m.zone != c.form.text("zone"))
            continue;
        if (c.form.has("pool") && m.pool != c.form.text("pool"))
            continue;
        if (c.form.has("agent_name") && m.agentName != c.form.text("agent_name"))
            continue;
        if (c.form.has("domain") && network().domain != c.form.text("domain"))
            continue;
        if (std::any_of(tags.cbegin(), tags.cend(), [&](const QString &t) { return !m.tags.contains(t); }))
            continue;
        auto view = viewOf(m);
        if (!view)
            return Response::unavailable(view.errorMessage());
        list.append(machineJson(*view));
    }
    return json(list);
}

Response ApiRoutes::allocate(Context &c)
{
    AllocationConstraints constraints;
    bool bad = false;
    constraints.hostname = c.form.text("name");
    constraints.systemId = c.form.text("system_id");
    constraints.architecture = c.form.text("arch");
    constraints.cpuCount = number(c.form, "cpu_count", &bad);
    if (auto mem = number(c.form, "mem", &bad))
        constraints.memoryMiB = *mem;
    if (bad)
        return Response::text(400, ApiText::tr("cpu_count and mem are numbers"));
    constraints.tags = listOf(c.form, "tags");
    constraints.notTags = listOf(c.form, "not_tags");
    constraints.zone = c.form.text("zone");
    constraints.notInZones = listOf(c.form, "not_in_zone");
    constraints.pool = c.form.text("pool");
    constraints.notInPools = listOf(c.form, "not_in_pool");
    constraints.storage = c.form.text("storage");
    constraints.interfaces = c.form.text("interfaces");
    constraints.notSubnets = c.form.texts("not_subnets");
    constraints.agentName = c.form.text("agent_name");
    constraints.dryRun = c.form.value("dry_run") == "true" || c.form.value("dry_run") == "1";
    if (QString problem = constraintsProblem(constraints); !problem.isEmpty())
        return Response::text(400, problem);
    QString reason;
    auto allocated = allocator_.allocate(constraints, c.actor, &reason);
    if (!allocated)
        return Response::unavailable(allocated.errorMessage());
    if (!*allocated) {
        count(&Counters::noMatch);
        return Response::text(409, ApiText::tr("No machine matches the constraints: %1").arg(reason));
    }
    count(&Counters::allocated);
    auto view = viewOf((*allocated)->machine);
    if (!view)
        return Response::unavailable(view.errorMessage());
    QJsonObject answer = machineJson(*view);
    QJsonObject byType;
    for (const auto &[key, matches] : {std::pair{QStringLiteral("storage"), (*allocated)->storage},
                                       {QStringLiteral("interfaces"), (*allocated)->interfaces}}) {
        if (matches.isEmpty())
            continue;
        QJsonObject labels;
        for (auto it = matches.cbegin(); it != matches.cend(); ++it) {
            QJsonArray idList;
            for (qint64 id : it.value())
                idList.append(id);
            labels.insert(it.key(), idList);
        }
        byType.insert(key, labels);
    }
    answer.insert(QStringLiteral("constraints_by_type"), byType);
    return json(answer);
}

Expected<ActionRequest> ApiRoutes::releaseRequest(const http::Form &form) const
{
    // erase=true|false as MAAS's release; absent: enable_disk_erasing_on_release decides.
    ActionRequest request(NodeAction::Release);
    if (form.has("erase")) {
        if (form.value("erase") == "true" || form.value("erase") == "1")
            request.eraseMode =
                form.value("secure_erase") == "true" ? QStringLiteral("secure") : QStringLiteral("quick");
        return request;
    }
    auto mode = ActionRunner::defaultEraseMode(*core_.config);
    if (!mode)
        return mode.error();
    request.eraseMode = *mode;
    return request;
}

Response ApiRoutes::releaseMany(Context &c)
{
    const QStringList ids = c.form.texts("machines");
    if (ids.isEmpty())
        return Response::text(400, ApiText::tr("name the machines to release: machines=<system_id>, repeated"));
    QList<Machine> machines;
    for (const QString &id : ids) {
        auto m = core_.machines->get(id);
        if (!m || !maySee(c.actor, *m))
            return Response::text(400, ApiText::tr("no machine with system id %1").arg(id));
        machines << *m;
    }
    // As MAAS: all or none, the most telling refusal first.
    for (const Machine &m : std::as_const(machines))
        if (QString refusal = LifecycleEngine::refusal(NodeAction::Release, m, c.actor);
            !refusal.isEmpty() && m.status != NodeStatus::Ready)
            return Response::text(refusalStatus(NodeAction::Release, m, c.actor), refusal);
    const auto request = releaseRequest(c.form);
    if (!request)
        return Response::unavailable(request.errorMessage());
    QStringList released;
    for (const Machine &m : std::as_const(machines)) {
        if (m.status == NodeStatus::Ready) // released already: nothing to do
            continue;
        const auto outcomes = runner_.run({m}, *request, c.actor);
        if (!outcomes.first().taken())
            return Response::text(409, outcomes.first().refusal);
        released << m.systemId;
    }
    return json(QJsonArray::fromStringList(released));
}

Response ApiRoutes::takeAction(Context &c, NodeAction action, const ActionRequest &request)
{
    auto found = machineFor(c);
    if (auto *refused = std::get_if<Response>(&found))
        return *refused;
    const Machine &m = std::get<Machine>(found);
    if (QString refusal = LifecycleEngine::refusal(action, m, c.actor); !refusal.isEmpty())
        return Response::text(refusalStatus(action, m, c.actor), refusal);
    const auto outcomes = runner_.run({m}, request, c.actor);
    if (!outcomes.first().taken())
        return Response::text(409, outcomes.first().refusal);
    return machineAnswer(m.systemId);
}

Response ApiRoutes::deploy(Context &c)
{
    auto found = machineFor(c);
    if (auto *refused = std::get_if<Response>(&found))
        return *refused;
    const Machine &m = std::get<Machine>(found);
    if (QString refusal = LifecycleEngine::refusal(NodeAction::Deploy, m, c.actor); !refusal.isEmpty())
        return Response::text(refusalStatus(NodeAction::Deploy, m, c.actor), refusal);
    // juju sends its cloud-init user-data base64-encoded (MAAS decodes it).
    DeploySettings settings;
    if (c.form.has("user_data")) {
        const auto decoded =
            QByteArray::fromBase64Encoding(c.form.value("user_data"), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return Response::text(400, ApiText::tr("user_data is not base64"));
        settings.userData = QString::fromUtf8(*decoded);
    }
    // The image: the catalogue's for distro_series (a release "bookworm" or a name
    // "debian/bookworm"), else the default image; refused before anything is powered when none fits.
    QString series = c.form.text("distro_series");
    if (series.isEmpty())
        if (auto fallback = core_.config->value(setting::DefaultImage); fallback)
            series = *fallback;
    if (!series.isEmpty()) {
        auto image = images_.forDeployment(series, m.architecture);
        if (!image)
            return Response::unavailable(image.errorMessage());
        if (!*image)
            return Response::text(
                400, ApiText::tr("no deployable image for %1 on %2 in the catalogue: import or "
                                 "upload one (metaldesk images add), or choose another distro_series")
                         .arg(series, m.architecture.isEmpty() ? QStringLiteral("this machine") : m.architecture));
        settings.imageUrl = (*image)->location;
        settings.image = (*image)->name;
    } else if (auto images = images_.list(); images && images->isEmpty()) {
        if (auto url = core_.config->value(setting::DeployImageUrl); url && url->isEmpty())
            return Response::text(400, ApiText::tr("the image catalogue is empty: add an image first (metaldesk "
                                                   "images add)"));
    }
    ActionRequest request(NodeAction::Deploy);
    request.deploy = settings;
    if (QString invalid = ActionRunner::validate(request); !invalid.isEmpty())
        return Response::text(400, invalid);
    const auto outcomes = runner_.run({m}, request, c.actor);
    if (!outcomes.first().taken())
        return Response::text(409, outcomes.first().refusal);
    return machineAnswer(m.systemId);
}

Response ApiRoutes::setOwnerData(Context &c)
{
    auto found = machineFor(c);
    if (auto *refused = std::get_if<Response>(&found))
        return *refused;
    const Machine &m = std::get<Machine>(found);
    if (!c.actor.isAdmin && m.ownerId != c.actor.userId)
        return Response::text(403, ApiText::tr("only the machine's owner can set its owner data"));
    QMap<QString, QString> changes;
    for (const auto &[key, value] : c.form.fields)
        if (key != "op")
            changes.insert(QString::fromUtf8(key), QString::fromUtf8(value));
    if (auto set = labels_.setOwnerData(c.actor, m.systemId, changes); !set)
        return Response::text(400, set.errorMessage());
    return machineAnswer(m.systemId);
}

Response ApiRoutes::queryPower(Context &c)
{
    auto found = machineFor(c);
    if (auto *refused = std::get_if<Response>(&found))
        return *refused;
    const Machine &m = std::get<Machine>(found);
    if (m.powerType.isEmpty())
        return Response::text(409, ApiText::tr("%1 has no power driver set").arg(m.hostname));
    // Asked on this thread: the driver's own timeouts bound it, as MAAS's query does.
    auto state = core_.power->perform(m.systemId, std::nullopt, c.actor);
    if (!state)
        return Response::unavailable(state.errorMessage());
    return json(QJsonObject{{QStringLiteral("state"), powerStateName(*state)}});
}

Response ApiRoutes::updateMachine(Context &c)
{
    auto found = machineFor(c);
    if (auto *refused = std::get_if<Response>(&found))
        return *refused;
    const Machine &m = std::get<Machine>(found);
    if (!isAllowed(Capability::EditMachineLabels, c.actor))
        return Response::text(403, capabilityRefusal(Capability::EditMachineLabels, c.actor));
    LabelStore::Placement placement;
    if (c.form.has("zone"))
        placement.zone = c.form.text("zone");
    if (c.form.has("pool"))
        placement.pool = c.form.text("pool");
    if (auto set = labels_.place(c.actor, m.systemId, placement); !set)
        return Response::text(400, set.errorMessage());
    return machineAnswer(m.systemId);
}

} // namespace metaldesk::api
