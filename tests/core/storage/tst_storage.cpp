// Storage: the same tests against SQLite (a temporary file) and PostgreSQL (a throwaway cluster
// started by this test), then what only one backend has (files, permissions, connection errors).
#include "childprocess.h"
#include "core/addresses/leasestore.h"
#include "core/base/secretcompare.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/machines/machinestore.h"
#include "core/runtime/coreservices.h"
#include "core/storage/eventstore.h"
#include "core/storage/migrations.h"
#include "core/storage/sqlrows.h"
#include "postgrescluster.h"
#include "rawsql.h"

#include "skip.h"
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSemaphore>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace metaldesk;
using namespace Qt::StringLiterals;
using metaldesk::testing::fileChanges;
using metaldesk::testing::filesIn;
using metaldesk::testing::PostgresCluster;
using metaldesk::testing::RawSql;

namespace {

const Actor kAdmin = Actor::system(QStringLiteral("tst_storage"));

bool mentionsNumber(const QString &text, int number)
{
    return text.contains(QRegularExpression(QStringLiteral("\\b%1\\b").arg(number)));
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

NewMachine machineWithMacs(const QString &hostname, const QStringList &macs)
{
    NewMachine spec;
    spec.hostname = hostname;
    spec.macAddresses = macs;
    return spec;
}

} // namespace

class StorageTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();

    // Both backends.
    void migratesAnEmptyDatabaseToTheLatestSchema_data() { addBackends(); }
    void migratesAnEmptyDatabaseToTheLatestSchema();
    void reopeningMigratesNothingAndKeepsTheData_data() { addBackends(); }
    void reopeningMigratesNothingAndKeepsTheData();
    void refusesADatabaseOfANewerMetalDeskAndChangesNothing_data() { addBackends(); }
    void refusesADatabaseOfANewerMetalDeskAndChangesNothing();
    void refusesAForeignDatabaseAndLeavesItUntouched_data() { addBackends(); }
    void refusesAForeignDatabaseAndLeavesItUntouched();
    void roundTripsMachinesInterfacesAndEvents_data() { addBackends(); }
    void roundTripsMachinesInterfacesAndEvents();
    void readsSqliteThroughItsOwnInterface();
    void roundTripsUsersAndApiTokens_data() { addBackends(); }
    void roundTripsUsersAndApiTokens();
    void hashesTheApiKeysOfAnOlderDatabase_data() { addBackends(); }
    void hashesTheApiKeysOfAnOlderDatabase();
    void keepsLeasesPerSegment_data() { addBackends(); }
    void keepsLeasesPerSegment();
    void givesOldEventsTheirText_data() { addBackends(); }
    void givesOldEventsTheirText();
    void storesPasswordsWithTheDefaultIterationCount_data() { addBackends(); }
    void storesPasswordsWithTheDefaultIterationCount();
    void refusesADuplicateMacNamingTheOtherMachine_data() { addBackends(); }
    void refusesADuplicateMacNamingTheOtherMachine();
    void givesEachThreadItsOwnConnectionAndKeepsEveryWrite_data() { addBackends(); }
    void givesEachThreadItsOwnConnectionAndKeepsEveryWrite();
    void opensOneEmptyDatabaseFromTwoThreadsAtOnce_data() { addBackends(); }
    void opensOneEmptyDatabaseFromTwoThreadsAtOnce();

    // SQLite only.
    void refusesAFileThatIsNotADatabaseAndLeavesItAlone_data();
    void refusesAFileThatIsNotADatabaseAndLeavesItAlone();
    void startsANewDatabaseInAnEmptyFile();
    void keepsTheDatabaseReadableByItsOwnerOnly();
    void syncsEveryCommitToTheDisk();
    void refusesADataDirectoryThatCannotBeCreated();
    void refusesWhatAnUnprivilegedUserCannotWrite_data();
    void refusesWhatAnUnprivilegedUserCannotWrite();

    // PostgreSQL only.
    void opensThePostgresqlUrlItIsGiven();
    void takesThePasswordFromAPgpassFile();
    void refusesAWrongPasswordWithoutShowingIt();
    void refusesAnUnreachableServerClearly();

    // The --database argument.
    void parsesTheDatabaseArgument();
    void refusesUnsupportedDatabaseAddresses_data();
    void refusesUnsupportedDatabaseAddresses();
    void displayNameNeverShowsThePassword();

private:
    void addBackends();
    struct Fresh {
        enum {
            Ready,
            Skip,
            Fail
        } outcome;
        QString why;
    };
    // A new, empty database of the current row's backend; SQLite files get a directory of their own.
    Fresh freshDatabase(DatabaseSpec &spec);
    Fresh postgresReady() const;
    QString newDirectory();

    QTemporaryDir dir_;
    std::unique_ptr<PostgresCluster> pg_;
    QString pgUnavailable_; // PostgreSQL cannot run here: its rows skip
    QString pgFailed_;      // it should run but did not start: its rows fail
    int serial_ = 0;
};

// Declares `spec`, a fresh database of this row's backend, or skips/fails the row.
#define FRESH_DATABASE(spec)                                                                                           \
    DatabaseSpec spec;                                                                                                 \
    do {                                                                                                               \
        const Fresh fresh_ = freshDatabase(spec);                                                                      \
        if (fresh_.outcome == Fresh::Skip)                                                                             \
            METALDESK_SKIP(qPrintable(fresh_.why));                                                                    \
        if (fresh_.outcome == Fresh::Fail)                                                                             \
            QFAIL(qPrintable(fresh_.why));                                                                             \
    } while (false)

#define REQUIRE_POSTGRES()                                                                                             \
    do {                                                                                                               \
        const Fresh ready_ = postgresReady();                                                                          \
        if (ready_.outcome == Fresh::Skip)                                                                             \
            METALDESK_SKIP(qPrintable(ready_.why));                                                                    \
        if (ready_.outcome == Fresh::Fail)                                                                             \
            QFAIL(qPrintable(ready_.why));                                                                             \
    } while (false)

#define OPEN_CORE(name, spec)                                                                                          \
    auto name##Opened = CoreServices::open(spec);                                                                      \
    QVERIFY2(name##Opened, qPrintable(name##Opened.errorMessage()));                                                   \
    CoreServices &name = **name##Opened

void StorageTest::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("metaldesk.*.info=false")); // keep failures readable
    QVERIFY(dir_.isValid());
    pgUnavailable_ = PostgresCluster::unavailableReason();
    if (!pgUnavailable_.isEmpty()) {
        qWarning("PostgreSQL rows skip: %s", qPrintable(pgUnavailable_));
        return;
    }
    QElapsedTimer timer;
    timer.start();
    auto started = PostgresCluster::start();
    if (!started) {
        pgFailed_ = QStringLiteral("the throwaway PostgreSQL cluster did not start: ") + started.errorMessage();
        qWarning("%s", qPrintable(pgFailed_));
        return;
    }
    pg_ = std::move(*started);
    qInfo("PostgreSQL cluster on 127.0.0.1:%d (pid %lld) ready in %lld ms", pg_->port(), pg_->pid(), timer.elapsed());
}

