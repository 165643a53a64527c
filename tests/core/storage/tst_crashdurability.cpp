// kill -9 at random moments while a writer does real engine work: the database must open, be
// consistent, keep every change the writer had reported as committed, and hold nothing else
// (except the one change in flight when it was killed, which may or may not have committed).
#include "childprocess.h"
#include "core/runtime/coreservices.h"
#include "core/storage/migrations.h"
#include "postgrescluster.h"

#include "skip.h"
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;
using metaldesk::testing::PostgresCluster;

namespace {

// What the writers reported as committed, over all runs so far.
struct Model {
    QHash<QString, int> machines; // system id → last reported status
    QSet<QString> deleted;
    QSet<QString> tokens; // token keys
    QSet<QString> users;
};

// The change a writer had announced but not reported as committed when it was killed.
struct InFlight {
    QString op; // create, change, delete, token, user; empty when nothing was in flight
    QString target;
    bool is(const char *what, const QString &id = {}) const
    {
        return op == QLatin1String(what) && (id.isEmpty() || target == id);
    }
};

struct RunStats {
    int acks = 0;
    int killedInFlight = 0; // kills that hit an announced change
    int inFlightLanded = 0; // of those, how many had committed anyway
};

qint64 scalar(const QSqlDatabase &db, const QString &sql)
{
    auto q = runQuery(db, sql);
    return q && q->next() ? q->value(0).toLongLong() : -1;
}

} // namespace

class CrashDurabilityTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void keepsEveryCommittedChangeAcrossKillNine_data();
    void keepsEveryCommittedChangeAcrossKillNine();
    void opensAfterAKillDuringItsFirstStart_data();
    void opensAfterAKillDuringItsFirstStart();

private:
    // Applies one run's complete output lines to the model; returns the change left in flight.
    InFlight apply(const QByteArray &output, Model &model, RunStats &stats);
    void checkConsistent(CoreServices &core, Model &model, const InFlight &inFlight, RunStats &stats);

    QTemporaryDir dir_;
    std::unique_ptr<PostgresCluster> pg_;
    QString pgUnavailable_, pgFailed_;
};

void CrashDurabilityTest::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("metaldesk.*.info=false")); // keep failures readable
    QVERIFY(dir_.isValid());
    QVERIFY2(QFileInfo(QStringLiteral(CRASHWRITER)).isExecutable(), CRASHWRITER);
    pgUnavailable_ = PostgresCluster::unavailableReason();
    if (!pgUnavailable_.isEmpty())
        return;
    auto started = PostgresCluster::start();
    if (started)
        pg_ = std::move(*started);
    else
        pgFailed_ = QStringLiteral("the throwaway PostgreSQL cluster did not start: ") + started.errorMessage();
}

void CrashDurabilityTest::cleanupTestCase() { pg_.reset(); }

void CrashDurabilityTest::keepsEveryCommittedChangeAcrossKillNine_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::addColumn<int>("rounds");
    QTest::newRow("sqlite") << false << 15;
    // The server outlives the client here: this checks that a killed client's transaction is all or nothing.
    QTest::newRow("postgresql") << true << 10;
}

