#include "core/machines/devicestore.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QRandomGenerator>

namespace metaldesk {

namespace {

struct DeviceText {
    Q_DECLARE_TR_FUNCTIONS(Devices)
};

QVariant nullable(std::optional<qint64> v) { return v ? QVariant(*v) : QVariant(QMetaType::fromType<qint64>()); }

QString randomSystemId()
{
    static constexpr char alphabet[] = "34678abcdefghkmnpqrstwxy"; // MAAS's system ids, as machines have
    QString id;
    for (int i = 0; i < 6; ++i)
        id += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(24)]);
    return id;
}

Expected<QList<Device>> load(const QSqlDatabase &db, const QString &where, const QVariantList &values)
{
    auto q =
        runQuery(db,
                 QStringLiteral("SELECT d.id, d.system_id, d.hostname, d.domain, d.zone, COALESCE(m.system_id, ''),"
                                " d.owner_id, COALESCE(u.username, '') FROM devices d"
                                " LEFT JOIN machines m ON m.id = d.parent_id LEFT JOIN users u ON u.id = d.owner_id ") +
                     where + QStringLiteral(" ORDER BY d.hostname"),
                 values);
    if (!q)
        return q.error();
    QList<Device> devices;
    while (q->next()) {
        Device d;
        d.id = q->value(0).toLongLong();
        d.systemId = q->value(1).toString();
        d.hostname = q->value(2).toString();
        d.domain = q->value(3).toString();
        d.zone = q->value(4).toString();
        d.parent = q->value(5).toString();
        if (!q->value(6).isNull())
            d.ownerId = q->value(6).toLongLong();
        d.owner = q->value(7).toString();
        devices << d;
    }
    for (Device &d : devices) {
        auto ifaces = runQuery(
            db, QStringLiteral("SELECT id, name, mac_address FROM device_interfaces WHERE device_id = ? ORDER BY id"),
            {d.id});
        if (!ifaces)
            return ifaces.error();
        while (ifaces->next())
            d.interfaces << DeviceInterface{
                ifaces->value(0).toLongLong(), ifaces->value(1).toString(), ifaces->value(2).toString(), {}};
        for (DeviceInterface &i : d.interfaces) {
            auto links = runQuery(db,
                                  QStringLiteral("SELECT id, mode, COALESCE(ip, '') FROM device_links WHERE "
                                                 "interface_id = ? ORDER BY id"),
                                  {i.id});
            if (!links)
                return links.error();
            while (links->next())
                i.links << DeviceLink{links->value(0).toLongLong(), links->value(1).toString(),
                                      links->value(2).toString()};
        }
    }
    return devices;
}

// Whether some machine, device or lease holds the address.
Expected<bool> addressTaken(const QSqlDatabase &db, quint32 ip)
{
    const QString text = QHostAddress(ip).toString();
    for (const auto &[sql, value] :
         {std::pair{"SELECT 1 FROM static_ips WHERE ip = ?", QVariant(text)},
          std::pair{"SELECT 1 FROM device_links WHERE ip = ?", QVariant(text)},
          // A static address a user gave a machine, kept with its prefix length ("10.99.0.50/24").
          std::pair{"SELECT 1 FROM node_settings WHERE static_address LIKE ?", QVariant(text + QStringLiteral("/%"))},
          std::pair{"SELECT 1 FROM dhcp_leases WHERE ip = ? AND expires > ?", QVariant(qint64(ip))}}) {
        QVariantList values{value};
        if (QLatin1String(sql).contains(QLatin1String("expires")))
            values << nowMs();
        auto q = runQuery(db, QLatin1String(sql), values);
        if (!q)
            return q.error();
        if (q->next())
            return true;
    }
    return false;
}

} // namespace

Expected<QList<Device>> DeviceStore::list() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    return load(*db, {}, {});
}

Expected<std::optional<Device>> DeviceStore::get(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto found = load(*db, QStringLiteral("WHERE d.system_id = ?"), {systemId});
    if (!found)
        return found.error();
    return found->isEmpty() ? std::optional<Device>() : std::optional<Device>(found->first());
}

Expected<Device> DeviceStore::mayChange(const Actor &actor, const QString &systemId) const
{
    auto device = get(systemId);
    if (!device)
        return device.error();
    if (!*device)
        return Error{DeviceText::tr("no device with system id %1").arg(systemId)};
    if (!actor.isAdmin && (*device)->ownerId != actor.userId)
        return Error{DeviceText::tr("the device %1 is another user's").arg((*device)->hostname)};
    return **device;
}