void StorageTest::cleanupTestCase() { pg_.reset(); }

void StorageTest::addBackends()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgresql") << true;
}

StorageTest::Fresh StorageTest::postgresReady() const
{
    if (!pgUnavailable_.isEmpty())
        return {Fresh::Skip, pgUnavailable_};
    if (!pg_)
        return {Fresh::Fail, pgFailed_};
    return {Fresh::Ready, {}};
}

QString StorageTest::newDirectory()
{
    const QString path = dir_.filePath(QStringLiteral("d%1").arg(++serial_));
    QDir().mkpath(path);
    return path;
}

StorageTest::Fresh StorageTest::freshDatabase(DatabaseSpec &spec)
{
    QFETCH(bool, postgres);
    if (!postgres) {
        spec = DatabaseSpec::sqlite(newDirectory() + QStringLiteral("/metaldesk.db"));
        return {Fresh::Ready, {}};
    }
    if (Fresh ready = postgresReady(); ready.outcome != Fresh::Ready)
        return ready;
    auto created = pg_->createDatabase(QStringLiteral("t%1").arg(++serial_));
    if (!created)
        return {Fresh::Fail, created.errorMessage()};
    spec = *created;
    return {Fresh::Ready, {}};
}

// --- Both backends ---------------------------------------------------------------------------

void StorageTest::migratesAnEmptyDatabaseToTheLatestSchema()
{
    FRESH_DATABASE(spec);
    {
        OPEN_CORE(core, spec);
        QCOMPARE(core.db->schemaVersion(), latestSchemaVersion());
    }
    RawSql raw(spec);
    QVERIFY2(raw.isOpen(), qPrintable(raw.error()));
    QCOMPARE(raw.scalar(QStringLiteral("SELECT MAX(version) FROM schema_migrations")).toInt(), latestSchemaVersion());
    // One row per version: versions are numbered 1, 2, ... and each is applied once.
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), latestSchemaVersion());
    const QStringList tables = raw.tables();
    for (const char *table : {"users",
                              "api_tokens",
                              "chassis",
                              "machines",
                              "interfaces",
                              "subnets",
                              "ip_ranges",
                              "static_ips",
                              "commissioning_results",
                              "events",
                              "config",
                              "zones",
                              "pools",
                              "tags",
                              "machine_tags",
                              "owner_data",
                              "files",
                              "devices",
                              "device_interfaces",
                              "device_links",
                              "boot_images"})
        QVERIFY2(tables.contains(QLatin1String(table)), table);
    QVERIFY(!tables.contains(QLatin1String("boot_resources"))); // never used, dropped in version 4
    if (spec.kind == DatabaseSpec::Kind::Sqlite)                // readers never block the writer, and it is in the file
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
}

void StorageTest::reopeningMigratesNothingAndKeepsTheData()
{
    FRESH_DATABASE(spec);
    QString systemId;
    {
        OPEN_CORE(core, spec);
        auto made = core.engine->createMachine(machineWithMacs(QStringLiteral("keeper"), {}), kAdmin);
        QVERIFY2(made, qPrintable(made.errorMessage()));
        systemId = made->systemId;
    }
    QStringList migrationsBefore;
    {
        RawSql raw(spec);
        migrationsBefore = raw.rows(QStringLiteral("SELECT version, description, applied FROM schema_migrations "
                                                   "ORDER BY version"));
    }
    {
        OPEN_CORE(again, spec);
        QCOMPARE(again.db->schemaVersion(), latestSchemaVersion());
        // A second handle while the first is open: the same answer, nothing applied twice.
        OPEN_CORE(third, spec);
        QCOMPARE(third.db->schemaVersion(), latestSchemaVersion());
        auto kept = third.machines->get(systemId);
        QVERIFY2(kept, qPrintable(kept.errorMessage()));
        QCOMPARE(kept->hostname, QStringLiteral("keeper"));
    }
    RawSql raw(spec);
    QCOMPARE(raw.rows(QStringLiteral("SELECT version, description, applied FROM schema_migrations ORDER BY version")),
             migrationsBefore);
}

void StorageTest::refusesADatabaseOfANewerMetalDeskAndChangesNothing()
{
    FRESH_DATABASE(spec);
    {
        OPEN_CORE(core, spec);
        QVERIFY(core.engine->createMachine(machineWithMacs(QStringLiteral("old-data"), {}), kAdmin));
    }
    const int future = latestSchemaVersion() + 41;
    {
        RawSql raw(spec);
        const QString error = raw.exec(QStringLiteral("INSERT INTO schema_migrations (version, description, applied) "
                                                      "VALUES (%1, 'from a newer MetalDesk', 0)")
                                           .arg(future));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    QStringList before;
    {
        RawSql raw(spec);
        before = raw.snapshot();
    }
    const auto filesBefore =
        spec.kind == DatabaseSpec::Kind::Sqlite ? filesIn(QFileInfo(spec.path).path()) : QMap<QString, QByteArray>();

    auto refused = CoreServices::open(spec);
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(QLatin1String("newer")), qPrintable(message));
    QVERIFY2(mentionsNumber(message, future) && mentionsNumber(message, latestSchemaVersion()), qPrintable(message));
    QVERIFY2(message.contains(spec.displayName()), qPrintable(message));

    if (spec.kind == DatabaseSpec::Kind::Sqlite) { // before our own look inside adds a WAL file
        const QString changes = fileChanges(filesBefore, filesIn(QFileInfo(spec.path).path()));
        QVERIFY2(changes.isEmpty(), qPrintable(changes));
    }
    RawSql raw(spec);
    QCOMPARE(raw.snapshot(), before);
}

void StorageTest::refusesAForeignDatabaseAndLeavesItUntouched()
{
    FRESH_DATABASE(spec);
    {
        RawSql raw(spec);
        QVERIFY2(raw.isOpen(), qPrintable(raw.error()));
        for (const char *sql :
             {"CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer TEXT, amount INTEGER)",
              "INSERT INTO invoices VALUES (1, 'Kim Min-jun', 4200)", "INSERT INTO invoices VALUES (2, '김민준', 990)",
              "CREATE TABLE customers (name TEXT NOT NULL)",
              "CREATE INDEX invoices_customer "
              "ON invoices(customer)"}) {
            const QString error = raw.exec(QString::fromUtf8(sql));
            QVERIFY2(error.isEmpty(), qPrintable(error));
        }
    }
    QStringList before;
    {
        RawSql raw(spec);
        before = raw.snapshot();
    }
    const bool sqlite = spec.kind == DatabaseSpec::Kind::Sqlite;
    const auto filesBefore = sqlite ? filesIn(QFileInfo(spec.path).path()) : QMap<QString, QByteArray>();

    auto refused = CoreServices::open(spec);
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(spec.displayName()), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("invoices")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("--database")), qPrintable(message));

    if (sqlite) { // not one byte: not even the journal mode in the file header
        const QString changes = fileChanges(filesBefore, filesIn(QFileInfo(spec.path).path()));
        QVERIFY2(changes.isEmpty(), qPrintable(changes));
    }
    RawSql raw(spec);
    QVERIFY(!raw.tables().contains(QLatin1String("schema_migrations")));
    QCOMPARE(raw.snapshot(), before);
}

