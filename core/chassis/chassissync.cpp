#include "core/chassis/chassissync.h"

#include "core/chassis/chassisstore.h"
#include "core/libvirt/libvirtconnection.h"
#include "core/lifecycle/actionrunner.h"
#include "core/lifecycle/permissions.h"
#include "core/power/vmwarepowerdriver.h"
#include "core/runtime/coreservices.h"
#include "core/vsphere/vspheresession.h"

#include <QCoreApplication>
#include <QHash>
#include <QLoggingCategory>
#include <QRegularExpression>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcChassis, "metaldesk.chassis")

namespace {

Expected<QList<ChassisVm>> listLibvirt(const Chassis &chassis, const std::function<bool(int, int)> &progress)
{
    auto connection = LibvirtConnection::open(chassis.address);
    if (!connection)
        return connection.error();
    auto domains = connection->listDomains(progress);
    if (!domains)
        return domains.error();
    QList<ChassisVm> vms;
    for (const auto &d : std::as_const(*domains))
        vms.append({d.description.name, d.description.uuid, d.description.architecture, d.description.firmware,
                    d.description.macAddresses, d.power});
    return vms;
}

Expected<QList<ChassisVm>> listVsphere(const Chassis &chassis, const std::function<bool(int, int)> &progress,
                                       QString *presentedFingerprint)
{
    QJsonObject parameters = chassis.parameters;
    parameters.insert(QStringLiteral("power_address"), chassis.address);
    auto session = VsphereSession::open(vsphereEndpoint(parameters), presentedFingerprint);
    if (!session)
        return session.error();
    auto listed = (*session)->listVms(progress);
    if (!listed)
        return listed.error();
    auto allowed = (*session)->powerAllowed(*listed);
    if (!allowed)
        return allowed.error();
    QList<ChassisVm> vms;
    for (const auto &vm : std::as_const(*listed))
        vms.append({vm.name, vm.uuid, vm.architecture, vm.firmware, vm.macAddresses, vm.power, *allowed});
    return vms;
}

Event chassisEvent(const Machine &machine, const Actor &actor, EventLevel level, const Text &message)
{
    Event e;
    e.systemId = machine.systemId;
    e.hostname = machine.hostname;
    e.username = actor.username;
    e.type = QStringLiteral("chassis");
    e.level = level;
    e.message = message;
    return e;
}
} // namespace

Expected<SyncOutcome> resyncChassis(CoreServices &core, const Chassis &chassis, const Expected<QList<ChassisVm>> &vms,
                                    const Actor &actor)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    ChassisStore store(core.db, core.feed.get());
    auto machines = vms ? core.machines->list() : Expected<QList<Machine>>(vms.error());
    if (!machines) {
        if (auto stamped = store.recordSync(chassis.id, machines.errorMessage()); !stamped)
            qCWarning(lcChassis) << "cannot record the failed sync of" << chassis.name << stamped.errorMessage();
        return machines.error();
    }
    const SyncPlan plan = planChassisSync(*vms, chassis.prefixFilter, chassis.id, *machines);
    return applyChassisSync(core, chassis, plan, plan.allVms(), actor);
}

Expected<int> trustChassisCertificate(CoreServices &core, const Chassis &chassis, const QString &fingerprint,
                                      const Actor &actor)
{
    const QString pin = normaliseFingerprint(fingerprint);
    if (chassis.type != QLatin1String("vmware") || pin.isEmpty())
        return Error{QCoreApplication::translate("Chassis", "only a vSphere chassis has a certificate to trust")};
    auto pinned = ChassisStore(core.db, core.feed.get()).pinCertificate(actor, chassis.id, pin);
    if (!pinned)
        return pinned.error();
    for (const QString &systemId : std::as_const(*pinned)) {
        auto machine = core.machines->get(systemId);
        if (!machine)
            continue; // deleted since: nothing to tell
        if (auto recorded = core.events->record(chassisEvent(
                *machine, actor, EventLevel::Info,
                Text::event(QT_TRANSLATE_NOOP("Events", "Chassis %1: its new certificate is trusted (SHA-256 %2)"))
                    .arg(chassis.name)
                    .arg(pin)));
            recorded)
            emit core.feed->eventRecorded(*recorded);
    }
    const int changed = int(pinned->size());
    qCInfo(lcChassis) << "trusting the new certificate of" << chassis.name << pin << "for" << changed << "machines";
    return changed;
}

QString syncActionText(SyncAction action)
{
    switch (action) {
    case SyncAction::Add: return QCoreApplication::translate("Chassis", "new machine");
    case SyncAction::Update: return QCoreApplication::translate("Chassis", "update");
    case SyncAction::Unchanged: return QCoreApplication::translate("Chassis", "already known");
    case SyncAction::Conflict:
    case SyncAction::NoNetwork: return QCoreApplication::translate("Chassis", "not added");
    case SyncAction::Filtered: break;
    }
    return QCoreApplication::translate("Chassis", "outside the prefix");
}

