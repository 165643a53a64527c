// Issue 5: a virtual machine with real firmware network-boots from MetalDesk and goes around the
// lifecycle, driven only by MetalDesk: enlist (unknown MAC → New), commission (→ Ready with its
// inventory). One VM with SeaBIOS + iPXE, one with OVMF, each on its own in the lab (2 cores).
// Power is the manual type: the test is the person who presses the power button when a step
// needs the machine on; the built-in environment switches it off by itself when it is done.
// Each step's time is printed ("figure: ...") for docs/benchmarks.md.
#include "coreservices.h"
#include "lab.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QtTest>

using namespace metaldesk;
using namespace metaldesk::testing;

namespace {

constexpr int kEnlistTimeoutMs = 240000;
constexpr int kCommissionTimeoutMs = 240000;

QString firmwareName(Firmware f) { return f == Firmware::Bios ? QStringLiteral("bios") : QStringLiteral("uefi"); }

} // namespace

class TestLifecycle : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void aMachineGoesAroundTheLifecycle_data();
    void aMachineGoesAroundTheLifecycle();
    void cleanupTestCase();

private:
    std::unique_ptr<CoreServices> core();
    // The console's last lines and MetalDesk's log: what a person would look at when a step fails.
    QString diagnosis(const VirtualMachine &vm) const;
    Lab lab_;
    User admin_;
    QStringList figures_;
};

std::unique_ptr<CoreServices> TestLifecycle::core()
{
    auto opened = CoreServices::open(DatabaseSpec::sqlite(lab_.database()));
    if (!opened)
        qFatal("cannot open the lab's database: %s", qPrintable(opened.errorMessage()));
    return std::move(*opened);
}

QString TestLifecycle::diagnosis(const VirtualMachine &vm) const
{
    return QStringLiteral("--- %1's console (end) ---\n%2\n--- MetalDesk's log (end) ---\n%3")
        .arg(vm.name(), vm.console().right(4000), lab_.metaldeskLog().right(3000));
}

void TestLifecycle::initTestCase()
{
    const QString environment = QStringLiteral(BOOTENV_DIR);
    const QString whyNot = Lab::whyNot(environment);
    if (!whyNot.isEmpty())
        QSKIP(qPrintable(whyNot));
    QString error;
    QVERIFY2(lab_.start(QStringLiteral(METALDESK_BINARY), environment, &error), qPrintable(error));
    auto users = core()->users->createUser(QStringLiteral("admin"), QStringLiteral("admin@lab.test"),
                                           QStringLiteral("admin-password"), true);
    QVERIFY2(users, qPrintable(users.errorMessage()));
    admin_ = *users;
}

void TestLifecycle::cleanupTestCase()
{
    lab_.stop();
    for (const QString &figure : std::as_const(figures_))
        qInfo("figure: %s", qPrintable(figure));
}

void TestLifecycle::aMachineGoesAroundTheLifecycle_data()
{
    QTest::addColumn<Firmware>("firmware");
    QTest::addColumn<QString>("mac");
    QTest::newRow("bios") << Firmware::Bios << QStringLiteral("52:54:00:e2:e0:01");
    QTest::newRow("uefi") << Firmware::Uefi << QStringLiteral("52:54:00:e2:e0:02");
}

void TestLifecycle::aMachineGoesAroundTheLifecycle()
{
    QFETCH(Firmware, firmware);
    QFETCH(QString, mac);
    const QString fw = firmwareName(firmware);
    VirtualMachine vm(lab_, QStringLiteral("vm-") + fw, firmware, mac, 4096);
    QString error;
    const Actor admin{admin_.id, admin_.username, true};

    // 1. Enlist: an unknown MAC boots the built-in environment, which reports the machine and
    //    switches it off. MetalDesk creates it in New with a random two-word name.
    QVERIFY2(vm.powerOn(&error), qPrintable(error));
    QVERIFY2(vm.waitPoweredOff(kEnlistTimeoutMs), qPrintable(diagnosis(vm)));
    const qint64 enlistMs = vm.msSincePowerOn();
    QVERIFY2(vm.consoleContains(QStringLiteral("metaldesk.purpose=enlist")), qPrintable(diagnosis(vm)));
    auto found = core()->machines->findByMac(mac);
    QVERIFY2(found, qPrintable(found.errorMessage()));
    QVERIFY2(found->has_value(), qPrintable(diagnosis(vm)));
    Machine machine = **found;
    QCOMPARE(machine.status, NodeStatus::New);
    QVERIFY2(QRegularExpression(QStringLiteral("^[a-z]+-[a-z]+$")).match(machine.hostname).hasMatch(),
             qPrintable(machine.hostname));
    QCOMPARE(machine.architecture, QStringLiteral("amd64/generic"));
    figures_ << QStringLiteral("%1 enlist (power on → New, powered off): %2 s").arg(fw).arg(enlistMs / 1000.0, 0, 'f', 1);

    // 2. Commission: the user asks (manual power: the person then switches the machine on); the
    //    environment sends the inventory, the machine becomes Ready and switches itself off.
    {
        auto c = core();
        auto set = c->machines->setPowerSettings(machine.systemId, QStringLiteral("manual"), {});
        QVERIFY2(set, qPrintable(set.errorMessage()));
        auto done = c->engine->performAction(machine.systemId, NodeAction::Commission, admin);
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(c->machines->get(machine.systemId)->status, NodeStatus::Commissioning);
    }
    QVERIFY2(vm.powerOn(&error), qPrintable(error));
    QVERIFY2(vm.waitPoweredOff(kCommissionTimeoutMs), qPrintable(diagnosis(vm)));
    const qint64 commissionMs = vm.msSincePowerOn();
    auto commissioned = core()->machines->get(machine.systemId);
    QVERIFY2(commissioned, qPrintable(commissioned.errorMessage()));
    QVERIFY2(commissioned->status == NodeStatus::Ready,
             qPrintable(QStringLiteral("status %1 (%2)\n").arg(int(commissioned->status)).arg(commissioned->statusMessage) +
                        diagnosis(vm)));
    // The inventory against the VM's real configuration.
    QCOMPARE(commissioned->cpuCount, vm.cpuCount());
    QVERIFY2(commissioned->memory > vm.memoryMiB() * 85 / 100 && commissioned->memory <= vm.memoryMiB(),
             qPrintable(QString::number(commissioned->memory)));
    QCOMPARE(commissioned->storage, vm.diskBytes());
    QCOMPARE(commissioned->interfaces.size(), 1);
    QCOMPARE(commissioned->interfaces.first().macAddress, mac);
    figures_ << QStringLiteral("%1 commission (power on → Ready, powered off): %2 s").arg(fw).arg(commissionMs / 1000.0, 0, 'f', 1);
}

QTEST_GUILESS_MAIN(TestLifecycle)
#include "tst_lifecycle.moc"
