#include "core/power/powerservice.h"

#include "core/lifecycle/permissions.h"
#include "core/storage/eventstore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QThread>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcPower, "metaldesk.power")

namespace {
// A power state in words, for events a person reads (the stored state stays "on", "off", ...).
Text stateWord(PowerState state)
{
    switch (state) {
    case PowerState::On: return Text("Power", QT_TRANSLATE_NOOP("Power", "on"));
    case PowerState::Off: return Text("Power", QT_TRANSLATE_NOOP("Power", "off"));
    case PowerState::Unknown: break;
    }
    return Text("Power", QT_TRANSLATE_NOOP("Power", "unknown"));
}

Text failedText(std::optional<PowerCommand> command)
{
    if (!command)
        return Text::event(QT_TRANSLATE_NOOP("Events", "Power check failed: %1"));
    switch (*command) {
    case PowerCommand::On: return Text::event(QT_TRANSLATE_NOOP("Events", "Power on failed: %1"));
    case PowerCommand::Off: return Text::event(QT_TRANSLATE_NOOP("Events", "Power off failed: %1"));
    case PowerCommand::Cycle: break;
    }
    return Text::event(QT_TRANSLATE_NOOP("Events", "Power cycle failed: %1"));
}

Text doneText(PowerCommand command)
{
    switch (command) {
    case PowerCommand::On: return Text::event(QT_TRANSLATE_NOOP("Events", "Powered on (%1)"));
    case PowerCommand::Off: return Text::event(QT_TRANSLATE_NOOP("Events", "Powered off (%1)"));
    case PowerCommand::Cycle: break;
    }
    return Text::event(QT_TRANSLATE_NOOP("Events", "Power cycled (%1)"));
}

} // namespace

PowerService::PowerService(std::shared_ptr<Database> db, ChangeFeed *feed, std::shared_ptr<const PowerDrivers> drivers,
                           QObject *parent)
    : QObject(parent), db_(db), feed_(feed), drivers_(std::move(drivers)), machines_(db, feed)
{
    // Power calls wait on peers, not on the CPU: many may be in flight on a 2-core machine.
    pool_.setMaxThreadCount(16);
    pool_.setExpiryTimeout(30000);
}

PowerService::~PowerService()
{
    stopping_ = true;
    pool_.waitForDone();
}

Expected<void> PowerService::saveSettings(const Actor &actor, const QString &systemId, const QString &powerType,
                                          const QJsonObject &parameters)
{
    if (auto allowed = requireCapability(Capability::EditPowerSettings, actor); !allowed)
        return allowed.error();
    if (QString problem = powerSettingsProblem(*drivers_, powerType, parameters); !problem.isEmpty())
        return Error{problem};
    return machines_.setPowerSettings(systemId, powerType, parameters);
}

void PowerService::request(const QString &systemId, PowerCommand command, const Actor &actor)
{
    submit(systemId, command, actor);
}

void PowerService::check(const QString &systemId, const Actor &actor) { submit(systemId, std::nullopt, actor); }

void PowerService::submit(const QString &systemId, std::optional<PowerCommand> command, const Actor &actor)
{
    const PowerCall call{command, actor};
    QMutexLocker lock(&mutex_);
    // One call at a time per machine, in the order asked (as MAAS does): a Power off asked while
    // Commission's power cycle runs must not race it.
    if (auto waiting = waiting_.find(systemId); waiting != waiting_.end()) {
        waiting->append(call);
        return;
    }
    waiting_.insert(systemId, {});
    start(systemId, call);
}

void PowerService::start(const QString &systemId, const PowerCall &call)
{
    pool_.start([this, systemId, call] {
        auto done = perform(systemId, call.command, call.actor);
        emit finished(systemId, done.ok());
        QMutexLocker lock(&mutex_);
        startNext(systemId);
    });
}

void PowerService::startNext(const QString &systemId)
{
    auto waiting = waiting_.find(systemId);
    if (waiting == waiting_.end() || waiting->isEmpty() || stopping_) { // stopping: the rest is dropped
        waiting_.remove(systemId);
        return;
    }
    start(systemId, waiting->takeFirst());
}

std::optional<Expected<PowerState>> PowerService::poll(const QString &systemId)
{
    {
        QMutexLocker lock(&mutex_);
        if (stopping_ || waiting_.contains(systemId))
            return std::nullopt;
        waiting_.insert(systemId, {}); // calls asked meanwhile wait for the poll, as for any call
    }
    std::optional<Expected<PowerState>> result;
    auto machine = machines_.get(systemId);
    const PowerDriver *driver = machine ? drivers_->find(machine->powerType) : nullptr;
    if (driver && driver->canQuery() && missingPowerParameters(*driver, machine->powerParameters).isEmpty()) {
        PowerTarget target{machine->hostname, machine->powerParameters, {}};
        result = driver->queryPower(target);
        const Actor poller = Actor::system(QStringLiteral("power check"));
        if (!*result) {
            if (machine->powerState != QLatin1String("error"))
                record(*machine, poller, QStringLiteral("error"), EventLevel::Error,
                       failedText(std::nullopt).arg(result->errorMessage()));
        } else if (machine->powerState != powerStateName(**result)) {
            record(*machine, poller, powerStateName(**result), EventLevel::Info,
                   Text::event(QT_TRANSLATE_NOOP("Events", "Power is %1 (found by the regular power check)"))
                       .arg(stateWord(**result)));
        }
    }
    QMutexLocker lock(&mutex_);
    startNext(systemId);
    return result;
}

