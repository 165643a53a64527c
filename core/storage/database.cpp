#include "core/storage/database.h"

#include "core/storage/migrations.h"
#include "core/storage/secretkey.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QStandardPaths>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>
#include <fcntl.h>
#include <unistd.h>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcDb, "metaldesk.db")

qint64 nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

QString defaultDatabasePath()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QLatin1String("/.local/share");
    return base + QLatin1String("/MetalDesk/metaldesk.db");
}

Expected<DatabaseSpec> DatabaseSpec::parse(const QString &text, const QString &defaultSqlitePath)
{
    DatabaseSpec spec;
    if (text.isEmpty()) {
        spec.path = defaultSqlitePath;
        return spec;
    }
    if (text.startsWith(QLatin1String("postgres://")) || text.startsWith(QLatin1String("postgresql://"))) {
        const QUrl url(text, QUrl::StrictMode);
        const QString name = url.path().mid(1);
        if (!url.isValid() || url.host().isEmpty() || name.isEmpty() || name.contains(QLatin1Char('/')))
            return Error{
                QObject::tr("invalid PostgreSQL address '%1': expected postgresql://user:password@host[:port]/database")
                    .arg(url.toDisplayString(QUrl::RemovePassword))};
        spec.kind = Kind::Postgres;
        spec.host = url.host();
        // libpq's form for a Unix socket: ?host=/directory overrides the host (peer or socket
        // authentication on a local server; network namespaces share it too).
        if (const QString socketDir = QUrlQuery(url).queryItemValue(QStringLiteral("host"), QUrl::FullyDecoded);
            socketDir.startsWith(QLatin1Char('/')))
            spec.host = socketDir;
        spec.port = url.port(5432);
        spec.user = url.userName();
        spec.password = url.password();
        spec.name = name;
        return spec;
    }
    if (text.contains(QLatin1String("://")))
        return Error{QObject::tr("unsupported database address '%1': give an SQLite file path or "
                                 "postgresql://user:password@host/database")
                         .arg(QUrl(text).toDisplayString(QUrl::RemovePassword))}; // "mysql://u:pw@h" too
    spec.path = QFileInfo(text).absoluteFilePath();
    return spec;
}

QString DatabaseSpec::displayName() const
{
    if (kind == Kind::Sqlite)
        return path;
    if (host.startsWith(QLatin1Char('/')))
        return QStringLiteral("postgresql://%1@localhost:%2/%3?host=%4").arg(user).arg(port).arg(name, host);
    return QStringLiteral("postgresql://%1@%2:%3/%4").arg(user, host).arg(port).arg(name);
}

Database::Database(DatabaseSpec spec) : spec_(std::move(spec)) {}

Database::~Database()
{
    QMutexLocker lock(&mutex_);
    for (const QString &name : std::as_const(connections_)) {
        QSqlDatabase::database(name, false).close();
        QSqlDatabase::removeDatabase(name);
    }
}

