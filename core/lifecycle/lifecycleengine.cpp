#include "core/lifecycle/lifecycleengine.h"

#include "core/boot/bootdecision.h"
#include "core/lifecycle/permissions.h"
#include "core/machines/machinestore.h"
#include "core/storage/eventstore.h"
#include "core/users/nodetokens.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSet>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcLifecycle, "metaldesk.lifecycle")

namespace {

QString statusText(NodeStatus s) { return QCoreApplication::translate("NodeStatus", nodeStatusLabel(s)); }
Text statusWord(NodeStatus s) { return Text("NodeStatus", nodeStatusLabel(s)); }

// MAAS's system_id: six characters of base-24 "znum", drawn from [24^5, 24^6).
QString randomSystemId()
{
    static constexpr char alphabet[] = "34678abcdefghkmnpqrstwxy";
    quint64 n =
        QRandomGenerator::system()->bounded(quint64(24 * 24 * 24 * 24 * 24), quint64(24) * 24 * 24 * 24 * 24 * 24);
    QString id(6, QLatin1Char('3'));
    for (int i = 5; i >= 0; --i, n /= 24)
        id[i] = QLatin1Char(alphabet[n % 24]);
    return id;
}

EventLevel levelFor(NodeStatus to)
{
    if (isFailedStatus(to))
        return EventLevel::Error;
    return to == NodeStatus::Broken ? EventLevel::Warning : EventLevel::Info;
}

QVariant nullableInt(std::optional<qint64> v) { return v ? QVariant(*v) : QVariant(QMetaType::fromType<qint64>()); }

} // namespace

LifecycleEngine::LifecycleEngine(std::shared_ptr<Database> db, ChangeFeed *feed, HostnameGenerator hostnames,
                                 QObject *parent)
    : QObject(parent), db_(db), feed_(feed), hostnames_(std::move(hostnames)), config_(db)
{
}

Role LifecycleEngine::roleOf(const Machine &machine, const Actor &actor)
{
    return roleFor(actor.isAdmin, actor.userId, machine.ownerId);
}

QString LifecycleEngine::refusal(NodeAction action, const Machine &machine, const Actor &actor)
{
    return actionRefusal(action, {machine.status, roleOf(machine, actor), !machine.powerType.isEmpty()});
}

bool LifecycleEngine::offers(NodeAction action, const Machine &machine, const Actor &actor)
{
    return isActionOffered(action, {machine.status, roleOf(machine, actor), !machine.powerType.isEmpty()});
}

QList<NodeAction> LifecycleEngine::offeredActions(const Machine &machine, const Actor &actor) const
{
    QList<NodeAction> offered;
    for (const NodeActionSpec &spec : nodeActionTable())
        if (offers(spec.action, machine, actor))
            offered << spec.action;
    return offered;
}

Expected<qint64> LifecycleEngine::timeoutMsFor(NodeStatus status) const
{
    const bool shortOne = status == NodeStatus::Releasing || status == NodeStatus::ExitingRescueMode;
    auto minutes =
        shortOne ? config_.integer(setting::ReleaseTimeoutMinutes) : config_.integer(setting::NodeTimeoutMinutes);
    if (!minutes)
        return minutes.error();
    return qint64(qMax(1, *minutes)) * 60 * 1000;
}

QString LifecycleEngine::validate(const NewMachine &spec)
{
    if (!allowedInitialStatuses().contains(spec.initialStatus))
        return tr("a new machine cannot start in status %1").arg(statusText(spec.initialStatus));
    if (!spec.hostname.isEmpty() && !isValidHostname(spec.hostname))
        return tr("'%1' is not a valid hostname: use 1 to 63 lower-case letters, digits and '-', not starting "
                  "or ending with '-'")
            .arg(spec.hostname);
    QStringList macs;
    for (const QString &text : spec.macAddresses) {
        const QString mac = normaliseMacAddress(text);
        if (mac.isEmpty())
            return tr("'%1' is not a MAC address (expected six hex pairs, like 52:54:00:12:34:56)").arg(text);
        if (macs.contains(mac))
            return tr("the MAC address %1 is given twice").arg(mac);
        macs << mac;
    }
    return {};
}