Expected<PowerState> PowerService::perform(const QString &systemId, std::optional<PowerCommand> command,
                                           const Actor &actor)
{
    auto machine = machines_.get(systemId);
    if (!machine)
        return machine.error(); // deleted meanwhile: nobody to tell
    const PowerDriver *driver = drivers_->find(machine->powerType);
    QString problem;
    if (!driver)
        problem = machine->powerType.isEmpty()
                      ? QCoreApplication::translate("Power", "the machine has no power driver set")
                      : QCoreApplication::translate("Power", "unknown power type '%1'").arg(machine->powerType);
    else
        problem = missingPowerParameters(*driver, machine->powerParameters);

    Expected<PowerState> result = PowerState::Unknown;
    PowerTarget target{machine->hostname, machine->powerParameters, {}};
    for (const Interface &i : std::as_const(machine->interfaces))
        target.macAddresses << i.macAddress;
    if (!problem.isEmpty())
        result = Error{problem};
    else if (command)
        result = drive(*driver, target, *command);
    else
        result = retrying([&] { return driver->queryPower(target); });

    if (!result) {
        qCWarning(lcPower) << machine->systemId << "power" << (command ? int(*command) : -1)
                           << "failed:" << result.errorMessage();
        record(*machine, actor, QStringLiteral("error"), EventLevel::Error,
               failedText(command).arg(result.errorMessage()));
        return result;
    }
    const QString state = powerStateName(*result);
    if (!command)
        record(*machine, actor, state, EventLevel::Info,
               Text::event(QT_TRANSLATE_NOOP("Events", "Power checked: %1")).arg(stateWord(*result)));
    else if (!driver->canQuery())
        record(*machine, actor, state, EventLevel::Warning, driver->unconfirmedText(*command, machine->hostname));
    else
        record(*machine, actor, state, EventLevel::Info, doneText(*command).arg(driver->label()));
    return result;
}

Expected<PowerState> PowerService::drive(const PowerDriver &driver, const PowerTarget &target,
                                         PowerCommand command) const
{
    if (command == PowerCommand::Cycle && driver.canQuery()) {
        auto state = retrying([&] { return driver.queryPower(target); });
        if (!state)
            return state.error();
        if (*state == PowerState::On)
            if (auto off = switchTo(driver, target, false); !off)
                return off.error();
    }
    const bool on = command != PowerCommand::Off;
    if (on)
        if (auto boot = retrying([&] { return driver.setNetworkBoot(target); }); !boot)
            return boot.error();
    if (auto done = switchTo(driver, target, on); !done)
        return done.error();
    if (!driver.canQuery())
        return PowerState::Unknown;
    return on ? PowerState::On : PowerState::Off;
}

// Switches and confirms: asks the state until it is the one wanted (a BMC may take a while).
Expected<void> PowerService::switchTo(const PowerDriver &driver, const PowerTarget &target, bool on) const
{
    if (auto done = retrying([&] { return driver.setPower(target, on); }); !done)
        return done.error();
    if (!driver.canQuery())
        return {};
    const PowerState wanted = on ? PowerState::On : PowerState::Off;
    qint64 waitedMs = 0;
    for (int i = 0;; ++i) {
        auto state = driver.queryPower(target);
        if (state && *state == wanted)
            return {};
        if (i >= retryDelaysMs_.size() || !pause(retryDelaysMs_[i])) {
            if (!state)
                return state.error();
            return Error{
                QCoreApplication::translate("Power", "asked to switch %1 but it is still %2 after %3 s")
                    .arg(stateWord(on ? PowerState::On : PowerState::Off).translated(), stateWord(*state).translated())
                    .arg(waitedMs / 1000.0, 0, 'f', 1)};
        }
        waitedMs += retryDelaysMs_[i];
    }
}

template <typename Call>
auto PowerService::retrying(Call call) const -> decltype(call())
{
    for (int i = 0;; ++i) {
        auto result = call();
        if (result || !result.error().retryable || i >= retryDelaysMs_.size() || !pause(retryDelaysMs_[i]))
            return result;
    }
}

bool PowerService::pause(int ms) const
{
    const QDeadlineTimer deadline(ms);
    while (!deadline.hasExpired()) {
        if (stopping_)
            return false;
        QThread::msleep(std::min<qint64>(50, std::max<qint64>(1, deadline.remainingTime())));
    }
    return !stopping_;
}

void PowerService::record(const Machine &machine, const Actor &actor, const QString &powerState, EventLevel level,
                          const Text &text) const
{
    Event e;
    e.systemId = machine.systemId;
    e.hostname = machine.hostname;
    e.username = actor.username;
    e.type = QStringLiteral("power");
    e.level = level;
    e.message = text;
    // The state and its event together, under the machine's lock: a machine deleted while its
    // power call ran gets neither (its last event stays "deleted").
    Expected<Event> recorded = Error{};
    {
        auto db = db_->connection();
        if (!db)
            return;
        Transaction txn(*db_, *db);
        if (!txn.begun())
            return;
        auto current = MachineStore::load(*db, db_->secrets(),
                                          QStringLiteral("WHERE m.system_id = ?") + db_->forUpdate(QStringLiteral("m")),
                                          {machine.systemId});
        if (!current || !*current)
            return;
        auto updated = runQuery(*db, QStringLiteral("UPDATE machines SET power_state = ?, updated = ? WHERE id = ?"),
                                {powerState, nowMs(), (*current)->id});
        if (updated)
            recorded = EventStore::insert(*db, e);
        if (auto committed = recorded ? txn.commit() : Expected<void>(recorded.error()); !committed) {
            qCWarning(lcPower) << "cannot record the power outcome of" << machine.systemId << committed.errorMessage();
            return;
        }
    }
    emit feed_->machineChanged(machine.systemId);
    emit feed_->eventRecorded(*recorded);
}

} // namespace metaldesk