void CrashDurabilityTest::keepsEveryCommittedChangeAcrossKillNine()
{
    QFETCH(bool, postgres);
    QFETCH(int, rounds);
    QString database;
    if (postgres) {
        if (!pgUnavailable_.isEmpty())
            METALDESK_SKIP(qPrintable(pgUnavailable_));
        if (!pg_)
            QFAIL(qPrintable(pgFailed_));
        database = pg_->url();
    } else {
        database = dir_.filePath(QStringLiteral("crash.db"));
    }

    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("random kill times from seed %u", seed);
    QRandomGenerator rng(seed);
    Model model;
    RunStats stats;
    QElapsedTimer total;
    total.start();

    for (int round = 0; round < rounds; ++round) {
        QProcess writer;
        testing::dieWithParent(writer); // a failed or killed test leaves no writer looping
        writer.start(QStringLiteral(CRASHWRITER), {database, QString::number(round)});
        QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));

        // Let it commit its first machine, then run a random while longer.
        QByteArray output;
        QElapsedTimer timer;
        timer.start();
        while (!output.contains("\ncreated ") && writer.state() == QProcess::Running && timer.elapsed() < 30000) {
            writer.waitForReadyRead(20);
            output += writer.readAllStandardOutput();
        }
        QVERIFY2(output.contains("\ncreated "), writer.readAllStandardError().constData());
        const int delayMs = 50 + int(rng.bounded(351));
        timer.restart();
        while (timer.elapsed() < delayMs && writer.state() == QProcess::Running) {
            writer.waitForReadyRead(qMax(1, delayMs - int(timer.elapsed())));
            output += writer.readAllStandardOutput(); // keep the pipe empty so it never blocks
        }
        QVERIFY2(writer.state() == QProcess::Running, writer.readAllStandardError().constData());
        writer.kill(); // SIGKILL: no chance to finish a statement, a commit or a checkpoint
        QVERIFY(writer.waitForFinished(10000));
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
        output += writer.readAllStandardOutput();
        const QByteArray errors = writer.readAllStandardError();
        QVERIFY2(errors.isEmpty(), errors.constData()); // the writer never hit an error of its own

        const InFlight inFlight = apply(output, model, stats);
        if (QTest::currentTestFailed())
            return;
        auto core = CoreServices::open(database);
        QVERIFY2(core, qPrintable(QStringLiteral("round %1: %2").arg(round).arg(core.errorMessage())));
        checkConsistent(**core, model, inFlight, stats);
        if (QTest::currentTestFailed()) {
            qWarning("round %d, killed after %d ms, in flight: %s %s", round, delayMs, qPrintable(inFlight.op),
                     qPrintable(inFlight.target));
            return;
        }
    }
    qInfo("%d kills in %lld ms: %d committed changes reported, %lld machines alive, %lld deleted; "
          "%d kills hit a change in flight, %d of those had committed",
          rounds, total.elapsed(), stats.acks, qint64(model.machines.size()), qint64(model.deleted.size()),
          stats.killedInFlight, stats.inFlightLanded);
    QVERIFY(stats.acks >= rounds * 2);
}

void CrashDurabilityTest::opensAfterAKillDuringItsFirstStart_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgresql") << true;
}

void CrashDurabilityTest::opensAfterAKillDuringItsFirstStart()
{
    // The first start creates the schema: a kill in the middle of it (or before, or just after)
    // must leave a database that the next start opens and completes.
    QFETCH(bool, postgres);
    if (postgres && !pgUnavailable_.isEmpty())
        METALDESK_SKIP(qPrintable(pgUnavailable_));
    if (postgres && !pg_)
        QFAIL(qPrintable(pgFailed_));
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("random kill times from seed %u", seed);
    QRandomGenerator rng(seed);
    auto freshDatabase = [&](int round) -> QString {
        if (!postgres)
            return dir_.filePath(QStringLiteral("firststart%1.db").arg(round));
        auto created = pg_->createDatabase(QStringLiteral("firststart%1").arg(round));
        return created ? pg_->urlFor(created->name) : QString();
    };
    // How long a first start takes here, up to its first word (the schema is in place by then):
    // the kills below land anywhere from the process start to a little after that.
    int startupMs = 0;
    {
        const QString database = freshDatabase(99);
        QVERIFY(!database.isEmpty());
        QProcess writer;
        testing::dieWithParent(writer);
        QElapsedTimer timer;
        timer.start();
        writer.start(QStringLiteral(CRASHWRITER), {database, QStringLiteral("99")});
        while (!writer.canReadLine() && writer.state() != QProcess::NotRunning && timer.elapsed() < 30000)
            writer.waitForReadyRead(5);
        startupMs = int(timer.elapsed());
        writer.kill();
        writer.waitForFinished();
        QVERIFY2(writer.exitStatus() == QProcess::CrashExit, writer.readAllStandardError().constData());
    }
    int openedBeforeKill = 0;
    for (int round = 0; round < 12; ++round) {
        const QString database = freshDatabase(round);
        QVERIFY(!database.isEmpty());
        QProcess writer;
        testing::dieWithParent(writer);
        QElapsedTimer timer;
        timer.start();
        writer.start(QStringLiteral(CRASHWRITER), {database, QString::number(round)});
        QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));
        const int delayMs = int(rng.bounded(startupMs * 3 / 2 + 1));
        while (timer.elapsed() < delayMs) // keep reading: a full pipe would stall the writer
            writer.waitForReadyRead(qMax(1, delayMs - int(timer.elapsed())));
        writer.kill();
        QVERIFY(writer.waitForFinished(10000));
        const QByteArray errors = writer.readAllStandardError();
        QVERIFY2(errors.isEmpty(), errors.constData());
        openedBeforeKill += writer.readAllStandardOutput().contains("intent user");

        auto core = CoreServices::open(database);
        QVERIFY2(core, qPrintable(QStringLiteral("round %1: %2").arg(round).arg(core.errorMessage())));
        QCOMPARE((*core)->db->schemaVersion(), latestSchemaVersion());
        auto made = (*core)->engine->createMachine({}, Actor::system(QStringLiteral("test")));
        QVERIFY2(made, qPrintable(made.errorMessage()));
    }
    qInfo("12 kills within %d ms of the start (a first start takes %d ms here), %d of them after the schema was "
          "in place",
          startupMs * 3 / 2, startupMs, openedBeforeKill);
}