QSet<QString> SyncPlan::allVms() const
{
    QSet<QString> uuids;
    for (const SyncItem &item : items)
        uuids.insert(item.vm.uuid);
    return uuids;
}

Expected<QList<ChassisVm>> listChassisVms(const Chassis &chassis, const std::function<bool(int, int)> &progress,
                                          QString *presentedFingerprint)
{
    if (chassis.type == QLatin1String("virsh"))
        return listLibvirt(chassis, progress);
    if (chassis.type == QLatin1String("vmware"))
        return listVsphere(chassis, progress, presentedFingerprint);
    return Error{QCoreApplication::translate("Chassis", "unknown chassis type '%1'").arg(chassis.type)};
}

SyncPlan planChassisSync(const QList<ChassisVm> &vms, const QString &prefix, std::optional<qint64> chassisId,
                         const QList<Machine> &machines)
{
    QHash<QString, const Machine *> byVm;  // this chassis's machines by VM UUID
    QHash<QString, const Machine *> byMac; // every machine's MACs
    for (const Machine &m : machines) {
        if (chassisId && m.chassisId == chassisId && !m.chassisVm.isEmpty())
            byVm.insert(m.chassisVm, &m);
        for (const Interface &i : m.interfaces)
            byMac.insert(i.macAddress, &m);
    }
    SyncPlan plan;
    QHash<QString, QString> macOfVm; // MACs taken by an earlier VM of this listing → its name
    QSet<QString> listed;
    for (const ChassisVm &vm : vms) {
        listed.insert(vm.uuid);
        SyncItem item{vm, SyncAction::Add, {}, {}, {}};
        const Machine *known = byVm.value(vm.uuid);
        if (!vm.name.startsWith(prefix)) {
            item.action = SyncAction::Filtered;
            item.reason = QCoreApplication::translate("Chassis", "its name does not start with %1").arg(prefix);
            if (known)
                item.systemId = known->systemId;
            plan.items << item;
            continue;
        }
        if (vm.macAddresses.isEmpty() && !known) {
            item.action = SyncAction::NoNetwork;
            item.reason =
                QCoreApplication::translate("Chassis", "it has no network interface, so it cannot boot from MetalDesk");
            plan.items << item;
            continue;
        }
        // A MAC another machine has, or an earlier VM of this listing: never two machines for one
        // MAC, never one machine for two VMs.
        for (const QString &mac : vm.macAddresses) {
            if (const Machine *owner = byMac.value(mac); owner && owner != known) {
                item.action = SyncAction::Conflict;
                item.systemId = owner->systemId;
                item.reason = QCoreApplication::translate("Chassis", "its MAC %1 already belongs to machine %2")
                                  .arg(mac, owner->hostname);
                break;
            }
            if (macOfVm.contains(mac)) {
                item.action = SyncAction::Conflict;
                item.reason = QCoreApplication::translate("Chassis", "its MAC %1 is also the VM %2's")
                                  .arg(mac, macOfVm.value(mac));
                break;
            }
        }
        for (const QString &mac : vm.macAddresses)
            macOfVm.insert(mac, vm.name);
        if (item.action == SyncAction::Conflict) {
            plan.items << item;
            continue;
        }
        if (known) {
            item.systemId = known->systemId;
            QList<Text> changes;
            // (A machine with manual power, its host's licence refusing power calls, names no VM.)
            if (const QString had = chassisVmName(known->powerParameters); !had.isEmpty() && had != vm.name)
                changes << Text("Chassis", QT_TRANSLATE_NOOP("Chassis", "renamed to %1")).arg(vm.name);
            QStringList newMacs;
            for (const QString &mac : vm.macAddresses)
                if (std::none_of(known->interfaces.begin(), known->interfaces.end(),
                                 [&](const Interface &i) { return i.macAddress == mac; }))
                    newMacs << mac;
            if (!newMacs.isEmpty())
                changes << Text("Chassis", QT_TRANSLATE_NOOP("Chassis", "new MAC %1"))
                               .arg(newMacs.join(QStringLiteral(", ")));
            if (known->chassisVmMissing)
                changes << Text("Chassis", QT_TRANSLATE_NOOP("Chassis", "found again"));
            for (const Text &change : std::as_const(changes))
                item.change = item.change.isEmpty()
                                  ? change
                                  : Text::event(QT_TRANSLATE_NOOP("Events", "%1; %2")).arg(item.change).arg(change);
            item.action = changes.isEmpty() ? SyncAction::Unchanged : SyncAction::Update;
            item.reason = changes.isEmpty() ? QCoreApplication::translate("Chassis", "machine %1").arg(known->hostname)
                                            : item.change.translated();
        }
        plan.items << item;
    }
    for (const Machine &m : machines)
        if (chassisId && m.chassisId == chassisId && !m.chassisVmMissing && !listed.contains(m.chassisVm))
            plan.vanished << m;
    return plan;
}

