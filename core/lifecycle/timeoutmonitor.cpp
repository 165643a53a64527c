#include "core/lifecycle/timeoutmonitor.h"

#include "core/lifecycle/lifecycleengine.h"
#include "core/storage/database.h"

#include <QLoggingCategory>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcTimeouts, "metaldesk.timeouts")

TimeoutMonitor::TimeoutMonitor(LifecycleEngine *engine, int intervalMs) : engine_(engine), intervalMs_(intervalMs) {}

QString TimeoutMonitor::description() const
{
    return tr("checks commissioning, deploying and releasing timeouts every %1 s").arg(intervalMs_ / 1000.0);
}

void TimeoutMonitor::start()
{
    timer_ = new QTimer(this);
    connect(timer_, &QTimer::timeout, this, &TimeoutMonitor::checkNow);
    timer_->start(intervalMs_);
    checkNow();
    emit stateChanged(QStringLiteral("running"), description());
}

void TimeoutMonitor::stop()
{
    if (timer_)
        timer_->stop();
    emit stateChanged(QStringLiteral("stopped"), {});
}

void TimeoutMonitor::checkNow()
{
    auto expired = engine_->expireOverdue(nowMs());
    if (!expired)
        qCWarning(lcTimeouts) << expired.errorMessage();
    else if (*expired > 0)
        qCInfo(lcTimeouts) << *expired << "machine(s) timed out";
}

} // namespace metaldesk
