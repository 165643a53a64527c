#pragma once

#include "core/base/job.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace metaldesk {

// A running job as a person follows it: its title, a bar (busy while the total is unknown), what
// it is doing, how fast, the time left, and Cancel; then how it ended. The job's progress signals
// are already throttled (ten a second at most), so following one never keeps the window busy.
class JobProgressBar : public QWidget {
    Q_OBJECT
public:
    // `unit` says what the job counts: Bytes shows the rate as MB/s and sizes, Items as a count.
    enum class Unit {
        Items,
        Bytes
    };
    explicit JobProgressBar(QWidget *parent = nullptr);

    // Follows this job (not owned; it must outlive its display or be deleted with it).
    void follow(Job *job, Unit unit = Unit::Items);

private:
    void showProgress(const JobProgress &progress);
    void showEnd(JobState state, const QString &message);
    QString amount(qint64 value) const;

    QPointer<Job> job_;
    Unit unit_ = Unit::Items;
    QLabel *title_;
    QProgressBar *bar_;
    QLabel *detail_;
    QPushButton *cancel_;
};

} // namespace metaldesk
