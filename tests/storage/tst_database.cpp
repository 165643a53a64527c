// Storage on both backends: the same tests against SQLite and a throwaway PostgreSQL cluster.
#include "coreservices.h"
#include "migrations.h"
#include "pgcluster.h"

#include <QSqlError>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace metaldesk;
using metaldesk::testing::PgCluster;

namespace {

// Reads or tampers with a database behind MetalDesk's back, as another program would.
class RawConnection {
public:
    explicit RawConnection(const DatabaseSpec &spec) : name_(QStringLiteral("raw-%1").arg(++counter()))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            spec.kind == DatabaseSpec::Kind::Postgres ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), name_);
        if (spec.kind == DatabaseSpec::Kind::Postgres) {
            db.setHostName(spec.host);
            db.setPort(spec.port);
            db.setUserName(spec.user);
            db.setPassword(spec.password);
            db.setDatabaseName(spec.name);
        } else {
            db.setDatabaseName(spec.path);
        }
        db.open();
    }
    ~RawConnection()
    {
        QSqlDatabase::database(name_, false).close();
        QSqlDatabase::removeDatabase(name_);
    }
    bool exec(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(name_));
        return q.exec(sql);
    }
    QVariant scalar(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(name_));
        return q.exec(sql) && q.next() ? q.value(0) : QVariant();
    }

private:
    static int &counter()
    {
        static int n = 0;
        return n;
    }
    QString name_;
};

} // namespace

class TestDatabase : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void migratesToTheLatestSchemaAndReopensIdempotently_data() { backends(); }
    void migratesToTheLatestSchemaAndReopensIdempotently();
    void refusesANewerDatabaseAndChangesNothing_data() { backends(); }
    void refusesANewerDatabaseAndChangesNothing();
    void refusesAForeignDatabaseAndLeavesItUntouched_data() { backends(); }
    void refusesAForeignDatabaseAndLeavesItUntouched();
    void roundTripsMachinesUsersAndTokens_data() { backends(); }
    void roundTripsMachinesUsersAndTokens();
    void refusesADuplicateMacNamingTheOtherMachine_data() { backends(); }
    void refusesADuplicateMacNamingTheOtherMachine();
    void givesEachThreadItsOwnConnection_data() { backends(); }
    void givesEachThreadItsOwnConnection();
    void opensConcurrentlyFromTwoThreads_data() { backends(); }
    void opensConcurrentlyFromTwoThreads();
    void walksTheLifecycleWithRowLocks_data() { backends(); }
    void walksTheLifecycleWithRowLocks();
    void parsesDatabaseAddresses();
    void refusesAnUnreachablePostgresWithAClearMessage();
    void cleanupTestCase();

private:
    void backends();
    // A new, empty database of the row's backend (skips the row when PostgreSQL cannot run here).
    bool fresh(DatabaseSpec &spec);

    QTemporaryDir dir_;
    std::unique_ptr<PgCluster> pg_;
    QString pgWhyNot_;
    int next_ = 0;
};

void TestDatabase::initTestCase()
{
    QVERIFY(dir_.isValid());
    pg_ = PgCluster::start(&pgWhyNot_);
    if (!pg_)
        qWarning("PostgreSQL rows will be skipped: %s", qPrintable(pgWhyNot_));
}

void TestDatabase::cleanupTestCase() { pg_.reset(); }

void TestDatabase::backends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

bool TestDatabase::fresh(DatabaseSpec &spec)
{
    QFETCH(QString, backend);
    ++next_;
    if (backend == QLatin1String("sqlite")) {
        spec = DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("db%1.sqlite").arg(next_)));
        return true;
    }
    if (!pg_)
        return false;
    auto created = pg_->createDatabase(QStringLiteral("md%1").arg(next_));
    if (!created) {
        qWarning("%s", qPrintable(created.errorMessage()));
        return false;
    }
    spec = *created;
    return true;
}

#define FRESH_DATABASE(spec)                                                                                           \
    DatabaseSpec spec;                                                                                                 \
    if (!fresh(spec)) {                                                                                                \
        QVERIFY2(pg_ == nullptr, "the PostgreSQL cluster runs but a database could not be created");                   \
        QSKIP(qPrintable(pgWhyNot_));                                                                                  \
    }

