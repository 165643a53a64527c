#pragma once

#include "core/runtime/service.h"

#include <QThreadPool>
#include <QTimer>
#include <atomic>
#include <memory>

namespace metaldesk {

class Database;
class PowerService;

// Keeps every machine's power state true (MAAS polls too): each interval it asks every machine
// whose driver can tell, a few hosts at a time and one machine at a time per host (a BMC or a
// hypervisor is not flooded), never on the GUI thread. A VM switched off from its host's own
// console shows Off within the interval; a change is an event, a failing check an error once.
class PowerPoller : public Service {
    Q_OBJECT
public:
    // intervalMs 0: the power_poll_seconds setting, read at each round.
    PowerPoller(std::shared_ptr<Database> db, PowerService *power, int intervalMs = 0);
    ~PowerPoller() override;
    QString name() const override { return QStringLiteral("power"); }
    QString description() const override;
    void start() override;
    void stop() override;
    QList<Counter> counterList() const override;
    // One round now, on the poller's pool; false when the last round is still running.
    bool pollNow();
    bool waitForRound(int msecs = -1) { return pool_.waitForDone(msecs); }

private:
    int readIntervalMs() const; // the setting, on the poller's thread

    void round();

    std::shared_ptr<Database> db_;
    PowerService *power_;
    int fixedIntervalMs_;
    std::atomic<int> intervalMs_{60000}; // as last read: description() is called from any thread
    QTimer *timer_ = nullptr;
    QThreadPool pool_;
    std::atomic<bool> running_{false};
    std::atomic<quint64> checked_{0};
    std::atomic<quint64> failed_{0};
    std::atomic<quint64> rounds_{0};
};

} // namespace metaldesk
