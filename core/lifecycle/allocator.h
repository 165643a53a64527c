#pragma once

#include "core/lifecycle/lifecycleengine.h"
#include "core/machines/inventory.h"

#include <QMap>
#include <optional>

namespace metaldesk {

// What an API client asks of a machine it allocates (MAAS's allocate constraints, as juju sends
// them). Every field is optional: an empty one asks nothing.
struct AllocationConstraints {
    QString hostname;
    QString systemId;
    QString architecture;            // "amd64" matches "amd64/generic"; "amd64/generic" matches exactly
    std::optional<int> cpuCount;     // at least
    std::optional<qint64> memoryMiB; // at least
    QStringList tags;                // all of them
    QStringList notTags;             // none of them
    QString zone;
    QStringList notInZones;
    QString pool;
    QStringList notInPools;
    // "root:32(ssd),data:100": one disk per label, at least that many GB, with those tags (disks
    // carry no tags here, so a label that asks for tags matches nothing). A label may be left out:
    // "32,100".
    QString storage;
    // "eth0:space=public;eth1:space=storage": one interface per label in that space. MetalDesk has
    // one network and no spaces, so a label that names a space matches nothing; one without does.
    QString interfaces;
    QStringList notSubnets;
    QString agentName;   // kept on the machine
    bool dryRun = false; // say which machine would be allocated, and allocate nothing
};

// A machine as allocation sees it: the record and, when it was commissioned, its inventory.
struct AllocationCandidate {
    Machine machine;
    std::optional<Inventory> inventory;
};

// The machine allocated and, per storage and interface label, what satisfied it: the disks
// (1-based, in the inventory's order, as the API numbers block devices) and the interfaces (ids).
struct Allocation {
    Machine machine;
    QMap<QString, QList<qint64>> storage;
    QMap<QString, QList<qint64>> interfaces;
};

// Empty when the constraints can be used; otherwise the first that cannot, and why.
QString constraintsProblem(const AllocationConstraints &constraints);
// Whether a Ready machine meets the constraints: empty when it does, otherwise the first reason it
// does not ("4 CPUs asked, 2 here"). Pure: the allocator and its tests call it alike. On a match,
// `allocation` (if given) receives what satisfied the storage and interface labels.
QString constraintMismatch(const AllocationCandidate &candidate, const AllocationConstraints &constraints,
                           Allocation *allocation = nullptr);

// Allocates a Ready machine that meets the constraints: the engine acquires it for the actor (the
// same action as Take action's Acquire, so the window shows it at once). Concurrent allocations never
// get the same machine: the engine takes the machine under its row lock and refuses it to the
// second asker, who then tries the next candidate. nullopt: no machine matches (with why in
// `reason`, for the API's 409).
class Allocator {
public:
    Allocator(LifecycleEngine &engine, std::shared_ptr<Database> db) : engine_(engine), db_(std::move(db)) {}
    Expected<std::optional<Allocation>> allocate(const AllocationConstraints &constraints, const Actor &actor,
                                                 QString *reason = nullptr) const;

private:
    LifecycleEngine &engine_;
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