InFlight CrashDurabilityTest::apply(const QByteArray &output, Model &model, RunStats &stats)
{
    InFlight inFlight;
    // Only complete lines were said: a line torn by the kill is as if unsaid (its change is in flight).
    const QList<QByteArray> lines = output.left(output.lastIndexOf('\n')).split('\n');
    for (const QByteArray &raw : lines) {
        const QStringList parts = QString::fromUtf8(raw).split(QLatin1Char(' '));
        const QString &word = parts.first();
        if (word == QLatin1String("intent")) {
            inFlight = {parts.value(1), parts.value(2)};
            continue;
        }
        inFlight = {};
        ++stats.acks;
        const QString id = parts.value(1);
        if (word == QLatin1String("created") || word == QLatin1String("changed")) {
            [&] { QVERIFY2(word == QLatin1String("created") || model.machines.contains(id), raw.constData()); }();
            model.machines.insert(id, parts.value(2).toInt());
        } else if (word == QLatin1String("deleted")) {
            model.machines.remove(id);
            model.deleted.insert(id);
        } else if (word == QLatin1String("token")) {
            model.tokens.insert(id);
        } else if (word == QLatin1String("user")) {
            model.users.insert(id);
        } else {
            [&] {
                QFAIL(qPrintable(QStringLiteral("the writer said something unexpected: ") + QString::fromUtf8(raw)));
            }();
        }
    }
    if (!inFlight.op.isEmpty())
        ++stats.killedInFlight;
    return inFlight;
}

