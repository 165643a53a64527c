#include "postgrescluster.h"

#include "childprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>
#include <QUrl>
#include <QUuid>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace metaldesk::testing {

namespace {

constexpr int kStartTimeoutMs = 60000;
constexpr int kStopTimeoutMs = 15000;

QString randomPassword()
{
    static constexpr char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    QString out = QStringLiteral("md-");
    for (int i = 0; i < 24; ++i)
        out += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(int(sizeof(alphabet) - 1))]);
    return out;
}

// A port nobody listens on right now. The server may still lose a race for it: launch() retries.
int freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const int port = probe.serverPort();
    probe.close();
    return port;
}

// The direct children of `parent` (the server's backends), read from /proc.
QList<pid_t> childrenOf(pid_t parent)
{
    QList<pid_t> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const pid_t pid = entry.toInt(&numeric);
        if (!numeric)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toInt() == parent)
            children << pid;
    }
    return children;
}

QString quoteLiteral(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

QString PostgresCluster::findBinDir()
{
    auto hasServer = [](const QString &bin) {
        return QFileInfo(bin + QStringLiteral("/initdb")).isExecutable() &&
               QFileInfo(bin + QStringLiteral("/postgres")).isExecutable();
    };
    // An explicit choice wins, also when it is wrong: then the tests say so instead of using another.
    if (const QString chosen = qEnvironmentVariable("METALDESK_PG_BINDIR"); !chosen.isEmpty())
        return hasServer(chosen) ? chosen : QString();
    const QDir root(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toDouble() > b.toDouble(); });
    for (const QString &version : std::as_const(versions)) {
        const QString bin = root.filePath(version + QStringLiteral("/bin"));
        if (hasServer(bin))
            return bin;
    }
    // Other distributions put the server binaries on the PATH.
    const QString initdb = QStandardPaths::findExecutable(QStringLiteral("initdb"));
    if (!initdb.isEmpty() && hasServer(QFileInfo(initdb).absolutePath()))
        return QFileInfo(initdb).absolutePath();
    return {};
}

