#include "core/machines/nodesettings.h"

#include "core/addresses/staticaddresses.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QUrl>

namespace metaldesk {

namespace {

struct SettingsText {
    Q_DECLARE_TR_FUNCTIONS(NodeSettings)
};

constexpr qsizetype kMaxUserDataBytes = 256 * 1024;

QString noMachine(const QString &systemId) { return QObject::tr("no machine with system id %1").arg(systemId); }

} // namespace

QString NodeSettingsStore::validate(const DeploySettings &s)
{
    const QString url = s.imageUrl.trimmed();
    if (!url.isEmpty()) {
        for (QChar c : url)
            if (c.unicode() <= 0x20 || c.unicode() == 0x7f)
                return SettingsText::tr("the image URL '%1' contains spaces or control characters").arg(url);
        const bool absolute = url.startsWith(QLatin1String("http://")) || url.startsWith(QLatin1String("https://"));
        if (absolute) {
            const QUrl parsed(url, QUrl::StrictMode);
            if (!parsed.isValid() || parsed.host().isEmpty())
                return SettingsText::tr("the image URL '%1' is not a valid http:// or https:// URL").arg(url);
        } else if (url.contains(QLatin1String("://"))) {
            return SettingsText::tr("the image URL '%1' should start with http:// or https://, or be a path on the "
                                    "boot HTTP server such as images/debian-12.img.xz")
                .arg(url);
        } else if (url.split(QLatin1Char('/')).contains(QLatin1String(".."))) {
            return SettingsText::tr("the image path '%1' must not contain '..'").arg(url);
        }
    }
    if (s.userData.toUtf8().size() > kMaxUserDataBytes)
        return SettingsText::tr("the user-data is larger than %1 KiB").arg(kMaxUserDataBytes / 1024);
    std::pair<QHostAddress, int> subnet{QHostAddress(), -1};
    if (!s.staticAddress.isEmpty()) {
        subnet = QHostAddress::parseSubnet(s.staticAddress);
        QHostAddress address(s.staticAddress.section(QLatin1Char('/'), 0, 0));
        if (!s.staticAddress.contains(QLatin1Char('/')) || subnet.second < 1 ||
            address.protocol() != QAbstractSocket::IPv4Protocol || subnet.second > 32)
            return SettingsText::tr("the static address '%1' should be an IPv4 address with its prefix length, like "
                                    "10.99.0.50/24")
                .arg(s.staticAddress);
    }
    if (!s.gateway.isEmpty()) {
        const QHostAddress gateway(s.gateway);
        if (gateway.protocol() != QAbstractSocket::IPv4Protocol)
            return SettingsText::tr("the gateway '%1' is not an IPv4 address").arg(s.gateway);
        if (subnet.second > 0 && !gateway.isInSubnet(subnet))
            return SettingsText::tr("the gateway %1 is not in the network of %2").arg(s.gateway, s.staticAddress);
    }
    for (const QString &dns : s.dnsServers)
        if (QHostAddress(dns).isNull())
            return SettingsText::tr("the DNS server '%1' is not an IP address").arg(dns);
    return {};
}

Expected<NodeSettings> NodeSettingsStore::get(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT m.id, s.keep_powered_on, s.erase_mode, s.image_url, s.user_data,"
                                     " s.static_address, s.gateway, s.dns_servers FROM machines m"
                                     " LEFT JOIN node_settings s ON s.machine_id = m.id WHERE m.system_id = ?"),
                      {systemId});
    if (!q)
        return q.error();
    if (!q->next())
        return Error{noMachine(systemId)};
    NodeSettings s;
    s.keepPoweredOn = q->value(1).toInt() != 0;
    s.eraseMode = q->value(2).toString();
    s.deploy.imageUrl = q->value(3).toString();
    s.deploy.userData = q->value(4).toString();
    s.deploy.staticAddress = q->value(5).toString();
    s.deploy.gateway = q->value(6).toString();
    s.deploy.dnsServers = q->value(7).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    return s;
}

Expected<void> NodeSettingsStore::inTransaction(const std::function<Expected<void>(const QSqlDatabase &)> &body) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    if (auto done = body(*db); !done)
        return done;
    return txn.commit();
}

Expected<void> NodeSettingsStore::write(const QSqlDatabase &db, const QString &systemId, const QString &assignments,
                                        QVariantList values)
{
    auto row = runQuery(db,
                        QStringLiteral("INSERT INTO node_settings (machine_id) SELECT id FROM machines "
                                       "WHERE system_id = ? ON CONFLICT (machine_id) DO NOTHING"),
                        {systemId});
    if (!row)
        return row.error();
    values << systemId;
    auto q = runQuery(db,
                      QStringLiteral("UPDATE node_settings SET %1 WHERE machine_id = "
                                     "(SELECT id FROM machines WHERE system_id = ?)")
                          .arg(assignments),
                      values);
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{noMachine(systemId)};
    return {};
}

