// The boot decision: what each MAC boots, for every status, over a real database.
#include "core/boot/bootdecision.h"
#include "core/runtime/coreservices.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;
using S = NodeStatus;
using P = BootPurpose;

class TestBootDecision : public QObject {
    Q_OBJECT
private slots:
    void decidesEveryStatus();
    void enlistsAnUnknownMac();
    void findsAKnownMachineByAnySpellingOfItsMac();
    void followsTheMachineThroughItsLifecycle();
    void refusesSomethingThatIsNoMac();

private:
    std::unique_ptr<CoreServices> open(QTemporaryDir &dir)
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir.filePath(QStringLiteral("md.db"))));
        return core ? std::move(*core) : nullptr;
    }
};

void TestBootDecision::decidesEveryStatus()
{
    // This test's own table (issue #5 and MAAS's get_boot_purpose), not the code's.
    const QHash<S, P> expected = {
        {S::New, P::PowerOff},
        {S::Commissioning, P::Commission},
        {S::FailedCommissioning, P::PowerOff},
        {S::Missing, P::PowerOff},
        {S::Ready, P::PowerOff},
        {S::Reserved, P::PowerOff},
        {S::Deployed, P::LocalDisk},
        {S::Retired, P::PowerOff},
        {S::Broken, P::PowerOff},
        {S::Deploying, P::Deploy},
        {S::Allocated, P::PowerOff},
        {S::FailedDeployment, P::PowerOff},
        {S::Releasing, P::Release},
        {S::FailedReleasing, P::PowerOff},
        {S::DiskErasing, P::Release},
        {S::FailedDiskErasing, P::PowerOff},
        {S::RescueMode, P::Rescue},
        {S::EnteringRescueMode, P::Rescue},
        {S::FailedEnteringRescueMode, P::PowerOff},
        {S::ExitingRescueMode, P::PowerOff},
        {S::FailedExitingRescueMode, P::PowerOff},
        {S::Testing, P::Commission},
        {S::FailedTesting, P::PowerOff},
    };
    QCOMPARE(expected.size(), NodeStatusCount);
    for (NodeStatus s : allNodeStatuses())
        QVERIFY2(bootPurposeFor(s) == expected.value(s), nodeStatusLabel(s));
}

void TestBootDecision::enlistsAnUnknownMac()
{
    QTemporaryDir dir;
    auto core = open(dir);
    QVERIFY(core);
    BootDecider decider(*core->machines);
    auto d = decider.decide(QStringLiteral("52:54:00:00:99:99"));
    QVERIFY2(d, qPrintable(d.errorMessage()));
    QCOMPARE(d->purpose, P::Enlist);
    QVERIFY(!d->machine);
}

void TestBootDecision::findsAKnownMachineByAnySpellingOfItsMac()
{
    QTemporaryDir dir;
    auto core = open(dir);
    QVERIFY(core);
    NewMachine spec;
    spec.macAddresses = {QStringLiteral("52:54:00:ab:cd:01"), QStringLiteral("52:54:00:ab:cd:02")};
    auto m = core->engine->createMachine(spec, Actor::system(QStringLiteral("test")));
    QVERIFY(m);
    BootDecider decider(*core->machines);
    for (const char *mac : {"52:54:00:ab:cd:01", "52-54-00-AB-CD-02", "525400abcd02"}) {
        auto d = decider.decide(QLatin1String(mac));
        QVERIFY2(d, qPrintable(d.errorMessage()));
        QCOMPARE(d->purpose, P::PowerOff); // New: switched off until someone commissions it
        QCOMPARE(d->machine->systemId, m->systemId);
    }
}

void TestBootDecision::followsTheMachineThroughItsLifecycle()
{
    QTemporaryDir dir;
    auto core = open(dir);
    QVERIFY(core);
    const Actor admin = Actor::system(QStringLiteral("test"));
    NewMachine spec;
    spec.macAddresses = {QStringLiteral("52:54:00:ab:cd:03")};
    auto m = core->engine->createMachine(spec, admin);
    QVERIFY(m);
    BootDecider decider(*core->machines);
    auto purpose = [&] { return decider.decide(QStringLiteral("52:54:00:ab:cd:03"))->purpose; };
    QVERIFY(core->engine->performAction(m->systemId, NodeAction::Commission, admin));
    QCOMPARE(purpose(), P::Commission);
    QVERIFY(core->engine->changeStatus(m->systemId, S::Ready, admin, Text::plain(QStringLiteral("commissioned"))));
    QCOMPARE(purpose(), P::PowerOff);
    QVERIFY(core->engine->performAction(m->systemId, NodeAction::Deploy, admin));
    QCOMPARE(purpose(), P::Deploy);
    QVERIFY(core->engine->changeStatus(m->systemId, S::Deployed, admin, Text::plain(QStringLiteral("installed"))));
    QCOMPARE(purpose(), P::LocalDisk);
    ActionOptions erase;
    erase.erase = true;
    QVERIFY(core->engine->performAction(m->systemId, NodeAction::Release, admin, erase));
    QCOMPARE(purpose(), P::Release);
}

void TestBootDecision::refusesSomethingThatIsNoMac()
{
    QTemporaryDir dir;
    auto core = open(dir);
    QVERIFY(core);
    auto d = BootDecider(*core->machines).decide(QStringLiteral("../../etc/passwd"));
    QVERIFY(!d);
    QVERIFY(d.errorMessage().contains(QLatin1String("not a MAC address")));
}

QTEST_GUILESS_MAIN(TestBootDecision)
#include "tst_bootdecision.moc"
