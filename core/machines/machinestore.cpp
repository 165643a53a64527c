#include "core/machines/machinestore.h"

#include "core/storage/sqlrows.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QSet>

namespace metaldesk {

namespace {
const char *kSelect =
    "SELECT m.id, m.system_id, m.hostname, m.status, m.previous_status, m.status_message, m.status_expires,"
    " m.owner_id, COALESCE(u.username, ''), m.architecture, m.power_type, m.power_parameters, m.power_state,"
    " m.cpu_count, m.memory, m.storage, m.boot_disk, m.chassis_id, m.osystem, m.distro_series, m.created, m.updated,"
    " m.zone, m.pool, m.agent_name, m.chassis_vm, m.chassis_vm_missing, m.status_text"
    " FROM machines m LEFT JOIN users u ON u.id = m.owner_id ";

template <typename Row>
std::optional<qint64> optionalInteger(const Row &row, int column)
{
    if (row.isNull(column))
        return std::nullopt;
    return row.integer(column);
}

// `Row`: QtSqlRow or SqliteRows (core/storage/sqlrows.h), on a row of kSelect.
template <typename Row>
Machine machineFromRow(const Row &r, const SecretBox &secrets)
{
    Machine m;
    m.id = r.integer(0);
    m.systemId = r.text(1);
    m.hostname = r.text(2);
    m.status = nodeStatusFromInt(int(r.integer(3))).value_or(NodeStatus::Broken);
    if (!r.isNull(4))
        m.previousStatus = nodeStatusFromInt(int(r.integer(4)));
    m.statusMessage = r.text(5);
    m.statusMessageJson = r.utf8(27);
    m.statusExpires = optionalInteger(r, 6);
    m.ownerId = optionalInteger(r, 7);
    m.owner = r.text(8);
    m.architecture = r.text(9);
    m.powerType = r.text(10);
    // Most machines have none ("{}"): listing 100,000 of them need not parse 100,000 documents.
    if (const QString parameters = r.text(11); parameters != QLatin1String("{}"))
        m.powerParameters = openParameters(secrets, parameters);
    m.powerState = r.text(12);
    m.cpuCount = int(r.integer(13));
    m.memory = r.integer(14);
    m.storage = r.integer(15);
    m.bootDisk = r.text(16);
    m.chassisId = optionalInteger(r, 17);
    m.osystem = r.text(18);
    m.distroSeries = r.text(19);
    m.created = r.integer(20);
    m.updated = r.integer(21);
    m.zone = r.text(22);
    m.pool = r.text(23);
    m.agentName = r.text(24);
    m.chassisVm = r.text(25);
    m.chassisVmMissing = r.integer(26) != 0;
    return m;
}

// Tags by machine id, sorted; `where` narrows to machines as loadInterfaces does.
Expected<QHash<qint64, QStringList>> loadTags(const QSqlDatabase &db, const QString &where, const QVariantList &values)
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT t.machine_id, t.tag FROM machine_tags t ") + where +
                          QStringLiteral(" ORDER BY t.machine_id, t.tag"),
                      values);
    if (!q)
        return q.error();
    QHash<qint64, QStringList> tags;
    while (q->next())
        tags[q->value(0).toLongLong()] << q->value(1).toString();
    return tags;
}

const char *kSelectInterfaces = "SELECT i.machine_id, i.id, i.name, i.mac_address FROM interfaces i ";
const char *kOrderInterfaces = " ORDER BY i.machine_id, i.name";

template <typename Row>
void addInterface(QHash<qint64, QList<Interface>> &byMachine, const Row &r)
{
    byMachine[r.integer(0)].append({r.integer(1), r.text(2), r.text(3)});
}

Expected<QHash<qint64, QList<Interface>>> loadInterfaces(const QSqlDatabase &db, const QString &where,
                                                         const QVariantList &values)
{
    auto q = runQuery(db, QLatin1String(kSelectInterfaces) + where + QLatin1String(kOrderInterfaces), values);
    if (!q)
        return q.error();
    QHash<qint64, QList<Interface>> byMachine;
    while (q->next())
        addInterface(byMachine, QtSqlRow(*q));
    return byMachine;
}