void TestDatabase::migratesToTheLatestSchemaAndReopensIdempotently()
{
    FRESH_DATABASE(spec);
    {
        auto core = CoreServices::open(spec);
        QVERIFY2(core, qPrintable(core.errorMessage()));
        QCOMPARE((*core)->db->schemaVersion(), latestSchemaVersion());
    }
    auto again = CoreServices::open(spec);
    QVERIFY2(again, qPrintable(again.errorMessage()));
    QCOMPARE((*again)->db->schemaVersion(), latestSchemaVersion());
    RawConnection raw(spec);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), latestSchemaVersion());
    for (const char *table : {"users", "api_tokens", "machines", "interfaces", "events", "subnets", "ip_ranges",
                              "static_ips", "chassis", "boot_resources", "commissioning_results", "config"})
        QVERIFY2(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM %1").arg(QLatin1String(table))).isValid(), table);
}

void TestDatabase::refusesANewerDatabaseAndChangesNothing()
{
    FRESH_DATABASE(spec);
    QVERIFY(CoreServices::open(spec));
    {
        RawConnection raw(spec);
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO schema_migrations (version, description, applied) "
                                        "VALUES (999, 'from the future', 0)")));
    }
    auto refused = CoreServices::open(spec);
    QVERIFY(!refused);
    QVERIFY2(refused.errorMessage().contains(QLatin1String("newer MetalDesk")), qPrintable(refused.errorMessage()));
    QVERIFY(refused.errorMessage().contains(QLatin1String("999")));
    QVERIFY(refused.errorMessage().contains(QString::number(latestSchemaVersion())));
    QVERIFY(refused.errorMessage().contains(QLatin1String("--database")));
    RawConnection raw(spec);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), latestSchemaVersion() + 1);
}

void TestDatabase::refusesAForeignDatabaseAndLeavesItUntouched()
{
    FRESH_DATABASE(spec);
    {
        RawConnection raw(spec);
        QVERIFY(raw.exec(QStringLiteral("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")));
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO invoices VALUES (1, 4200)")));
    }
    auto refused = CoreServices::open(spec);
    QVERIFY(!refused);
    QVERIFY2(refused.errorMessage().contains(QLatin1String("another program")), qPrintable(refused.errorMessage()));
    QVERIFY(refused.errorMessage().contains(QLatin1String("invoices")));
    RawConnection raw(spec);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT amount FROM invoices WHERE id = 1")).toInt(), 4200);
    QVERIFY(!raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).isValid());
}

void TestDatabase::roundTripsMachinesUsersAndTokens()
{
    FRESH_DATABASE(spec);
    auto core = CoreServices::open(spec);
    QVERIFY2(core, qPrintable(core.errorMessage()));
    CoreServices &c = **core;
    UserStore users(c.db, 1000);
    auto alice = users.createUser(QStringLiteral("alice"), QStringLiteral("alice@example.com"),
                                  QStringLiteral("pw 비밀"), false);
    QVERIFY2(alice, qPrintable(alice.errorMessage()));
    QVERIFY(users.authenticate(QStringLiteral("alice"), QStringLiteral("pw 비밀")));
    QVERIFY(!users.authenticate(QStringLiteral("alice"), QStringLiteral("pw")));
    auto token = users.createToken(alice->id, QStringLiteral("juju"));
    QVERIFY2(token, qPrintable(token.errorMessage()));
    auto byToken = users.authenticateToken(token->consumerKey, token->tokenKey, token->tokenSecret);
    QVERIFY2(byToken, qPrintable(byToken.errorMessage()));
    QCOMPARE(byToken->username, QStringLiteral("alice"));

    NewMachine spec1;
    spec1.hostname = QStringLiteral("rack-node-1");
    spec1.architecture = QStringLiteral("amd64/generic");
    spec1.macAddresses = {QStringLiteral("52:54:00:aa:00:01"), QStringLiteral("52-54-00-AA-00-02")};
    spec1.powerType = QStringLiteral("ipmi");
    spec1.powerParameters = {{QStringLiteral("power_address"), QStringLiteral("10.0.0.5")},
                             {QStringLiteral("power_user"), QStringLiteral("admin")}};
    const Actor admin = Actor::system(QStringLiteral("test"));
    auto created = c.engine->createMachine(spec1, admin);
    QVERIFY2(created, qPrintable(created.errorMessage()));
    QVERIFY(c.machines->setHardware(created->systemId,
                                    {QStringLiteral("amd64/generic"), 8, 16384, 500107862016, QStringLiteral("sda")}));

    auto read = c.machines->get(created->systemId);
    QVERIFY2(read, qPrintable(read.errorMessage()));
    QCOMPARE(read->hostname, QStringLiteral("rack-node-1"));
    QCOMPARE(read->status, NodeStatus::New);
    QCOMPARE(read->powerType, QStringLiteral("ipmi"));
    QCOMPARE(read->powerParameters.value(QStringLiteral("power_address")).toString(), QStringLiteral("10.0.0.5"));
    QCOMPARE(read->cpuCount, 8);
    QCOMPARE(read->memory, 16384);
    QCOMPARE(read->storage, 500107862016);
    QCOMPARE(read->interfaces.size(), 2);
    QCOMPARE(read->interfaces[1].macAddress, QStringLiteral("52:54:00:aa:00:02"));
    auto byMac = c.machines->findByMac(QStringLiteral("52:54:00:AA:00:02"));
    QVERIFY(byMac && *byMac);
    QCOMPARE((*byMac)->systemId, created->systemId);
    QCOMPARE(c.machines->list()->size(), 1);
    auto events = c.events->forMachine(created->systemId);
    QVERIFY(events && events->size() == 1);
    QCOMPARE(events->first().type, QStringLiteral("created"));
    QCOMPARE(events->first().toStatus, std::optional<NodeStatus>(NodeStatus::New));
}

