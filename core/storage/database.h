#pragma once

#include "core/base/expected.h"
#include "core/storage/secretbox.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>
#include <memory>

class QThread;

namespace metaldesk {

// Where the data lives: an SQLite file (the default) or a PostgreSQL database shared by several
// headless instances.
struct DatabaseSpec {
    enum class Kind {
        Sqlite,
        Postgres
    };
    Kind kind = Kind::Sqlite;
    QString path; // SQLite file
    QString host, user, password, name;
    int port = 5432;

    // "" → the default SQLite file; "postgresql://user:pass@host:port/db" (with "?host=/directory":
    // the server's Unix socket there); anything else is a file path.
    static Expected<DatabaseSpec> parse(const QString &text, const QString &defaultSqlitePath);
    static DatabaseSpec sqlite(const QString &path)
    {
        DatabaseSpec spec;
        spec.path = path;
        return spec;
    }
    // For messages and logs: never includes the password.
    QString displayName() const;
};

// The default SQLite file in the user's data directory (XDG_DATA_HOME/MetalDesk/metaldesk.db).
QString defaultDatabasePath();
// Where the key sealing a database's secrets lives: "<file>.key" beside SQLite; for PostgreSQL,
// METALDESK_SECRET_KEY_FILE, else "secrets-<host>-<database>.key" in the data directory (copy it
// to every MetalDesk that shares the database).
QString secretKeyPath(const DatabaseSpec &spec);

// One logical database, with one QSqlDatabase connection per thread (QtSql connections must not
// cross threads). Opening applies the schema migrations, so every handle sees the current schema.
class Database {
public:
    static Expected<std::shared_ptr<Database>> open(const DatabaseSpec &spec);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // The calling thread's connection, opened on first use and closed when the thread finishes.
    Expected<QSqlDatabase> connection();
    const DatabaseSpec &spec() const { return spec_; }
    bool isPostgres() const { return spec_.kind == DatabaseSpec::Kind::Postgres; }
    int schemaVersion() const { return schemaVersion_; }
    // Seals and opens the secrets stored in this database (power passwords).
    const SecretBox &secrets() const { return *secrets_; }

    // " FOR UPDATE OF <alias>" on PostgreSQL (locks that table's rows, also across outer joins);
    // nothing on SQLite, whose write transactions (BEGIN IMMEDIATE) already exclude other writers.
    QString forUpdate(const QString &alias) const;

private:
    explicit Database(DatabaseSpec spec);
    Expected<QSqlDatabase> openConnection(const QString &name);
    Expected<void> migrate();
    Expected<void> sealPlainSecrets();
    void dropConnection(QThread *thread);

    DatabaseSpec spec_;
    int schemaVersion_ = 0;
    std::shared_ptr<const SecretBox> secrets_;
    QMutex mutex_;
    QHash<QThread *, QString> connections_;
    // Context of the threads' finished() connections: they die with this object.
    std::unique_ptr<QObject> lifetime_ = std::make_unique<QObject>();
    int nextConnection_ = 0;
};

// A write transaction on one connection: rolled back unless commit() succeeds.
class Transaction {
public:
    Transaction(Database &db, QSqlDatabase connection);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    bool begun() const { return active_; }
    const QString &beginError() const { return error_; }
    Expected<void> commit();

private:
    QSqlDatabase connection_;
    bool active_ = false;
    QString error_;
};

// Prepare, bind and run one statement; the error says which statement failed and why.
Expected<QSqlQuery> runQuery(const QSqlDatabase &connection, const QString &sql, const QVariantList &values = {});

// Runs an INSERT … RETURNING id and gives the id. The statement is finished before returning:
// SQLite will not commit while a RETURNING statement is still open on its row.
Expected<qint64> insertReturningId(const QSqlDatabase &connection, const QString &sql, const QVariantList &values);

// Milliseconds since the epoch, UTC: how every time is stored (portable across both databases).
qint64 nowMs();

} // namespace metaldesk
