#include "core/machines/labelstore.h"

#include "core/lifecycle/permissions.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace metaldesk {

namespace {
struct LabelText {
    Q_DECLARE_TR_FUNCTIONS(Labels)
};
} // namespace

QString LabelStore::nameProblem(const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"));
    if (!valid.match(name).hasMatch())
        return LabelText::tr("'%1' is not a valid name: use 1 to 64 letters, digits, '-' and '_', starting with a "
                             "letter or digit")
            .arg(name);
    return {};
}

void LabelStore::changed(const QString &systemId) const
{
    if (feed_)
        emit feed_->machineChanged(systemId);
}

Expected<QList<Zone>> LabelStore::named(const char *table) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT name, description FROM %1 ORDER BY name").arg(QLatin1String(table)));
    if (!q)
        return q.error();
    QList<Zone> list;
    while (q->next())
        list << Zone{q->value(0).toString(), q->value(1).toString()};
    return list;
}

Expected<QList<Zone>> LabelStore::zones() const { return named("zones"); }
Expected<QList<Zone>> LabelStore::pools() const { return named("pools"); }

Expected<QList<Tag>> LabelStore::tags() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT name, comment FROM tags ORDER BY name"));
    if (!q)
        return q.error();
    QList<Tag> list;
    while (q->next())
        list << Tag{q->value(0).toString(), q->value(1).toString()};
    return list;
}

Expected<void> LabelStore::addNamed(const char *table, const Actor &actor, const QString &name,
                                    const QString &description)
{
    if (auto allowed = requireCapability(Capability::EditMachineLabels, actor); !allowed)
        return allowed.error();
    if (QString problem = nameProblem(name); !problem.isEmpty())
        return Error{problem};
    auto db = db_->connection();
    if (!db)
        return db.error();
    const bool tag = qstrcmp(table, "tags") == 0;
    auto exists = runQuery(*db, QStringLiteral("SELECT 1 FROM %1 WHERE name = ?").arg(QLatin1String(table)), {name});
    if (!exists)
        return exists.error();
    if (exists->next())
        return Error{LabelText::tr("'%1' exists already").arg(name)};
    auto q = runQuery(*db,
                      QStringLiteral("INSERT INTO %1 (name, %2) VALUES (?, ?)")
                          .arg(QLatin1String(table), tag ? QLatin1String("comment") : QLatin1String("description")),
                      {name, description});
    if (!q)
        return q.error();
    return {};
}

Expected<void> LabelStore::addZone(const Actor &actor, const QString &name, const QString &description)
{
    return addNamed("zones", actor, name, description);
}

Expected<void> LabelStore::addPool(const Actor &actor, const QString &name, const QString &description)
{
    return addNamed("pools", actor, name, description);
}

Expected<void> LabelStore::addTag(const Actor &actor, const QString &name, const QString &comment)
{
    return addNamed("tags", actor, name, comment);
}

Expected<qint64> LabelStore::machineId(const QSqlDatabase &db, const QString &systemId) const
{
    auto q = runQuery(db, QStringLiteral("SELECT id FROM machines WHERE system_id = ?"), {systemId});
    if (!q)
        return q.error();
    if (!q->next())
        return Error{LabelText::tr("no machine with system id %1").arg(systemId)};
    return q->value(0).toLongLong();
}

