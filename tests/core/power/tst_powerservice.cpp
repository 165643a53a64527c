// The power service over a real database: the engine's power requests reach a BMC (ipmi_sim),
// each outcome becomes the machine's power state and an event, failures are Error events that
// keep no secret, retryable failures are retried and a switch is confirmed by asking again.

#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "ipmisim.h"
#include "requireok.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>

using namespace metaldesk;
using namespace Qt::StringLiterals;
using S = NodeStatus;

namespace {
// A BMC that fails a given number of times first (retryable), or that accepts every switch and
// never changes (the confirmation must notice): the service's own logic, which no peer misbehaves
// on demand for.
class ScriptedDriver : public PowerDriver {
public:
    mutable std::atomic<int> failuresLeft{0};
    mutable std::atomic<int> calls{0};
    mutable std::atomic<bool> on{false};
    bool stuck = false;
    QString type() const override { return u"scripted"_s; }
    Text label() const override { return Text::plain(u"Scripted"_s); }
    QList<PowerParameter> parameters() const override { return {}; }
    bool canQuery() const override { return true; }
    Expected<void> setPower(const PowerTarget &, bool wanted) const override
    {
        ++calls;
        if (failuresLeft > 0) {
            --failuresLeft;
            return Error{u"no answer yet"_s, true};
        }
        if (!stuck)
            on = wanted;
        return {};
    }
    Expected<PowerState> queryPower(const PowerTarget &) const override
    {
        return on ? PowerState::On : PowerState::Off;
    }
};
} // namespace

class TestPowerService : public QObject {
    Q_OBJECT

    QTemporaryDir bmcDir_;
    std::unique_ptr<testing::IpmiSim> bmc_;
    std::unique_ptr<QTemporaryDir> tmp_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;

    Machine create(const QString &type, const QJsonObject &parameters)
    {
        NewMachine spec;
        spec.powerType = type;
        spec.powerParameters = parameters;
        spec.macAddresses = {u"52:54:00:00:00:01"_s};
        auto m = core_->engine->createMachine(spec, admin_);
        if (!m)
            qFatal("%s", qPrintable(m.errorMessage()));
        return *m;
    }
    Machine reread(const Machine &m) const { return *core_->machines->get(m.systemId); }
    QList<Event> powerEvents(const Machine &m) const
    {
        QList<Event> found;
        const auto all = core_->events->forMachine(m.systemId);
        if (!all)
            qFatal("%s", qPrintable(all.errorMessage()));
        for (const Event &e : all.value())
            if (e.type == u"power"_s)
                found.prepend(e);
        return found;
    }

    // A power service of its own whose only driver is a ScriptedDriver (power type "scripted").
    std::unique_ptr<PowerService> scriptedService(QList<int> retryDelaysMs, ScriptedDriver **driver) const
    {
        auto drivers = std::make_shared<PowerDrivers>();
        auto scripted = std::make_unique<ScriptedDriver>();
        *driver = scripted.get();
        drivers->add(std::move(scripted));
        auto service = std::make_unique<PowerService>(core_->db, core_->feed.get(), drivers);
        service->setRetryDelays(std::move(retryDelaysMs));
        return service;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(bmcDir_.isValid());
        bmc_ = std::make_unique<testing::IpmiSim>(bmcDir_.path());
        if (QString why = bmc_->start(); !why.isEmpty())
            QFAIL(qPrintable(why));
    }

