// The libvirt power driver against a real libvirtd running real QEMU VMs (TCG), through the power
// service as the window uses it: switched on and off with the state confirmed by libvirt, a
// running VM power-cycled into a new QEMU process, and a VM that does not exist named.

#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "libvirtsession.h"

#include "skip.h"
#include <QTemporaryDir>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestLibvirtdPower : public QObject {
    Q_OBJECT

    QTemporaryDir daemonDir_;
    std::unique_ptr<testing::LibvirtSession> libvirt_;
    QTemporaryDir dbDir_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;

    QString machineFor(const QString &vm)
    {
        NewMachine spec;
        spec.powerType = u"virsh"_s;
        spec.powerParameters = {{u"power_address"_s, libvirt_->uri()}, {u"power_id"_s, vm}};
        auto m = core_->engine->createMachine(spec, admin_);
        if (!m)
            qFatal("%s", qPrintable(m.errorMessage()));
        return m->systemId;
    }
    QString domstate(const QString &vm) const { return libvirt_->virsh({u"domstate"_s, vm}); }

private slots:
    void initTestCase()
    {
        libvirt_ = std::make_unique<testing::LibvirtSession>(daemonDir_.path());
        if (const QString why = libvirt_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"no libvirtd to test against: "_s + why));
        QCOMPARE(libvirt_->defineVm(u"lab-vm1"_s), QString());
        QCOMPARE(libvirt_->defineVm(u"lab-vm2"_s), QString());
        auto core = CoreServices::open(DatabaseSpec::sqlite(dbDir_.filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        core_->power->setRetryDelays({200, 500, 1000, 2000});
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        admin_ = {admin->id, admin->username, true};
    }
    void cleanupTestCase()
    {
        core_.reset();
        libvirt_.reset(); // destroys the VMs, stops the daemon
    }

    void switchesAVmOnAndOff()
    {
        const QString id = machineFor(u"lab-vm1"_s);
        QCOMPARE(domstate(u"lab-vm1"_s), u"shut off"_s);
        auto off = core_->power->perform(id, std::nullopt, admin_);
        QVERIFY2(off, qPrintable(off.errorMessage()));
        QCOMPARE(*off, PowerState::Off);

        auto on = core_->power->perform(id, PowerCommand::On, admin_);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        QCOMPARE(domstate(u"lab-vm1"_s), u"running"_s);
        QCOMPARE(core_->machines->get(id)->powerState, u"on"_s);

        auto down = core_->power->perform(id, PowerCommand::Off, admin_);
        QVERIFY2(down, qPrintable(down.errorMessage()));
        QCOMPARE(domstate(u"lab-vm1"_s), u"shut off"_s);
        QCOMPARE(core_->machines->get(id)->powerState, u"off"_s);
    }

    void cyclesARunningVmIntoANewProcess()
    {
        const QString id = machineFor(u"lab-vm2"_s);
        QVERIFY(!libvirt_->virsh({u"start"_s, u"lab-vm2"_s}).isEmpty());
        const QString before = libvirt_->virsh({u"domid"_s, u"lab-vm2"_s});
        // Commission cycles the power: off, then on again, booting from the network.
        QVERIFY(core_->engine->performAction(id, NodeAction::Commission, admin_));
        QVERIFY(core_->power->waitForDone(60000));
        QCOMPARE(domstate(u"lab-vm2"_s), u"running"_s);
        const QString after = libvirt_->virsh({u"domid"_s, u"lab-vm2"_s});
        QVERIFY2(after != before, qPrintable(before + u" → "_s + after));
        QCOMPARE(core_->machines->get(id)->powerState, u"on"_s);
        const auto events = core_->events->forMachine(id, 1);
        QVERIFY(events && !events->isEmpty());
        QCOMPARE(events->first().description, u"Power cycled (libvirt (virsh))"_s);
    }

    void namesAVmThatIsNotThere()
    {
        const QString id = machineFor(u"no-such-vm"_s);
        auto on = core_->power->perform(id, PowerCommand::On, admin_);
        QVERIFY(!on);
        QVERIFY2(on.errorMessage().contains(u"has no VM named 'no-such-vm'"_s), qPrintable(on.errorMessage()));
        QCOMPARE(core_->machines->get(id)->powerState, u"error"_s);
    }
};

QTEST_GUILESS_MAIN(TestLibvirtdPower)
#include "tst_libvirtdpower.moc"
