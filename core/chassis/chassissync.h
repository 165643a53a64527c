#pragma once

#include "core/chassis/chassis.h"
#include "core/machines/machine.h"

#include <QSet>
#include <functional>

namespace metaldesk {

struct CoreServices;

// Lists a chassis's VMs (all of them: the prefix filter is the plan's). Blocks on the host: call it
// on a worker thread. `progress` hears (done, total) and returns false to stop (cancel). For a
// vSphere host, `presentedFingerprint` receives its certificate's SHA-256 (for the user to confirm),
// and a standalone ESXi host is asked whether its licence allows power calls (ChassisVm::powerAllowed).
Expected<QList<ChassisVm>> listChassisVms(const Chassis &chassis, const std::function<bool(int, int)> &progress = {},
                                          QString *presentedFingerprint = nullptr);

// What a sync does with one VM.
enum class SyncAction {
    Add,       // a new machine in New
    Update,    // its machine changes (name, MACs) or came back
    Unchanged, // already known as it is
    Conflict,  // a MAC of it belongs to another machine or another VM: not added
    NoNetwork, // no network interface: it could never boot from MetalDesk
    Filtered,  // outside the name prefix
};

struct SyncItem {
    ChassisVm vm;
    SyncAction action = SyncAction::Add;
    QString systemId; // the machine it is (Update, Unchanged) or clashes with (Conflict)
    QString reason;   // in words, for the wizard's list and the result
    Text change;      // what changed (Update), for the machine's event
};

struct SyncPlan {
    QList<SyncItem> items;        // one per VM listed, in the listing's order
    QList<Machine> vanished;      // machines of this chassis whose VM is gone, not marked yet
    QSet<QString> allVms() const; // every VM's UUID: a re-sync acts on all
};

// Pure: what a sync would do, given every VM the chassis listed and every machine MetalDesk has.
// A VM is the machine of this chassis with its UUID; else a new machine, unless one of its MACs is
// another machine's or an earlier VM's in this listing (no duplicate MAC, no merge).
SyncPlan planChassisSync(const QList<ChassisVm> &vms, const QString &prefix, std::optional<qint64> chassisId,
                         const QList<Machine> &machines);

struct SyncOutcome {
    QStringList created; // hostnames
    QStringList updated;
    QStringList vanished;
    QList<QPair<QString, QString>> skipped; // VM name, why
};

// Carries out a plan for the chosen VMs (by UUID): creates, updates and
// marks, each machine whole, each with an event; a VM that cannot be added is skipped with why.
// Then stamps the chassis's sync. Optionally starts commissioning what it created (MAAS's option).
Expected<SyncOutcome> applyChassisSync(CoreServices &core, const Chassis &chassis, const SyncPlan &plan,
                                       const QSet<QString> &chosen, const Actor &actor, bool commission = false);

// A chassis's Re-sync once its VMs are listed (listChassisVms, the long part): plans and applies for
// every VM its prefix selects. A listing that failed is stamped on the chassis (its row shows it)
// and returned.
Expected<SyncOutcome> resyncChassis(CoreServices &core, const Chassis &chassis,
                                    const Expected<QList<ChassisVm>> &listing, const Actor &actor);

// The user compared a vSphere host's new certificate with the host's and trusts it: its SHA-256
// becomes the chassis's pin and that of every machine of the chassis powered through it (each
// machine with an event). Returns how many machines changed.
Expected<int> trustChassisCertificate(CoreServices &core, const Chassis &chassis, const QString &fingerprint,
                                      const Actor &actor);

QString syncActionText(SyncAction action);

} // namespace metaldesk