Expected<Device> DeviceStore::create(const Actor &actor, const QString &hostname, const QStringList &macAddresses,
                                     const QString &parent, const QString &domain)
{
    if (!hostname.isEmpty() && !isValidHostname(hostname))
        return Error{DeviceText::tr("'%1' is not a valid hostname").arg(hostname)};
    QStringList macs;
    for (const QString &text : macAddresses) {
        const QString mac = normaliseMacAddress(text);
        if (mac.isEmpty())
            return Error{DeviceText::tr("'%1' is not a MAC address").arg(text)};
        macs << mac;
    }
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    std::optional<qint64> parentId;
    if (!parent.isEmpty()) {
        auto q = runQuery(*db, QStringLiteral("SELECT id, owner_id FROM machines WHERE system_id = ?"), {parent});
        if (!q)
            return q.error();
        if (!q->next())
            return Error{DeviceText::tr("no machine with system id %1").arg(parent)};
        if (!actor.isAdmin && (q->value(1).isNull() || q->value(1).toLongLong() != actor.userId))
            return Error{DeviceText::tr("the parent machine %1 is not yours").arg(parent)};
        parentId = q->value(0).toLongLong();
    }
    for (const QString &mac : std::as_const(macs)) {
        auto used = runQuery(*db,
                             QStringLiteral("SELECT 1 FROM device_interfaces WHERE mac_address = ? UNION ALL "
                                            "SELECT 1 FROM interfaces WHERE mac_address = ?"),
                             {mac, mac});
        if (!used)
            return used.error();
        if (used->next())
            return Error{DeviceText::tr("the MAC address %1 belongs to another machine or device").arg(mac)};
    }
    QString systemId = randomSystemId();
    const QString name = hostname.isEmpty() ? QStringLiteral("device-") + systemId : hostname;
    auto id = insertReturningId(*db,
                                QStringLiteral("INSERT INTO devices (system_id, hostname, parent_id, owner_id, domain, "
                                               "created) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                                {systemId, name, nullable(parentId), actor.userId ? QVariant(actor.userId) : QVariant(),
                                 domain.isEmpty() ? QStringLiteral("maas") : domain, nowMs()});
    if (!id)
        return Error{DeviceText::tr("cannot add the device %1: %2").arg(name, id.errorMessage())};
    for (int i = 0; i < macs.size(); ++i)
        if (auto added = runQuery(*db,
                                  QStringLiteral("INSERT INTO device_interfaces (device_id, name, mac_address) VALUES "
                                                 "(?, ?, ?)"),
                                  {*id, QStringLiteral("eth%1").arg(i), macs[i]});
            !added)
            return added.error();
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    auto made = get(systemId);
    if (!made)
        return made.error();
    if (!*made) // deleted by another client meanwhile
        return Error{DeviceText::tr("no device with system id %1").arg(systemId)};
    return **made;
}

Expected<void> DeviceStore::remove(const Actor &actor, const QString &systemId)
{
    auto device = mayChange(actor, systemId);
    if (!device)
        return device.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("DELETE FROM devices WHERE id = ?"), {device->id});
    if (!q)
        return q.error();
    return {};
}

Expected<DeviceInterface> DeviceStore::addInterface(const Actor &actor, const QString &systemId, const QString &name,
                                                    const QString &macAddress)
{
    auto device = mayChange(actor, systemId);
    if (!device)
        return device.error();
    const QString mac = normaliseMacAddress(macAddress);
    if (mac.isEmpty())
        return Error{DeviceText::tr("'%1' is not a MAC address").arg(macAddress)};
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto id = insertReturningId(
        *db,
        QStringLiteral("INSERT INTO device_interfaces (device_id, name, mac_address) VALUES (?, ?, ?) RETURNING id"),
        {device->id, name.isEmpty() ? QStringLiteral("eth%1").arg(device->interfaces.size()) : name, mac});
    if (!id)
        return Error{DeviceText::tr("cannot add the interface %1: %2").arg(mac, id.errorMessage())};
    return DeviceInterface{*id, name, mac, {}};
}