void StorageTest::roundTripsMachinesInterfacesAndEvents()
{
    FRESH_DATABASE(spec);
    QString systemId;
    {
        OPEN_CORE(core, spec);
        NewMachine spec1 = machineWithMacs(QStringLiteral("rack-node-1"),
                                           {QStringLiteral("52-54-00-AA-00-01"), QStringLiteral("5254.00aa.0002")});
        spec1.architecture = QStringLiteral("amd64/generic");
        // Manual: the commission below then calls no BMC (the parameters are kept all the same).
        spec1.powerType = QStringLiteral("manual");
        spec1.powerParameters = {{QStringLiteral("power_address"), QStringLiteral("10.0.0.5")},
                                 {QStringLiteral("power_pass"), QStringLiteral("비밀 ünïcode")}};
        auto made = core.engine->createMachine(spec1, kAdmin);
        QVERIFY2(made, qPrintable(made.errorMessage()));
        systemId = made->systemId;
        QCOMPARE(made->hostname, QStringLiteral("rack-node-1"));
        QVERIFY(core.machines->setHardware(
            systemId, {QStringLiteral("amd64/generic"), 8, 16384, 500107862016, QStringLiteral("sda")}));
        auto commissioned = core.engine->performAction(systemId, NodeAction::Commission, kAdmin);
        QVERIFY2(commissioned, qPrintable(commissioned.errorMessage()));
    }

    // A new handle reads what the first one wrote: it is stored, not cached.
    OPEN_CORE(core, spec);
    auto read = core.machines->get(systemId);
    QVERIFY2(read, qPrintable(read.errorMessage()));
    QCOMPARE(read->hostname, QStringLiteral("rack-node-1"));
    QCOMPARE(read->status, NodeStatus::Commissioning);
    QCOMPARE(read->previousStatus, std::optional<NodeStatus>(NodeStatus::New));
    QVERIFY(read->statusExpires.has_value());
    QCOMPARE(read->powerType, QStringLiteral("manual"));
    QCOMPARE(read->powerParameters.value(QStringLiteral("power_pass")).toString(), QStringLiteral("비밀 ünïcode"));
    QCOMPARE(read->architecture, QStringLiteral("amd64/generic"));
    QCOMPARE(read->cpuCount, 8);
    QCOMPARE(read->memory, 16384);
    QCOMPARE(read->storage, 500107862016);
    QCOMPARE(read->bootDisk, QStringLiteral("sda"));
    QCOMPARE(read->interfaces.size(), 2);
    QCOMPARE(read->interfaces[0].name, QStringLiteral("eth0"));
    QCOMPARE(read->interfaces[0].macAddress, QStringLiteral("52:54:00:aa:00:01"));
    QCOMPARE(read->interfaces[1].macAddress, QStringLiteral("52:54:00:aa:00:02"));

    // A second machine, to list values repeated down a column and values that change.
    NewMachine spec2 = machineWithMacs(QStringLiteral("rack-node-2"), {QStringLiteral("52:54:00:aa:00:09")});
    spec2.architecture = QStringLiteral("amd64/generic");
    QVERIFY(core.engine->createMachine(spec2, kAdmin));
    read = core.machines->get(systemId); // as it is now
    QVERIFY2(read, qPrintable(read.errorMessage()));
    auto all = core.machines->list();
    QVERIFY2(all, qPrintable(all.errorMessage()));
    QCOMPARE(all->size(), 2);
    QCOMPARE(all->first().systemId, systemId);
    QCOMPARE(all->first().interfaces.size(), 2);
    QCOMPARE(core.machines->count().value(), 2);
    // On SQLite list() reads through SQLite's own interface (core/storage/sqlrows), get() through
    // QtSql: the same machine, field by field.
    const auto fields = [](const Machine &m) {
        QStringList f{QString::number(m.id),
                      m.systemId,
                      m.hostname,
                      QString::number(int(m.status)),
                      m.previousStatus ? QString::number(int(*m.previousStatus)) : QStringLiteral("null"),
                      m.statusMessage,
                      QString::fromUtf8(m.statusMessageJson),
                      m.statusExpires ? QString::number(*m.statusExpires) : QStringLiteral("null"),
                      m.ownerId ? QString::number(*m.ownerId) : QStringLiteral("null"),
                      m.owner,
                      m.architecture,
                      m.powerType,
                      QString::fromUtf8(QJsonDocument(m.powerParameters).toJson()),
                      m.powerState,
                      QString::number(m.cpuCount),
                      QString::number(m.memory),
                      QString::number(m.storage),
                      m.bootDisk,
                      m.chassisId ? QString::number(*m.chassisId) : QStringLiteral("null"),
                      m.chassisVm,
                      QString::number(m.chassisVmMissing),
                      m.osystem,
                      m.distroSeries,
                      QString::number(m.created),
                      QString::number(m.updated),
                      m.zone,
                      m.pool,
                      m.tags.join(u','),
                      m.agentName};
        for (const Interface &i : m.interfaces)
            f << QString::number(i.id) << i.name << i.macAddress;
        return f;
    };
    QCOMPARE(fields(all->first()), fields(*read));
    auto second = core.machines->get(all->at(1).systemId);
    QVERIFY2(second, qPrintable(second.errorMessage()));
    QCOMPARE(fields(all->at(1)), fields(*second));
    QCOMPARE(all->at(1).architecture, QStringLiteral("amd64/generic"));
    QVERIFY(all->at(1).powerParameters.isEmpty());

    auto byMac = core.machines->findByMac(QStringLiteral("52:54:00:AA:00:02"));
    QVERIFY2(byMac, qPrintable(byMac.errorMessage()));
    QVERIFY(byMac->has_value());
    QCOMPARE((*byMac)->systemId, systemId);
    QCOMPARE((*byMac)->interfaces.size(), 2);
    auto unknown = core.machines->findByMac(QStringLiteral("52:54:00:aa:00:03"));
    QVERIFY(unknown && !unknown->has_value());
    QVERIFY(!core.machines->findByMac(QStringLiteral("not-a-mac")));

    auto events = core.events->forMachine(systemId);
    QVERIFY2(events, qPrintable(events.errorMessage()));
    // Newest first: the power service's word (commissioning cycles the power, here by hand),
    // the status change, the creation.
    QCOMPARE(events->size(), 3);
    QCOMPARE(events->at(0).type, QStringLiteral("power"));
    QCOMPARE(events->at(0).level, EventLevel::Warning);
    QCOMPARE(events->at(2).type, QStringLiteral("created"));
    QCOMPARE(events->at(2).toStatus, std::optional<NodeStatus>(NodeStatus::New));
    QCOMPARE(events->at(1).fromStatus, std::optional<NodeStatus>(NodeStatus::New));
    QCOMPARE(events->at(1).toStatus, std::optional<NodeStatus>(NodeStatus::Commissioning));
    QCOMPARE(events->at(1).hostname, QStringLiteral("rack-node-1"));
    QCOMPARE(events->at(1).username, kAdmin.username);
    auto last = core.events->lastStatusEvent(systemId);
    QVERIFY(last && last->has_value());
    QCOMPARE((*last)->id, events->at(1).id);
}

