#include "core/base/job.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QLocale>
#include <QLoggingCategory>
#include <QSet>
#include <QThreadPool>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcJobs, "metaldesk.jobs")

namespace {

struct JobText {
    Q_DECLARE_TR_FUNCTIONS(Job)
};

constexpr qint64 kRateWindowMs = 5000; // the rate is what the last few seconds did
constexpr qint64 kEmitEveryMs = 100;   // progress signals at most ten times a second

// The time left at this rate, when there is one and something is left.
std::optional<qint64> timeLeftMs(qint64 done, qint64 total, double ratePerSecond)
{
    if (total <= 0 || ratePerSecond <= 0 || done >= total)
        return std::nullopt;
    return qint64(double(total - done) / ratePerSecond * 1000.0);
}

} // namespace

std::optional<qint64> JobProgress::remainingMs() const { return timeLeftMs(done, total, ratePerSecond); }

std::optional<qint64> JobPart::remainingMs() const
{
    if (state != State::Running)
        return std::nullopt;
    return timeLeftMs(done, total, ratePerSecond);
}

std::optional<int> JobProgress::percent() const
{
    if (total <= 0)
        return std::nullopt;
    return int(std::clamp<qint64>(done * 100 / total, 0, 100));
}

void JobContext::sample(qint64 done)
{
    if (!clock_.isValid())
        clock_.start();
    const qint64 now = clock_.elapsed();
    progress_.done = done;
    samples_.emplace_back(now, done);
    while (samples_.size() > 2 && now - samples_.front().first > kRateWindowMs)
        samples_.pop_front();
    const auto &[firstMs, firstDone] = samples_.front();
    progress_.ratePerSecond = now > firstMs ? double(done - firstDone) * 1000.0 / double(now - firstMs) : 0.0;
}

void JobContext::setTotal(qint64 total)
{
    {
        QMutexLocker lock(&mutex_);
        progress_.total = total;
    }
    if (changed_)
        changed_();
}

void JobContext::setDone(qint64 done)
{
    {
        QMutexLocker lock(&mutex_);
        sample(done);
    }
    if (changed_)
        changed_();
}

void JobContext::addDone(qint64 amount)
{
    {
        QMutexLocker lock(&mutex_);
        sample(progress_.done + amount);
    }
    if (changed_)
        changed_();
}

void JobContext::setMessage(const QString &message)
{
    {
        QMutexLocker lock(&mutex_);
        progress_.message = message;
    }
    if (changed_)
        changed_();
}

int JobContext::addPart(const QString &name, qint64 total)
{
    int index;
    {
        QMutexLocker lock(&mutex_);
        JobPart part;
        part.name = name;
        part.total = total;
        progress_.parts << part;
        partStarts_ << std::pair<qint64, qint64>{0, 0};
        index = int(progress_.parts.size() - 1);
    }
    if (changed_)
        changed_();
    return index;
}

void JobContext::addPartDone(int part, qint64 amount) { addToPart(part, amount, false); }

void JobContext::addPartResumed(int part, qint64 amount) { addToPart(part, amount, true); }

void JobContext::addToPart(int part, qint64 amount, bool resumed)
{
    {
        QMutexLocker lock(&mutex_);
        if (part < 0 || part >= progress_.parts.size())
            return;
        JobPart &p = progress_.parts[part];
        p.done += amount;
        sample(progress_.done + amount);
        auto &[startMs, startDone] = partStarts_[part];
        if (resumed) // what it starts from, not what it fetched
            startDone += amount;
        const qint64 now = clock_.elapsed();
        if (p.state == JobPart::State::Running && now > startMs)
            p.ratePerSecond = double(p.done - startDone) * 1000.0 / double(now - startMs);
    }
    if (changed_)
        changed_();
}

void JobContext::setPartState(int part, JobPart::State state, const QString &error)
{
    {
        QMutexLocker lock(&mutex_);
        if (part < 0 || part >= progress_.parts.size())
            return;
        JobPart &p = progress_.parts[part];
        if (state == JobPart::State::Running && p.state != JobPart::State::Running) {
            if (!clock_.isValid())
                clock_.start();
            partStarts_[part] = {clock_.elapsed(), p.done};
            p.ratePerSecond = 0;
        }
        p.state = state;
        p.error = error;
    }
    if (changed_)
        changed_();
}

std::function<bool(int, int)> JobContext::reporter()
{
    return [this](int done, int total) {
        setTotal(total);
        setDone(done);
        return !isCancelled();
    };
}

JobProgress JobContext::progress() const
{
    QMutexLocker lock(&mutex_);
    return progress_;
}

