#pragma once

#include "core/machines/machine.h"
#include "core/storage/changefeed.h"
#include "core/storage/database.h"

#include <QMap>
#include <optional>

namespace metaldesk {

// A zone or a resource pool (MAAS's availability zones and resource pools): a name machines are
// placed under, which allocation can ask for.
struct Zone {
    QString name;
    QString description;
};

// A tag (MAAS's tags): a name machines carry, which allocation can ask for or rule out.
struct Tag {
    QString name;
    QString comment;
};

// Where machines are placed and how they are labelled: zones, pools, tags, and the notes an API
// client keeps on a machine it owns (MAAS's owner data). Administrators place and tag machines (as
// on MAAS); the owner keeps its own notes. Every change says so on the change feed.
class LabelStore {
public:
    LabelStore(std::shared_ptr<Database> db, ChangeFeed *feed) : db_(std::move(db)), feed_(feed) {}

    Expected<QList<Zone>> zones() const;
    Expected<QList<Zone>> pools() const;
    Expected<QList<Tag>> tags() const;
    // New zones, pools and tags: a name of letters, digits, '-' and '_' (as MAAS), unique.
    Expected<void> addZone(const Actor &actor, const QString &name, const QString &description = {});
    Expected<void> addPool(const Actor &actor, const QString &name, const QString &description = {});
    Expected<void> addTag(const Actor &actor, const QString &name, const QString &comment = {});

    // Where a machine goes: the members set change, in one transaction (all or nothing). The zone
    // and the pool must exist; the tags become exactly `tags`, created when new.
    struct Placement {
        std::optional<QString> zone;
        std::optional<QString> pool;
        std::optional<QStringList> tags;
    };
    Expected<void> place(const Actor &actor, const QString &systemId, const Placement &placement);
    Expected<void> setZone(const Actor &actor, const QString &systemId, const QString &zone)
    {
        return place(actor, systemId, {zone, std::nullopt, std::nullopt});
    }
    Expected<void> setPool(const Actor &actor, const QString &systemId, const QString &pool)
    {
        return place(actor, systemId, {std::nullopt, pool, std::nullopt});
    }
    Expected<void> setTags(const Actor &actor, const QString &systemId, const QStringList &tags)
    {
        return place(actor, systemId, {std::nullopt, std::nullopt, tags});
    }

    // The owner's notes: an empty value removes the key. Only the owner (or an administrator).
    Expected<QMap<QString, QString>> ownerData(const QString &systemId) const;
    Expected<void> setOwnerData(const Actor &actor, const QString &systemId, const QMap<QString, QString> &changes);
    Expected<void> setAgentName(const QString &systemId, const QString &agentName);

    // Empty when `name` can name a zone, pool or tag; otherwise why not.
    static QString nameProblem(const QString &name);

private:
    Expected<void> addNamed(const char *table, const Actor &actor, const QString &name, const QString &description);
    Expected<QList<Zone>> named(const char *table) const;
    Expected<qint64> machineId(const QSqlDatabase &db, const QString &systemId) const;
    void changed(const QString &systemId) const;
    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
};

} // namespace metaldesk