void StorageTest::readsSqliteThroughItsOwnInterface()
{
    QTemporaryDir dir;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("sqlrows"));
        db.setDatabaseName(dir.filePath(QStringLiteral("rows.db")));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE t (a INTEGER, b TEXT)")));
        QVERIFY(q.exec(QStringLiteral(
            "INSERT INTO t VALUES (1, 'zone'), (NULL, ''), (3, 'zone'), (4, '구역'), (5, NULL), (6, 'zone')")));
        auto rows = SqliteRows::prepare(db, "SELECT a, b FROM t ORDER BY rowid");
        QVERIFY(rows);
        QList<std::tuple<bool, qint64, QString, bool>> read;
        while (rows->next())
            read.append({rows->isNull(0), rows->integer(0), rows->text(1), rows->isNull(1)});
        QVERIFY2(rows->error().isEmpty(), qPrintable(rows->error()));
        // A value repeated down a column (and one between that differs) reads back as written;
        // NULL text is a null string, '' an empty one.
        const QList<std::tuple<bool, qint64, QString, bool>> expected{{false, 1, QStringLiteral("zone"), false},
                                                                      {true, 0, QString(), false},
                                                                      {false, 3, QStringLiteral("zone"), false},
                                                                      {false, 4, QStringLiteral("구역"), false},
                                                                      {false, 5, QString(), true},
                                                                      {false, 6, QStringLiteral("zone"), false}};
        QCOMPARE(read, expected);
        QVERIFY(!std::get<2>(read.at(1)).isNull());
        QVERIFY(std::get<2>(read.at(4)).isNull());
        // What cannot be prepared, and a database that is not SQLite: the caller uses QtSql.
        QVERIFY(!SqliteRows::prepare(db, "SELECT nothing FROM nowhere"));
        QSqlDatabase pg = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("sqlrows-pg"));
        QVERIFY(!SqliteRows::prepare(pg, "SELECT 1"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("sqlrows"));
    QSqlDatabase::removeDatabase(QStringLiteral("sqlrows-pg"));
}

void StorageTest::roundTripsUsersAndApiTokens()
{
    FRESH_DATABASE(spec);
    const QString password = QStringLiteral("correct horse 비밀번호");
    ApiToken token;
    {
        OPEN_CORE(core, spec);
        UserStore users(core.db, 1000);
        auto alice = users.createUser(QStringLiteral("alice"), QStringLiteral("alice@example.com"), password, false);
        QVERIFY2(alice, qPrintable(alice.errorMessage()));
        QVERIFY(alice->id > 0);
        QVERIFY(users.createUser(QStringLiteral("root.admin"), {}, QStringLiteral("x"), true));
        QVERIFY(!users.createUser(QStringLiteral("alice"), {}, QStringLiteral("other"), false));
        auto made = users.createToken(alice->id, QStringLiteral("juju"));
        QVERIFY2(made, qPrintable(made.errorMessage()));
        token = *made;
    }

    OPEN_CORE(core, spec);
    UserStore users(core.db, 1000);
    auto alice = users.authenticate(QStringLiteral("alice"), password);
    QVERIFY2(alice, qPrintable(alice.errorMessage()));
    QCOMPARE(alice->email, QStringLiteral("alice@example.com"));
    QVERIFY(!alice->isAdmin);
    QVERIFY(!users.authenticate(QStringLiteral("alice"), QStringLiteral("correct horse")));
    QVERIFY(!users.authenticate(QStringLiteral("mallory"), password));
    auto everyone = users.list();
    QVERIFY(everyone && everyone->size() == 2);
    QCOMPARE(everyone->at(1).username, QStringLiteral("root.admin"));
    QVERIFY(everyone->at(1).isAdmin);

    auto tokens = users.tokens(alice->id);
    QVERIFY2(tokens, qPrintable(tokens.errorMessage()));
    QCOMPARE(tokens->size(), 1);
    QCOMPARE(tokens->first().tokenKey, token.tokenKey);
    QCOMPARE(tokens->first().consumerKey, token.consumerKey);
    QCOMPARE(tokens->first().name, QStringLiteral("juju"));
    // The secret is shown once: the database holds only its hash, and the list gives none.
    QVERIFY(tokens->first().tokenSecret.isEmpty());
    {
        RawSql raw(spec);
        const QString stored = raw.scalar(QStringLiteral("SELECT token_secret FROM api_tokens")).toString();
        QVERIFY2(stored.startsWith(QLatin1String("sha256$")) && !stored.contains(token.tokenSecret),
                 qPrintable(stored));
    }
    auto byToken = users.authenticateToken(token.consumerKey, token.tokenKey, token.tokenSecret);
    QVERIFY2(byToken, qPrintable(byToken.errorMessage()));
    QCOMPARE(byToken->id, alice->id);
    QVERIFY(!users.authenticateToken(token.consumerKey, token.tokenKey, token.tokenSecret + QLatin1Char('x')));
    QVERIFY(users.revokeToken(token.tokenKey));
    QVERIFY(!users.authenticateToken(token.consumerKey, token.tokenKey, token.tokenSecret));
}

void StorageTest::hashesTheApiKeysOfAnOlderDatabase()
{
    FRESH_DATABASE(spec);
    ApiToken token;
    {
        OPEN_CORE(core, spec);
        auto alice = core.users->createUser(QStringLiteral("alice"), {}, QStringLiteral("pw"), false);
        QVERIFY2(alice, qPrintable(alice.errorMessage()));
        auto made = core.users->createToken(alice->id, QStringLiteral("juju"));
        QVERIFY2(made, qPrintable(made.errorMessage()));
        token = *made;
    }
    {
        // As version 4 left it: the secret as given.
        RawSql raw(spec);
        QCOMPARE(raw.exec(QStringLiteral("UPDATE api_tokens SET token_secret = '%1'").arg(token.tokenSecret)),
                 QString());
        QCOMPARE(raw.exec(QStringLiteral("DELETE FROM schema_migrations WHERE version >= 5")), QString());
        // What versions 6 to 8 added, taken away again.
        for (const char *undo :
             {"ALTER TABLE machines DROP COLUMN chassis_vm", "ALTER TABLE machines DROP COLUMN chassis_vm_missing",
              "ALTER TABLE chassis DROP COLUMN last_sync", "ALTER TABLE chassis DROP COLUMN last_error",
              "DROP TABLE console_screens", "DROP TABLE image_sources", "ALTER TABLE boot_images DROP COLUMN version",
              "ALTER TABLE boot_images DROP COLUMN files", "ALTER TABLE events DROP COLUMN message",
              "ALTER TABLE machines DROP COLUMN status_text"})
            QCOMPARE(raw.exec(QLatin1String(undo)), QString());
    }
    {
        OPEN_CORE(core, spec);
        QCOMPARE(core.db->schemaVersion(), latestSchemaVersion());
        QVERIFY(core.users->authenticateToken(token.consumerKey, token.tokenKey, token.tokenSecret));
    }
    RawSql raw(spec);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT token_secret FROM api_tokens")).toString(),
             hashedSecret(token.tokenSecret));
}