Job::Job(QString title, QObject *parent) : QObject(parent), title_(std::move(title))
{
    qRegisterMetaType<JobProgress>();
    qRegisterMetaType<JobState>();
    context_.changed_ = [this] { progressNow(false); };
}

Job::~Job()
{
    cancel();
    waitForFinished();
}

QString Job::errorMessage() const
{
    QMutexLocker lock(&doneMutex_);
    return error_;
}

bool Job::isFinished() const
{
    const JobState s = state();
    return s == JobState::Succeeded || s == JobState::Failed || s == JobState::Cancelled;
}

void Job::start(QThreadPool *pool)
{
    JobState expected = JobState::Waiting;
    if (!state_.compare_exchange_strong(expected, JobState::Running))
        return;
    pool->start([this, finish = finish_] {
        run(); // the last use of `this`
        QMutexLocker lock(&finish->mutex);
        finish->done = true;
        finish->condition.wakeAll();
    });
}

void Job::cancel() { context_.cancelled_ = true; }

bool Job::waitForFinished(int msecs) const
{
    if (state() == JobState::Waiting)
        return true; // never started: nothing to wait for
    QDeadlineTimer deadline(msecs < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(msecs));
    QMutexLocker lock(&finish_->mutex);
    while (!finish_->done)
        if (!finish_->condition.wait(&finish_->mutex, deadline))
            return finish_->done;
    return true;
}

void Job::progressNow(bool force)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        QMutexLocker lock(&doneMutex_);
        if (!force && now - lastEmitMs_ < kEmitEveryMs)
            return;
        lastEmitMs_ = now;
    }
    emit progressChanged(context_.progress());
}

void Job::run()
{
    Expected<void> worked = runWork(context_);
    JobState end = JobState::Succeeded;
    QString message;
    if (context_.isCancelled()) {
        end = JobState::Cancelled; // whatever the work made is dropped: nothing is committed
        message = JobText::tr("%1: cancelled; nothing was changed").arg(title_);
    } else if (!worked) {
        end = JobState::Failed;
        message = worked.errorMessage();
    } else if (auto committed = runCommit(); !committed) {
        end = JobState::Failed;
        message = committed.errorMessage();
    }
    {
        QMutexLocker lock(&doneMutex_);
        error_ = end == JobState::Failed ? message : QString();
    }
    progressNow(true);
    state_ = end;
    emit finished(end, message);
}

QString durationText(qint64 ms)
{
    const qint64 seconds = (ms + 999) / 1000;
    const qint64 h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
    if (h > 0)
        return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

void logJobProgress(const Job &job, const QString &unit, int everyMs)
{
    auto *sender = const_cast<Job *>(&job);
    auto last = std::make_shared<QElapsedTimer>();
    auto ended = std::make_shared<QSet<int>>(); // the parts whose end was logged
    QObject::connect(sender, &Job::progressChanged, sender, [sender, unit, everyMs, last, ended](const JobProgress &p) {
        // Each part's end at once, whatever the throttle.
        for (int i = 0; i < p.parts.size(); ++i) {
            const JobPart &part = p.parts[i];
            if (ended->contains(i) || (part.state != JobPart::State::Done && part.state != JobPart::State::Failed))
                continue;
            ended->insert(i);
            if (part.state == JobPart::State::Done)
                qCInfo(lcJobs).noquote() << JobText::tr("%1: %2 done").arg(sender->title(), part.name);
            else
                qCWarning(lcJobs).noquote()
                    << JobText::tr("%1: %2 failed: %3").arg(sender->title(), part.name, part.error);
        }
        if (last->isValid() && last->elapsed() < everyMs)
            return;
        last->start();
        QStringList parts;
        if (auto percent = p.percent())
            parts << QStringLiteral("%1%").arg(*percent);
        if (p.ratePerSecond > 0)
            parts << (unit == QLatin1String("B") ? QStringLiteral("%1 MB/s").arg(p.ratePerSecond / 1e6, 0, 'f', 1)
                                                 : QStringLiteral("%1/s").arg(p.ratePerSecond, 0, 'f', 1));
        if (auto left = p.remainingMs())
            parts << JobText::tr("%1 left").arg(durationText(*left));
        qCInfo(lcJobs).noquote() << sender->title() + QLatin1String(": ") + parts.join(QLatin1String(", ")) +
                                        (p.message.isEmpty() ? QString() : QLatin1String(" (") + p.message + u')');
    });
    QObject::connect(sender, &Job::finished, sender, [sender](JobState state, const QString &message) {
        if (state == JobState::Succeeded)
            qCInfo(lcJobs).noquote() << JobText::tr("%1: done").arg(sender->title());
        else
            qCWarning(lcJobs).noquote() << message;
    });
}

} // namespace metaldesk
