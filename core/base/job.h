#pragma once

#include "core/base/expected.h"

#include <QElapsedTimer>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QWaitCondition>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QThreadPool;

namespace metaldesk {

// One of the things a job does side by side (an image import's files), with its own progress.
struct JobPart {
    enum class State {
        Waiting,
        Running,
        Done,
        Failed,
    };
    QString name; // "ubuntu/noble amd64/ga-24.04: squashfs"
    qint64 done = 0;
    qint64 total = 0;
    double ratePerSecond = 0; // since it started running, not counting what it resumed from
    State state = State::Waiting;
    QString error; // why it failed
    std::optional<qint64> remainingMs() const;
};

// How far a job has come, as a progress bar and a log line show it.
struct JobProgress {
    qint64 done = 0;
    qint64 total = 0;         // 0 while unknown
    double ratePerSecond = 0; // of `done`, over the last few seconds
    QString message;          // what it is doing now: "Listing the VMs of esxi1", "ubuntu/noble/squashfs"
    // Time left at the current rate, when the total and a rate are known.
    std::optional<qint64> remainingMs() const;
    // 0-100 when the total is known.
    std::optional<int> percent() const;
    QList<JobPart> parts; // empty for a job that does one thing at a time
};

enum class JobState {
    Waiting,
    Running,
    Succeeded,
    Failed,
    Cancelled,
};

// What a job's work sees: where to report progress and whether to stop. Thread-safe.
class JobContext {
public:
    bool isCancelled() const { return cancelled_.load(); }
    void setTotal(qint64 total);
    void setDone(qint64 done);
    void addDone(qint64 amount);
    void setMessage(const QString &message);
    // Parts: each counted in the job's done as well. The index addPart returns names the part.
    int addPart(const QString &name, qint64 total);
    void addPartDone(int part, qint64 amount);
    // Bytes a part already had (resumed from an earlier attempt): done, but not in its rate.
    void addPartResumed(int part, qint64 amount);
    void setPartState(int part, JobPart::State state, const QString &error = {});
    JobProgress progress() const;
    // The (done, total) callback that listings take: it reports both, and says whether to go on.
    std::function<bool(int, int)> reporter();

private:
    friend class Job;
    void sample(qint64 done); // with mutex_ held
    void addToPart(int part, qint64 amount, bool resumed);
    std::atomic<bool> cancelled_{false};
    mutable QMutex mutex_;
    JobProgress progress_;
    QElapsedTimer clock_;
    std::deque<std::pair<qint64, qint64>> samples_; // (ms, done) over the last few seconds
    QList<std::pair<qint64, qint64>> partStarts_;   // (ms, done) when each part began running
    std::function<void()> changed_;                 // tells the job (throttled there)
};

// Long work (discovery, image import, bulk changes) with parameters in, a result out, progress with
// a rate and a message, and cancel, run on a thread pool. It has two steps: `work` does the long
// part, reports progress and checks isCancelled(), and writes nothing; `commit` stores the outcome
// (one transaction) and runs only when the work ended without being cancelled. So a job cancelled
// half-way commits nothing, and says it was cancelled. No job touches a widget: the window shows
// one with a JobProgressBar, the headless runner with logJobProgress.
class Job : public QObject {
    Q_OBJECT
public:
    explicit Job(QString title, QObject *parent = nullptr);
    ~Job() override; // waits for the work in flight, after asking it to stop

    QString title() const { return title_; }
    JobState state() const { return state_.load(); }
    JobProgress progress() const { return context_.progress(); }
    QString errorMessage() const; // why it failed
    bool isFinished() const;

    void start(QThreadPool *pool); // once
    void cancel();                 // from any thread; the work stops at its next check
    bool waitForFinished(int msecs = -1) const;

signals:
    // At most ten times a second while it runs, and once more when it ends. Queued to the
    // receiver's thread like any signal.
    void progressChanged(const metaldesk::JobProgress &progress);
    void finished(metaldesk::JobState state, const QString &message);

protected:
    // The two steps, given by the typed subclass.
    virtual Expected<void> runWork(JobContext &context) = 0;
    virtual Expected<void> runCommit() = 0;

private:
    void run();
    void progressNow(bool force);

    // Signalled when run() has returned, owned by the pool's task too: a waiter may destroy the
    // job the moment it wakes, while the task is still leaving.
    struct Finish {
        QMutex mutex;
        QWaitCondition condition;
        bool done = false;
    };

    QString title_;
    JobContext context_;
    std::atomic<JobState> state_{JobState::Waiting};
    QString error_;
    mutable QMutex doneMutex_;
    qint64 lastEmitMs_ = -1000;
    std::shared_ptr<Finish> finish_ = std::make_shared<Finish>();
};

// A Job whose work makes a Result and whose commit stores it.
template <typename Result>
class ResultJob : public Job {
public:
    using Work = std::function<Expected<Result>(JobContext &)>;
    using Commit = std::function<Expected<void>(const Result &)>;
    ResultJob(QString title, Work work, Commit commit = {}, QObject *parent = nullptr)
        : Job(std::move(title), parent), work_(std::move(work)), commit_(std::move(commit))
    {
    }
    ~ResultJob() override // stops the work before work_ and result_ go
    {
        cancel();
        waitForFinished();
    }
    // The result, once it finished as Succeeded.
    const std::optional<Result> &result() const { return result_; }

protected:
    Expected<void> runWork(JobContext &context) override
    {
        auto made = work_(context);
        if (!made)
            return made.error();
        result_ = std::move(*made);
        return {};
    }
    Expected<void> runCommit() override { return commit_ ? commit_(*result_) : Expected<void>(); }

private:
    Work work_;
    Commit commit_;
    std::optional<Result> result_;
};

// A Job as log lines (the headless runner): its title and percentage, rate and time left as it
// goes (at most every `everyMs`), and how it ended. `unit` names what `done` counts ("B" for bytes,
// shown as MB/s), empty for items.
void logJobProgress(const Job &job, const QString &unit = {}, int everyMs = 5000);

// "2:05", "1:02:03": a duration for people.
QString durationText(qint64 ms);

} // namespace metaldesk

Q_DECLARE_METATYPE(metaldesk::JobProgress)