// Every machine with its interfaces through SQLite's own interface (sqlrows.h: the listing of
// 100,000 machines is where QtSql's cost shows); nullopt when the database is not SQLite.
std::optional<Expected<QList<Machine>>> listFromSqlite(const QSqlDatabase &db, const SecretBox &secrets,
                                                       qsizetype expected)
{
    auto rows = SqliteRows::prepare(db, (QByteArray(kSelect) + "ORDER BY m.hostname").constData());
    auto nics = SqliteRows::prepare(db, (QByteArray(kSelectInterfaces) + kOrderInterfaces).constData());
    if (!rows || !nics)
        return std::nullopt;
    QList<Machine> machines;
    machines.reserve(expected);
    while (rows->next())
        machines << machineFromRow(*rows, secrets);
    QHash<qint64, QList<Interface>> interfaces;
    while (nics->next())
        addInterface(interfaces, *nics);
    if (const QString error = rows->error() + nics->error(); !error.isEmpty())
        return Expected<QList<Machine>>(Error{QObject::tr("database error: %1 (listing the machines)").arg(error)});
    for (Machine &m : machines)
        m.interfaces = interfaces.value(m.id);
    return Expected<QList<Machine>>(std::move(machines));
}
} // namespace

Expected<std::optional<Machine>> MachineStore::load(const QSqlDatabase &connection, const SecretBox &secrets,
                                                    const QString &where, const QVariantList &values)
{
    auto q = runQuery(connection, QLatin1String(kSelect) + where, values);
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<Machine>();
    Machine m = machineFromRow(QtSqlRow(*q), secrets);
    auto interfaces = loadInterfaces(connection, QStringLiteral("WHERE i.machine_id = ?"), {m.id});
    if (!interfaces)
        return interfaces.error();
    m.interfaces = interfaces->value(m.id);
    auto tags = loadTags(connection, QStringLiteral("WHERE t.machine_id = ?"), {m.id});
    if (!tags)
        return tags.error();
    m.tags = tags->value(m.id);
    return std::optional<Machine>(std::move(m));
}

Expected<Machine> MachineStore::get(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto m = load(*db, db_->secrets(), QStringLiteral("WHERE m.system_id = ?"), {systemId});
    if (!m)
        return m.error();
    if (!*m)
        return Error{QObject::tr("no machine with system id %1").arg(systemId)};
    return **m;
}

Expected<std::optional<Machine>> MachineStore::findByMac(const QString &macAddress) const
{
    const QString mac = normaliseMacAddress(macAddress);
    if (mac.isEmpty())
        return Error{
            QObject::tr("'%1' is not a MAC address (expected six hex pairs, like 52:54:00:12:34:56)").arg(macAddress)};
    auto db = db_->connection();
    if (!db)
        return db.error();
    return load(*db, db_->secrets(),
                QStringLiteral("WHERE m.id = (SELECT machine_id FROM interfaces WHERE mac_address = ?)"), {mac});
}

Expected<QList<Machine>> MachineStore::list() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    // Growing the list moves every Machine each time it grows: a fifth of the time 100,000 took.
    auto count = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM machines"));
    if (!count)
        return count.error();
    const qsizetype expected = count->next() ? count->value(0).toLongLong() : 0;
    count->finish();
    QList<Machine> machines;
    if (auto fromSqlite = listFromSqlite(*db, db_->secrets(), expected)) {
        if (!*fromSqlite)
            return fromSqlite->error();
        machines = std::move(**fromSqlite);
    } else {
        auto q = runQuery(*db, QLatin1String(kSelect) + QStringLiteral("ORDER BY m.hostname"));
        if (!q)
            return q.error();
        machines.reserve(expected);
        while (q->next())
            machines << machineFromRow(QtSqlRow(*q), db_->secrets());
        auto interfaces = loadInterfaces(*db, {}, {});
        if (!interfaces)
            return interfaces.error();
        for (Machine &m : machines)
            m.interfaces = interfaces->value(m.id);
    }
    auto tags = loadTags(*db, {}, {});
    if (!tags)
        return tags.error();
    for (Machine &m : machines)
        m.tags = tags->value(m.id);
    return machines;
}

