// A libvirt host as a chassis, against a real libvirtd running QEMU (TCG): discovery with a name
// prefix, machines created in New with their MACs, architecture and libvirt power; a re-sync that
// adds nothing twice, follows a new NIC, and marks a VM removed at the host; MACs that two VMs or
// a VM and a machine share refused; the network put first in the boot order by power on; and the
// background power check seeing a VM switched off at the host.

#include "core/chassis/chassisstore.h"
#include "core/chassis/chassissync.h"
#include "core/power/powerpoller.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "libvirtsession.h"

#include "skip.h"
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
QString nic(const QString &mac) { return u"<interface type='user'><mac address='%1'/></interface>"_s.arg(mac); }

const SyncItem *itemFor(const SyncPlan &plan, const QString &vm)
{
    for (const SyncItem &item : plan.items)
        if (item.vm.name == vm)
            return &item;
    return nullptr;
}
} // namespace

class TestChassis : public QObject {
    Q_OBJECT

    QTemporaryDir daemonDir_;
    std::unique_ptr<testing::LibvirtSession> libvirt_;
    QTemporaryDir dbDir_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;
    Chassis chassis_;

    SyncPlan plan()
    {
        auto vms = listChassisVms(chassis_);
        if (!vms)
            qFatal("%s", qPrintable(vms.errorMessage()));
        auto machines = core_->machines->list();
        return planChassisSync(*vms, chassis_.prefixFilter, chassis_.id, *machines);
    }
    SyncOutcome sync()
    {
        const SyncPlan p = plan();
        auto done = applyChassisSync(*core_, chassis_, p, p.allVms(), admin_);
        if (!done)
            qFatal("%s", qPrintable(done.errorMessage()));
        return *done;
    }
    std::optional<Machine> machineNamed(const QString &hostname)
    {
        const auto machines = core_->machines->list();
        for (const Machine &m : *machines)
            if (m.hostname == hostname)
                return m;
        return std::nullopt;
    }

private slots:
    void initTestCase()
    {
        libvirt_ = std::make_unique<testing::LibvirtSession>(daemonDir_.path());
        if (const QString why = libvirt_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"no libvirtd to test against: "_s + why));
        QCOMPARE(libvirt_->defineVm(u"lab-a"_s, nic(u"52:54:00:c0:00:01"_s)), QString());
        QCOMPARE(libvirt_->defineVm(u"lab-b"_s, nic(u"52:54:00:c0:00:02"_s) + nic(u"52:54:00:c0:00:03"_s)), QString());
        QCOMPARE(libvirt_->defineVm(u"lab-nonic"_s), QString());
        QCOMPARE(libvirt_->defineVm(u"other-c"_s, nic(u"52:54:00:c0:00:04"_s)), QString());
        auto core = CoreServices::open(DatabaseSpec::sqlite(dbDir_.filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        core_->power->setRetryDelays({200, 500, 1000});
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        admin_ = {admin->id, admin->username, true};
        Chassis spec;
        spec.type = u"virsh"_s;
        spec.name = u"labhost"_s;
        spec.address = libvirt_->uri();
        spec.prefixFilter = u"lab-"_s;
        auto added = ChassisStore(core_->db, core_->feed.get()).add(admin_, spec);
        QVERIFY2(added, qPrintable(added.errorMessage()));
        chassis_ = *added;
    }
    void cleanupTestCase()
    {
        core_.reset();
        libvirt_.reset();
    }

    void refusesAChassisTwiceAndToNonAdministrators()
    {
        ChassisStore store(core_->db, core_->feed.get());
        Chassis again = chassis_;
        again.name = u"other"_s;
        auto twice = store.add(admin_, again);
        QVERIFY(!twice);
        QVERIFY2(twice.errorMessage().contains(u"re-sync it instead"_s), qPrintable(twice.errorMessage()));
        again.address = u"qemu+ssh://root@elsewhere/system"_s;
        auto user = store.add({2, u"bob"_s, false}, again);
        QVERIFY(!user);
    }

    void discoversTheVmsTheprefixSelects()
    {
        const SyncPlan p = plan();
        QCOMPARE(p.items.size(), 4);
        QCOMPARE(itemFor(p, u"lab-a"_s)->action, SyncAction::Add);
        QCOMPARE(itemFor(p, u"lab-b"_s)->action, SyncAction::Add);
        QCOMPARE(itemFor(p, u"lab-nonic"_s)->action, SyncAction::NoNetwork);
        QCOMPARE(itemFor(p, u"other-c"_s)->action, SyncAction::Filtered);
        QVERIFY(p.vanished.isEmpty());

        auto done = applyChassisSync(*core_, chassis_, p, p.allVms(), admin_);
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(done->created, QStringList({u"lab-a"_s, u"lab-b"_s}));
        QCOMPARE(done->skipped.size(), 1); // lab-nonic, with why
        QVERIFY(done->skipped.first().second.contains(u"no network interface"_s));

        const auto b = machineNamed(u"lab-b"_s);
        QVERIFY(b);
        QCOMPARE(b->status, NodeStatus::New);
        QCOMPARE(b->architecture, u"amd64/generic"_s);
        QCOMPARE(b->powerType, u"virsh"_s);
        QCOMPARE(b->powerParameters.value(u"power_address"_s).toString(), libvirt_->uri());
        QCOMPARE(b->powerParameters.value(u"power_id"_s).toString(), u"lab-b"_s);
        QCOMPARE(b->chassisId, chassis_.id);
        QCOMPARE(b->chassisVm, libvirt_->virsh({u"domuuid"_s, u"lab-b"_s}));
        QCOMPARE(b->interfaces.size(), 2);
        QCOMPARE(b->interfaces[1].macAddress, u"52:54:00:c0:00:03"_s);
        auto listed = ChassisStore(core_->db, nullptr).get(chassis_.id);
        QVERIFY(listed && listed->lastSync);
        QCOMPARE(listed->machineCount, 2);
    }

    void resyncAddsNothingTwice()
    {
        const SyncPlan p = plan();
        QCOMPARE(itemFor(p, u"lab-a"_s)->action, SyncAction::Unchanged);
        QCOMPARE(itemFor(p, u"lab-b"_s)->action, SyncAction::Unchanged);
        const SyncOutcome again = sync();
        QVERIFY(again.created.isEmpty());
        QVERIFY(again.updated.isEmpty());
        QCOMPARE(*core_->machines->count(), 2);
    }

    void refusesAMacThatIsAlreadyKnown()
    {
        // A VM with lab-a's MAC (vcsim's inventory does this too), and one with a machine's MAC.
        QCOMPARE(libvirt_->defineVm(u"lab-copy"_s, nic(u"52:54:00:c0:00:01"_s)), QString());
        NewMachine byHand;
        byHand.hostname = u"byhand"_s;
        byHand.macAddresses = {u"52:54:00:c0:00:99"_s};
        QVERIFY(core_->engine->createMachine(byHand, admin_));
        QCOMPARE(libvirt_->defineVm(u"lab-hand"_s, nic(u"52:54:00:c0:00:99"_s)), QString());
        const SyncPlan p = plan();
        QCOMPARE(itemFor(p, u"lab-copy"_s)->action, SyncAction::Conflict);
        QVERIFY2(itemFor(p, u"lab-copy"_s)->reason.contains(u"lab-a"_s), qPrintable(itemFor(p, u"lab-copy"_s)->reason));
        QCOMPARE(itemFor(p, u"lab-hand"_s)->action, SyncAction::Conflict);
        QVERIFY(itemFor(p, u"lab-hand"_s)->reason.contains(u"byhand"_s));
        const SyncOutcome done = sync();
        QVERIFY(done.created.isEmpty());
        QCOMPARE(*core_->machines->count(), 3); // lab-a, lab-b, byhand: no merge, no duplicate
        libvirt_->virsh({u"undefine"_s, u"lab-copy"_s});
        libvirt_->virsh({u"undefine"_s, u"lab-hand"_s});
    }

    void resyncFollowsChangesAndMarksVanishedVms()
    {
        // lab-a gets a second NIC; lab-b is removed at the host.
        QFile device(daemonDir_.filePath(u"nic.xml"_s));
        QVERIFY(device.open(QIODevice::WriteOnly));
        device.write(nic(u"52:54:00:c0:00:05"_s).toUtf8());
        device.close();
        QString error;
        QVERIFY2(!libvirt_->virsh({u"attach-device"_s, u"lab-a"_s, device.fileName(), u"--config"_s}, &error).isEmpty(),
                 qPrintable(error));
        QVERIFY(!libvirt_->virsh({u"undefine"_s, u"lab-b"_s}).isEmpty());
        const SyncPlan p = plan();
        QCOMPARE(itemFor(p, u"lab-a"_s)->action, SyncAction::Update);
        QCOMPARE(p.vanished.size(), 1);
        const SyncOutcome done = sync();
        QCOMPARE(done.updated, QStringList{u"lab-a"_s});
        QCOMPARE(done.vanished, QStringList{u"lab-b"_s});
        QCOMPARE(machineNamed(u"lab-a"_s)->interfaces.size(), 2);
        const auto b = machineNamed(u"lab-b"_s);
        QVERIFY(b->chassisVmMissing);
        const auto events = core_->events->forMachine(b->systemId, 1);
        QVERIFY(events && !events->isEmpty());
        QCOMPARE(events->first().level, EventLevel::Warning);
        QVERIFY2(events->first().description.contains(u"no longer on chassis labhost"_s),
                 qPrintable(events->first().description));
        // Said once: the next sync does not mark it again.
        QVERIFY(sync().vanished.isEmpty());
        const int before = int(core_->events->forMachine(b->systemId, 50)->size());
        QVERIFY(sync().vanished.isEmpty());
        QCOMPARE(int(core_->events->forMachine(b->systemId, 50)->size()), before);
    }

    void stampsAListingThatFailed()
    {
        Chassis gone = chassis_;
        gone.address = daemonDir_.filePath(u"gone"_s).prepend(u"qemu+unix:///session?socket="_s);
        auto listing = listChassisVms(gone);
        QVERIFY(!listing);
        QVERIFY2(listing.errorMessage().contains(u"cannot connect"_s), qPrintable(listing.errorMessage()));
        auto synced = resyncChassis(*core_, chassis_, listing, admin_);
        QVERIFY(!synced);
        auto row = ChassisStore(core_->db, nullptr).get(chassis_.id);
        QVERIFY(row);
        QCOMPARE(row->lastError, listing.errorMessage());
        QCOMPARE(*core_->machines->count(), 3); // nothing touched
        // The next sync that works clears it.
        auto again = resyncChassis(*core_, chassis_, listChassisVms(chassis_), admin_);
        QVERIFY2(again, qPrintable(again.errorMessage()));
        QCOMPARE(ChassisStore(core_->db, nullptr).get(chassis_.id)->lastError, QString());
    }

    void powerOnBootsTheNetworkFirst()
    {
        const auto a = machineNamed(u"lab-a"_s);
        auto on = core_->power->perform(a->systemId, PowerCommand::On, admin_);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        const QString xml = libvirt_->virsh({u"dumpxml"_s, u"--inactive"_s, u"lab-a"_s});
        const qsizetype network = xml.indexOf(u"<boot dev='network'/>"_s);
        const qsizetype disk = xml.indexOf(u"<boot dev='hd'/>"_s);
        QVERIFY2(network > 0 && disk > network, qPrintable(xml));
    }

    void thePowerCheckSeesAVmSwitchedOffAtItsHost()
    {
        const auto a = machineNamed(u"lab-a"_s);
        QCOMPARE(a->powerState, u"on"_s);
        QVERIFY(!libvirt_->virsh({u"destroy"_s, u"lab-a"_s}).isEmpty()); // from outside MetalDesk
        PowerPoller poller(core_->db, core_->power.get(), 10000);
        QVERIFY(poller.pollNow());
        QVERIFY(poller.waitForRound(30000));
        QCOMPARE(core_->machines->get(a->systemId)->powerState, u"off"_s);
        const auto events = core_->events->forMachine(a->systemId, 1);
        QCOMPARE(events->first().description, u"Power is off (found by the regular power check)"_s);
        // The vanished lab-b's check fails: its state says error, with one event, not one per round.
        const auto b = machineNamed(u"lab-b"_s);
        QCOMPARE(b->powerState, u"error"_s);
        const int eventsOfB = core_->events->forMachine(b->systemId, 50)->size();
        QVERIFY(poller.pollNow());
        QVERIFY(poller.waitForRound(30000));
        QCOMPARE(core_->events->forMachine(b->systemId, 50)->size(), eventsOfB);
        QCOMPARE(core_->events->forMachine(a->systemId, 1)->first().description, events->first().description);
        QVERIFY(poller.counterList().first().value >= 3);
    }

    // Bad input: an address that is no libvirt URI, a listing cancelled half-way, and a host that
    // stops answering half-way: each an error in words, and a re-sync with it changes nothing.
    void aUriThatDoesNotParseIsSaidInWords()
    {
        Chassis bad = chassis_;
        bad.address = u"qemu+ssh//no-colon host/system"_s;
        auto listing = listChassisVms(bad);
        QVERIFY(!listing);
        QVERIFY2(listing.errorMessage().contains(bad.address), qPrintable(listing.errorMessage()));
    }

    void aCancelledListingChangesNothing()
    {
        const int machines = *core_->machines->count();
        auto listing = listChassisVms(chassis_, [](int done, int) { return done < 2; });
        QVERIFY(!listing);
        QVERIFY2(listing.errorMessage().contains(u"cancelled"_s), qPrintable(listing.errorMessage()));
        QVERIFY(!resyncChassis(*core_, chassis_, listing, admin_));
        QCOMPARE(*core_->machines->count(), machines);
        QCOMPARE(ChassisStore(core_->db, nullptr).get(chassis_.id)->lastError, listing.errorMessage());
    }

    // Last: the daemon is gone after it.
    void aHostThatStopsAnsweringMidListingChangesNothing()
    {
        const int machines = *core_->machines->count();
        auto listing = listChassisVms(chassis_, [this](int done, int) {
            if (done == 1)
                libvirt_->killDaemon();
            return true;
        });
        QVERIFY(!listing);
        QVERIFY2(!listing.errorMessage().isEmpty(), "no reason given");
        QVERIFY(!resyncChassis(*core_, chassis_, listing, admin_));
        QCOMPARE(*core_->machines->count(), machines);
        QCOMPARE(ChassisStore(core_->db, nullptr).get(chassis_.id)->lastError, listing.errorMessage());
    }
};

QTEST_GUILESS_MAIN(TestChassis)
#include "tst_chassis.moc"
