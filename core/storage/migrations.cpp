#include "core/storage/migrations.h"

#include "core/base/secretcompare.h"
#include "core/storage/database.h"
#include "core/storage/oldevents.h"

#include <QList>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <tuple>

namespace metaldesk {

namespace {

struct Migration {
    int version;
    const char *description;
    QList<const char *> statements; // %ID%, %BIGINT% and %BLOB% are filled in per database
    // Rows that SQL alone cannot rewrite on both databases, in the same transaction.
    Expected<void> (*rewrite)(QSqlDatabase &) = nullptr;
};

// Version 11: events and status messages kept their sentence in one language; now they keep what
// it says (a Text), found again for those that match an event text. The rest stay as recorded.
Expected<void> giveOldEventsTheirText(QSqlDatabase &db)
{
    for (const auto &[table, column, target] :
         {std::tuple{"events", "description", "message"}, std::tuple{"machines", "status_message", "status_text"}}) {
        auto q = runQuery(
            db,
            QStringLiteral("SELECT id, %1 FROM %2 WHERE %1 <> ''").arg(QLatin1String(column), QLatin1String(table)));
        if (!q)
            return q.error();
        QList<QPair<qint64, QString>> found;
        while (q->next())
            if (auto text = textOfOldEvent(q->value(1).toString()))
                found.append({q->value(0).toLongLong(), QString::fromUtf8(text->toJsonBytes())});
        q->finish();
        for (const auto &[id, json] : found)
            if (auto done = runQuery(db,
                                     QStringLiteral("UPDATE %1 SET %2 = ? WHERE id = ?")
                                         .arg(QLatin1String(table), QLatin1String(target)),
                                     {json, id});
                !done)
                return done.error();
    }
    return {};
}

// Version 5: API token secrets were stored as given; now only their hash is.
Expected<void> hashApiTokenSecrets(QSqlDatabase &db)
{
    auto q = runQuery(db, QStringLiteral("SELECT id, token_secret FROM api_tokens"));
    if (!q)
        return q.error();
    QList<QPair<qint64, QString>> plain;
    while (q->next())
        if (!isHashedSecret(q->value(1).toString()))
            plain.append({q->value(0).toLongLong(), q->value(1).toString()});
    q->finish();
    for (const auto &[id, secret] : plain)
        if (auto done = runQuery(db, QStringLiteral("UPDATE api_tokens SET token_secret = ? WHERE id = ?"),
                                 {hashedSecret(secret), id});
            !done)
            return done.error();
    return {};
}

// Append only: a released migration is never edited, a change is a new version.
const QList<Migration> &migrations()
{
    static const QList<Migration> list = {
        {1,
         "users, machines, interfaces, networks, boot resources, events, config",
         {
             "CREATE TABLE users ("
             " id %ID%, username TEXT NOT NULL UNIQUE, email TEXT NOT NULL DEFAULT '',"
             " password_hash TEXT NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0, created %BIGINT% NOT NULL)",
             "CREATE TABLE api_tokens ("
             " id %ID%, user_id %BIGINT% NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
             " name TEXT NOT NULL DEFAULT '', consumer_key TEXT NOT NULL, token_key TEXT NOT NULL UNIQUE,"
             " token_secret TEXT NOT NULL, created %BIGINT% NOT NULL)",
             "CREATE TABLE chassis ("
             " id %ID%, name TEXT NOT NULL UNIQUE, chassis_type TEXT NOT NULL, address TEXT NOT NULL,"
             " parameters TEXT NOT NULL DEFAULT '{}', prefix_filter TEXT NOT NULL DEFAULT '',"
             " created %BIGINT% NOT NULL)",
             "CREATE TABLE machines ("
             " id %ID%, system_id TEXT NOT NULL UNIQUE, hostname TEXT NOT NULL UNIQUE,"
             " status INTEGER NOT NULL, previous_status INTEGER, status_message TEXT NOT NULL DEFAULT '',"
             " status_expires %BIGINT%,"
             " owner_id %BIGINT% REFERENCES users(id) ON DELETE SET NULL,"
             " architecture TEXT NOT NULL DEFAULT '', power_type TEXT NOT NULL DEFAULT '',"
             " power_parameters TEXT NOT NULL DEFAULT '{}', power_state TEXT NOT NULL DEFAULT 'unknown',"
             " cpu_count INTEGER NOT NULL DEFAULT 0, memory %BIGINT% NOT NULL DEFAULT 0,"
             " boot_disk TEXT NOT NULL DEFAULT '', storage %BIGINT% NOT NULL DEFAULT 0,"
             " chassis_id %BIGINT% REFERENCES chassis(id) ON DELETE SET NULL,"
             " osystem TEXT NOT NULL DEFAULT '', distro_series TEXT NOT NULL DEFAULT '',"
             " created %BIGINT% NOT NULL, updated %BIGINT% NOT NULL)",
             "CREATE INDEX machines_status ON machines(status)",
             "CREATE INDEX machines_expires ON machines(status_expires)",
             "CREATE TABLE interfaces ("
             " id %ID%, machine_id %BIGINT% NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
             " name TEXT NOT NULL, mac_address TEXT NOT NULL UNIQUE)",
             "CREATE INDEX interfaces_machine ON interfaces(machine_id)",
             "CREATE TABLE subnets ("
             " id %ID%, name TEXT NOT NULL DEFAULT '', cidr TEXT NOT NULL UNIQUE, gateway_ip TEXT NOT NULL DEFAULT '',"
             " dns_servers TEXT NOT NULL DEFAULT '', managed INTEGER NOT NULL DEFAULT 1)",
             "CREATE TABLE ip_ranges ("
             " id %ID%, subnet_id %BIGINT% NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,"
             " range_type TEXT NOT NULL, start_ip TEXT NOT NULL, end_ip TEXT NOT NULL, comment TEXT NOT NULL DEFAULT "
             "'')",
             "CREATE TABLE static_ips ("
             " id %ID%, ip TEXT NOT NULL UNIQUE, subnet_id %BIGINT% REFERENCES subnets(id) ON DELETE CASCADE,"
             " interface_id %BIGINT% REFERENCES interfaces(id) ON DELETE CASCADE, alloc_type TEXT NOT NULL DEFAULT "
             "'auto')",
             "CREATE TABLE commissioning_results ("
             " id %ID%, machine_id %BIGINT% NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
             " name TEXT NOT NULL, exit_status INTEGER NOT NULL DEFAULT 0, output TEXT NOT NULL DEFAULT '',"
             " created %BIGINT% NOT NULL)",
             "CREATE TABLE boot_resources ("
             " id %ID%, name TEXT NOT NULL, architecture TEXT NOT NULL, resource_type TEXT NOT NULL DEFAULT 'synced',"
             " sha256 TEXT NOT NULL DEFAULT '', size %BIGINT% NOT NULL DEFAULT 0, path TEXT NOT NULL DEFAULT '',"
             " UNIQUE(name, architecture))",
             // Events outlive the machine they speak of: keep the identity as text, not a foreign key.
             "CREATE TABLE events ("
             " id %ID%, created %BIGINT% NOT NULL, system_id TEXT NOT NULL DEFAULT '', hostname TEXT NOT NULL DEFAULT "
             "'',"
             " username TEXT NOT NULL DEFAULT '', event_type TEXT NOT NULL, level INTEGER NOT NULL DEFAULT 0,"
             " from_status INTEGER, to_status INTEGER, description TEXT NOT NULL DEFAULT '')",
             "CREATE INDEX events_system_id ON events(system_id, id)",
             "CREATE TABLE config (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
         }},
        {2,
         "DHCP leases",
         {
             // One row per address: an address is never handed to two machines.
             "CREATE TABLE dhcp_leases ("
             " ip %BIGINT% PRIMARY KEY, mac TEXT NOT NULL, hostname TEXT NOT NULL DEFAULT '',"
             " state TEXT NOT NULL, expires %BIGINT% NOT NULL, updated %BIGINT% NOT NULL)",
             "CREATE INDEX dhcp_leases_mac ON dhcp_leases(mac)",
         }},
        {3,
         "node tokens and per-machine action settings (metadata service)",
         {
             // Each machine's own credential for the metadata service (MAAS's node tokens).
             "CREATE TABLE node_tokens ("
             " machine_id %BIGINT% PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,"
             " consumer_key TEXT NOT NULL, token_key TEXT NOT NULL UNIQUE, token_secret TEXT NOT NULL,"
             " created %BIGINT% NOT NULL)",
             // What the user chose for a machine's commissioning, deployment and release; and whether
             // the deployment in progress has written its image (installed_event: the id of the
             // machine's status event it belongs to).
             "CREATE TABLE node_settings ("
             " machine_id %BIGINT% PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,"
             " keep_powered_on INTEGER NOT NULL DEFAULT 0, erase_mode TEXT NOT NULL DEFAULT '',"
             " image_url TEXT NOT NULL DEFAULT '', user_data TEXT NOT NULL DEFAULT '',"
             " static_address TEXT NOT NULL DEFAULT '', gateway TEXT NOT NULL DEFAULT '',"
             " dns_servers TEXT NOT NULL DEFAULT '', installed_event %BIGINT%)",
             "CREATE INDEX commissioning_results_machine ON commissioning_results(machine_id, name)",
         }},
        {4,
         "zones, pools, tags, owner data, files, devices, the image catalogue (the MAAS API)",
         {
             // Where a machine is and who asked for it: MAAS's zone and resource pool (by name, each
             // machine in "default" until moved), and the agent name an API client allocated it with.
             "ALTER TABLE machines ADD COLUMN zone TEXT NOT NULL DEFAULT 'default'",
             "ALTER TABLE machines ADD COLUMN pool TEXT NOT NULL DEFAULT 'default'",
             "ALTER TABLE machines ADD COLUMN agent_name TEXT NOT NULL DEFAULT ''",
             "CREATE TABLE zones (name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '')",
             "INSERT INTO zones (name, description) VALUES ('default', 'The default zone')",
             "CREATE TABLE pools (name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '')",
             "INSERT INTO pools (name, description) VALUES ('default', 'The default resource pool')",
             "CREATE TABLE tags (name TEXT PRIMARY KEY, comment TEXT NOT NULL DEFAULT '',"
             " definition TEXT NOT NULL DEFAULT '', kernel_opts TEXT NOT NULL DEFAULT '')",
             "CREATE TABLE machine_tags ("
             " machine_id %BIGINT% NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
             " tag TEXT NOT NULL REFERENCES tags(name) ON DELETE CASCADE, PRIMARY KEY (machine_id, tag))",
             // The API client's notes on a machine it owns (juju's controller and model ids); cleared
             // when the machine is released, as MAAS does.
             "CREATE TABLE owner_data ("
             " machine_id %BIGINT% NOT NULL REFERENCES machines(id) ON DELETE CASCADE,"
             " data_key TEXT NOT NULL, data_value TEXT NOT NULL, PRIMARY KEY (machine_id, data_key))",
             // MAAS's file storage: small files API clients keep (juju's provider state), per owner.
             "CREATE TABLE files ("
             " id %ID%, owner_id %BIGINT% REFERENCES users(id) ON DELETE CASCADE, filename TEXT NOT NULL,"
             " content %BLOB% NOT NULL, created %BIGINT% NOT NULL, UNIQUE (owner_id, filename))",
             // Devices: addresses MetalDesk hands out for things that are not machines (juju's
             // containers on a machine), with their interfaces and the addresses linked to them.
             "CREATE TABLE devices ("
             " id %ID%, system_id TEXT NOT NULL UNIQUE, hostname TEXT NOT NULL UNIQUE,"
             " parent_id %BIGINT% REFERENCES machines(id) ON DELETE CASCADE,"
             " owner_id %BIGINT% REFERENCES users(id) ON DELETE SET NULL, domain TEXT NOT NULL DEFAULT 'maas',"
             " zone TEXT NOT NULL DEFAULT 'default', created %BIGINT% NOT NULL)",
             "CREATE TABLE device_interfaces ("
             " id %ID%, device_id %BIGINT% NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
             " name TEXT NOT NULL, mac_address TEXT NOT NULL UNIQUE)",
             "CREATE TABLE device_links ("
             " id %ID%, interface_id %BIGINT% NOT NULL REFERENCES device_interfaces(id) ON DELETE CASCADE,"
             " mode TEXT NOT NULL, ip TEXT UNIQUE)",
             // The image catalogue: what Deploy offers (boot_resources was created in version 1 and
             // never used). A whole-disk image served from the boot root or fetched by URL.
             "DROP TABLE boot_resources",
             "CREATE TABLE boot_images ("
             " id %ID%, name TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', architecture TEXT NOT NULL,"
             " firmware TEXT NOT NULL DEFAULT 'bios,uefi', image_format TEXT NOT NULL, location TEXT NOT NULL,"
             " size %BIGINT% NOT NULL DEFAULT 0, sha256 TEXT NOT NULL DEFAULT '', origin TEXT NOT NULL DEFAULT '',"
             " state TEXT NOT NULL DEFAULT 'deployable', created %BIGINT% NOT NULL,"
             " UNIQUE (name, architecture))",
         }},
        {5, "API token secrets stored as hashes", {}, hashApiTokenSecrets},
        {6,
         "chassis discovery: which VM a machine is, and each chassis's last sync",
         {
             // The VM's own identity on its chassis (libvirt's or vSphere's UUID: it stays when the
             // VM is renamed), and whether the last sync no longer found it.
             "ALTER TABLE machines ADD COLUMN chassis_vm TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE machines ADD COLUMN chassis_vm_missing INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE chassis ADD COLUMN last_sync %BIGINT%",
             "ALTER TABLE chassis ADD COLUMN last_error TEXT NOT NULL DEFAULT ''",
         }},
        {7,
         "the last screen of each libvirt machine's serial console",
         {
             "CREATE TABLE console_screens ("
             " machine_id %BIGINT% PRIMARY KEY REFERENCES machines(id) ON DELETE CASCADE,"
             " screen TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', updated %BIGINT% NOT NULL)",
         }},
        {8,
         "image import: simplestreams sources, and the version and files of imported images",
         {
             // A mirror, the keys its index must be signed by, and what to take from it
             // ("ubuntu/noble/amd64", one per line; "*" for any part).
             "CREATE TABLE image_sources ("
             " id %ID%, url TEXT NOT NULL UNIQUE, index_path TEXT NOT NULL, keyring %BLOB%,"
             " key_fingerprints TEXT NOT NULL DEFAULT '',"
             " allow_unsigned INTEGER NOT NULL DEFAULT 0, selections TEXT NOT NULL DEFAULT '',"
             " created %BIGINT% NOT NULL)",
             "ALTER TABLE boot_images ADD COLUMN version TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE boot_images ADD COLUMN files TEXT NOT NULL DEFAULT ''",
         }},
        {9,
         "the image catalogue keeps an imported image's previous version as a fallback",
         {
             // One current image (state deployable or verified) and at most one previous version
             // (state previous) per name and architecture. SQLite cannot drop a constraint: the
             // table is made again (the ids are new; nothing refers to them).
             "CREATE TABLE boot_images_v9 ("
             " id %ID%, name TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', architecture TEXT NOT NULL,"
             " firmware TEXT NOT NULL DEFAULT 'bios,uefi', image_format TEXT NOT NULL, location TEXT NOT NULL,"
             " size %BIGINT% NOT NULL DEFAULT 0, sha256 TEXT NOT NULL DEFAULT '', origin TEXT NOT NULL DEFAULT '',"
             " state TEXT NOT NULL DEFAULT 'deployable', created %BIGINT% NOT NULL,"
             " version TEXT NOT NULL DEFAULT '', files TEXT NOT NULL DEFAULT '',"
             " UNIQUE (name, architecture, state))",
             "INSERT INTO boot_images_v9 (name, title, architecture, firmware, image_format, location, size, sha256,"
             " origin, state, created, version, files) SELECT name, title, architecture, firmware, image_format,"
             " location, size, sha256, origin, state, created, version, files FROM boot_images",
             "DROP TABLE boot_images",
             "ALTER TABLE boot_images_v9 RENAME TO boot_images",
         }},
        {10,
         "DHCP leases per segment: instances sharing one database keep their own",
         {
             // Security review M8: an address is unique on one network, not across the networks of
             // several instances (two labs often use the same CIDR). A lease belongs to the segment
             // of the DHCP server that gave it (host/interface); '' is a lease from before, adopted
             // by the first DHCP server that starts.
             "CREATE TABLE dhcp_leases_v10 ("
             " segment TEXT NOT NULL DEFAULT '', ip %BIGINT% NOT NULL, mac TEXT NOT NULL,"
             " hostname TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, expires %BIGINT% NOT NULL,"
             " updated %BIGINT% NOT NULL, PRIMARY KEY (segment, ip))",
             "INSERT INTO dhcp_leases_v10 (ip, mac, hostname, state, expires, updated)"
             " SELECT ip, mac, hostname, state, expires, updated FROM dhcp_leases",
             "DROP TABLE dhcp_leases",
             "ALTER TABLE dhcp_leases_v10 RENAME TO dhcp_leases",
             "CREATE INDEX dhcp_leases_mac ON dhcp_leases(mac)",
             "CREATE INDEX dhcp_leases_ip ON dhcp_leases(ip)",
         }},
        {11,
         "Events and status messages keep what they say, shown in the reader's language",
         {
             "ALTER TABLE events ADD COLUMN message TEXT",
             "ALTER TABLE machines ADD COLUMN status_text TEXT",
         },
         giveOldEventsTheirText},
    };
    return list;
}

QString dialect(const char *statement, bool postgres)
{
    QString sql = QString::fromLatin1(statement);
    sql.replace(QLatin1String("%ID%"), postgres ? QLatin1String("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                                                : QLatin1String("INTEGER PRIMARY KEY AUTOINCREMENT"));
    sql.replace(QLatin1String("%BIGINT%"), postgres ? QLatin1String("BIGINT") : QLatin1String("INTEGER"));
    sql.replace(QLatin1String("%BLOB%"), postgres ? QLatin1String("BYTEA") : QLatin1String("BLOB"));
    return sql;
}

Expected<QStringList> existingTables(QSqlDatabase &db, bool postgres)
{
    auto q = runQuery(db, postgres ? QStringLiteral("SELECT table_name FROM information_schema.tables "
                                                    "WHERE table_schema = current_schema()")
                                   : QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                    "AND name NOT LIKE 'sqlite_%'"));
    if (!q)
        return q.error();
    QStringList tables;
    while (q->next())
        tables << q->value(0).toString();
    return tables;
}

} // namespace

int latestSchemaVersion() { return migrations().last().version; }

Expected<int> applyMigrations(QSqlDatabase db, bool postgres, const QString &displayName)
{
    // One transaction under a lock decides whether this is an empty, a foreign or a MetalDesk
    // database, so two instances starting together do not both create the version table.
    {
        QSqlQuery begin(db);
        if (!begin.exec(postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
            return Error{QObject::tr("%1 cannot be read as a database: %2").arg(displayName, begin.lastError().text())};
        auto rollback = [&db] { QSqlQuery(db).exec(QStringLiteral("ROLLBACK")); };
        if (postgres) {
            if (auto lock = runQuery(db, QStringLiteral("SELECT pg_advisory_xact_lock(5240)")); !lock) {
                rollback();
                return lock.error();
            }
        }
        auto tables = existingTables(db, postgres);
        if (!tables) {
            rollback();
            return Error{QObject::tr("%1 cannot be read as a database: %2").arg(displayName, tables.errorMessage())};
        }
        if (!tables->contains(QLatin1String("schema_migrations"))) {
            if (!tables->isEmpty()) {
                rollback();
                return Error{QObject::tr("%1 holds another program's data (tables: %2), not MetalDesk's. Choose an "
                                         "empty or MetalDesk database with --database.")
                                 .arg(displayName, tables->mid(0, 5).join(QLatin1String(", ")))};
            }
            auto created = runQuery(db, dialect("CREATE TABLE schema_migrations ("
                                                " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                                                " applied %BIGINT% NOT NULL)",
                                                postgres));
            if (!created) {
                rollback();
                return created.error();
            }
        }
        QSqlQuery commit(db);
        if (!commit.exec(QStringLiteral("COMMIT"))) {
            rollback();
            return Error{QObject::tr("cannot use %1: %2").arg(displayName, commit.lastError().text())};
        }
    }

    for (const Migration &m : migrations()) {
        auto conn = db;
        QSqlQuery begin(conn);
        if (!begin.exec(postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
            return Error{
                QObject::tr("cannot lock %1 to update its schema: %2").arg(displayName, begin.lastError().text())};
        auto rollback = [&conn] { QSqlQuery(conn).exec(QStringLiteral("ROLLBACK")); };
        // Several instances may share one PostgreSQL database: one migrates, the others wait.
        if (postgres) {
            if (auto lock = runQuery(conn, QStringLiteral("SELECT pg_advisory_xact_lock(5240)")); !lock) {
                rollback();
                return lock.error();
            }
        }
        auto current = runQuery(conn, QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        if (!current || !current->next()) {
            rollback();
            return Error{
                QObject::tr("cannot read the schema version of %1: %2").arg(displayName, current.errorMessage())};
        }
        const int version = current->value(0).toInt();
        current->finish(); // SQLite refuses DROP TABLE while a statement of the connection is open
        if (version > latestSchemaVersion()) {
            rollback();
            return Error{QObject::tr("%1 was written by a newer MetalDesk (schema version %2; this program knows up "
                                     "to %3). Upgrade MetalDesk, or choose another database with --database.")
                             .arg(displayName)
                             .arg(version)
                             .arg(latestSchemaVersion())};
        }
        if (version >= m.version) {
            rollback();
            continue;
        }
        for (const char *statement : m.statements) {
            if (auto done = runQuery(conn, dialect(statement, postgres)); !done) {
                rollback();
                return Error{QObject::tr("schema migration %1 failed on %2: %3")
                                 .arg(m.version)
                                 .arg(displayName, done.errorMessage())};
            }
        }
        if (m.rewrite) {
            if (auto done = m.rewrite(conn); !done) {
                rollback();
                return Error{QObject::tr("schema migration %1 failed on %2: %3")
                                 .arg(m.version)
                                 .arg(displayName, done.errorMessage())};
            }
        }
        if (auto recorded = runQuery(conn,
                                     QStringLiteral("INSERT INTO schema_migrations (version, description, applied) "
                                                    "VALUES (?, ?, ?)"),
                                     {m.version, QString::fromLatin1(m.description), nowMs()});
            !recorded) {
            rollback();
            return recorded.error();
        }
        QSqlQuery commit(conn);
        if (!commit.exec(QStringLiteral("COMMIT"))) {
            rollback();
            return Error{QObject::tr("schema migration %1 could not be committed: %2")
                             .arg(m.version)
                             .arg(commit.lastError().text())};
        }
    }
    auto final = runQuery(db, QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    if (!final || !final->next())
        return Error{final.errorMessage()};
    return final->value(0).toInt();
}

} // namespace metaldesk
