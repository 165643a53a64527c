#pragma once

#include "database.h"

#include <QProcess>
#include <QTemporaryDir>
#include <memory>

namespace metaldesk::testing {

// A throwaway PostgreSQL cluster for one test run: initdb into a temporary directory, the
// server on a free loopback port, stopped by PID and deleted when this object goes. As root it
// runs the server as Debian's `postgres` user (initdb refuses root).
class PgCluster {
public:
    // Null with the reason when it cannot run here (no binaries, no postgres user, start failed).
    static std::unique_ptr<PgCluster> start(QString *whyNot);
    ~PgCluster();

    // A new, empty database in the cluster.
    Expected<DatabaseSpec> createDatabase(const QString &name);
    int port() const { return port_; }
    qint64 pid() const { return server_.processId(); }

private:
    PgCluster() = default;
    QTemporaryDir dir_;
    QProcess server_;
    QString binDir_;
    QStringList asUser_; // the prefix that runs a command as the postgres user (empty when not root)
    int port_ = 0;
    QString password_ = QStringLiteral("md-test-pw");
};

} // namespace metaldesk::testing
