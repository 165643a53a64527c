#include "core/chassis/chassisstore.h"

#include "core/lifecycle/permissions.h"
#include "core/storage/secretbox.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QUrl>

namespace metaldesk {

Expected<Chassis> ChassisStore::add(const Actor &actor, Chassis chassis)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    if (!chassisTypes().contains(chassis.type))
        return Error{QCoreApplication::translate("Chassis", "unknown chassis type '%1'").arg(chassis.type)};
    chassis.address = chassis.address.trimmed();
    if (chassis.address.isEmpty())
        return Error{QCoreApplication::translate("Chassis", "give the chassis's address")};
    if (chassis.name.trimmed().isEmpty()) {
        const QUrl url(chassis.address);
        chassis.name = url.host().isEmpty() ? chassis.address : url.host();
    }
    chassis.name = chassis.name.trimmed();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto clash = runQuery(*db, QStringLiteral("SELECT name, address FROM chassis WHERE name = ? OR address = ?"),
                          {chassis.name, chassis.address});
    if (!clash)
        return clash.error();
    if (clash->next())
        return Error{clash->value(1).toString() == chassis.address
                         ? QCoreApplication::translate("Chassis", "%1 is already the chassis %2: re-sync it instead")
                               .arg(chassis.address, clash->value(0).toString())
                         : QCoreApplication::translate("Chassis", "a chassis is already called %1").arg(chassis.name)};
    clash->finish();
    auto id = insertReturningId(*db,
                                QStringLiteral("INSERT INTO chassis (name, chassis_type, address, parameters, "
                                               "prefix_filter, created) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                                {chassis.name, chassis.type, chassis.address,
                                 storedParameters(db_->secrets(), chassis.parameters), chassis.prefixFilter, nowMs()});
    if (!id)
        return id.error();
    chassis.id = *id;
    if (feed_)
        emit feed_->chassisChanged();
    return chassis;
}

Expected<QList<Chassis>> ChassisStore::select(const QString &where, const QVariantList &values) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT c.id, c.name, c.chassis_type, c.address, c.prefix_filter, c.last_sync, "
                                     "c.last_error, (SELECT COUNT(*) FROM machines m WHERE m.chassis_id = c.id), "
                                     "c.parameters FROM chassis c ") +
                          where + QStringLiteral(" ORDER BY c.name"),
                      values);
    if (!q)
        return q.error();
    QList<Chassis> all;
    while (q->next()) {
        Chassis c;
        c.id = q->value(0).toLongLong();
        c.name = q->value(1).toString();
        c.type = q->value(2).toString();
        c.address = q->value(3).toString();
        c.prefixFilter = q->value(4).toString();
        if (!q->value(5).isNull())
            c.lastSync = q->value(5).toLongLong();
        c.lastError = q->value(6).toString();
        c.machineCount = q->value(7).toInt();
        c.parameters = openParameters(db_->secrets(), q->value(8).toString());
        all << c;
    }
    return all;
}

Expected<QList<Chassis>> ChassisStore::list() const { return select({}, {}); }

Expected<Chassis> ChassisStore::get(qint64 id) const
{
    auto found = select(QStringLiteral("WHERE c.id = ?"), {id});
    if (!found)
        return found.error();
    if (found->isEmpty())
        return Error{QCoreApplication::translate("Chassis", "no chassis with id %1").arg(id)};
    return found->first();
}

Expected<void> ChassisStore::setParameters(const Actor &actor, qint64 id, const QJsonObject &parameters)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("UPDATE chassis SET parameters = ? WHERE id = ?"),
                      {storedParameters(db_->secrets(), parameters), id});
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{QCoreApplication::translate("Chassis", "no chassis with id %1").arg(id)};
    if (feed_)
        emit feed_->chassisChanged();
    return {};
}

Expected<QStringList> ChassisStore::pinCertificate(const Actor &actor, qint64 id, const QString &fingerprint)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    const QString key = QStringLiteral("power_fingerprint");
    QStringList machines;
    {
        Transaction txn(*db_, *db);
        if (!txn.begun())
            return Error{txn.beginError()};
        auto chassis = runQuery(*db, QStringLiteral("SELECT chassis_type, parameters FROM chassis WHERE id = ?"), {id});
        if (!chassis)
            return chassis.error();
        if (!chassis->next())
            return Error{QCoreApplication::translate("Chassis", "no chassis with id %1").arg(id)};
        const QString type = chassis->value(0).toString();
        QJsonObject parameters = openParameters(db_->secrets(), chassis->value(1).toString());
        chassis->finish();
        parameters.insert(key, fingerprint);
        if (auto q = runQuery(*db, QStringLiteral("UPDATE chassis SET parameters = ? WHERE id = ?"),
                              {storedParameters(db_->secrets(), parameters), id});
            !q)
            return q.error();
        auto rows = runQuery(*db,
                             QStringLiteral("SELECT m.id, m.system_id, m.power_parameters FROM machines m "
                                            "WHERE m.chassis_id = ? AND m.power_type = ?") +
                                 db_->forUpdate(QStringLiteral("m")),
                             {id, type});
        if (!rows)
            return rows.error();
        QList<std::pair<qint64, QJsonObject>> pinned;
        while (rows->next()) {
            QJsonObject power = openParameters(db_->secrets(), rows->value(2).toString());
            power.insert(key, fingerprint);
            pinned.append({rows->value(0).toLongLong(), power});
            machines << rows->value(1).toString();
        }
        rows->finish();
        const qint64 now = nowMs();
        for (const auto &[machineId, power] : std::as_const(pinned))
            if (auto q =
                    runQuery(*db, QStringLiteral("UPDATE machines SET power_parameters = ?, updated = ? WHERE id = ?"),
                             {storedParameters(db_->secrets(), power), now, machineId});
                !q)
                return q.error();
        if (auto committed = txn.commit(); !committed)
            return committed.error();
    }
    if (feed_) {
        emit feed_->chassisChanged();
        for (const QString &systemId : std::as_const(machines))
            emit feed_->machineChanged(systemId);
    }
    return machines;
}

Expected<void> ChassisStore::recordSync(qint64 id, const QString &error)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("UPDATE chassis SET last_sync = ?, last_error = ? WHERE id = ?"),
                      {nowMs(), error, id});
    if (!q)
        return q.error();
    if (feed_)
        emit feed_->chassisChanged();
    return {};
}

Expected<void> ChassisStore::remove(const Actor &actor, qint64 id)
{
    if (auto allowed = requireCapability(Capability::AddMachine, actor); !allowed)
        return allowed.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    // The machines stay, without a chassis (PostgreSQL's ON DELETE SET NULL does this too; SQLite
    // only with foreign keys on, so say it).
    auto detached = runQuery(*db, QStringLiteral("UPDATE machines SET chassis_id = NULL WHERE chassis_id = ?"), {id});
    if (!detached)
        return detached.error();
    auto removed = runQuery(*db, QStringLiteral("DELETE FROM chassis WHERE id = ?"), {id});
    if (!removed)
        return removed.error();
    if (removed->numRowsAffected() == 0)
        return Error{QCoreApplication::translate("Chassis", "no chassis with id %1").arg(id)};
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    if (feed_)
        emit feed_->chassisChanged();
    return {};
}

} // namespace metaldesk
