#pragma once

#include "core/runtime/service.h"

#include <QTimer>

namespace metaldesk {

class LifecycleEngine;

// Moves machines whose monitored status lasted too long to their failed status. The deadlines are
// stored with the machines, so a machine stuck in Deploying while MetalDesk was stopped is timed
// out at the first check after start.
class TimeoutMonitor : public Service {
    Q_OBJECT
public:
    TimeoutMonitor(LifecycleEngine *engine, int intervalMs = 5000);
    QString name() const override { return QStringLiteral("timeouts"); }
    QString description() const override;
    void start() override;
    void stop() override;
    void checkNow();

private:
    LifecycleEngine *engine_;
    int intervalMs_;
    QTimer *timer_ = nullptr;
};

} // namespace metaldesk