Expected<void> LabelStore::place(const Actor &actor, const QString &systemId, const Placement &placement)
{
    if (auto allowed = requireCapability(Capability::EditMachineLabels, actor); !allowed)
        return allowed.error();
    if (placement.tags)
        for (const QString &tag : *placement.tags)
            if (QString problem = nameProblem(tag); !problem.isEmpty())
                return Error{problem};
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    auto id = machineId(*db, systemId);
    if (!id)
        return id.error();

    // Zone and pool: a name that exists, written to the machine's column of the same name.
    struct Named {
        const std::optional<QString> &value;
        const char *table;
        const char *column;
        QString missing;
    };
    const Named named[] = {
        {placement.zone, "zones", "zone", LabelText::tr("there is no zone '%1'")},
        {placement.pool, "pools", "pool", LabelText::tr("there is no resource pool '%1'")},
    };
    for (const Named &n : named) {
        if (!n.value)
            continue;
        auto exists =
            runQuery(*db, QStringLiteral("SELECT 1 FROM %1 WHERE name = ?").arg(QLatin1String(n.table)), {*n.value});
        if (!exists)
            return exists.error();
        if (!exists->next())
            return Error{n.missing.arg(*n.value)};
        auto set = runQuery(*db, QStringLiteral("UPDATE machines SET %1 = ? WHERE id = ?").arg(QLatin1String(n.column)),
                            {*n.value, *id});
        if (!set)
            return set.error();
    }

    if (placement.tags) {
        if (auto cleared = runQuery(*db, QStringLiteral("DELETE FROM machine_tags WHERE machine_id = ?"), {*id});
            !cleared)
            return cleared.error();
        QStringList unique = *placement.tags;
        unique.removeDuplicates();
        for (const QString &tag : std::as_const(unique)) {
            auto known = runQuery(*db, QStringLiteral("SELECT 1 FROM tags WHERE name = ?"), {tag});
            if (!known)
                return known.error();
            if (!known->next())
                if (auto added = runQuery(*db, QStringLiteral("INSERT INTO tags (name) VALUES (?)"), {tag}); !added)
                    return added.error();
            if (auto q = runQuery(*db, QStringLiteral("INSERT INTO machine_tags (machine_id, tag) VALUES (?, ?)"),
                                  {*id, tag});
                !q)
                return q.error();
        }
    }
    if (auto touched = runQuery(*db, QStringLiteral("UPDATE machines SET updated = ? WHERE id = ?"), {nowMs(), *id});
        !touched)
        return touched.error();
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    changed(systemId);
    return {};
}

Expected<QMap<QString, QString>> LabelStore::ownerData(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT o.data_key, o.data_value FROM owner_data o JOIN machines m ON m.id = "
                                     "o.machine_id WHERE m.system_id = ?"),
                      {systemId});
    if (!q)
        return q.error();
    QMap<QString, QString> data;
    while (q->next())
        data.insert(q->value(0).toString(), q->value(1).toString());
    return data;
}

Expected<void> LabelStore::setOwnerData(const Actor &actor, const QString &systemId,
                                        const QMap<QString, QString> &changes)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    auto q = runQuery(*db, QStringLiteral("SELECT id, owner_id FROM machines WHERE system_id = ?"), {systemId});
    if (!q)
        return q.error();
    if (!q->next())
        return Error{LabelText::tr("no machine with system id %1").arg(systemId)};
    const qint64 id = q->value(0).toLongLong();
    const bool owner = !q->value(1).isNull() && q->value(1).toLongLong() == actor.userId;
    if (!owner && !actor.isAdmin)
        return Error{LabelText::tr("only the machine's owner can keep notes on it")};
    for (auto it = changes.cbegin(); it != changes.cend(); ++it) {
        auto removed = runQuery(*db, QStringLiteral("DELETE FROM owner_data WHERE machine_id = ? AND data_key = ?"),
                                {id, it.key()});
        if (!removed)
            return removed.error();
        if (it.value().isEmpty())
            continue;
        auto added =
            runQuery(*db, QStringLiteral("INSERT INTO owner_data (machine_id, data_key, data_value) VALUES (?, ?, ?)"),
                     {id, it.key(), it.value()});
        if (!added)
            return added.error();
    }
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    changed(systemId);
    return {};
}

Expected<void> LabelStore::setAgentName(const QString &systemId, const QString &agentName)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("UPDATE machines SET agent_name = ?, updated = ? WHERE system_id = ?"),
                      {agentName, nowMs(), systemId});
    if (!q)
        return q.error();
    changed(systemId);
    return {};
}

} // namespace metaldesk