void TestDatabase::refusesADuplicateMacNamingTheOtherMachine()
{
    FRESH_DATABASE(spec);
    auto core = CoreServices::open(spec);
    QVERIFY2(core, qPrintable(core.errorMessage()));
    const Actor admin = Actor::system(QStringLiteral("test"));
    NewMachine first;
    first.hostname = QStringLiteral("first");
    first.macAddresses = {QStringLiteral("52:54:00:bb:00:01")};
    QVERIFY((*core)->engine->createMachine(first, admin));
    NewMachine second;
    second.hostname = QStringLiteral("second");
    second.macAddresses = {QStringLiteral("52:54:00:BB:00:01")};
    auto refused = (*core)->engine->createMachine(second, admin);
    QVERIFY(!refused);
    QVERIFY2(refused.errorMessage().contains(QLatin1String("first")), qPrintable(refused.errorMessage()));
    QCOMPARE((*core)->machines->count().value(), 1); // nothing half-written
}

void TestDatabase::givesEachThreadItsOwnConnection()
{
    FRESH_DATABASE(spec);
    auto core = CoreServices::open(spec);
    QVERIFY2(core, qPrintable(core.errorMessage()));
    CoreServices &c = **core;
    constexpr int threads = 4, perThread = 15;
    QStringList errors;
    QMutex errorsLock;
    std::vector<std::unique_ptr<QThread>> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back(QThread::create([&, t] {
            for (int i = 0; i < perThread; ++i) {
                NewMachine m;
                m.macAddresses = {QStringLiteral("52:54:00:cc:%1:%2")
                                      .arg(t, 2, 10, QLatin1Char('0'))
                                      .arg(i, 2, 10, QLatin1Char('0'))};
                auto made = c.engine->createMachine(m, Actor::system(QStringLiteral("thread")));
                auto done = made ? c.engine->performAction(made->systemId, NodeAction::Commission,
                                                           Actor::system(QStringLiteral("thread")))
                                 : Expected<void>(made.error());
                if (!done) {
                    QMutexLocker lock(&errorsLock);
                    errors << done.errorMessage();
                }
            }
        }));
        workers.back()->start();
    }
    for (auto &w : workers)
        QVERIFY(w->wait(120000));
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    auto all = c.machines->list();
    QVERIFY(all);
    QCOMPARE(all->size(), threads * perThread);
    for (const Machine &m : *all)
        QCOMPARE(m.status, NodeStatus::Commissioning);
}

void TestDatabase::opensConcurrentlyFromTwoThreads()
{
    // Two instances starting at once on an empty database: one migrates, the other waits.
    FRESH_DATABASE(spec);
    QString errors[2];
    int versions[2] = {0, 0};
    std::unique_ptr<QThread> threads[2];
    for (int i = 0; i < 2; ++i) {
        threads[i].reset(QThread::create([&, i] {
            auto core = CoreServices::open(spec);
            if (core)
                versions[i] = (*core)->db->schemaVersion();
            else
                errors[i] = core.errorMessage();
        }));
    }
    for (auto &t : threads)
        t->start();
    for (auto &t : threads)
        QVERIFY(t->wait(60000));
    QVERIFY2(errors[0].isEmpty() && errors[1].isEmpty(), qPrintable(errors[0] + QLatin1Char('\n') + errors[1]));
    QCOMPARE(versions[0], latestSchemaVersion());
    QCOMPARE(versions[1], latestSchemaVersion());
    RawConnection raw(spec);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), latestSchemaVersion());
}