Expected<Machine> LifecycleEngine::createMachine(const NewMachine &spec, const Actor &actor, const Alongside &alongside)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    if (QString invalid = validate(spec); !invalid.isEmpty())
        return Error{invalid};
    QStringList macs;
    for (const QString &text : spec.macAddresses)
        macs << normaliseMacAddress(text);

    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{tr("cannot write to the database: %1").arg(txn.beginError())};

    for (const QString &mac : macs) {
        auto owner = runQuery(*db,
                              QStringLiteral("SELECT m.hostname, m.system_id FROM interfaces i JOIN machines m "
                                             "ON m.id = i.machine_id WHERE i.mac_address = ?"),
                              {mac});
        if (!owner)
            return owner.error();
        if (owner->next())
            return Error{tr("the MAC address %1 already belongs to machine %2 (%3)")
                             .arg(mac, owner->value(0).toString(), owner->value(1).toString())};
    }
    QString readError;
    auto exists = [&](const QString &column, const QString &value) {
        auto q = runQuery(*db, QStringLiteral("SELECT 1 FROM machines WHERE %1 = ?").arg(column), {value});
        if (!q)
            readError = q.errorMessage();
        return !q || q->next();
    };
    QString hostname = spec.hostname;
    if (hostname.isEmpty())
        hostname = hostnames_.unique(*QRandomGenerator::global(),
                                     [&](const QString &name) { return exists(QStringLiteral("hostname"), name); });
    else if (exists(QStringLiteral("hostname"), hostname) && readError.isEmpty())
        return Error{tr("the hostname %1 is already used by another machine").arg(hostname)};
    QString systemId;
    do
        systemId = randomSystemId();
    while (readError.isEmpty() && exists(QStringLiteral("system_id"), systemId));
    if (!readError.isEmpty())
        return Error{readError};
    if (hostname.isEmpty())
        return Error{tr("no free hostname is left: give the machine a hostname")};

    const qint64 now = nowMs();
    auto inserted = insertReturningId(
        *db,
        QStringLiteral("INSERT INTO machines (system_id, hostname, status, architecture, power_type, power_parameters,"
                       " chassis_id, chassis_vm, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
        {systemId, hostname, int(spec.initialStatus), spec.architecture, spec.powerType,
         storedParameters(db_->secrets(), spec.powerParameters), nullableInt(spec.chassisId), spec.chassisVm, now,
         now});
    if (!inserted)
        return inserted.error();
    const qint64 id = *inserted;
    for (int i = 0; i < macs.size(); ++i) {
        auto iface =
            runQuery(*db, QStringLiteral("INSERT INTO interfaces (machine_id, name, mac_address) VALUES (?, ?, ?)"),
                     {id, QStringLiteral("eth%1").arg(i), macs[i]});
        if (!iface)
            return iface.error();
    }
    Event event;
    event.systemId = systemId;
    event.hostname = hostname;
    event.username = actor.username;
    event.type = QStringLiteral("created");
    event.toStatus = spec.initialStatus;
    event.message = Text::event(QT_TRANSLATE_NOOP("Events", "Machine created"));
    auto recorded = EventStore::insert(*db, event);
    if (!recorded)
        return recorded.error();
    auto machine = MachineStore::load(*db, db_->secrets(), QStringLiteral("WHERE m.id = ?"), {id});
    if (!machine || !*machine)
        return Error{tr("the new machine could not be read back: %1").arg(machine.errorMessage())};
    QList<Event> events{*recorded};
    if (alongside) {
        if (auto done = alongside(*db, **machine, events); !done)
            return done.error();
        // What was written alongside (hardware, interfaces) is part of the machine returned.
        machine = MachineStore::load(*db, db_->secrets(), QStringLiteral("WHERE m.id = ?"), {id});
        if (!machine || !*machine)
            return Error{tr("the new machine could not be read back: %1").arg(machine.errorMessage())};
    }
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    qCInfo(lcLifecycle) << "created" << systemId << hostname;
    emit feed_->machineAdded(systemId);
    for (const Event &e : std::as_const(events))
        emit feed_->eventRecorded(e);
    return **machine;
}