Expected<int> MachineStore::count() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT COUNT(*) FROM machines"));
    if (!q)
        return q.error();
    q->next();
    return q->value(0).toInt();
}

Expected<QHash<QString, QStringList>> MachineStore::ipAddresses(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    const QString one = systemId.isEmpty() ? QString() : QStringLiteral(" AND m.system_id = ?");
    QVariantList values;
    if (!systemId.isEmpty())
        values << systemId;
    QHash<QString, QStringList> addresses;
    auto statics = runQuery(*db,
                            QStringLiteral("SELECT m.system_id, s.ip FROM static_ips s JOIN interfaces i ON i.id = "
                                           "s.interface_id JOIN machines m ON m.id = i.machine_id WHERE 1 = 1") +
                                one + QStringLiteral(" ORDER BY s.id"),
                            values);
    if (!statics)
        return statics.error();
    while (statics->next())
        addresses[statics->value(0).toString()] << statics->value(1).toString();
    statics->finish();
    auto leases = runQuery(*db,
                           QStringLiteral("SELECT m.system_id, l.ip FROM dhcp_leases l JOIN interfaces i ON "
                                          "i.mac_address = l.mac JOIN machines m ON m.id = i.machine_id WHERE "
                                          "l.state = 'bound' AND l.expires > ?") +
                               one + QStringLiteral(" ORDER BY l.ip"),
                           QVariantList{nowMs()} + values);
    if (!leases)
        return leases.error();
    // A machine with an address of its own (deployed) holds that one: a lease left from the boot
    // that installed it is not an address it answers on (MAAS's ip_addresses: static, else dynamic).
    const QSet<QString> withStatic(addresses.keyBegin(), addresses.keyEnd());
    while (leases->next()) {
        if (withStatic.contains(leases->value(0).toString()))
            continue;
        const QString ip = QHostAddress(quint32(leases->value(1).toLongLong())).toString();
        QStringList &list = addresses[leases->value(0).toString()];
        if (!list.contains(ip))
            list << ip;
    }
    return addresses;
}

Expected<QHash<QString, Text>> MachineStore::lastEvents() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(
        *db, QStringLiteral("SELECT e.system_id, e.description, e.message FROM events e JOIN (SELECT MAX(id) AS id "
                            "FROM events GROUP BY system_id) newest ON newest.id = e.id"));
    if (!q)
        return q.error();
    QHash<QString, Text> last;
    while (q->next()) {
        auto message = q->value(2).isNull() ? std::nullopt : Text::fromJsonBytes(q->value(2).toString().toUtf8());
        last.insert(q->value(0).toString(), message.value_or(Text::plain(q->value(1).toString())));
    }
    return last;
}

Expected<QHash<qint64, QString>> MachineStore::chassisNames() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT id, name FROM chassis"));
    if (!q)
        return q.error();
    QHash<qint64, QString> names;
    while (q->next())
        names.insert(q->value(0).toLongLong(), q->value(1).toString());
    return names;
}

Expected<void> MachineStore::setChassisVm(const QString &systemId, const QString &vmUuid, bool missing)
{
    return update(systemId, QStringLiteral("chassis_vm = ?, chassis_vm_missing = ?"), {vmUuid, int(missing)});
}

Expected<void> MachineStore::update(const QString &systemId, const QString &assignments, QVariantList values)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    values << nowMs() << systemId;
    auto q = runQuery(*db, QStringLiteral("UPDATE machines SET %1, updated = ? WHERE system_id = ?").arg(assignments),
                      values);
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{QObject::tr("no machine with system id %1").arg(systemId)};
    if (feed_) // readers (the boot servers) have none
        emit feed_->machineChanged(systemId);
    return {};
}

Expected<void> MachineStore::setPowerSettings(const QString &systemId, const QString &powerType,
                                              const QJsonObject &parameters)
{
    return update(systemId, QStringLiteral("power_type = ?, power_parameters = ?"),
                  {powerType, storedParameters(db_->secrets(), parameters)});
}

