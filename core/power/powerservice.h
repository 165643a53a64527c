#pragma once

#include "core/lifecycle/lifecycletables.h"
#include "core/machines/machinestore.h"
#include "core/power/powerdrivers.h"
#include "core/storage/changefeed.h"
#include "core/storage/database.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <atomic>

namespace metaldesk {

// Carries out power calls: the user's Power on/off, the lifecycle's power cycles, "check power
// now". Each call runs on the service's own threads (a slow BMC never blocks the window or the
// servers), is retried while the failure is retryable, and is confirmed by asking the machine's
// state where the driver can tell. Every outcome is written: the machine's power state (on, off,
// unknown, error) and an event; a failure is an Error event, which the notifications show.
class PowerService : public QObject {
    Q_OBJECT
public:
    PowerService(std::shared_ptr<Database> db, ChangeFeed *feed, std::shared_ptr<const PowerDrivers> drivers,
                 QObject *parent = nullptr);
    ~PowerService() override; // waits for the calls in flight, cutting their waits short

    const PowerDrivers &drivers() const { return *drivers_; }
    // Waits between tries (MAAS: 1, 2, 2, 4, 6, 8, 12 s); tests shorten them. Set before any call.
    void setRetryDelays(QList<int> delaysMs) { retryDelaysMs_ = std::move(delaysMs); }

    // Checks the actor's permission and the settings, then stores them: the one way the window and
    // the API change a machine's power settings.
    Expected<void> saveSettings(const Actor &actor, const QString &systemId, const QString &powerType,
                                const QJsonObject &parameters);

    // Thread-safe; return at once. The outcome arrives through the database and the change feed.
    void request(const QString &systemId, metaldesk::PowerCommand command, const metaldesk::Actor &actor);
    void check(const QString &systemId, const metaldesk::Actor &actor);
    // The same work on the caller's thread (the workers run this). No command: a query.
    Expected<PowerState> perform(const QString &systemId, std::optional<PowerCommand> command, const Actor &actor);
    bool waitForDone(int msecs = -1) { return pool_.waitForDone(msecs); }
    // The background poll of one machine, on the caller's thread: one query, no retries, written
    // only when the state changed (an event then, and once when a check starts failing). Skipped
    // (nullopt) while a power call for the machine runs or waits, so a poll never overwrites a
    // call's outcome, and for machines whose driver cannot tell.
    std::optional<Expected<PowerState>> poll(const QString &systemId);

signals:
    void finished(const QString &systemId, bool ok);

private:
    Expected<PowerState> drive(const PowerDriver &driver, const PowerTarget &target, PowerCommand command) const;
    Expected<void> switchTo(const PowerDriver &driver, const PowerTarget &target, bool on) const;
    template <typename Call>
    auto retrying(Call call) const -> decltype(call());
    bool pause(int ms) const; // false when the service is stopping
    void record(const Machine &machine, const Actor &actor, const QString &powerState, EventLevel level,
                const Text &text) const;
    struct PowerCall {
        std::optional<PowerCommand> command; // none: a query
        Actor actor;
    };
    void submit(const QString &systemId, std::optional<PowerCommand> command, const Actor &actor);
    void start(const QString &systemId, const PowerCall &call); // with mutex_ held
    void startNext(const QString &systemId);                    // with mutex_ held

    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
    std::shared_ptr<const PowerDrivers> drivers_;
    MachineStore machines_;
    QList<int> retryDelaysMs_{1000, 2000, 2000, 4000, 6000, 8000, 12000};
    std::atomic<bool> stopping_{false};
    QMutex mutex_;
    QHash<QString, QList<PowerCall>> waiting_; // machines with a call running → the calls after it
    QThreadPool pool_;
};

} // namespace metaldesk