Expected<void> LifecycleEngine::inTransaction(
    const QString &systemId, const std::function<Expected<void>(const QSqlDatabase &, Machine &, QList<Event> &)> &body,
    bool removed)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    QList<Event> events;
    {
        Transaction txn(*db_, *db);
        if (!txn.begun())
            return Error{tr("cannot write to the database: %1").arg(txn.beginError())};
        auto machine = MachineStore::load(*db, db_->secrets(),
                                          QStringLiteral("WHERE m.system_id = ?") + db_->forUpdate(QStringLiteral("m")),
                                          {systemId});
        if (!machine)
            return machine.error();
        if (!*machine)
            return Error{tr("no machine with system id %1").arg(systemId)};
        if (auto done = body(*db, **machine, events); !done)
            return done;
        if (auto committed = txn.commit(); !committed)
            return committed;
    }
    if (removed)
        emit feed_->machineRemoved(systemId);
    else
        emit feed_->machineChanged(systemId);
    for (const Event &e : std::as_const(events))
        emit feed_->eventRecorded(e);
    return {};
}

Expected<void> LifecycleEngine::walk(const QSqlDatabase &db, Machine &machine, const Step &step, const Actor &actor,
                                     QList<Event> &events)
{
    const NodeStatus start = machine.status;
    NodeStatus current = start;
    for (NodeStatus next : step.path) {
        if (!isAllowedTransition(current, next))
            return Error{tr("cannot move %1 from %2 to %3: the lifecycle does not allow it")
                             .arg(machine.hostname, statusText(current), statusText(next))};
        Event e;
        e.systemId = machine.systemId;
        e.hostname = machine.hostname;
        e.username = actor.username;
        e.type = step.eventType;
        e.level = levelFor(next);
        e.fromStatus = current;
        e.toStatus = next;
        e.message = step.reason;
        auto recorded = EventStore::insert(db, e);
        if (!recorded)
            return recorded.error();
        events << *recorded;
        current = next;
    }
    std::optional<qint64> expires;
    if (isMonitoredStatus(current)) {
        auto timeout = timeoutMsFor(current);
        if (!timeout)
            return timeout.error();
        expires = nowMs() + *timeout;
    }
    std::optional<qint64> owner = machine.ownerId;
    if (step.setOwner)
        owner = *step.setOwner;
    if (current == NodeStatus::Ready || current == NodeStatus::New)
        owner.reset(); // released or never handed out: nobody owns it
    // A failure keeps the reason on the machine, where the list and details show it.
    // In English for the API, and as a text for the window's language.
    const bool keep = levelFor(current) != EventLevel::Info;
    auto updated = runQuery(
        db,
        QStringLiteral("UPDATE machines SET status = ?, previous_status = ?, status_expires = ?, "
                       "owner_id = ?, status_message = ?, status_text = ?, updated = ? WHERE id = ?"),
        {int(current), int(start), nullableInt(expires), nullableInt(owner), keep ? step.reason.english() : QString(),
         keep ? QVariant(QString::fromUtf8(step.reason.toJsonBytes())) : QVariant(QMetaType::fromType<QString>()),
         nowMs(), machine.id});
    if (!updated)
        return updated.error();
    // A machine's credential lasts one boot purpose of one owner (security review H2): whoever was
    // root on it, or read its boot script, holds nothing once it is released, handed to someone
    // else or booted for something new. MAAS likewise deletes a node's key when its owner changes.
    // The next boot script carries a new one (NodeTokenStore::tokenFor).
    const BootPurpose purpose = bootPurposeFor(current);
    const bool newBoot =
        purpose != bootPurposeFor(start) && (purpose == BootPurpose::Commission || purpose == BootPurpose::Deploy ||
                                             purpose == BootPurpose::Release || purpose == BootPurpose::Rescue);
    if (newBoot || machine.ownerId != owner)
        if (auto revoked = NodeTokenStore::revoke(db, machine.id); !revoked)
            return revoked.error();
    if (machine.ownerId && !owner) {
        // Released: the owner's notes, the API client's name and the OS go with it, as on MAAS.
        auto cleared = runQuery(db, QStringLiteral("DELETE FROM owner_data WHERE machine_id = ?"), {machine.id});
        if (cleared)
            cleared = runQuery(db,
                               QStringLiteral("UPDATE machines SET agent_name = '', osystem = '', distro_series = '' "
                                              "WHERE id = ?"),
                               {machine.id});
        if (!cleared)
            return cleared.error();
    }
    if (current == NodeStatus::Ready || current == NodeStatus::New) {
        // Not deployed any more: its address from the reserved range goes back, as MAAS frees its
        // AUTO addresses on release (security review L4). The next deployment takes a free one.
        auto freed = runQuery(db,
                              QStringLiteral("DELETE FROM static_ips WHERE alloc_type = 'auto' AND interface_id IN "
                                             "(SELECT id FROM interfaces WHERE machine_id = ?)"),
                              {machine.id});
        if (!freed)
            return freed.error();
    }
    machine.previousStatus = start;
    machine.status = current;
    machine.statusExpires = expires;
    machine.ownerId = owner;
    qCInfo(lcLifecycle) << machine.systemId << statusText(start) << "->" << statusText(current)
                        << step.reason.english();
    return {};
}