namespace {

// The database holds password hashes, BMC passwords and API keys: only its owner may read it
// (security review M3). SQLite creates the -wal and -shm files with the database file's mode, so
// the file is made 0600 before SQLite first opens it; files an older version left readable are
// tightened. A folder is made 0700 only when MetalDesk created it (not /tmp, say).
void keepPrivate(const QString &path, const QString &createdDir)
{
    if (!createdDir.isEmpty())
        QFile::setPermissions(createdDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (!QFileInfo::exists(path)) {
        const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    for (const QString &name : {path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")}) {
        const QFileInfo f(name);
        const auto shared = QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
        if (f.exists() && (f.permissions() & shared) &&
            !QFile::setPermissions(name, QFile::ReadOwner | QFile::WriteOwner))
            qCWarning(lcDb).noquote() << "cannot make" << name << "readable by its owner only";
    }
}

} // namespace

Expected<std::shared_ptr<Database>> Database::open(const DatabaseSpec &spec)
{
    if (spec.kind == DatabaseSpec::Kind::Sqlite) {
        const QFileInfo file(spec.path);
        if (file.isDir())
            return Error{
                QObject::tr("cannot use %1 as the database: it is a directory. Give a file path with --database.")
                    .arg(spec.path)};
        const QString dir = file.absolutePath();
        const bool newDir = !QFileInfo::exists(dir);
        if (!QDir().mkpath(dir))
            return Error{
                QObject::tr("cannot create the data directory %1 (permission denied, or a file is in the way). "
                            "Fix its permissions, or choose another place with --database PATH.")
                    .arg(dir)};
        if (!QFileInfo(dir).isWritable())
            return Error{QObject::tr("the data directory %1 is not writable (the database keeps its journal there). "
                                     "Fix its permissions, or choose another place with --database PATH.")
                             .arg(dir)};
        if (file.exists() && !file.isWritable())
            return Error{QObject::tr("the database file %1 is read-only. Fix its permissions, or choose another file "
                                     "with --database PATH.")
                             .arg(spec.path)};
        keepPrivate(spec.path, newDir ? dir : QString());
    }
    std::shared_ptr<Database> db(new Database(spec));
    if (auto connection = db->connection(); !connection)
        return connection.error();
    if (auto migrated = db->migrate(); !migrated)
        return migrated.error();
    auto secrets = secretkey::open(*db);
    if (!secrets)
        return secrets.error();
    db->secrets_ = *secrets;
    if (auto sealed = db->sealPlainSecrets(); !sealed)
        return sealed.error();
    return db;
}

QString secretKeyPath(const DatabaseSpec &spec)
{
    if (spec.kind == DatabaseSpec::Kind::Sqlite)
        return spec.path + QStringLiteral(".key");
    const QString chosen = qEnvironmentVariable("METALDESK_SECRET_KEY_FILE");
    if (!chosen.isEmpty())
        return chosen;
    return QFileInfo(defaultDatabasePath()).absolutePath() +
           QStringLiteral("/secrets-%1-%2.key")
               .arg(spec.host.isEmpty() || spec.host.startsWith(QLatin1Char('/')) ? QStringLiteral("local") : spec.host,
                    spec.name);
}

// Passwords written before they were sealed are sealed once, at the first start that can. SQLite
// then rewrites its file, so that the old plain pages do not linger in it.
Expected<void> Database::sealPlainSecrets()
{
    auto db = connection();
    if (!db)
        return db.error();
    int sealed = 0;
    for (const auto &[table, column] : {std::pair{QStringLiteral("machines"), QStringLiteral("power_parameters")},
                                        std::pair{QStringLiteral("chassis"), QStringLiteral("parameters")}}) {
        // Only rows naming a password are read: a start with 100,000 machines parses no JSON.
        auto rows =
            runQuery(*db, QStringLiteral("SELECT id, %1 FROM %2 WHERE %1 LIKE '%\"power_pass\"%'").arg(column, table));
        if (!rows)
            return rows.error();
        QList<std::pair<qint64, QString>> plain;
        while (rows->next())
            if (holdsPlainSecret(rows->value(1).toString()))
                plain.append({rows->value(0).toLongLong(), rows->value(1).toString()});
        rows->finish();
        for (const auto &[id, stored] : std::as_const(plain)) {
            auto updated = runQuery(*db, QStringLiteral("UPDATE %1 SET %2 = ? WHERE id = ?").arg(table, column),
                                    {storedParameters(*secrets_, openParameters(*secrets_, stored)), id});
            if (!updated)
                return updated.error();
            ++sealed;
        }
    }
    // Node credentials (the metadata service's tokens) written before they were sealed.
    auto tokens = runQuery(*db, QStringLiteral("SELECT machine_id, token_secret FROM node_tokens "
                                               "WHERE token_secret NOT LIKE 'sealed:%'"));
    if (!tokens)
        return tokens.error();
    QList<std::pair<qint64, QString>> plainTokens;
    while (tokens->next())
        plainTokens.append({tokens->value(0).toLongLong(), tokens->value(1).toString()});
    tokens->finish();
    for (const auto &[machineId, secret] : std::as_const(plainTokens)) {
        auto updated = runQuery(*db, QStringLiteral("UPDATE node_tokens SET token_secret = ? WHERE machine_id = ?"),
                                {secrets_->seal(secret), machineId});
        if (!updated)
            return updated.error();
        ++sealed;
    }
    if (sealed > 0) {
        qCInfo(lcDb).noquote() << "sealed" << sealed << "stored passwords and node credentials with"
                               << secrets_->where();
        if (!isPostgres()) { // VACUUM rewrites every page; the checkpoint empties the log holding the old ones
            (void)runQuery(*db, QStringLiteral("VACUUM"));
            (void)runQuery(*db, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
    }
    return {};
}

Expected<QSqlDatabase> Database::connection()
{
    QThread *thread = QThread::currentThread();
    QString name;
    {
        QMutexLocker lock(&mutex_);
        name = connections_.value(thread);
        if (name.isEmpty()) {
            name = QStringLiteral("metaldesk-%1-%2").arg(quintptr(this), 0, 16).arg(nextConnection_++);
            connections_.insert(thread, name);
            // Runs in the finishing thread itself, where the connection belongs.
            QObject::connect(
                thread, &QThread::finished, lifetime_.get(), [this, thread] { dropConnection(thread); },
                Qt::DirectConnection);
        }
    }
    QSqlDatabase db = QSqlDatabase::database(name, false);
    if (db.isValid() && db.isOpen())
        return db;
    return openConnection(name);
}

void Database::dropConnection(QThread *thread)
{
    QMutexLocker lock(&mutex_);
    const QString name = connections_.take(thread);
    if (name.isEmpty())
        return;
    QSqlDatabase::database(name, false).close();
    QSqlDatabase::removeDatabase(name);
}

QString Database::forUpdate(const QString &alias) const
{
    return isPostgres() ? QStringLiteral(" FOR UPDATE OF ") + alias : QString();
}

Expected<QSqlDatabase> Database::openConnection(const QString &name)
{
    QSqlDatabase db = QSqlDatabase::database(name, false);
    if (!db.isValid()) {
        const QString driver = isPostgres() ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE");
        if (!QSqlDatabase::isDriverAvailable(driver))
            return Error{QObject::tr("the Qt SQL driver %1 is not installed. Run tools/setup (it installs %2).")
                             .arg(driver, isPostgres() ? QStringLiteral("libqt6sql6-psql")
                                                       : QStringLiteral("libqt6sql6-sqlite"))};
        db = QSqlDatabase::addDatabase(driver, name);
    }
    if (isPostgres()) {
        db.setHostName(spec_.host);
        db.setPort(spec_.port);
        db.setUserName(spec_.user);
        db.setPassword(spec_.password);
        db.setDatabaseName(spec_.name);
        db.setConnectOptions(QStringLiteral("connect_timeout=10;application_name=metaldesk"));
        if (!db.open())
            return Error{QObject::tr("cannot connect to PostgreSQL at %1: %2")
                             .arg(spec_.displayName(), db.lastError().text().trimmed())};
        return db;
    }
    db.setDatabaseName(spec_.path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!db.open())
        return Error{QObject::tr("cannot open the database %1: %2").arg(spec_.path, db.lastError().text())};
    // schema_version reads the file header: a file that is no database fails here, and nothing is
    // written (WAL is switched on by migrate(), once the file is known to be ours: the journal mode
    // lives in the file header, and a foreign database must stay byte for byte as it was).
    // FULL: a commit is on the disk before it returns (WAL synced), so that an acknowledged lease or
    // a status change survives power loss, not only a crash of this process as NORMAL would. DHCP's
    // group commit pays one sync per group (docs/benchmarks.md, "synchronous=FULL").
    for (const char *pragma : {"PRAGMA schema_version", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        QSqlQuery q(db);
        if (!q.exec(QString::fromLatin1(pragma))) {
            const QString why = q.lastError().text();
            db.close();
            if (why.contains(QLatin1String("not a database")) || why.contains(QLatin1String("malformed")))
                return Error{QObject::tr("%1 is not a MetalDesk database (SQLite says: %2). Move the file aside, or "
                                         "choose another file with --database PATH.")
                                 .arg(spec_.path, why)};
            return Error{QObject::tr("cannot use the database %1: %2").arg(spec_.path, why)};
        }
    }
    return db;
}

Expected<void> Database::migrate()
{
    auto db = connection();
    if (!db)
        return db.error();
    auto version = applyMigrations(*db, isPostgres(), spec_.displayName());
    if (!version)
        return version.error();
    schemaVersion_ = *version;
    // WAL: readers never block the writer. Persistent in the file, so every later connection has it.
    if (!isPostgres()) {
        // Switching to WAL takes the file exclusively. When another connection opens the same new
        // file at the same moment, SQLite answers "locked" at once instead of waiting (its busy
        // handler would deadlock there), so the switch is retried for up to the busy timeout.
        auto wal = runQuery(*db, QStringLiteral("PRAGMA journal_mode=WAL"));
        for (int attempt = 0; !wal && wal.errorMessage().contains(QLatin1String("locked")) && attempt < 200;
             ++attempt) {
            QThread::msleep(50);
            wal = runQuery(*db, QStringLiteral("PRAGMA journal_mode=WAL"));
        }
        if (!wal)
            return Error{QObject::tr("cannot use the database %1: %2").arg(spec_.path, wal.errorMessage())};
    }
    return {};
}

Transaction::Transaction(Database &db, QSqlDatabase connection) : connection_(std::move(connection))
{
    // SQLite: take the write lock up front, so two writers never deadlock upgrading read locks.
    QSqlQuery q(connection_);
    active_ = q.exec(db.isPostgres() ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE"));
    if (!active_)
        error_ = q.lastError().text();
}

Transaction::~Transaction()
{
    if (active_) {
        QSqlQuery q(connection_);
        q.exec(QStringLiteral("ROLLBACK"));
    }
}

Expected<void> Transaction::commit()
{
    if (!active_)
        return Error{QObject::tr("database transaction was not started: %1").arg(error_)};
    QSqlQuery q(connection_);
    active_ = false;
    if (!q.exec(QStringLiteral("COMMIT"))) {
        QSqlQuery rollback(connection_);
        rollback.exec(QStringLiteral("ROLLBACK"));
        return Error{QObject::tr("database commit failed: %1").arg(q.lastError().text())};
    }
    return {};
}

Expected<QSqlQuery> runQuery(const QSqlDatabase &connection, const QString &sql, const QVariantList &values)
{
    QSqlQuery q(connection);
    q.setForwardOnly(true);
    // QPSQL turns prepared statements into PREPARE, which DDL and PRAGMAs cannot use.
    if (values.isEmpty()) {
        if (!q.exec(sql))
            return Error{QObject::tr("database error: %1 (in: %2)").arg(q.lastError().text(), sql.simplified())};
        return q;
    }
    if (!q.prepare(sql))
        return Error{QObject::tr("database error: %1 (in: %2)").arg(q.lastError().text(), sql.simplified())};
    for (const QVariant &v : values) {
        // QtSql binds a null QString as SQL NULL; our text columns mean "" by an absent string.
        if (v.typeId() == QMetaType::QString && v.toString().isNull())
            q.addBindValue(QString(QLatin1String("")));
        else
            q.addBindValue(v);
    }
    if (!q.exec())
        return Error{QObject::tr("database error: %1 (in: %2)").arg(q.lastError().text(), sql.simplified())};
    return q;
}

Expected<qint64> insertReturningId(const QSqlDatabase &connection, const QString &sql, const QVariantList &values)
{
    auto q = runQuery(connection, sql, values);
    if (!q)
        return q.error();
    if (!q->next())
        return Error{QObject::tr("database error: no id returned (in: %1)").arg(sql.simplified())};
    const qint64 id = q->value(0).toLongLong();
    q->finish();
    return id;
}

} // namespace metaldesk
