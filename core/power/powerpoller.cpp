#include "core/power/powerpoller.h"

#include "core/machines/machinestore.h"
#include "core/power/powerservice.h"
#include "core/storage/configstore.h"
#include "core/storage/settings.h"

#include <QLoggingCategory>
#include <QMap>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcPowerPoll, "metaldesk.power.poll")

namespace {
constexpr int kHostsAtOnce = 4;
}

PowerPoller::PowerPoller(std::shared_ptr<Database> db, PowerService *power, int intervalMs)
    : db_(std::move(db)), power_(power), fixedIntervalMs_(intervalMs)
{
    pool_.setMaxThreadCount(kHostsAtOnce);
    if (intervalMs > 0)
        intervalMs_ = intervalMs;
}

PowerPoller::~PowerPoller() { pool_.waitForDone(); }

int PowerPoller::readIntervalMs() const
{
    if (fixedIntervalMs_ > 0)
        return fixedIntervalMs_;
    auto seconds = ConfigStore(db_).integer(setting::PowerPollSeconds);
    return (seconds ? *seconds : 60) * 1000;
}

QString PowerPoller::description() const
{
    return tr("checks the power of every machine that can tell every %1 s").arg(intervalMs_.load() / 1000.0);
}

QList<Counter> PowerPoller::counterList() const
{
    return {{QStringLiteral("checked"), tr("power checks"), checked_.load()},
            {QStringLiteral("failed"), tr("failed checks"), failed_.load()},
            {QStringLiteral("rounds"), tr("rounds"), rounds_.load()}};
}

void PowerPoller::start()
{
    intervalMs_ = readIntervalMs();
    timer_ = new QTimer(this);
    connect(timer_, &QTimer::timeout, this, [this] {
        pollNow();
        intervalMs_ = readIntervalMs(); // a changed setting counts from the next round
        timer_->setInterval(intervalMs_);
    });
    timer_->start(intervalMs_);
    emit stateChanged(QStringLiteral("running"), description());
}

void PowerPoller::stop()
{
    if (timer_)
        timer_->stop();
    pool_.waitForDone();
    emit stateChanged(QStringLiteral("stopped"), {});
}

bool PowerPoller::pollNow()
{
    if (running_.exchange(true))
        return false; // a slow host: the next round waits for this one
    pool_.start([this] {
        round();
        running_ = false;
    });
    return true;
}

void PowerPoller::round()
{
    auto machines = MachineStore(db_, nullptr).list();
    if (!machines) {
        qCWarning(lcPowerPoll) << "cannot list the machines:" << machines.errorMessage();
        return;
    }
    // One queue per host (driver type and address), so a host is asked one machine at a time.
    QMap<QString, QStringList> byHost;
    for (const Machine &m : std::as_const(*machines)) {
        const PowerDriver *driver = power_->drivers().find(m.powerType);
        if (!driver || !driver->canQuery())
            continue;
        byHost[m.powerType + QLatin1Char(' ') + m.powerParameters.value(QStringLiteral("power_address")).toString()]
            << m.systemId;
    }
    QThreadPool hosts;
    hosts.setMaxThreadCount(kHostsAtOnce);
    for (const QStringList &ids : std::as_const(byHost))
        hosts.start([this, ids] {
            for (const QString &id : ids)
                if (auto polled = power_->poll(id)) {
                    ++checked_;
                    if (!*polled)
                        ++failed_;
                }
        });
    hosts.waitForDone();
    ++rounds_;
}

} // namespace metaldesk
