#pragma once

#include "core/base/expected.h"
#include "core/storage/database.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

namespace metaldesk::testing {

// A throwaway PostgreSQL server owned by one test process. start() runs initdb into a temporary
// directory, starts `postgres` on a free port of 127.0.0.1 (and a Unix socket in that directory
// only, never the system's), waits until it takes logins, and creates a user with a password and
// a database it owns. The destructor stops the server by its PID and removes the directory.
// As root, initdb and the server run as Debian's `postgres` account (initdb refuses root).
// Create and destroy it on one long-lived thread (a test's main thread): the server is also
// told to quit when that thread ends, so a crashed test leaves no server behind.
class PostgresCluster {
public:
    // Empty when a cluster can run here; otherwise why not (tests skip with this message).
    static QString unavailableReason();
    // $METALDESK_PG_BINDIR if set, else the newest /usr/lib/postgresql/<version>/bin with initdb and
    // postgres, else the PATH's; empty if none.
    static QString findBinDir();

    static Expected<std::unique_ptr<PostgresCluster>> start();
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster &) = delete;
    PostgresCluster &operator=(const PostgresCluster &) = delete;

    // The test user's database, as a spec and as the URL a user would type after --database (without
    // the password, which is in the cluster's pgpass file: PGPASSFILE is set while the cluster runs).
    DatabaseSpec spec() const { return specFor(database_); }
    QString url() const { return urlFor(database_); }
    QString urlFor(const QString &database) const;
    // The test user's database through the server's Unix socket (reachable from the test's network
    // namespaces, where 127.0.0.1 is another host's).
    QString socketUrl() const;
    // Another empty database owned by the test user (name: lower case letters, digits, '_').
    Expected<DatabaseSpec> createDatabase(const QString &name);

    int port() const { return port_; }
    qint64 pid() const { return server_.processId(); }
    QString directory() const { return dir_ ? dir_->path() : QString(); }
    // The end of the server's log, for failure messages.
    QString logTail(int characters = 2000) const;

    // Stops the server (fast shutdown: it rolls back open transactions and disconnects clients),
    // and kills it and its backends by PID when it does not stop in time. Idempotent.
    void stop();

private:
    PostgresCluster() = default;
    Expected<void> initdb();
    Expected<void> launch();
    Expected<void> createUserAndDatabase();
    // Runs statements as the superuser, each on its own (CREATE DATABASE cannot run in a transaction).
    Expected<void> asSuperuser(const QStringList &statements) const;
    DatabaseSpec specFor(const QString &database) const;

    std::unique_ptr<QTemporaryDir> dir_; // declared first: removed after the server is gone
    QProcess server_;
    QString binDir_;
    QString runAs_; // the account that runs initdb and the server; empty: the current user
    int port_ = 0;
    QString superuser_ = QStringLiteral("mdadmin");
    QString superPassword_;
    QString user_ = QStringLiteral("metaldesk");
    QString password_;
    QString database_ = QStringLiteral("metaldesk");
};

} // namespace metaldesk::testing
