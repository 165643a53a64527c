// Jobs: progress with a rate and the time left, throttled signals, cancel that commits nothing,
// failures that commit nothing and say why, and the headless runner's log lines. The commit writes
// a real database, as discovery and image import will.
#include "core/base/job.h"
#include "core/runtime/coreservices.h"
#include "core/storage/eventstore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

// A job that "finds" `count` things, one every `stepMs`, and commits one event per thing in one
// transaction: what a chassis discovery does with machines.
std::unique_ptr<ResultJob<QStringList>> findingJob(CoreServices &core, int count, int stepMs,
                                                   std::atomic<int> *commits = nullptr)
{
    auto db = core.db;
    return std::make_unique<ResultJob<QStringList>>(
        u"Find things"_s,
        [count, stepMs](JobContext &context) -> Expected<QStringList> {
            QStringList found;
            context.setTotal(count);
            for (int i = 0; i < count && !context.isCancelled(); ++i) {
                QThread::msleep(stepMs);
                found << u"thing-%1"_s.arg(i);
                context.setMessage(found.back());
                context.setDone(i + 1);
            }
            return found;
        },
        [db, commits](const QStringList &found) -> Expected<void> {
            if (commits)
                ++*commits;
            auto connection = db->connection();
            if (!connection)
                return connection.error();
            Transaction txn(*db, *connection);
            if (!txn.begun())
                return Error{txn.beginError()};
            for (const QString &name : found) {
                Event e;
                e.systemId = name;
                e.type = u"found"_s;
                e.description = u"found "_s + name;
                if (auto inserted = EventStore::insert(*connection, e); !inserted)
                    return inserted.error();
            }
            return txn.commit();
        });
}

int foundEvents(CoreServices &core)
{
    auto events = core.events->recent(1000);
    int n = 0;
    for (const Event &e : events ? *events : QList<Event>())
        n += e.type == u"found"_s;
    return n;
}

} // namespace

class TestJob : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void reportsProgressWithARateAndTheTimeLeft();
    void cancelledHalfWayCommitsNothing();
    void failedWorkCommitsNothingAndSaysWhy();
    void writesProgressAsLogLines();
    void saysDurationsForPeople();

private:
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    QThreadPool pool_;
};

void TestJob::init()
{
    dir_ = std::make_unique<QTemporaryDir>();
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_->filePath(u"md.db"_s)));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
}

void TestJob::cleanup()
{
    pool_.waitForDone();
    core_.reset();
    dir_.reset();
}

void TestJob::reportsProgressWithARateAndTheTimeLeft()
{
    auto job = findingJob(*core_, 20, 25); // 40 per second, half a second in all
    QSignalSpy progress(job.get(), &Job::progressChanged);
    QSignalSpy finished(job.get(), &Job::finished);
    QElapsedTimer took;
    took.start();
    job->start(&pool_);
    QVERIFY(finished.wait(5000));
    const qint64 elapsed = took.elapsed();
    QCOMPARE(finished.first().at(0).value<JobState>(), JobState::Succeeded);
    QCOMPARE(job->state(), JobState::Succeeded);
    QCOMPARE(job->result()->size(), 20);
    QCOMPARE(foundEvents(*core_), 20);
    // Throttled: at most ten a second while it runs (plus the last one), yet more than one.
    QVERIFY2(progress.size() >= 3 && progress.size() <= elapsed / 100 + 2,
             qPrintable(u"%1 signals in %2 ms"_s.arg(progress.size()).arg(elapsed)));
    // A sample from the middle has a total, a rate (40/s at most: each step sleeps 25 ms) and the
    // time left at that rate.
    const JobProgress middle = progress.at(progress.size() / 2).at(0).value<JobProgress>();
    QCOMPARE(middle.total, 20);
    QVERIFY(middle.done > 0 && middle.done < 20);
    QVERIFY2(middle.ratePerSecond > 5 && middle.ratePerSecond < 42, qPrintable(QString::number(middle.ratePerSecond)));
    QVERIFY(middle.remainingMs());
    QVERIFY2(std::abs(*middle.remainingMs() - qint64((20 - middle.done) * 1000 / middle.ratePerSecond)) <= 1,
             qPrintable(QString::number(*middle.remainingMs())));
    QVERIFY(middle.message.startsWith(u"thing-"_s));
    const JobProgress last = progress.last().at(0).value<JobProgress>();
    QCOMPARE(last.done, 20);
    QCOMPARE(last.percent(), 100);
    QVERIFY(!last.remainingMs()); // nothing is left
}