QString PostgresCluster::unavailableReason()
{
    if (findBinDir().isEmpty()) {
        const QString chosen = qEnvironmentVariable("METALDESK_PG_BINDIR");
        return QStringLiteral("PostgreSQL binaries not found: run tools/setup (looked for initdb and postgres in %1)")
            .arg(chosen.isEmpty() ? QStringLiteral("/usr/lib/postgresql/*/bin and on PATH")
                                  : chosen + QStringLiteral(", from METALDESK_PG_BINDIR"));
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed: run tools/setup");
    if (::geteuid() == 0 && !findSystemUser(QStringLiteral("postgres")))
        return QStringLiteral("running as root and there is no 'postgres' account to run PostgreSQL as "
                              "(initdb refuses root): run tools/setup");
    return {};
}

Expected<std::unique_ptr<PostgresCluster>> PostgresCluster::start()
{
    if (const QString why = unavailableReason(); !why.isEmpty())
        return Error{why};
    std::unique_ptr<PostgresCluster> cluster(new PostgresCluster);
    cluster->binDir_ = findBinDir();
    cluster->superPassword_ = randomPassword();
    cluster->password_ = randomPassword();
    // As root the server runs as `postgres`, which must reach the directory: /tmp, not a TMPDIR that
    // may sit under root's home. Short paths also keep the socket path under its 107-byte limit.
    const bool root = ::geteuid() == 0;
    if (root)
        cluster->runAs_ = QStringLiteral("postgres");
    const QString base = root ? QStringLiteral("/tmp") : QDir::tempPath();
    cluster->dir_ = std::make_unique<QTemporaryDir>(base + QStringLiteral("/metaldesk-pg-XXXXXX"));
    if (!cluster->dir_->isValid())
        return Error{
            QStringLiteral("cannot create a temporary directory under %1: %2").arg(base, cluster->dir_->errorString())};
    // The key that seals the databases' secrets stays with the cluster, not in the user's data
    // directory (MetalDesks started by the test inherit it).
    if (qEnvironmentVariableIsEmpty("METALDESK_SECRET_KEY_FILE"))
        qputenv("METALDESK_SECRET_KEY_FILE", cluster->dir_->filePath(QStringLiteral("secrets.key")).toLocal8Bit());
    if (auto done = cluster->initdb(); !done)
        return done.error();
    if (auto done = cluster->launch(); !done)
        return done.error();
    if (auto done = cluster->createUserAndDatabase(); !done)
        return Error{done.errorMessage() + QStringLiteral("\nserver log:\n") + cluster->logTail()};
    // The password where a user keeps it (docs: ~/.pgpass), so that URLs carry none; MetalDesks
    // started by the test inherit PGPASSFILE.
    QFile pgpass(cluster->dir_->filePath(QStringLiteral("pgpass")));
    if (!pgpass.open(QIODevice::WriteOnly) ||
        pgpass.write(QStringLiteral("127.0.0.1:%1:*:%2:%3\n%4:%1:*:%2:%3\n")
                         .arg(cluster->port_)
                         .arg(cluster->user_, cluster->password_, cluster->dir_->path())
                         .toUtf8()) < 0 ||
        !pgpass.setPermissions(QFile::ReadOwner | QFile::WriteOwner))
        return Error{QStringLiteral("cannot write %1").arg(pgpass.fileName())};
    pgpass.close();
    qputenv("PGPASSFILE", QFile::encodeName(pgpass.fileName()));
    return cluster;
}

PostgresCluster::~PostgresCluster()
{
    stop();
    if (dir_ && qEnvironmentVariable("METALDESK_SECRET_KEY_FILE").startsWith(dir_->path()))
        qunsetenv("METALDESK_SECRET_KEY_FILE");
    if (dir_ && qEnvironmentVariable("PGPASSFILE").startsWith(dir_->path()))
        qunsetenv("PGPASSFILE");
}

Expected<void> PostgresCluster::initdb()
{
    const QString pwfile = dir_->filePath(QStringLiteral("superuser-password"));
    {
        QFile f(pwfile);
        if (!f.open(QIODevice::WriteOnly) || f.write(superPassword_.toUtf8() + '\n') <= 0)
            return Error{QStringLiteral("cannot write %1: %2").arg(pwfile, f.errorString())};
    }
    QProcess initdb;
    if (!runAs_.isEmpty()) {
        const auto account = findSystemUser(runAs_);
        const QByteArray dir = QFile::encodeName(dir_->path()), pw = QFile::encodeName(pwfile);
        if (!account || ::chown(dir.constData(), account->uid, account->gid) != 0 ||
            ::chown(pw.constData(), account->uid, account->gid) != 0)
            return Error{QStringLiteral("cannot hand %1 to the %2 account").arg(dir_->path(), runAs_)};
        runAsUser(initdb, *account);
    } else {
        dieWithParent(initdb);
    }
    initdb.setWorkingDirectory(dir_->path()); // postgres cannot always read the caller's directory
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    // Every login needs a password, also on the socket: the server is as closed as a real one.
    initdb.start(binDir_ + QStringLiteral("/initdb"),
                 {QStringLiteral("--pgdata=") + dir_->filePath(QStringLiteral("data")),
                  QStringLiteral("--username=") + superuser_, QStringLiteral("--pwfile=") + pwfile,
                  QStringLiteral("--auth=scram-sha-256"), QStringLiteral("--encoding=UTF8"),
                  QStringLiteral("--locale=C"), QStringLiteral("--no-sync"), QStringLiteral("--no-instructions")});
    const bool finished = initdb.waitForFinished(120000);
    const QString output = QString::fromLocal8Bit(initdb.readAll());
    QFile::remove(pwfile);
    if (!finished || initdb.exitStatus() != QProcess::NormalExit || initdb.exitCode() != 0) {
        if (initdb.state() != QProcess::NotRunning) {
            initdb.kill();
            initdb.waitForFinished();
        }
        const QString how = initdb.exitStatus() == QProcess::NormalExit && finished
                                ? QStringLiteral("exit code %1").arg(initdb.exitCode())
                                : initdb.errorString();
        return Error{QStringLiteral("initdb failed (%1): %2").arg(how, output.right(2000).trimmed())};
    }
    return {};
}

Expected<void> PostgresCluster::launch()
{
    const QString log = dir_->filePath(QStringLiteral("server.log"));
    QString lastFailure;
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = freeLoopbackPort();
        if (port_ == 0)
            return Error{QStringLiteral("cannot find a free port on 127.0.0.1")};
        if (!runAs_.isEmpty())
            runAsUser(server_, *findSystemUser(runAs_), SIGQUIT); // SIGQUIT: immediate shutdown, backends too
        else
            dieWithParent(server_, SIGQUIT);
        server_.setWorkingDirectory(dir_->path());
        // A file, not a pipe: nobody reads a pipe while tests run, and a full pipe would stall the server.
        server_.setStandardOutputFile(log, QIODevice::Truncate); // this attempt's log only
        server_.setProcessChannelMode(QProcess::MergedChannels);
        server_.start(
            binDir_ + QStringLiteral("/postgres"),
            {QStringLiteral("-D"), dir_->filePath(QStringLiteral("data")), QStringLiteral("-p"), QString::number(port_),
             QStringLiteral("-k"), dir_->path(), QStringLiteral("-c"), QStringLiteral("listen_addresses=127.0.0.1"),
             // Throwaway data: durability is not what these tests ask of PostgreSQL.
             QStringLiteral("-c"), QStringLiteral("fsync=off"), QStringLiteral("-c"),
             QStringLiteral("synchronous_commit=off"), QStringLiteral("-c"), QStringLiteral("full_page_writes=off"),
             QStringLiteral("-c"), QStringLiteral("shared_buffers=32MB"), QStringLiteral("-c"),
             QStringLiteral("max_connections=100")});
        if (!server_.waitForStarted(10000))
            return Error{QStringLiteral("cannot start %1/postgres: %2").arg(binDir_, server_.errorString())};

        // Ready means a real login works (a TCP connect succeeds while it still starts up).
        QElapsedTimer timer;
        timer.start();
        while (server_.state() == QProcess::Running && timer.elapsed() < kStartTimeoutMs) {
            if (asSuperuser({QStringLiteral("SELECT 1")}))
                return {};
            server_.waitForFinished(100);
        }
        if (server_.state() == QProcess::Running) {
            stop();
            return Error{QStringLiteral("PostgreSQL did not take logins within %1 s:\n%2")
                             .arg(kStartTimeoutMs / 1000)
                             .arg(logTail())};
        }
        lastFailure = logTail();
        // Someone took the port between our probe and the server's bind: try another one.
        if (!lastFailure.contains(QLatin1String("could not bind")) &&
            !lastFailure.contains(QLatin1String("could not create any TCP/IP sockets")))
            break;
    }
    return Error{QStringLiteral("PostgreSQL did not start:\n%1").arg(lastFailure)};
}

