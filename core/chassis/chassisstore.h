#pragma once

#include "core/chassis/chassis.h"
#include "core/machines/machine.h"
#include "core/storage/changefeed.h"
#include "core/storage/database.h"

namespace metaldesk {

// The chassis MetalDesk knows: added by the Add chassis wizard, stamped by each sync. Removing
// one leaves its machines (their chassis becomes none); deleting machines is the lifecycle's.
class ChassisStore {
public:
    ChassisStore(std::shared_ptr<Database> db, ChangeFeed *feed) : db_(std::move(db)), feed_(feed) {}

    // Administrators only (MAAS's add chassis). An empty name becomes the address's host. Refused
    // when a chassis already has that name or that address.
    Expected<Chassis> add(const Actor &actor, Chassis chassis);
    Expected<QList<Chassis>> list() const; // by name, with their machine counts
    Expected<Chassis> get(qint64 id) const;
    // After a sync: when it ran, and why it failed ("" when it worked).
    Expected<void> recordSync(qint64 id, const QString &error);
    Expected<void> remove(const Actor &actor, qint64 id);
    // New settings for its type (a vSphere host's credentials or certificate). Administrators only.
    Expected<void> setParameters(const Actor &actor, qint64 id, const QJsonObject &parameters);

    // The user trusts a vSphere host's new certificate: `fingerprint` becomes the pin
    // (power_fingerprint) of the chassis and of each of its machines powered through it, all in one
    // transaction (never some machines pinned to the old one). Returns those machines' system ids.
    Expected<QStringList> pinCertificate(const Actor &actor, qint64 id, const QString &fingerprint);

private:
    Expected<QList<Chassis>> select(const QString &where, const QVariantList &values) const;
    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
};

} // namespace metaldesk