void TestJob::cancelledHalfWayCommitsNothing()
{
    std::atomic<int> commits = 0;
    auto job = findingJob(*core_, 200, 10, &commits);
    QSignalSpy finished(job.get(), &Job::finished);
    job->start(&pool_);
    QTRY_VERIFY_WITH_TIMEOUT(job->progress().done >= 20, 5000);
    job->cancel();
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.first().at(0).value<JobState>(), JobState::Cancelled);
    QCOMPARE(finished.first().at(1).toString(), u"Find things: cancelled; nothing was changed"_s);
    QVERIFY(job->progress().done < 200); // it stopped half-way
    QCOMPARE(commits.load(), 0);
    QCOMPARE(foundEvents(*core_), 0);
    QVERIFY(job->errorMessage().isEmpty()); // cancelled is not failed
}

void TestJob::failedWorkCommitsNothingAndSaysWhy()
{
    std::atomic<bool> committed = false;
    ResultJob<int> job(
        u"Discover esxi1"_s,
        [](JobContext &context) -> Expected<int> {
            context.setTotal(3);
            context.setDone(1);
            return Error{u"the host stopped answering after 1 of 3 VMs"_s};
        },
        [&committed](const int &) -> Expected<void> {
            committed = true;
            return {};
        });
    QSignalSpy finished(&job, &Job::finished);
    job.start(&pool_);
    QVERIFY(finished.wait(5000));
    QCOMPARE(job.state(), JobState::Failed);
    QCOMPARE(job.errorMessage(), u"the host stopped answering after 1 of 3 VMs"_s);
    QCOMPARE(finished.first().at(1).toString(), job.errorMessage());
    QVERIFY(!committed);
    QVERIFY(!job.result() || *job.result() == 0);
}

void TestJob::writesProgressAsLogLines()
{
    static QStringList lines;
    lines.clear();
    const QtMessageHandler previous =
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &c, const QString &m) {
            if (qstrcmp(c.category, "metaldesk.jobs") == 0)
                lines << m;
        });
    auto restore = qScopeGuard([previous] { qInstallMessageHandler(previous); });
    auto job = findingJob(*core_, 20, 25);
    logJobProgress(*job, {}, 200);
    QSignalSpy finished(job.get(), &Job::finished);
    job->start(&pool_);
    QVERIFY(finished.wait(5000));
    QTRY_COMPARE(lines.value(lines.size() - 1), u"Find things: done"_s); // the log connections run here
    // "Find things: 35%, 39.7/s, 0:01 left (thing-7)"
    const QRegularExpression going(u"^Find things: \\d+%, [\\d.]+/s, \\d+:\\d\\d left \\(thing-\\d+\\)$"_s);
    QVERIFY2(std::any_of(lines.cbegin(), lines.cend(), [&](const QString &l) { return going.match(l).hasMatch(); }),
             qPrintable(lines.join(u'\n')));
}

void TestJob::saysDurationsForPeople()
{
    QCOMPARE(durationText(0), u"0:00"_s);
    QCOMPARE(durationText(61000), u"1:01"_s);
    QCOMPARE(durationText(1500), u"0:02"_s); // rounded up: never "0:00 left" while something is
    QCOMPARE(durationText(3723000), u"1:02:03"_s);
}

QTEST_GUILESS_MAIN(TestJob)
#include "tst_job.moc"
