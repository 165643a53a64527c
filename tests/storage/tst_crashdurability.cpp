// kill -9 at random moments during real writes: the database must open, be consistent, and
// keep every change the writer had acknowledged.
#include "coreservices.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;

class TestCrashDurability : public QObject {
    Q_OBJECT
private slots:
    void survivesKillNineDuringWrites();
};

void TestCrashDurability::survivesKillNineDuringWrites()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("crash.db"));
    QSet<QString> created, deleting, deleted;
    QHash<QString, int> changes;
    QRandomGenerator rng(QRandomGenerator::global()->generate());
    int totalAcks = 0;

    for (int round = 1; round <= 12; ++round) {
        QProcess writer;
        writer.setProcessChannelMode(QProcess::SeparateChannels);
        writer.start(QStringLiteral(KILLWRITER), {path, QString::number(round)});
        QVERIFY(writer.waitForStarted());
        QByteArray out;
        QElapsedTimer timer;
        timer.start();
        while (!out.contains('\n') && timer.elapsed() < 20000 && writer.state() == QProcess::Running) {
            writer.waitForReadyRead(50);
            out += writer.readAllStandardOutput();
        }
        QVERIFY2(out.contains('\n'), writer.readAllStandardError().constData());
        QThread::msleep(50 + rng.bounded(350));
        writer.kill(); // SIGKILL: no chance to finish a write or checkpoint
        QVERIFY(writer.waitForFinished(10000));
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
        out += writer.readAllStandardOutput();
        const QByteArray err = writer.readAllStandardError();
        QVERIFY2(err.isEmpty(), err.constData()); // the writer itself never hit an error

        // Only complete lines were acknowledged: a torn last line is not.
        const QList<QByteArray> lines = out.left(out.lastIndexOf('\n')).split('\n');
        for (const QByteArray &line : lines) {
            const QList<QByteArray> parts = line.split(' ');
            QCOMPARE(parts.size(), 2);
            const QString id = QString::fromLatin1(parts[1]);
            if (parts[0] == "created")
                created.insert(id);
            else if (parts[0] == "deleting")
                deleting.insert(id);
            else if (parts[0] == "deleted")
                deleted.insert(id);
            else
                ++changes[id];
            ++totalAcks;
        }

        auto core = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        CoreServices &c = **core;
        auto conn = c.db->connection();
        QVERIFY(conn);
        auto integrity = runQuery(*conn, QStringLiteral("PRAGMA integrity_check"));
        QVERIFY(integrity && integrity->next());
        QCOMPARE(integrity->value(0).toString(), QStringLiteral("ok"));
        auto foreignKeys = runQuery(*conn, QStringLiteral("PRAGMA foreign_key_check"));
        QVERIFY(foreignKeys);
        QVERIFY2(!foreignKeys->next(), "a row points at a missing parent");
        auto orphans = runQuery(*conn, QStringLiteral("SELECT COUNT(*) FROM interfaces WHERE machine_id NOT IN "
                                                      "(SELECT id FROM machines)"));
        QVERIFY(orphans && orphans->next());
        QCOMPARE(orphans->value(0).toInt(), 0);

        auto machines = c.machines->list();
        QVERIFY(machines);
        QSet<QString> present;
        for (const Machine &m : *machines) {
            present.insert(m.systemId);
            // Status and its event are one transaction: they always agree.
            auto last = c.events->lastStatusEvent(m.systemId);
            QVERIFY(last && *last);
            QCOMPARE((*last)->toStatus, std::optional<NodeStatus>(m.status));
            // Every acknowledged change of this machine has its event (the created event is one more).
            auto events = c.events->forMachine(m.systemId, 1000);
            QVERIFY(events);
            int statusEvents = 0;
            for (const Event &e : *events)
                statusEvents += e.toStatus.has_value();
            QVERIFY2(statusEvents >= 1 + changes.value(m.systemId),
                     qPrintable(QStringLiteral("%1: %2 status events, %3 changes acknowledged")
                                    .arg(m.systemId)
                                    .arg(statusEvents)
                                    .arg(changes.value(m.systemId))));
        }
        for (const QString &id : std::as_const(created))
            QVERIFY2(present.contains(id) || deleting.contains(id),
                     qPrintable(QStringLiteral("acknowledged machine %1 was lost").arg(id)));
        for (const QString &id : std::as_const(deleted))
            QVERIFY2(!present.contains(id), qPrintable(QStringLiteral("acknowledged delete of %1 was lost").arg(id)));
    }
    qInfo("%d acknowledged changes over 12 kills; %lld machines created", totalAcks, qint64(created.size()));
    QVERIFY(created.size() >= 12);
}

QTEST_GUILESS_MAIN(TestCrashDurability)
#include "tst_crashdurability.moc"