// Security review M8: leases belong to the segment of the DHCP server that gave them (migration 10).
// An older database's leases survive the migration and are adopted by the first segment that asks;
// two segments hold one address each for their own client.
void StorageTest::keepsLeasesPerSegment()
{
    FRESH_DATABASE(spec);
    const qint64 later = QDateTime::currentMSecsSinceEpoch() + 3600000;
    const quint32 ip = 0x0a630078; // 10.99.0.120
    {
        OPEN_CORE(core, spec);
        (void)core;
    }
    {
        // As version 9 left it: one row per address, no segment.
        RawSql raw(spec);
        for (const char *undo :
             {"DROP TABLE dhcp_leases",
              "CREATE TABLE dhcp_leases (ip BIGINT PRIMARY KEY, mac TEXT NOT NULL, hostname TEXT NOT NULL DEFAULT '',"
              " state TEXT NOT NULL, expires BIGINT NOT NULL, updated BIGINT NOT NULL)",
              "DELETE FROM schema_migrations WHERE version >= 10", "ALTER TABLE events DROP COLUMN message",
              "ALTER TABLE machines DROP COLUMN status_text"})
            QCOMPARE(raw.exec(QLatin1String(undo)), QString());
        QCOMPARE(raw.exec(QStringLiteral("INSERT INTO dhcp_leases VALUES (%1, '52:54:00:98:00:0a', '', 'bound', %2, 1)")
                              .arg(ip)
                              .arg(later)),
                 QString());
    }
    OPEN_CORE(core, spec);
    QCOMPARE(core.db->schemaVersion(), latestSchemaVersion());
    LeaseStore a(core.db, QStringLiteral("rack-a/boot0"));
    LeaseStore b(core.db, QStringLiteral("rack-b/boot0"));
    LeaseStore every(core.db);
    QVERIFY(a.adoptLeasesWithoutSegment());
    QVERIFY(b.adoptLeasesWithoutSegment()); // nothing left to adopt
    auto ofA = a.forIp(ip);
    QVERIFY(ofA && *ofA);
    QCOMPARE((*ofA)->mac, QStringLiteral("52:54:00:98:00:0a"));
    QVERIFY(b.forIp(ip) && !*b.forIp(ip));

    QVERIFY(b.save(Lease{ip, QStringLiteral("52:54:00:98:00:0b"), {}, Lease::State::Bound, later}));
    QCOMPARE((*a.forIp(ip))->mac, QStringLiteral("52:54:00:98:00:0a")); // not overwritten
    QCOMPARE((*b.forIp(ip))->mac, QStringLiteral("52:54:00:98:00:0b"));
    auto all = every.all();
    QVERIFY(all);
    QCOMPARE(all->size(), 2);
    for (const char *mac : {"52:54:00:98:00:0a", "52:54:00:98:00:0b"})
        QCOMPARE(*every.holdsBound(QLatin1String(mac), ip, QDateTime::currentMSecsSinceEpoch()), true);
    QCOMPARE(*every.holdsBound(QStringLiteral("52:54:00:98:00:0c"), ip, QDateTime::currentMSecsSinceEpoch()), false);
    QCOMPARE(*every.holdsBound(QStringLiteral("52:54:00:98:00:0a"), ip, later), false); // expired by then
}

// Migration 11: events and status messages recorded as sentences, in English or in the Korean of
// the window that recorded them, get the text they were (shown in the reader's language from then
// on); what matches no event text stays as recorded.
void StorageTest::givesOldEventsTheirText()
{
    FRESH_DATABASE(spec);
    QString systemId;
    {
        OPEN_CORE(core, spec);
        auto m = core.engine->createMachine(NewMachine{}, Actor::system(u"test"_s));
        QVERIFY2(m, qPrintable(m.errorMessage()));
        systemId = m->systemId;
    }
    const QStringList recorded{
        u"Commission by admin"_s,
        u"커미션 (admin)"_s,
        u"Timed out: Deploying took longer than 30 minutes"_s,
        u"시간 초과: 배포 중 상태가 30분을 넘었습니다"_s,
        u"Power is on (found by the regular power check)"_s,
        u"3 reports of the machine were not recorded: more than 60 came within a minute"_s,
        u"Something a plug-in wrote"_s,
        u"could not download the image http://10.0.0.1/d.img (HTTP 404); check the image in MetalDesk"_s,
    };
    {
        // As version 10 left it: the sentence only.
        RawSql raw(spec);
        for (const char *undo :
             {"DELETE FROM events", "ALTER TABLE events DROP COLUMN message",
              "ALTER TABLE machines DROP COLUMN status_text", "DELETE FROM schema_migrations WHERE version >= 11"})
            QCOMPARE(raw.exec(QLatin1String(undo)), QString());
        for (int i = 0; i < recorded.size(); ++i)
            QCOMPARE(raw.exec(u"INSERT INTO events (created, system_id, hostname, username, event_type, level, "
                              "description) VALUES (%1, '%2', 'm', 'admin', 'status', 0, '%3')"_s.arg(i + 1)
                                  .arg(systemId, recorded[i])),
                     QString());
        QCOMPARE(raw.exec(u"UPDATE machines SET status_message = '%1'"_s.arg(recorded[3])), QString());
    }
    OPEN_CORE(core, spec);
    QCOMPARE(core.db->schemaVersion(), latestSchemaVersion());
    auto events = core.events->forMachine(systemId);
    QVERIFY2(events, qPrintable(events.errorMessage()));
    QCOMPARE(events->size(), recorded.size());
    QHash<QString, Event> byDescription;
    for (const Event &e : std::as_const(*events))
        byDescription.insert(e.description, e); // the description stays as it was recorded
    const Text commission = Text::event("Commission by %1").arg(u"admin"_s);
    const Text timeout =
        Text::event("Timed out: %1 took longer than %2 minutes").arg(Text("NodeStatus", "Deploying")).arg(u"30"_s);
    QCOMPARE(byDescription.value(recorded[0]).message, commission);
    QCOMPARE(byDescription.value(recorded[1]).message, commission);
    QCOMPARE(byDescription.value(recorded[2]).message, timeout);
    QCOMPARE(byDescription.value(recorded[3]).message, timeout);
    QCOMPARE(byDescription.value(recorded[4]).message.english(), recorded[4]);
    QCOMPARE(byDescription.value(recorded[5]).message.english(), recorded[5]);
    const Event reported = byDescription.value(recorded[7]); // the boot environment's words, as reported
    QCOMPARE(reported.message.source(), "could not download the image %1 (%2); check the image in MetalDesk"_ba);
    QCOMPARE(reported.message.english(), recorded[7]);
    const Event unknown = byDescription.value(recorded[6]);
    QVERIFY(unknown.message.isEmpty());
    QVERIFY(unknown.isAsRecorded());
    QCOMPARE(unknown.text(), recorded[6]);
    auto machine = core.machines->get(systemId);
    QVERIFY(machine);
    QCOMPARE(machine->statusMessageText(), timeout);
    QCOMPARE(machine->statusMessageInWords(), recorded[2]); // no translator here: English
}