Expected<void> LifecycleEngine::performAction(const QString &systemId, NodeAction action, const Actor &actor,
                                              const ActionOptions &options, const Alongside &alongside)
{
    const bool deleting = action == NodeAction::Delete;
    bool hasPowerDriver = false;
    auto result = inTransaction(
        systemId,
        [&](const QSqlDatabase &db, Machine &machine, QList<Event> &events) -> Expected<void> {
            if (QString refusal = LifecycleEngine::refusal(action, machine, actor); !refusal.isEmpty())
                return Error{refusal};
            if (alongside)
                if (auto done = alongside(db, machine, events); !done)
                    return done;
            hasPowerDriver = !machine.powerType.isEmpty();
            const NodeActionSpec &spec = nodeActionSpec(action);
            const QString who = actor.username.isEmpty() ? QStringLiteral("MetalDesk") : actor.username;
            const Text byWhom = Text::event(spec.eventText).arg(who);
            QString verb = QCoreApplication::translate("NodeAction", spec.label);
            verb.remove(QLatin1String("..."));

            if (action == NodeAction::PowerOn || action == NodeAction::PowerOff || deleting) {
                Event e;
                e.systemId = machine.systemId;
                e.hostname = machine.hostname;
                e.username = actor.username;
                e.type = deleting ? QStringLiteral("deleted") : QStringLiteral("power");
                e.fromStatus = deleting ? std::optional<NodeStatus>(machine.status) : std::nullopt;
                e.message = byWhom;
                auto recorded = EventStore::insert(db, e);
                if (!recorded)
                    return recorded.error();
                events << *recorded;
                if (deleting) {
                    if (auto gone = runQuery(db, QStringLiteral("DELETE FROM machines WHERE id = ?"), {machine.id});
                        !gone)
                        return gone.error();
                }
                return {};
            }

            Step step;
            step.path = actionPath(action, machine.status, machine.previousStatus, options);
            step.reason = byWhom;
            if (step.path.isEmpty())
                return Error{tr("cannot %1: nothing to do while the machine is %2")
                                 .arg(verb.toLower(), statusText(machine.status))};
            if (action == NodeAction::Acquire || (action == NodeAction::Deploy && !machine.ownerId))
                step.setOwner =
                    std::optional<qint64>(actor.isSystem() ? std::nullopt : std::optional<qint64>(actor.userId));
            if (auto walked = walk(db, machine, step, actor, events); !walked)
                return walked;
            if (action != NodeAction::Deploy)
                return {};
            // What the machine runs, as MAAS's osystem and distro_series: "debian", "bookworm".
            auto os = runQuery(db, QStringLiteral("UPDATE machines SET osystem = ?, distro_series = ? WHERE id = ?"),
                               {options.image.section(QLatin1Char('/'), 0, 0),
                                options.image.section(QLatin1Char('/'), 1), machine.id});
            if (!os)
                return os.error();
            return {};
        },
        deleting);
    if (const auto command = powerAfter(action); result && hasPowerDriver && command)
        emit powerRequested(systemId, *command, actor);
    return result;
}

