#include "core/addresses/staticaddresses.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>

namespace metaldesk {

namespace {

QString text(quint32 address) { return QHostAddress(address).toString(); }

std::optional<quint32> parsed(const QString &address)
{
    bool ok = false;
    const quint32 v = QHostAddress(address).toIPv4Address(&ok);
    return ok ? std::optional<quint32>(v) : std::nullopt;
}

const char *kHeldBy = "SELECT s.id, s.ip FROM static_ips s JOIN interfaces i ON i.id = s.interface_id "
                      "JOIN machines m ON m.id = i.machine_id WHERE m.system_id = ? AND s.alloc_type = 'auto'";

} // namespace

Expected<std::optional<quint32>> StaticAddressStore::addressOf(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QLatin1String(kHeldBy), {systemId});
    if (!q)
        return q.error();
    while (q->next())
        if (auto a = parsed(q->value(1).toString()))
            return std::optional<quint32>(*a);
    return std::optional<quint32>();
}

namespace {

// A user's static address is stored with its prefix length ("10.99.0.50/24").
const char *kAllHeld =
    "SELECT s.ip, m.system_id, m.hostname FROM static_ips s JOIN interfaces i ON i.id = s.interface_id "
    "JOIN machines m ON m.id = i.machine_id "
    "UNION ALL SELECT l.ip, '', d.hostname FROM device_links l JOIN device_interfaces di ON di.id = l.interface_id "
    "JOIN devices d ON d.id = di.device_id "
    "WHERE l.ip IS NOT NULL "
    "UNION ALL SELECT n.static_address, m.system_id, m.hostname FROM node_settings n "
    "JOIN machines m ON m.id = n.machine_id WHERE n.static_address <> ''";

std::optional<quint32> withoutPrefix(const QString &address) { return parsed(address.section(QLatin1Char('/'), 0, 0)); }

} // namespace

Expected<QSet<quint32>> StaticAddressStore::heldAddresses() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QLatin1String(kAllHeld));
    if (!q)
        return q.error();
    QSet<quint32> held;
    while (q->next())
        if (auto a = withoutPrefix(q->value(0).toString()))
            held.insert(*a);
    return held;
}

Expected<QString> StaticAddressStore::holderOf(const QSqlDatabase &db, quint32 address, const QString &systemId)
{
    auto q = runQuery(db, QLatin1String(kAllHeld));
    if (!q)
        return q.error();
    while (q->next())
        if (withoutPrefix(q->value(0).toString()) == address && q->value(1).toString() != systemId)
            return q->value(2).toString();
    return QString();
}

Expected<std::optional<quint32>> StaticAddressStore::assign(const QString &systemId, quint32 first, quint32 last) const
{
    if (first == 0 || last < first)
        return std::optional<quint32>();
    auto db = db_->connection();
    if (!db)
        return db.error();
    // One writer at a time: two machines deploying together never get the same address.
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    auto held = runQuery(*db, QLatin1String(kHeldBy), {systemId});
    if (!held)
        return held.error();
    std::optional<quint32> kept;
    QList<qint64> outside;
    while (held->next()) {
        const auto a = parsed(held->value(1).toString());
        if (a && *a >= first && *a <= last && !kept)
            kept = a;
        else
            outside << held->value(0).toLongLong();
    }
    held->finish();
    for (qint64 id : std::as_const(outside))
        if (auto gone = runQuery(*db, QStringLiteral("DELETE FROM static_ips WHERE id = ?"), {id}); !gone)
            return gone.error();
    if (kept) {
        if (auto committed = txn.commit(); !committed)
            return committed.error();
        return kept;
    }

    auto iface = runQuery(*db,
                          QStringLiteral("SELECT i.id FROM interfaces i JOIN machines m ON m.id = i.machine_id "
                                         "WHERE m.system_id = ? ORDER BY i.id LIMIT 1"),
                          {systemId});
    if (!iface)
        return iface.error();
    if (!iface->next())
        return Error{QObject::tr("no machine with system id %1").arg(systemId)};
    const qint64 interfaceId = iface->value(0).toLongLong();
    iface->finish();

    // Devices (juju's containers) hold addresses of the same range, and users give machines static
    // addresses that may lie in it.
    auto taken = runQuery(*db, QLatin1String(kAllHeld));
    if (!taken)
        return taken.error();
    QSet<quint32> used;
    while (taken->next())
        if (auto a = withoutPrefix(taken->value(0).toString()))
            used.insert(*a);
    taken->finish();
    for (quint64 a = first; a <= last; ++a) {
        if (used.contains(quint32(a)))
            continue;
        auto inserted = runQuery(*db,
                                 QStringLiteral("INSERT INTO static_ips (ip, interface_id, alloc_type) "
                                                "VALUES (?, ?, 'auto')"),
                                 {text(quint32(a)), interfaceId});
        if (!inserted)
            return inserted.error();
        if (auto committed = txn.commit(); !committed)
            return committed.error();
        return std::optional<quint32>(quint32(a));
    }
    return std::optional<quint32>();
}

} // namespace metaldesk