Expected<void> NodeSettingsStore::writeKeepPoweredOn(const QSqlDatabase &db, const QString &systemId,
                                                     bool keepPoweredOn)
{
    return write(db, systemId, QStringLiteral("keep_powered_on = ?"), {keepPoweredOn ? 1 : 0});
}

Expected<void> NodeSettingsStore::writeEraseMode(const QSqlDatabase &db, const QString &systemId, const QString &mode)
{
    if (!mode.isEmpty() && mode != QLatin1String("quick") && mode != QLatin1String("secure"))
        return Error{SettingsText::tr("the erase mode '%1' should be quick or secure").arg(mode)};
    return write(db, systemId, QStringLiteral("erase_mode = ?"), {mode});
}

Expected<void> NodeSettingsStore::writeDeploySettings(const QSqlDatabase &db, const QString &systemId,
                                                      const DeploySettings &s)
{
    if (const QString problem = validate(s); !problem.isEmpty())
        return Error{problem};
    // Checked in the writing transaction: two machines given one address at once cannot both pass.
    if (const QString address = s.staticAddress.trimmed(); !address.isEmpty()) {
        auto conflict = staticAddressConflict(db, systemId, address.section(QLatin1Char('/'), 0, 0));
        if (!conflict)
            return conflict.error();
        if (!conflict->isEmpty())
            return Error{*conflict};
    }
    return write(db, systemId,
                 QStringLiteral("image_url = ?, user_data = ?, static_address = ?, gateway = ?, dns_servers = ?"),
                 {s.imageUrl.trimmed(), s.userData, s.staticAddress.trimmed(), s.gateway.trimmed(),
                  s.dnsServers.join(QLatin1Char(','))});
}

Expected<void> NodeSettingsStore::setKeepPoweredOn(const QString &systemId, bool keepPoweredOn) const
{
    return inTransaction([&](const QSqlDatabase &db) { return writeKeepPoweredOn(db, systemId, keepPoweredOn); });
}

Expected<void> NodeSettingsStore::setEraseMode(const QString &systemId, const QString &mode) const
{
    return inTransaction([&](const QSqlDatabase &db) { return writeEraseMode(db, systemId, mode); });
}

Expected<void> NodeSettingsStore::setDeploySettings(const QString &systemId, const DeploySettings &s) const
{
    return inTransaction([&](const QSqlDatabase &db) { return writeDeploySettings(db, systemId, s); });
}

// One address, one holder (security review M6): a static address inside DHCP's dynamic range would
// be handed to another machine too, and one another machine or device holds is taken.
Expected<QString> NodeSettingsStore::staticAddressConflict(const QSqlDatabase &db, const QString &systemId,
                                                           const QString &address)
{
    const quint32 ip = QHostAddress(address).toIPv4Address();
    auto range = runQuery(db, QStringLiteral("SELECT value FROM config WHERE name = 'dhcp_range'"));
    if (!range)
        return range.error();
    if (range->next()) {
        const QStringList ends = range->value(0).toString().split(QLatin1Char('-'));
        const quint32 first = QHostAddress(ends.value(0).trimmed()).toIPv4Address();
        const quint32 last = QHostAddress(ends.value(1).trimmed()).toIPv4Address();
        if (ends.size() == 2 && first && ip >= first && ip <= last)
            return SettingsText::tr("the static address %1 is inside DHCP's dynamic range %2, where DHCP would give "
                                    "it to another machine too: choose one outside it")
                .arg(address, range->value(0).toString());
    }
    range->finish();
    auto holder = StaticAddressStore::holderOf(db, ip, systemId);
    if (!holder)
        return holder.error();
    if (!holder->isEmpty())
        return SettingsText::tr("the static address %1 is already held by %2").arg(address, *holder);
    return QString();
}

// The marker is the id of the machine's last status event when the image was written: every status
// change writes a new one, so the marker lapses by itself when the machine moves on (released,
// aborted, deployed, failed) without anyone having to clear it.
Expected<void> NodeSettingsStore::markInstalled(const QString &systemId) const
{
    return inTransaction([&](const QSqlDatabase &db) {
        return write(db, systemId,
                     QStringLiteral("installed_event = (SELECT MAX(e.id) FROM events e WHERE e.system_id = ? "
                                    "AND e.to_status IS NOT NULL)"),
                     {systemId});
    });
}

Expected<bool> NodeSettingsStore::isInstalled(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT s.installed_event, (SELECT MAX(e.id) FROM events e WHERE e.system_id = "
                                     "m.system_id AND e.to_status IS NOT NULL) FROM node_settings s JOIN machines m "
                                     "ON m.id = s.machine_id WHERE m.system_id = ?"),
                      {systemId});
    if (!q)
        return q.error();
    if (!q->next() || q->value(0).isNull())
        return false;
    return q->value(0).toLongLong() == q->value(1).toLongLong();
}

} // namespace metaldesk