void CrashDurabilityTest::checkConsistent(CoreServices &core, Model &model, const InFlight &inFlight, RunStats &stats)
{
    auto connection = core.db->connection();
    QVERIFY2(connection, qPrintable(connection.errorMessage()));
    const QSqlDatabase &db = *connection;
    if (!core.db->isPostgres()) {
        auto integrity = runQuery(db, QStringLiteral("PRAGMA integrity_check"));
        QVERIFY2(integrity && integrity->next(), qPrintable(integrity.errorMessage()));
        QCOMPARE(integrity->value(0).toString(), QStringLiteral("ok"));
        auto foreignKeys = runQuery(db, QStringLiteral("PRAGMA foreign_key_check"));
        QVERIFY2(foreignKeys, qPrintable(foreignKeys.errorMessage()));
        QVERIFY2(!foreignKeys->next(), "a row points at a parent that is gone");
    }
    // Foreign keys, asked the same way on both databases (PostgreSQL enforces them, SQLite should).
    QCOMPARE(scalar(db, QStringLiteral("SELECT COUNT(*) FROM interfaces i LEFT JOIN machines m ON m.id = i.machine_id "
                                       "WHERE m.id IS NULL")),
             0);
    QCOMPARE(scalar(db, QStringLiteral("SELECT COUNT(*) FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id "
                                       "WHERE u.id IS NULL")),
             0);

    auto machines = core.machines->list();
    QVERIFY2(machines, qPrintable(machines.errorMessage()));
    const int reported = int(model.machines.size());
    // Never fewer machines than reported committed, but for a delete that was in flight.
    QVERIFY2(machines->size() >= reported - (inFlight.is("delete") ? 1 : 0),
             qPrintable(QStringLiteral("%1 machines, %2 reported").arg(machines->size()).arg(reported)));
    QHash<QString, const Machine *> present;
    for (const Machine &m : std::as_const(*machines))
        present.insert(m.systemId, &m);

    for (const Machine &m : std::as_const(*machines)) {
        // A status and its event are one transaction: they always agree.
        auto last = core.events->lastStatusEvent(m.systemId);
        QVERIFY2(last && last->has_value(), qPrintable(m.systemId + QStringLiteral(": no status event")));
        QVERIFY2((*last)->toStatus == m.status,
                 qPrintable(QStringLiteral("%1 is %2 but its last status event says %3")
                                .arg(m.systemId, nodeStatusName(m.status), nodeStatusName(*(*last)->toStatus))));
        QCOMPARE(m.interfaces.size(), 2);
        auto byMac = core.machines->findByMac(m.interfaces.first().macAddress);
        QVERIFY(byMac && byMac->has_value() && (*byMac)->systemId == m.systemId);

        if (!model.machines.contains(m.systemId)) {
            QVERIFY2(!model.deleted.contains(m.systemId),
                     qPrintable(m.systemId + QStringLiteral(" was reported deleted and is back")));
            // Only the create in flight may have landed unreported, and only once.
            QVERIFY2(inFlight.is("create"),
                     qPrintable(m.systemId + QStringLiteral(" exists but was never reported created")));
            QVERIFY2(machines->size() == reported + 1, "more than one unreported machine");
            model.machines.insert(m.systemId, int(m.status));
            ++stats.inFlightLanded;
        } else if (inFlight.is("change", m.systemId)) {
            stats.inFlightLanded += model.machines.value(m.systemId) != int(m.status);
            model.machines.insert(m.systemId, int(m.status));
        } else {
            QVERIFY2(int(m.status) == model.machines.value(m.systemId),
                     qPrintable(QStringLiteral("%1 is %2, but %3 was reported committed")
                                    .arg(m.systemId, nodeStatusName(m.status),
                                         nodeStatusName(NodeStatus(model.machines.value(m.systemId))))));
        }
    }
    const QStringList known = model.machines.keys();
    for (const QString &id : known) {
        if (present.contains(id))
            continue;
        QVERIFY2(inFlight.is("delete", id),
                 qPrintable(QStringLiteral("machine %1 was reported committed and is gone").arg(id)));
        model.machines.remove(id);
        model.deleted.insert(id);
        ++stats.inFlightLanded;
    }
    for (const QString &id : std::as_const(model.deleted)) {
        QVERIFY2(!present.contains(id), qPrintable(QStringLiteral("deleted machine %1 is back").arg(id)));
        auto events = core.events->forMachine(id, 1);
        QVERIFY(events && !events->isEmpty());
        QCOMPARE(events->first().type, QStringLiteral("deleted"));
    }

    QSet<QString> tokens;
    auto q = runQuery(db, QStringLiteral("SELECT token_key FROM api_tokens"));
    QVERIFY2(q, qPrintable(q.errorMessage()));
    while (q->next())
        tokens.insert(q->value(0).toString());
    QVERIFY2(tokens.contains(model.tokens), "an API token reported committed is gone");
    QVERIFY(tokens.size() <= model.tokens.size() + (inFlight.is("token") ? 1 : 0));
    model.tokens = tokens;
    for (const QString &user : std::as_const(model.users))
        QVERIFY2(core.users->find(user),
                 qPrintable(QStringLiteral("user %1 was reported committed and is gone").arg(user)));
}

QTEST_GUILESS_MAIN(CrashDurabilityTest)
#include "tst_crashdurability.moc"