void StorageTest::storesPasswordsWithTheDefaultIterationCount()
{
    FRESH_DATABASE(spec);
    OPEN_CORE(core, spec); // CoreServices' own UserStore: the count real users get
    auto bob = core.users->createUser(QStringLiteral("bob"), {}, QStringLiteral("s3cret pw"), true);
    QVERIFY2(bob, qPrintable(bob.errorMessage()));
    QVERIFY(core.users->authenticate(QStringLiteral("bob"), QStringLiteral("s3cret pw")));
    RawSql raw(spec);
    const QString stored =
        raw.scalar(QStringLiteral("SELECT password_hash FROM users WHERE username = 'bob'")).toString();
    QVERIFY2(stored.startsWith(QStringLiteral("pbkdf2_sha256$%1$").arg(UserStore::kDefaultIterations)),
             qPrintable(stored));
    QVERIFY(!stored.contains(QLatin1String("s3cret")));
}

void StorageTest::refusesADuplicateMacNamingTheOtherMachine()
{
    FRESH_DATABASE(spec);
    OPEN_CORE(core, spec);
    auto first = core.engine->createMachine(
        machineWithMacs(QStringLiteral("first"), {QStringLiteral("52:54:00:bb:00:01")}), kAdmin);
    QVERIFY2(first, qPrintable(first.errorMessage()));
    // The clash is the second MAC, written differently: the first one must not be left behind.
    auto refused =
        core.engine->createMachine(machineWithMacs(QStringLiteral("second"), {QStringLiteral("52:54:00:bb:00:02"),
                                                                              QStringLiteral("52-54-00-BB-00-01")}),
                                   kAdmin);
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(QLatin1String("first")) && message.contains(first->systemId), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("52:54:00:bb:00:01")), qPrintable(message));

    QCOMPARE(core.machines->count().value(), 1);
    auto leftover = core.machines->findByMac(QStringLiteral("52:54:00:bb:00:02"));
    QVERIFY(leftover && !leftover->has_value());
    auto events = core.events->recent();
    QVERIFY(events);
    QCOMPARE(events->size(), 1); // only the first machine's "created"
}

void StorageTest::givesEachThreadItsOwnConnectionAndKeepsEveryWrite()
{
    FRESH_DATABASE(spec);
    OPEN_CORE(core, spec);
    constexpr int threadCount = 4, perThread = 15;
    QMutex lock;
    QStringList errors, connectionNames;
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < threadCount; ++t) {
        threads.emplace_back(QThread::create([&, t] {
            auto connection = core.db->connection();
            const QString name = connection ? connection->connectionName() : QString();
            QStringList mine;
            for (int i = 0; i < perThread; ++i) {
                const QString mac =
                    QStringLiteral("52:54:00:cc:%1:%2").arg(t, 2, 10, QLatin1Char('0')).arg(i, 2, 10, QLatin1Char('0'));
                auto made = core.engine->createMachine(machineWithMacs({}, {mac}), kAdmin);
                if (!made) {
                    mine << made.errorMessage();
                    continue;
                }
                if (auto done = core.engine->performAction(made->systemId, NodeAction::Commission, kAdmin); !done)
                    mine << done.errorMessage();
            }
            QMutexLocker locked(&lock);
            errors << mine;
            connectionNames << name;
        }));
        threads.back()->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(120000));
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));

    const QString mainName = core.db->connection()->connectionName();
    QCOMPARE(QSet<QString>(connectionNames.begin(), connectionNames.end()).size(), threadCount);
    for (const QString &name : std::as_const(connectionNames)) {
        QVERIFY(!name.isEmpty() && name != mainName);
        QVERIFY2(!QSqlDatabase::contains(name), "a finished thread's connection stays open");
    }

    auto all = core.machines->list();
    QVERIFY2(all, qPrintable(all.errorMessage()));
    QCOMPARE(all->size(), threadCount * perThread);
    for (const Machine &m : std::as_const(*all)) {
        QCOMPARE(m.status, NodeStatus::Commissioning);
        QCOMPARE(m.interfaces.size(), 1);
        auto last = core.events->lastStatusEvent(m.systemId);
        QVERIFY(last && last->has_value());
        QCOMPARE((*last)->toStatus, std::optional<NodeStatus>(NodeStatus::Commissioning));
    }
}

void StorageTest::opensOneEmptyDatabaseFromTwoThreadsAtOnce()
{
    // Two instances starting together on an empty database: one migrates, the other waits for it.
    for (int round = 0; round < 3; ++round) {
        FRESH_DATABASE(spec);
        QSemaphore ready, go;
        QString errors[2];
        int versions[2] = {0, 0};
        std::unique_ptr<QThread> threads[2];
        for (int i = 0; i < 2; ++i) {
            threads[i].reset(QThread::create([&, i] {
                ready.release();
                go.acquire();
                auto core = CoreServices::open(spec);
                if (!core) {
                    errors[i] = core.errorMessage();
                    return;
                }
                versions[i] = (*core)->db->schemaVersion();
                if (auto made = (*core)->engine->createMachine({}, kAdmin); !made)
                    errors[i] = made.errorMessage();
            }));
            threads[i]->start();
        }
        ready.acquire(2);
        go.release(2);
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));
        QVERIFY2(errors[0].isEmpty() && errors[1].isEmpty(), qPrintable(errors[0] + QLatin1Char('\n') + errors[1]));
        QCOMPARE(versions[0], latestSchemaVersion());
        QCOMPARE(versions[1], latestSchemaVersion());
        RawSql raw(spec);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM schema_migrations")).toInt(), latestSchemaVersion());
        QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM machines")).toInt(), 2);
        if (spec.kind == DatabaseSpec::Kind::Sqlite) // the loser of the race switched to WAL too, or found it on
            QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    }
}

// --- SQLite only ------------------------------------------------------------------------------

void StorageTest::refusesAFileThatIsNotADatabaseAndLeavesItAlone_data()
{
    QTest::addColumn<QByteArray>("content");
    QByteArray random(64 * 1024, Qt::Uninitialized);
    QRandomGenerator(20261125).fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    QTest::newRow("random bytes") << random;
    QTest::newRow("a text file")
        << QByteArray("Lab inventory\n- 4x Dell R640 (eth1 on the boot VLAN)\n- 2x NUC\n").repeated(20);
}

void StorageTest::refusesAFileThatIsNotADatabaseAndLeavesItAlone()
{
    QFETCH(QByteArray, content);
    const QString dir = newDirectory();
    const QString path = dir + QStringLiteral("/metaldesk.db");
    QVERIFY(writeFile(path, content));
    const auto before = filesIn(dir);

    auto refused = CoreServices::open(path); // as given with --database
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(path), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("--database")), qPrintable(message));
    QCOMPARE(fileBytes(path), content);
    const QString changes = fileChanges(before, filesIn(dir));
    QVERIFY2(changes.isEmpty(), qPrintable(changes));
}

