#include "core/addresses/leasestore.h"

#include <QSqlError>
#include <QSqlQuery>

namespace metaldesk {

namespace {
const char *stateName(Lease::State s)
{
    switch (s) {
    case Lease::State::Offered: return "offered";
    case Lease::State::Bound: return "bound";
    case Lease::State::Released: return "released";
    case Lease::State::Declined: return "declined";
    }
    return "released";
}

Lease::State stateFrom(const QString &name)
{
    if (name == QLatin1String("offered"))
        return Lease::State::Offered;
    if (name == QLatin1String("bound"))
        return Lease::State::Bound;
    if (name == QLatin1String("declined"))
        return Lease::State::Declined;
    return Lease::State::Released;
}
} // namespace

Expected<QList<Lease>> LeaseStore::select(const QString &condition, QVariantList values, const QString &tail) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    QString where = condition.isEmpty() ? QStringLiteral("1 = 1") : condition;
    if (segment_) {
        where = QStringLiteral("segment = ? AND (%1)").arg(where);
        values.prepend(*segment_);
    }
    auto q = runQuery(*db,
                      QStringLiteral("SELECT ip, mac, hostname, state, expires FROM dhcp_leases WHERE ") + where +
                          QLatin1Char(' ') + tail,
                      values);
    if (!q)
        return q.error();
    QList<Lease> leases;
    while (q->next())
        leases << Lease{quint32(q->value(0).toLongLong()), q->value(1).toString(), q->value(2).toString(),
                        stateFrom(q->value(3).toString()), q->value(4).toLongLong()};
    return leases;
}

Expected<std::optional<Lease>> LeaseStore::forMac(const QString &mac) const
{
    // The newest lease of the MAC, if it has several (an old released one, a new offer).
    auto leases = select(QStringLiteral("mac = ?"), {mac}, QStringLiteral("ORDER BY updated DESC LIMIT 1"));
    if (!leases)
        return leases.error();
    return leases->isEmpty() ? std::optional<Lease>() : std::optional<Lease>(leases->first());
}

Expected<std::optional<Lease>> LeaseStore::forIp(quint32 ip) const
{
    auto leases = select(QStringLiteral("ip = ?"), {qint64(ip)}, QStringLiteral("ORDER BY updated DESC LIMIT 1"));
    if (!leases)
        return leases.error();
    return leases->isEmpty() ? std::optional<Lease>() : std::optional<Lease>(leases->first());
}

Expected<bool> LeaseStore::holdsBound(const QString &mac, quint32 ip, qint64 now) const
{
    auto leases = select(QStringLiteral("ip = ? AND mac = ? AND state = 'bound' AND expires > ?"),
                         {qint64(ip), mac, now}, QStringLiteral("LIMIT 1"));
    if (!leases)
        return leases.error();
    return !leases->isEmpty();
}

Expected<QList<Lease>> LeaseStore::inRange(quint32 first, quint32 last) const
{
    return select(QStringLiteral("ip BETWEEN ? AND ?"), {qint64(first), qint64(last)}, QStringLiteral("ORDER BY ip"));
}

Expected<QList<Lease>> LeaseStore::all() const { return select({}, {}, QStringLiteral("ORDER BY updated, ip")); }

Expected<void> LeaseStore::adoptLeasesWithoutSegment()
{
    if (!segment_ || segment_->isEmpty())
        return {};
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("UPDATE dhcp_leases SET segment = ? WHERE segment = '' AND ip NOT IN "
                                     "(SELECT ip FROM dhcp_leases WHERE segment = ?)"),
                      {*segment_, *segment_});
    if (!q)
        return q.error();
    return {};
}

Expected<void> LeaseStore::save(const Lease &lease) { return saveAll({lease}); }

Expected<void> LeaseStore::saveAll(const QList<Lease> &leases)
{
    if (leases.isEmpty())
        return {};
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction transaction(*db_, *db);
    if (!transaction.begun())
        return Error{transaction.beginError()};
    QSqlQuery q(*db);
    // Prepared once for the whole batch: at thousands of leases a second the parse would dominate.
    if (!q.prepare(QStringLiteral("INSERT INTO dhcp_leases (segment, ip, mac, hostname, state, expires, updated) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (segment, ip) DO UPDATE SET "
                                  "mac = excluded.mac, "
                                  "hostname = excluded.hostname, state = excluded.state, "
                                  "expires = excluded.expires, updated = excluded.updated")))
        return Error{QObject::tr("database error: %1 (in: %2)").arg(q.lastError().text(), q.lastQuery())};
    const qint64 now = nowMs();
    const QString segment = segment_.value_or(QString(QLatin1String("")));
    for (const Lease &lease : leases) {
        q.bindValue(0, segment);
        q.bindValue(1, qint64(lease.ip));
        q.bindValue(2, lease.mac);
        q.bindValue(3, lease.hostname.isNull() ? QString(QLatin1String("")) : lease.hostname);
        q.bindValue(4, QString::fromLatin1(stateName(lease.state)));
        q.bindValue(5, lease.expires);
        q.bindValue(6, now);
        if (!q.exec())
            return Error{QObject::tr("database error: %1 (in: %2)").arg(q.lastError().text(), q.lastQuery())};
    }
    return transaction.commit();
}

} // namespace metaldesk