Expected<void> PostgresCluster::createUserAndDatabase()
{
    return asSuperuser({QStringLiteral("CREATE ROLE %1 LOGIN CREATEDB PASSWORD %2").arg(user_, quoteLiteral(password_)),
                        QStringLiteral("CREATE DATABASE %1 OWNER %2").arg(database_, user_)});
}

Expected<DatabaseSpec> PostgresCluster::createDatabase(const QString &name)
{
    static const QRegularExpression identifier(QStringLiteral("^[a-z_][a-z0-9_]{0,62}$"));
    if (!identifier.match(name).hasMatch())
        return Error{QStringLiteral("'%1' is not a plain database name").arg(name)};
    if (auto done = asSuperuser({QStringLiteral("CREATE DATABASE %1 OWNER %2").arg(name, user_)}); !done)
        return done.error();
    return specFor(name);
}

Expected<void> PostgresCluster::asSuperuser(const QStringList &statements) const
{
    // A connection of our own, on any thread: QtSql connections must not be shared across threads.
    const QString name = QStringLiteral("postgrescluster-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(port_);
        db.setUserName(superuser_);
        db.setPassword(superPassword_);
        db.setDatabaseName(QStringLiteral("postgres"));
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        if (!db.open()) {
            error = QStringLiteral("cannot log in to the test cluster: ") + db.lastError().text();
        } else {
            for (const QString &sql : statements) {
                QSqlQuery q(db);
                if (!q.exec(sql)) {
                    error = QStringLiteral("%1: %2").arg(sql, q.lastError().text());
                    break;
                }
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    if (!error.isEmpty())
        return Error{error};
    return {};
}

DatabaseSpec PostgresCluster::specFor(const QString &database) const
{
    DatabaseSpec spec;
    spec.kind = DatabaseSpec::Kind::Postgres;
    spec.host = QStringLiteral("127.0.0.1");
    spec.port = port_;
    spec.user = user_;
    spec.password = password_;
    spec.name = database;
    return spec;
}

QString PostgresCluster::urlFor(const QString &database) const
{
    // No password: libpq reads it from PGPASSFILE, as MetalDesk's users are told to keep it.
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
        .arg(QString::fromLatin1(QUrl::toPercentEncoding(user_)))
        .arg(port_)
        .arg(database);
}

QString PostgresCluster::socketUrl() const
{
    return QStringLiteral("postgresql://%1@localhost:%2/%3?host=%4")
        .arg(QString::fromLatin1(QUrl::toPercentEncoding(user_)))
        .arg(port_)
        .arg(database_, dir_->path());
}

QString PostgresCluster::logTail(int characters) const
{
    if (!dir_)
        return {};
    QFile log(dir_->filePath(QStringLiteral("server.log")));
    if (!log.open(QIODevice::ReadOnly))
        return QStringLiteral("(no server log)");
    return QString::fromLocal8Bit(log.readAll()).right(characters);
}

void PostgresCluster::stop()
{
    if (server_.state() == QProcess::NotRunning)
        return;
    const auto pid = pid_t(server_.processId());
    ::kill(pid, SIGINT); // "fast" shutdown: unlike SIGTERM it does not wait for clients to leave
    if (server_.waitForFinished(kStopTimeoutMs))
        return;
    qWarning("PostgreSQL (pid %d) did not stop within %d s: killing it and its backends", int(pid),
             kStopTimeoutMs / 1000);
    const QList<pid_t> backends = childrenOf(pid); // read while they are still ours
    ::kill(pid, SIGKILL);
    for (pid_t backend : backends)
        ::kill(backend, SIGKILL);
    server_.waitForFinished(5000);
}

} // namespace metaldesk::testing