void StorageTest::startsANewDatabaseInAnEmptyFile()
{
    // What `touch metaldesk.db` leaves: SQLite treats it as an empty database, and so do we.
    const QString path = newDirectory() + QStringLiteral("/metaldesk.db");
    QVERIFY(writeFile(path, {}));
    OPEN_CORE(core, DatabaseSpec::sqlite(path));
    QCOMPARE(core.db->schemaVersion(), latestSchemaVersion());
}

// Security review M7: a lease acknowledged or a status changed must survive power loss, so every
// connection (each thread has its own) syncs the WAL at each commit.
void StorageTest::syncsEveryCommitToTheDisk()
{
    OPEN_CORE(core, DatabaseSpec::sqlite(newDirectory() + QStringLiteral("/md.db")));
    auto level = [&core]() -> int {
        auto db = core.db->connection();
        if (!db)
            return -1;
        auto q = runQuery(*db, QStringLiteral("PRAGMA synchronous"));
        return q && q->next() ? q->value(0).toInt() : -1;
    };
    QCOMPARE(level(), 2); // FULL (NORMAL is 1)
    int other = -1;
    std::unique_ptr<QThread> thread(QThread::create([&] { other = level(); }));
    thread->start();
    QVERIFY(thread->wait(10000));
    QCOMPARE(other, 2);
}

void StorageTest::keepsTheDatabaseReadableByItsOwnerOnly()
{
    // It holds password hashes, BMC passwords and API keys (security review M3): with the usual
    // umask 022 SQLite would create the file, its -wal and its -shm 0644.
    const mode_t umaskBefore = ::umask(022);
    const QString dir = newDirectory() + QStringLiteral("/data");
    const QString path = dir + QStringLiteral("/metaldesk.db");
    auto modeOf = [](const QString &name) {
        struct stat st {};
        return ::stat(QFile::encodeName(name).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
    };
    {
        OPEN_CORE(core, DatabaseSpec::sqlite(path));
        QVERIFY(core.config->setValue(QStringLiteral("tftp_port"), QStringLiteral("6969"))); // a write: the WAL
        QCOMPARE(modeOf(dir), 0700);
        for (const QString &name : {path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")})
            QCOMPARE(modeOf(name), 0600);
    }
    // A database an older version left readable is tightened when it is opened.
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    {
        OPEN_CORE(core, DatabaseSpec::sqlite(path));
        QCOMPARE(modeOf(path), 0600);
        QCOMPARE(*core.config->value(QStringLiteral("tftp_port")), QStringLiteral("6969"));
    }
    ::umask(umaskBefore);
}

void StorageTest::refusesADataDirectoryThatCannotBeCreated()
{
    // A regular file where a directory should be: no permission trick, so it holds for root too.
    const QString dir = newDirectory();
    const QString blocker = dir + QStringLiteral("/afile");
    QVERIFY(writeFile(blocker, "not a directory\n"));
    const QString path = blocker + QStringLiteral("/sub/metaldesk.db");
    auto refused = CoreServices::open(path);
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(blocker + QStringLiteral("/sub")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("--database")), qPrintable(message));
    QCOMPARE(fileBytes(blocker), QByteArray("not a directory\n"));
}

void StorageTest::refusesWhatAnUnprivilegedUserCannotWrite_data()
{
    QTest::addColumn<bool>("readOnlyFile"); // else a read-only directory
    QTest::addColumn<QString>("mustMention");
    QTest::newRow("read-only data directory") << false << QStringLiteral("not writable");
    QTest::newRow("read-only database file") << true << QStringLiteral("read-only");
}

void StorageTest::refusesWhatAnUnprivilegedUserCannotWrite()
{
    // Root is not refused by permissions, so as root the open runs in a helper process as `nobody`;
    // otherwise in this process, as the user running the test.
    QFETCH(bool, readOnlyFile);
    QFETCH(QString, mustMention);
    const bool root = ::geteuid() == 0;
    std::optional<testing::SystemUser> nobody;
    std::unique_ptr<QTemporaryDir> reachable;
    QString dir;
    if (root) {
        nobody = testing::findSystemUser(QStringLiteral("nobody"));
        if (!nobody)
            METALDESK_SKIP("running as root and there is no 'nobody' account to check permissions as");
        // Our temporary directory is 0700 root: give nobody a way in.
        reachable = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/metaldesk-perm-XXXXXX"));
        QVERIFY(reachable->isValid());
        QVERIFY(QFile::setPermissions(reachable->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                             QFile::ExeGroup | QFile::ExeOther));
        dir = reachable->filePath(QStringLiteral("data"));
        QVERIFY(QDir().mkpath(dir));
    } else {
        dir = newDirectory();
    }
    const QString path = dir + QStringLiteral("/metaldesk.db");
    if (readOnlyFile) {
        auto created = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY2(created, qPrintable(created.errorMessage()));
        created->reset(); // closed: the file alone is what the user finds
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner));
    } else {
        QVERIFY(QFile::setPermissions(dir, QFile::ReadOwner | QFile::ExeOwner));
    }
    if (root) {
        const QByteArray encodedDir = QFile::encodeName(dir), encodedPath = QFile::encodeName(path);
        QVERIFY(::chown(encodedDir.constData(), nobody->uid, nobody->gid) == 0);
        if (readOnlyFile)
            QVERIFY(::chown(encodedPath.constData(), nobody->uid, nobody->gid) == 0);
    }
    const auto before = filesIn(dir);

    QString message;
    if (root) {
        QProcess helper;
        testing::runAsUser(helper, *nobody);
        helper.setWorkingDirectory(QStringLiteral("/"));
        helper.start(QStringLiteral(OPENDATABASE), {path});
        if (!helper.waitForStarted())
            METALDESK_SKIP(qPrintable(QStringLiteral("user nobody cannot run %1: %2")
                                          .arg(QStringLiteral(OPENDATABASE), helper.errorString())));
        QVERIFY(helper.waitForFinished(30000));
        message = QString::fromLocal8Bit(helper.readAllStandardError()).trimmed();
        QCOMPARE(helper.exitStatus(), QProcess::NormalExit);
        QVERIFY2(helper.exitCode() == 1, qPrintable(message));
    } else {
        auto refused = CoreServices::open(path);
        QVERIFY(!refused);
        message = refused.errorMessage();
    }
    QVERIFY2(message.contains(readOnlyFile ? path : dir), qPrintable(message));
    QVERIFY2(message.contains(mustMention), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("--database")), qPrintable(message));
    const QString changes = fileChanges(before, filesIn(dir));
    QVERIFY2(changes.isEmpty(), qPrintable(changes));
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner); // so it can be removed
}

// --- PostgreSQL only --------------------------------------------------------------------------

void StorageTest::opensThePostgresqlUrlItIsGiven()
{
    REQUIRE_POSTGRES();
    OPEN_CORE(core, pg_->url()); // exactly what a user passes to --database
    QCOMPARE(core.db->schemaVersion(), latestSchemaVersion());
    QVERIFY(core.db->isPostgres());
    QCOMPARE(core.db->spec().name, pg_->spec().name);
    QVERIFY(!core.db->spec().displayName().contains(pg_->spec().password));
}