void TestDatabase::walksTheLifecycleWithRowLocks()
{
    FRESH_DATABASE(spec);
    auto core = CoreServices::open(spec);
    QVERIFY2(core, qPrintable(core.errorMessage()));
    CoreServices &c = **core;
    UserStore users(c.db, 1000);
    auto bob = users.createUser(QStringLiteral("bob"), {}, QStringLiteral("pw"), false);
    QVERIFY(bob);
    const Actor admin = Actor::system(QStringLiteral("test"));
    const Actor asBob{bob->id, bob->username, false};
    NewMachine spec1;
    spec1.macAddresses = {QStringLiteral("52:54:00:dd:00:01")};
    auto m = c.engine->createMachine(spec1, admin);
    QVERIFY2(m, qPrintable(m.errorMessage()));
    QVERIFY(c.engine->performAction(m->systemId, NodeAction::Commission, admin));
    QVERIFY(c.engine->changeStatus(m->systemId, NodeStatus::Ready, admin, QStringLiteral("commissioned")));
    auto deployed = c.engine->performAction(m->systemId, NodeAction::Deploy, asBob);
    QVERIFY2(deployed, qPrintable(deployed.errorMessage()));
    auto read = c.machines->get(m->systemId);
    QCOMPARE(read->status, NodeStatus::Deploying);
    QCOMPARE(read->owner, QStringLiteral("bob"));
    QVERIFY(read->statusExpires.has_value());
    QCOMPARE(c.engine->expireOverdue(*read->statusExpires + 1).value(), 1);
    QCOMPARE(c.machines->get(m->systemId)->status, NodeStatus::FailedDeployment);
    auto last = c.events->lastStatusEvent(m->systemId);
    QVERIFY(last && *last);
    QCOMPARE((*last)->toStatus, std::optional<NodeStatus>(NodeStatus::FailedDeployment));
    QCOMPARE((*last)->type, QStringLiteral("timeout"));
}

void TestDatabase::parsesDatabaseAddresses()
{
    auto byDefault = DatabaseSpec::parse({}, QStringLiteral("/data/md.db"));
    QVERIFY(byDefault && byDefault->kind == DatabaseSpec::Kind::Sqlite &&
            byDefault->path == QStringLiteral("/data/md.db"));
    auto relative = DatabaseSpec::parse(QStringLiteral("lab.db"), {});
    QVERIFY(relative && QFileInfo(relative->path).isAbsolute() && relative->path.endsWith(QStringLiteral("/lab.db")));
    auto pg = DatabaseSpec::parse(QStringLiteral("postgresql://maas:s3cret@db.lab:5433/metaldesk"), {});
    QVERIFY2(pg, qPrintable(pg.errorMessage()));
    QCOMPARE(pg->kind, DatabaseSpec::Kind::Postgres);
    QCOMPARE(pg->host, QStringLiteral("db.lab"));
    QCOMPARE(pg->port, 5433);
    QCOMPARE(pg->user, QStringLiteral("maas"));
    QCOMPARE(pg->password, QStringLiteral("s3cret"));
    QCOMPARE(pg->name, QStringLiteral("metaldesk"));
    QVERIFY(!pg->displayName().contains(QLatin1String("s3cret")));
    QCOMPARE(DatabaseSpec::parse(QStringLiteral("postgres://u@h/d"), {})->port, 5432);
    auto mysql = DatabaseSpec::parse(QStringLiteral("mysql://x/y"), {});
    QVERIFY(!mysql && mysql.errorMessage().contains(QLatin1String("unsupported")));
    auto noName = DatabaseSpec::parse(QStringLiteral("postgresql://u:secretpw@h"), {});
    QVERIFY(!noName && noName.errorMessage().contains(QLatin1String("postgresql://user:password@host")));
    QVERIFY(!noName.errorMessage().contains(QLatin1String("secretpw")));
}

void TestDatabase::refusesAnUnreachablePostgresWithAClearMessage()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 closedPort = probe.serverPort();
    probe.close();
    auto spec = DatabaseSpec::parse(QStringLiteral("postgresql://u:topsecret@127.0.0.1:%1/none").arg(closedPort), {});
    QVERIFY(spec);
    auto refused = CoreServices::open(*spec);
    QVERIFY(!refused);
    QVERIFY2(refused.errorMessage().contains(QLatin1String("cannot connect to PostgreSQL")),
             qPrintable(refused.errorMessage()));
    QVERIFY(!refused.errorMessage().contains(QLatin1String("topsecret")));
}

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