Expected<void> MachineStore::setPowerState(const QString &systemId, const QString &powerState)
{
    static const QStringList known = {QStringLiteral("on"), QStringLiteral("off"), QStringLiteral("unknown"),
                                      QStringLiteral("error")};
    if (!known.contains(powerState))
        return Error{QObject::tr("unknown power state '%1'").arg(powerState)};
    return update(systemId, QStringLiteral("power_state = ?"), {powerState});
}

Expected<void> MachineStore::setHardware(const QString &systemId, const Hardware &hw)
{
    return update(systemId, QStringLiteral("architecture = ?, cpu_count = ?, memory = ?, storage = ?, boot_disk = ?"),
                  {hw.architecture, hw.cpuCount, hw.memory, hw.storage, hw.bootDisk});
}

Expected<void> MachineStore::writeHardware(const QSqlDatabase &connection, qint64 machineId, const Hardware &hw)
{
    auto q = runQuery(connection,
                      QStringLiteral("UPDATE machines SET architecture = ?, cpu_count = ?, memory = ?, storage = ?, "
                                     "boot_disk = ?, updated = ? WHERE id = ?"),
                      {hw.architecture, hw.cpuCount, hw.memory, hw.storage, hw.bootDisk, nowMs(), machineId});
    if (!q)
        return q.error();
    return {};
}

Expected<QStringList> MachineStore::insertInterfaces(const QSqlDatabase &connection, qint64 machineId,
                                                     const QStringList &macAddresses, QStringList *elsewhere)
{
    auto names = runQuery(connection, QStringLiteral("SELECT name FROM interfaces WHERE machine_id = ?"), {machineId});
    if (!names)
        return names.error();
    int next = 0;
    while (names->next()) {
        const QString name = names->value(0).toString();
        bool ok = false;
        const int n = name.startsWith(QLatin1String("eth")) ? name.mid(3).toInt(&ok) : -1;
        if (ok)
            next = qMax(next, n + 1);
    }
    names->finish();
    QStringList added;
    for (const QString &text : macAddresses) {
        const QString mac = normaliseMacAddress(text);
        if (mac.isEmpty())
            return Error{
                QObject::tr("'%1' is not a MAC address (expected six hex pairs, like 52:54:00:12:34:56)").arg(text)};
        auto owner =
            runQuery(connection, QStringLiteral("SELECT machine_id FROM interfaces WHERE mac_address = ?"), {mac});
        if (!owner)
            return owner.error();
        if (owner->next()) {
            if (owner->value(0).toLongLong() != machineId && elsewhere)
                *elsewhere << mac;
            continue;
        }
        owner->finish();
        auto inserted = runQuery(
            connection, QStringLiteral("INSERT INTO interfaces (machine_id, name, mac_address) VALUES (?, ?, ?)"),
            {machineId, QStringLiteral("eth%1").arg(next++), mac});
        if (!inserted)
            return inserted.error();
        added << mac;
    }
    if (!added.isEmpty()) {
        auto touched =
            runQuery(connection, QStringLiteral("UPDATE machines SET updated = ? WHERE id = ?"), {nowMs(), machineId});
        if (!touched)
            return touched.error();
    }
    return added;
}

Expected<QStringList> MachineStore::addInterfaces(const QString &systemId, const QStringList &macAddresses,
                                                  QStringList *elsewhere)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    QStringList added;
    {
        Transaction txn(*db_, *db);
        if (!txn.begun())
            return Error{txn.beginError()};
        auto machine = runQuery(*db, QStringLiteral("SELECT id FROM machines WHERE system_id = ?"), {systemId});
        if (!machine)
            return machine.error();
        if (!machine->next())
            return Error{QObject::tr("no machine with system id %1").arg(systemId)};
        const qint64 id = machine->value(0).toLongLong();
        machine->finish();
        auto inserted = insertInterfaces(*db, id, macAddresses, elsewhere);
        if (!inserted)
            return inserted.error();
        added = *inserted;
        if (auto committed = txn.commit(); !committed)
            return committed.error();
    }
    if (!added.isEmpty() && feed_)
        emit feed_->machineChanged(systemId);
    return added;
}

} // namespace metaldesk