// The password need not be on the command line (where `ps` shows it to every user): a URL without
// one lets libpq read it from ~/.pgpass or PGPASSFILE, as every PostgreSQL client does.
void StorageTest::takesThePasswordFromAPgpassFile()
{
    REQUIRE_POSTGRES();
    const DatabaseSpec spec = pg_->spec();
    QTemporaryDir dir;
    const QString pgpass = dir.filePath(QStringLiteral("pgpass"));
    {
        QFile f(pgpass);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            QStringLiteral("127.0.0.1:%1:%2:%3:%4\n").arg(spec.port).arg(spec.name, spec.user, spec.password).toUtf8());
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner); // libpq ignores a file others can read
    }
    const QByteArray before = qgetenv("PGPASSFILE"); // the cluster's own: this test uses a file of its own
    qputenv("PGPASSFILE", QFile::encodeName(pgpass));
    auto restore = qScopeGuard([&] {
        if (before.isEmpty())
            qunsetenv("PGPASSFILE");
        else
            qputenv("PGPASSFILE", before);
    });
    const QString url = QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(spec.user).arg(spec.port).arg(spec.name);
    auto opened = CoreServices::open(url);
    QVERIFY2(opened, qPrintable(opened.errorMessage()));
    QVERIFY((*opened)->db->isPostgres());
    QVERIFY((*opened)->db->spec().password.isEmpty());
}

void StorageTest::refusesAWrongPasswordWithoutShowingIt()
{
    REQUIRE_POSTGRES();
    DatabaseSpec spec = pg_->spec();
    spec.password = QStringLiteral("wrong-hunter2");
    auto refused = CoreServices::open(spec);
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(spec.displayName()), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("password")), qPrintable(message)); // says what was wrong
    QVERIFY2(!message.contains(QLatin1String("hunter2")) && !message.contains(pg_->spec().password),
             qPrintable(message));
}

void StorageTest::refusesAnUnreachableServerClearly()
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        METALDESK_SKIP("the Qt PostgreSQL driver (QPSQL) is not installed: run tools/setup");
    QTcpServer probe; // a port nobody listens on
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const int port = probe.serverPort();
    probe.close();
    auto refused = CoreServices::open(QStringLiteral("postgresql://md:hunter2@127.0.0.1:%1/metaldesk").arg(port));
    QVERIFY(!refused);
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("PostgreSQL")), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1String("hunter2")), qPrintable(message));
}

// --- The --database argument ------------------------------------------------------------------

void StorageTest::parsesTheDatabaseArgument()
{
    auto byDefault = DatabaseSpec::parse({}, QStringLiteral("/home/me/.local/share/MetalDesk/metaldesk.db"));
    QVERIFY2(byDefault, qPrintable(byDefault.errorMessage()));
    QCOMPARE(byDefault->kind, DatabaseSpec::Kind::Sqlite);
    QCOMPARE(byDefault->path, QStringLiteral("/home/me/.local/share/MetalDesk/metaldesk.db"));
    QVERIFY2(defaultDatabasePath().endsWith(QLatin1String("/MetalDesk/metaldesk.db")),
             qPrintable(defaultDatabasePath()));

    auto relative = DatabaseSpec::parse(QStringLiteral("lab/md.db"), QStringLiteral("/unused.db"));
    QVERIFY2(relative, qPrintable(relative.errorMessage()));
    QCOMPARE(relative->kind, DatabaseSpec::Kind::Sqlite);
    QCOMPARE(relative->path, QDir::current().absoluteFilePath(QStringLiteral("lab/md.db")));
    QCOMPARE(relative->displayName(), relative->path);

    auto pg = DatabaseSpec::parse(QStringLiteral("postgresql://u:p@h:5433/db"), {});
    QVERIFY2(pg, qPrintable(pg.errorMessage()));
    QCOMPARE(pg->kind, DatabaseSpec::Kind::Postgres);
    QCOMPARE(pg->user, QStringLiteral("u"));
    QCOMPARE(pg->password, QStringLiteral("p"));
    QCOMPARE(pg->host, QStringLiteral("h"));
    QCOMPARE(pg->port, 5433);
    QCOMPARE(pg->name, QStringLiteral("db"));

    auto shortScheme = DatabaseSpec::parse(QStringLiteral("postgres://maas@db.lab/metaldesk"), {});
    QVERIFY2(shortScheme, qPrintable(shortScheme.errorMessage()));
    QCOMPARE(shortScheme->port, 5432);
    QCOMPARE(shortScheme->password, QString());
    QCOMPARE(shortScheme->name, QStringLiteral("metaldesk"));

    // A password with URL delimiters in it is percent-encoded by the user and decoded here.
    auto encoded = DatabaseSpec::parse(QStringLiteral("postgresql://u:p%40ss%2Fw%3Ard@h/db"), {});
    QVERIFY2(encoded, qPrintable(encoded.errorMessage()));
    QCOMPARE(encoded->password, QStringLiteral("p@ss/w:rd"));
}

void StorageTest::refusesUnsupportedDatabaseAddresses_data()
{
    QTest::addColumn<QString>("argument");
    QTest::addColumn<QString>("mustMention");
    QTest::newRow("another database") << QStringLiteral("mysql://x") << QStringLiteral("mysql://x");
    QTest::newRow("another database, with a password")
        << QStringLiteral("mysql://u:hunter2@x/db") << QStringLiteral("mysql://");
    QTest::newRow("no database name") << QStringLiteral("postgresql://h") << QStringLiteral("/database");
    QTest::newRow("no database name, with a password")
        << QStringLiteral("postgresql://u:hunter2@h:5433") << QStringLiteral("/database");
    QTest::newRow("no host") << QStringLiteral("postgresql://u:hunter2@/db") << QStringLiteral("host");
    QTest::newRow("a path for a name") << QStringLiteral("postgresql://u:hunter2@h/a/b") << QStringLiteral("/database");
}

void StorageTest::refusesUnsupportedDatabaseAddresses()
{
    QFETCH(QString, argument);
    QFETCH(QString, mustMention);
    auto refused = DatabaseSpec::parse(argument, QStringLiteral("/unused.db"));
    QVERIFY2(!refused, qPrintable(argument));
    const QString message = refused.errorMessage();
    QVERIFY2(message.contains(mustMention), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("postgresql://")), qPrintable(message)); // shows the right form
    QVERIFY2(!message.contains(QLatin1String("hunter2")), qPrintable(message));
}

void StorageTest::displayNameNeverShowsThePassword()
{
    auto spec = DatabaseSpec::parse(QStringLiteral("postgresql://maas:hunter2@db.lab:5433/metaldesk"), {});
    QVERIFY(spec);
    const QString shown = spec->displayName();
    QVERIFY2(!shown.contains(QLatin1String("hunter2")), qPrintable(shown));
    for (const char *part : {"maas", "db.lab", "5433", "metaldesk"})
        QVERIFY2(shown.contains(QLatin1String(part)), qPrintable(shown));
}

QTEST_GUILESS_MAIN(StorageTest)
#include "tst_storage.moc"
