#include "app/shell/jobprogressbar.h"

#include "app/shell/textstyle.h"

#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>

namespace metaldesk {

JobProgressBar::JobProgressBar(QWidget *parent)
    : QWidget(parent),
      title_(new QLabel(this)),
      bar_(new QProgressBar(this)),
      detail_(new QLabel(this)),
      cancel_(new QPushButton(tr("Cancel"), this))
{
    setObjectName(QStringLiteral("jobProgress"));
    title_->setObjectName(QStringLiteral("jobTitle"));
    bar_->setObjectName(QStringLiteral("jobBar"));
    detail_->setObjectName(QStringLiteral("jobDetail"));
    cancel_->setObjectName(QStringLiteral("jobCancel"));
    detail_->setWordWrap(true);
    detail_->setTextFormat(Qt::PlainText);
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_, 0, 0, 1, 2);
    layout->addWidget(bar_, 1, 0);
    layout->addWidget(cancel_, 1, 1);
    layout->addWidget(detail_, 2, 0, 1, 2);
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (job_) {
            job_->cancel();
            cancel_->setEnabled(false);
            detail_->setText(tr("Cancelling…"));
        }
    });
}

QString JobProgressBar::amount(qint64 value) const
{
    return unit_ == Unit::Bytes ? locale().formattedDataSize(value) : locale().toString(value);
}

void JobProgressBar::follow(Job *job, Unit unit)
{
    if (job_)
        job_->disconnect(this);
    job_ = job;
    unit_ = unit;
    title_->setText(job->title());
    cancel_->setEnabled(true);
    cancel_->show();
    setTextColor(detail_, palette().color(QPalette::WindowText));
    connect(job, &Job::progressChanged, this, &JobProgressBar::showProgress);
    connect(job, &Job::finished, this, &JobProgressBar::showEnd);
    showProgress(job->progress());
    if (job->isFinished())
        showEnd(job->state(), job->errorMessage());
}

void JobProgressBar::showProgress(const JobProgress &p)
{
    if (p.total > 0) {
        // QProgressBar counts in int: scale bytes down to keep within it.
        const int scale = p.total > std::numeric_limits<int>::max() ? 1024 * 1024 : 1;
        bar_->setRange(0, int(p.total / scale));
        bar_->setValue(int(std::min(p.done, p.total) / scale));
    } else {
        bar_->setRange(0, 0); // busy: the total is not known yet
    }
    if (!cancel_->isEnabled())
        return; // "Cancelling…" stays until it ends
    QStringList parts;
    if (p.total > 0)
        parts << tr("%1 of %2").arg(amount(p.done), amount(p.total));
    else if (p.done > 0)
        parts << amount(p.done);
    if (p.ratePerSecond > 0)
        parts << (unit_ == Unit::Bytes ? tr("%1/s").arg(locale().formattedDataSize(qint64(p.ratePerSecond)))
                                       : tr("%1 a second").arg(locale().toString(p.ratePerSecond, 'f', 1)));
    if (auto left = p.remainingMs())
        parts << tr("%1 left").arg(durationText(*left));
    if (!p.message.isEmpty())
        parts << p.message;
    detail_->setText(parts.join(QStringLiteral(" · ")));
}

void JobProgressBar::showEnd(JobState state, const QString &message)
{
    cancel_->hide();
    if (state == JobState::Succeeded) {
        bar_->setRange(0, 1);
        bar_->setValue(1);
        detail_->setText(tr("Done."));
        setTextColor(detail_, palette().color(QPalette::WindowText));
    } else if (state == JobState::Cancelled) {
        detail_->setText(tr("Cancelled: nothing was changed."));
        setTextColor(detail_, palette().color(QPalette::WindowText));
    } else {
        detail_->setText(asSentence(message));
        setTextColor(detail_, kErrorColor);
    }
}

} // namespace metaldesk
