#include "pgcluster.h"

#include <QDir>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QThread>
#include <csignal>
#include <pwd.h>
#include <unistd.h>

namespace metaldesk::testing {

namespace {

QString findBinDir()
{
    const QDir root(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &v : versions) {
        const QString bin = root.filePath(v + QStringLiteral("/bin"));
        if (QFile::exists(bin + QStringLiteral("/initdb")) && QFile::exists(bin + QStringLiteral("/postgres")))
            return bin;
    }
    return {};
}

int freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool runTool(const QStringList &command, QString *output)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(command.first(), command.mid(1));
    const bool ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    *output = QString::fromLocal8Bit(p.readAll());
    return ok;
}

} // namespace

std::unique_ptr<PgCluster> PgCluster::start(QString *whyNot)
{
    std::unique_ptr<PgCluster> c(new PgCluster);
    c->binDir_ = findBinDir();
    if (c->binDir_.isEmpty()) {
        *whyNot = QStringLiteral("PostgreSQL binaries not found under /usr/lib/postgresql: run tools/setup");
        return nullptr;
    }
    if (!c->dir_.isValid()) {
        *whyNot = QStringLiteral("cannot create a temporary directory");
        return nullptr;
    }
    const QString data = c->dir_.filePath(QStringLiteral("data"));
    const QString pwfile = c->dir_.filePath(QStringLiteral("pw"));
    {
        QFile f(pwfile);
        if (!f.open(QIODevice::WriteOnly)) {
            *whyNot = QStringLiteral("cannot write %1").arg(pwfile);
            return nullptr;
        }
        f.write(c->password_.toUtf8() + '\n');
    }
    if (geteuid() == 0) {
        const passwd *pg = getpwnam("postgres");
        if (!pg) {
            *whyNot =
                QStringLiteral("running as root and there is no 'postgres' user to run the server as: run tools/setup");
            return nullptr;
        }
        if (chown(QFile::encodeName(c->dir_.path()).constData(), pg->pw_uid, pg->pw_gid) != 0 ||
            chown(QFile::encodeName(pwfile).constData(), pg->pw_uid, pg->pw_gid) != 0) {
            *whyNot = QStringLiteral("cannot hand %1 to the postgres user").arg(c->dir_.path());
            return nullptr;
        }
        // setpriv execs the command (no fork), so the PID we hold is the server's own.
        c->asUser_ = {QStringLiteral("setpriv"), QStringLiteral("--reuid=postgres"), QStringLiteral("--regid=postgres"),
                      QStringLiteral("--init-groups"), QStringLiteral("--")};
    }

    QString output;
    if (!runTool(c->asUser_ + QStringList{c->binDir_ + QStringLiteral("/initdb"), QStringLiteral("-D"), data,
                                          QStringLiteral("-U"), QStringLiteral("metaldesk"), QStringLiteral("--pwfile"),
                                          pwfile, QStringLiteral("-A"), QStringLiteral("scram-sha-256"),
                                          QStringLiteral("--no-sync"), QStringLiteral("-E"), QStringLiteral("UTF8")},
                 &output)) {
        *whyNot = QStringLiteral("initdb failed: %1").arg(output.right(600));
        return nullptr;
    }

    for (int attempt = 0; attempt < 5; ++attempt) {
        c->port_ = freeLoopbackPort();
        const QStringList command =
            c->asUser_ +
            QStringList{c->binDir_ + QStringLiteral("/postgres"), QStringLiteral("-D"), data, QStringLiteral("-p"),
                        QString::number(c->port_), QStringLiteral("-k"), c->dir_.path(), QStringLiteral("-c"),
                        QStringLiteral("listen_addresses=127.0.0.1"),
                        // Throwaway data: skip fsync so the suite stays fast (durability is tested on SQLite).
                        QStringLiteral("-c"), QStringLiteral("fsync=off"), QStringLiteral("-c"),
                        QStringLiteral("max_connections=60")};
        c->server_.setProcessChannelMode(QProcess::MergedChannels);
        c->server_.start(command.first(), command.mid(1));
        if (!c->server_.waitForStarted()) {
            *whyNot = QStringLiteral("cannot start postgres: %1").arg(c->server_.errorString());
            return nullptr;
        }
        QString log;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 30000 && c->server_.state() == QProcess::Running &&
               !log.contains(QLatin1String("ready to accept connections"))) {
            c->server_.waitForReadyRead(100);
            log += QString::fromLocal8Bit(c->server_.readAll());
        }
        if (log.contains(QLatin1String("ready to accept connections")))
            return c;
        c->server_.kill();
        c->server_.waitForFinished();
        if (!log.contains(QLatin1String("could not bind"))) { // a port race: try another port
            *whyNot = QStringLiteral("postgres did not start: %1").arg(log.right(600));
            return nullptr;
        }
    }
    *whyNot = QStringLiteral("postgres found no free port");
    return nullptr;
}

PgCluster::~PgCluster()
{
    if (server_.state() != QProcess::NotRunning) {
        ::kill(pid_t(server_.processId()), SIGINT); // "fast" shutdown: disconnect clients, stop
        if (!server_.waitForFinished(15000)) {
            server_.kill();
            server_.waitForFinished();
        }
    }
}

Expected<DatabaseSpec> PgCluster::createDatabase(const QString &name)
{
    DatabaseSpec spec;
    spec.kind = DatabaseSpec::Kind::Postgres;
    spec.host = QStringLiteral("127.0.0.1");
    spec.port = port_;
    spec.user = QStringLiteral("metaldesk");
    spec.password = password_;
    spec.name = QStringLiteral("postgres");
    const QString connection = QStringLiteral("pgcluster-admin-%1").arg(quintptr(QThread::currentThreadId()));
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connection);
        db.setHostName(spec.host);
        db.setPort(spec.port);
        db.setUserName(spec.user);
        db.setPassword(spec.password);
        db.setDatabaseName(spec.name);
        if (!db.open())
            error = db.lastError().text();
        else if (QSqlQuery q(db); !q.exec(QStringLiteral("CREATE DATABASE \"%1\"").arg(name)))
            error = q.lastError().text();
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    if (!error.isEmpty())
        return Error{QStringLiteral("cannot create database %1: %2").arg(name, error)};
    spec.name = name;
    return spec;
}

} // namespace metaldesk::testing