Expected<void> LifecycleEngine::changeStatus(const QString &systemId, NodeStatus to, const Actor &actor,
                                             const Text &reason, const Alongside &alongside)
{
    return inTransaction(systemId, [&](const QSqlDatabase &db, Machine &machine, QList<Event> &events) {
        if (alongside)
            if (auto done = alongside(db, machine, events); !done)
                return done;
        Step step;
        step.path = {to};
        step.reason = reason;
        return walk(db, machine, step, actor, events);
    });
}

Expected<void> LifecycleEngine::markFailed(const QString &systemId, const Text &reason, const Actor &actor)
{
    return inTransaction(systemId,
                         [&](const QSqlDatabase &db, Machine &machine, QList<Event> &events) -> Expected<void> {
                             const auto failed = failureStatusFor(machine.status);
                             if (!failed)
                                 return Error{tr("cannot mark %1 as failed: it is %2, nothing is in progress")
                                                  .arg(machine.hostname, statusText(machine.status))};
                             Step step;
                             step.path = {*failed};
                             step.reason = reason;
                             step.eventType = QStringLiteral("failure");
                             return walk(db, machine, step, actor, events);
                         });
}

Expected<int> LifecycleEngine::expireOverdue(qint64 now)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto due = runQuery(*db,
                        QStringLiteral("SELECT system_id FROM machines WHERE status_expires IS NOT NULL AND "
                                       "status_expires <= ? ORDER BY status_expires"),
                        {now});
    if (!due)
        return due.error();
    QStringList systemIds;
    while (due->next())
        systemIds << due->value(0).toString();
    due->finish();
    int expired = 0;
    for (const QString &systemId : std::as_const(systemIds)) {
        bool hasPowerDriver = false;
        auto done = inTransaction(
            systemId, [&](const QSqlDatabase &conn, Machine &machine, QList<Event> &events) -> Expected<void> {
                // Re-checked under the lock: the machine may have moved on since the scan.
                if (!machine.statusExpires || *machine.statusExpires > now || !isMonitoredStatus(machine.status))
                    return Error{};
                // The limit the machine was given when it entered the status (the setting may
                // have changed since): from that status change to its deadline.
                auto entered =
                    runQuery(conn,
                             QStringLiteral("SELECT created FROM events WHERE system_id = ? AND to_status = ? "
                                            "ORDER BY id DESC LIMIT 1"),
                             {machine.systemId, int(machine.status)});
                if (!entered)
                    return entered.error();
                qint64 limitMs = 0;
                if (entered->next())
                    limitMs = *machine.statusExpires - entered->value(0).toLongLong();
                entered->finish();
                if (limitMs <= 0) {
                    auto timeout = timeoutMsFor(machine.status);
                    limitMs = timeout ? *timeout : 0;
                }
                hasPowerDriver = !machine.powerType.isEmpty();
                Step step;
                step.path = {*failureStatusFor(machine.status)};
                step.eventType = QStringLiteral("timeout");
                step.reason = Text::event(QT_TRANSLATE_NOOP("Events", "Timed out: %1 took longer than %2 minutes"))
                                  .arg(statusWord(machine.status))
                                  .arg((limitMs + 30000) / 60000);
                return walk(conn, machine, step, Actor::system(QStringLiteral("timeout")), events);
            });
        if (done) {
            ++expired;
            // As MAAS: a machine that ran out of time is switched off, not left half-way.
            if (hasPowerDriver)
                emit powerRequested(systemId, PowerCommand::Off, Actor::system(QStringLiteral("timeout")));
        } else if (!done.errorMessage().isEmpty())
            qCWarning(lcLifecycle) << "cannot time out" << systemId << done.errorMessage();
    }
    return expired;
}

} // namespace metaldesk