    void init()
    {
        tmp_ = std::make_unique<QTemporaryDir>();
        auto core = CoreServices::open(DatabaseSpec::sqlite(tmp_->filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        core_->power->setRetryDelays({20, 40, 80});
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        admin_ = {admin->id, admin->username, true};
        bmc_->setPoweredOn(false);
    }
    void cleanup() { core_.reset(); }

    void powerOnSwitchesTheBmcAndRecordsIt()
    {
        const Machine m = create(u"ipmi"_s, bmc_->powerParameters());
        REQUIRE_OK(core_->engine->performAction(m.systemId, NodeAction::PowerOn, admin_));
        QVERIFY(core_->power->waitForDone(30000));
        QVERIFY(bmc_->poweredOn());
        QCOMPARE(bmc_->bootDevice(), u"pxe"_s); // network boot first: MetalDesk decides what it boots
        QCOMPARE(reread(m).powerState, u"on"_s);
        const QList<Event> events = powerEvents(m);
        QVERIFY(!events.isEmpty());
        QCOMPARE(events.last().description, u"Powered on (IPMI)"_s);
        QCOMPARE(events.last().username, u"admin"_s);

        REQUIRE_OK(core_->engine->performAction(m.systemId, NodeAction::PowerOff, admin_));
        QVERIFY(core_->power->waitForDone(30000));
        QVERIFY(!bmc_->poweredOn());
        QCOMPARE(reread(m).powerState, u"off"_s);
    }

    void commissionCyclesAMachineThatIsOn()
    {
        bmc_->setPoweredOn(true);
        const Machine m = create(u"ipmi"_s, bmc_->powerParameters());
        const int before = bmc_->chassisCalls().size();
        REQUIRE_OK(core_->engine->performAction(m.systemId, NodeAction::Commission, admin_));
        QVERIFY(core_->power->waitForDone(30000));
        const QStringList calls = bmc_->chassisCalls().mid(before);
        QCOMPARE(calls, (QStringList{u"set power 0"_s, u"set boot pxe"_s, u"set power 1"_s}));
        QCOMPARE(reread(m).powerState, u"on"_s);
        QCOMPARE(powerEvents(m).last().description, u"Power cycled (IPMI)"_s);
    }

    void failureIsAnErrorEventWithoutTheSecret()
    {
        const Machine m = create(u"ipmi"_s, bmc_->powerParameters(u"s3cret-wrong"_s));
        QSignalSpy recorded(core_->feed.get(), &ChangeFeed::eventRecorded);
        REQUIRE_OK(core_->engine->performAction(m.systemId, NodeAction::PowerOn, admin_));
        QVERIFY(core_->power->waitForDone(30000));
        QVERIFY(!bmc_->poweredOn());
        QCOMPARE(reread(m).powerState, u"error"_s);
        const Event failure = powerEvents(m).last();
        QCOMPARE(failure.level, EventLevel::Error);
        QVERIFY2(failure.description.startsWith(
                     u"Power on failed: the BMC at 127.0.0.1 refused the user name or password"_s),
                 qPrintable(failure.description));
        bool announced = false;
        for (const auto &args : recorded) {
            const Event e = args[0].value<Event>();
            QVERIFY(!e.description.contains(u"s3cret"_s));
            announced = announced || (e.level == EventLevel::Error && e.systemId == m.systemId);
        }
        QVERIFY(announced); // the notifications hear of it at once
    }

    void checkRecordsTheStateItFinds()
    {
        bmc_->setPoweredOn(true);
        const Machine m = create(u"ipmi"_s, bmc_->powerParameters());
        QCOMPARE(reread(m).powerState, u"unknown"_s);
        QSignalSpy finished(core_->power.get(), &PowerService::finished);
        core_->power->check(m.systemId, admin_);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished[0][1].toBool(), true);
        QCOMPARE(reread(m).powerState, u"on"_s);
        QCOMPARE(powerEvents(m).last().description, u"Power checked: on"_s);
    }

    void manualPowerTellsTheUserWhatToSwitch()
    {
        const Machine m = create(u"manual"_s, {});
        REQUIRE_OK(core_->engine->performAction(m.systemId, NodeAction::PowerOn, admin_));
        QVERIFY(core_->power->waitForDone(30000));
        const Event e = powerEvents(m).last();
        QCOMPARE(e.level, EventLevel::Warning);
        QCOMPARE(e.description, u"Power is manual: switch %1 on by hand"_s.arg(m.hostname));
        QCOMPARE(reread(m).powerState, u"unknown"_s);
    }

    void missingSettingsAreNamed()
    {
        const Machine m = create(u"ipmi"_s, {}); // no BMC address
        auto result = core_->power->perform(m.systemId, PowerCommand::On, admin_);
        QVERIFY(!result);
        QVERIFY2(result.errorMessage().contains(u"BMC address"_s), qPrintable(result.errorMessage()));
        QCOMPARE(powerEvents(m).last().level, EventLevel::Error);
    }

    void timeoutSwitchesTheMachineOff()
    {
        const Machine m = create(u"ipmi"_s, bmc_->powerParameters());
        REQUIRE_OK(core_->engine->performAction(m.systemId, NodeAction::Commission, admin_));
        QVERIFY(core_->power->waitForDone(30000));
        QVERIFY(bmc_->poweredOn());
        const qint64 expires = *reread(m).statusExpires;
        QCOMPARE(*core_->engine->expireOverdue(expires + 1), 1);
        QVERIFY(core_->power->waitForDone(30000));
        QVERIFY(!bmc_->poweredOn());
        QCOMPARE(reread(m).status, S::FailedCommissioning);
        QCOMPARE(reread(m).powerState, u"off"_s);
    }

    void retriesRetryableFailures()
    {
        ScriptedDriver *driver = nullptr;
        auto service = scriptedService({10, 10, 10}, &driver);
        const Machine m = create(u"scripted"_s, {});

        driver->failuresLeft = 2;
        auto done = service->perform(m.systemId, PowerCommand::On, admin_);
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(driver->calls.load(), 3);

        driver->calls = 0;
        driver->failuresLeft = 10; // more than the tries
        auto failed = service->perform(m.systemId, PowerCommand::Off, admin_);
        QVERIFY(!failed);
        QCOMPARE(driver->calls.load(), 4); // the first try and three retries
        QCOMPARE(failed.errorMessage(), u"no answer yet"_s);
    }

    void takesOneMachinesCallsOneAtATimeInOrder()
    {
        ScriptedDriver *driver = nullptr;
        auto service = scriptedService({30, 30, 30}, &driver);
        const Machine m = create(u"scripted"_s, {});
        // The first call waits out two retryable failures; the second, asked meanwhile, comes after it.
        driver->failuresLeft = 2;
        service->request(m.systemId, PowerCommand::On, admin_);
        service->request(m.systemId, PowerCommand::Off, admin_);
        QVERIFY(service->waitForDone(10000));
        QVERIFY(!driver->on);
        QCOMPARE(reread(m).powerState, u"off"_s);
        const QList<Event> events = powerEvents(m);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].description, u"Powered on (Scripted)"_s);
        QCOMPARE(events[1].description, u"Powered off (Scripted)"_s);
    }

    void confirmsTheSwitchByAskingAgain()
    {
        ScriptedDriver *driver = nullptr;
        auto service = scriptedService({10, 10}, &driver);
        driver->stuck = true; // says yes, stays off
        const Machine m = create(u"scripted"_s, {});
        auto result = service->perform(m.systemId, PowerCommand::On, admin_);
        QVERIFY(!result);
        QVERIFY2(result.errorMessage().contains(u"still off"_s), qPrintable(result.errorMessage()));
        QCOMPARE(reread(m).powerState, u"error"_s);
    }
};

QTEST_GUILESS_MAIN(TestPowerService)
#include "tst_powerservice.moc"