Expected<SyncOutcome> applyChassisSync(CoreServices &core, const Chassis &chassis, const SyncPlan &plan,
                                       const QSet<QString> &chosen, const Actor &actor, bool commission)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    SyncOutcome outcome;
    QList<Machine> created;
    for (const SyncItem &item : plan.items) {
        if (item.action == SyncAction::Conflict || item.action == SyncAction::NoNetwork) {
            outcome.skipped.append({item.vm.name, item.reason});
            continue;
        }
        if (!chosen.contains(item.vm.uuid)) {
            if (item.action == SyncAction::Add || item.action == SyncAction::Update)
                outcome.skipped.append({item.vm.name, QCoreApplication::translate("Chassis", "not chosen")});
            continue;
        }
        switch (item.action) {
        case SyncAction::Add: {
            NewMachine spec;
            // The VM's name is the machine's when it makes a free host name (MAAS keeps only names
            // that are one; "Web Server_1", common in vSphere, becomes web-server-1).
            spec.hostname = item.vm.name.toLower();
            spec.hostname.replace(QRegularExpression(QStringLiteral("[^a-z0-9-]+")), QStringLiteral("-"));
            while (spec.hostname.startsWith(QLatin1Char('-')))
                spec.hostname.remove(0, 1);
            while (spec.hostname.endsWith(QLatin1Char('-')))
                spec.hostname.chop(1);
            if (!isValidHostname(spec.hostname))
                spec.hostname.clear();
            spec.architecture = item.vm.architecture;
            spec.macAddresses = item.vm.macAddresses;
            spec.powerType = chassisPowerType(chassis, item.vm);
            spec.powerParameters = chassisPowerParameters(chassis, item.vm);
            spec.chassisId = chassis.id;
            spec.chassisVm = item.vm.uuid;
            auto machine = core.engine->createMachine(spec, actor);
            if (!machine && !spec.hostname.isEmpty()) { // its name is taken: a generated one
                spec.hostname.clear();
                machine = core.engine->createMachine(spec, actor);
            }
            if (!machine) {
                outcome.skipped.append({item.vm.name, machine.errorMessage()});
                continue;
            }
            created << *machine;
            outcome.created << machine->hostname;
            break;
        }
        case SyncAction::Update: {
            auto machine = core.machines->get(item.systemId);
            if (!machine) {
                outcome.skipped.append({item.vm.name, machine.errorMessage()});
                continue;
            }
            // The chassis's settings win over the machine's (a renamed VM, new credentials); a
            // machine whose VM cannot be switched keeps what it has.
            QJsonObject parameters = machine->powerParameters;
            const QJsonObject fromChassis = chassisPowerParameters(chassis, item.vm);
            for (auto it = fromChassis.begin(); it != fromChassis.end(); ++it)
                parameters.insert(it.key(), it.value());
            Expected<void> done = item.vm.powerAllowed
                                      ? core.machines->setPowerSettings(item.systemId, chassis.type, parameters)
                                      : Expected<void>();
            if (done)
                if (auto added = core.machines->addInterfaces(item.systemId, item.vm.macAddresses); !added)
                    done = added.error();
            if (done)
                done = core.machines->setChassisVm(item.systemId, item.vm.uuid, false);
            if (!done) {
                outcome.skipped.append({item.vm.name, done.errorMessage()});
                continue;
            }
            if (auto recorded = core.events->record(
                    chassisEvent(*machine, actor, EventLevel::Info,
                                 Text::event(QT_TRANSLATE_NOOP("Events", "Chassis %1: VM %2 changed (%3)"))
                                     .arg(chassis.name)
                                     .arg(item.vm.name)
                                     .arg(item.change)));
                recorded)
                emit core.feed->eventRecorded(*recorded);
            outcome.updated << machine->hostname;
            break;
        }
        case SyncAction::Unchanged: break;
        case SyncAction::Conflict:
        case SyncAction::NoNetwork:
        case SyncAction::Filtered: break;
        }
    }
    for (const Machine &m : plan.vanished) {
        if (auto marked = core.machines->setChassisVm(m.systemId, m.chassisVm, true); !marked)
            return marked.error();
        auto recorded = core.events->record(chassisEvent(
            m, actor, EventLevel::Warning,
            Text::event(QT_TRANSLATE_NOOP("Events", "The VM %1 is no longer on chassis %2: power calls will fail "
                                                    "until it is back or the machine is deleted"))
                .arg(chassisVmName(m.powerParameters))
                .arg(chassis.name)));
        if (recorded)
            emit core.feed->eventRecorded(*recorded);
        outcome.vanished << m.hostname;
    }
    if (auto stamped = ChassisStore(core.db, core.feed.get()).recordSync(chassis.id, {}); !stamped)
        return stamped.error();
    qCInfo(lcChassis) << "synced" << chassis.name << "created" << outcome.created.size() << "updated"
                      << outcome.updated.size() << "vanished" << outcome.vanished.size() << "skipped"
                      << outcome.skipped.size();
    if (commission && !created.isEmpty())
        for (const ActionOutcome &o :
             ActionRunner(*core.engine).run(created, ActionRequest(NodeAction::Commission), actor))
            if (!o.taken())
                outcome.skipped.append({o.hostname, o.refusal});
    return outcome;
}

} // namespace metaldesk