Expected<DeviceInterface> DeviceStore::updateInterface(const Actor &actor, const QString &systemId, qint64 interfaceId,
                                                       const QString &name, const QString &macAddress)
{
    auto device = mayChange(actor, systemId);
    if (!device)
        return device.error();
    for (DeviceInterface i : device->interfaces) {
        if (i.id != interfaceId)
            continue;
        if (!name.isEmpty())
            i.name = name;
        if (!macAddress.isEmpty()) {
            i.macAddress = normaliseMacAddress(macAddress);
            if (i.macAddress.isEmpty())
                return Error{DeviceText::tr("'%1' is not a MAC address").arg(macAddress)};
        }
        auto db = db_->connection();
        if (!db)
            return db.error();
        auto q = runQuery(*db, QStringLiteral("UPDATE device_interfaces SET name = ?, mac_address = ? WHERE id = ?"),
                          {i.name, i.macAddress, i.id});
        if (!q)
            return q.error();
        return i;
    }
    return Error{DeviceText::tr("the device %1 has no interface %2").arg(systemId).arg(interfaceId)};
}

Expected<DeviceInterface> DeviceStore::link(const Actor &actor, const QString &systemId, qint64 interfaceId,
                                            const QString &mode, const QString &ip, quint32 first, quint32 last)
{
    auto device = mayChange(actor, systemId);
    if (!device)
        return device.error();
    const QString m = mode.toLower();
    if (m != QLatin1String("static") && m != QLatin1String("dhcp") && m != QLatin1String("link_up"))
        return Error{DeviceText::tr("the link mode '%1' should be STATIC, DHCP or LINK_UP").arg(mode)};
    bool known = false;
    for (const DeviceInterface &i : device->interfaces)
        known = known || i.id == interfaceId;
    if (!known)
        return Error{DeviceText::tr("the device %1 has no interface %2").arg(systemId).arg(interfaceId)};
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    QString address;
    if (m == QLatin1String("static")) {
        if (first == 0 || last < first)
            return Error{DeviceText::tr("there is no reserved range to take a static address from: set one on the "
                                        "Network page")};
        if (!ip.isEmpty()) {
            QHostAddress wanted;
            if (!wanted.setAddress(ip) || wanted.protocol() != QAbstractSocket::IPv4Protocol ||
                wanted.toIPv4Address() < first || wanted.toIPv4Address() > last)
                return Error{DeviceText::tr("%1 is not an address of the reserved range").arg(ip)};
            auto taken = addressTaken(*db, wanted.toIPv4Address());
            if (!taken)
                return taken.error();
            if (*taken)
                return Error{DeviceText::tr("%1 is held by another machine or device").arg(ip)};
            address = wanted.toString();
        }
        for (quint32 a = first; address.isEmpty() && a <= last && a != 0; ++a) {
            auto taken = addressTaken(*db, a);
            if (!taken)
                return taken.error();
            if (!*taken)
                address = QHostAddress(a).toString();
        }
        if (address.isEmpty())
            return Error{DeviceText::tr("no address is free in the reserved range")};
    }
    if (auto added = runQuery(*db, QStringLiteral("INSERT INTO device_links (interface_id, mode, ip) VALUES (?, ?, ?)"),
                              {interfaceId, m, address.isEmpty() ? QVariant() : QVariant(address)});
        !added)
        return added.error();
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    auto now = get(systemId);
    if (!now)
        return now.error();
    if (!*now) // deleted by another client meanwhile
        return Error{DeviceText::tr("no device with system id %1").arg(systemId)};
    for (const DeviceInterface &i : (*now)->interfaces)
        if (i.id == interfaceId)
            return i;
    return Error{DeviceText::tr("the interface went away")};
}

Expected<DeviceInterface> DeviceStore::unlink(const Actor &actor, const QString &systemId, qint64 interfaceId,
                                              qint64 linkId)
{
    auto device = mayChange(actor, systemId);
    if (!device)
        return device.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("DELETE FROM device_links WHERE id = ? AND interface_id = ?"),
                      {linkId, interfaceId});
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{DeviceText::tr("the interface %1 has no link %2").arg(interfaceId).arg(linkId)};
    auto now = get(systemId);
    if (!now)
        return now.error();
    if (!*now) // deleted by another client meanwhile
        return Error{DeviceText::tr("no device with system id %1").arg(systemId)};
    for (const DeviceInterface &i : (*now)->interfaces)
        if (i.id == interfaceId)
            return i;
    return Error{DeviceText::tr("the interface went away")};
}

} // namespace metaldesk
