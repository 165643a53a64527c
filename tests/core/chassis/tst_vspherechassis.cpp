// A vCenter and a free-licence ESXi host as chassis, against govmomi's vSphere simulator (vcsim):
// discovery with a name prefix, VMs sharing a MAC (vcsim gives the VMs of one host the same one)
// refused with the reason and one machine per MAC, machines with MAAS's vmware power parameters
// switched through the power service, a VM deleted at the host marked with an event on re-sync
// (no duplicate), a wrong password and a changed certificate stamped on the chassis with
// nothing created, and a free ESXi host's VMs added with manual power. The password is nowhere in
// the database file, the events or the log.

#include "core/chassis/chassisstore.h"
#include "core/chassis/chassissync.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "vcsim.h"

#include "skip.h"
#include <QFile>
#include <QMutex>
#include <QTemporaryDir>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
QMutex loggedLock;
QStringList logged; // every message of the run, from any thread
void keepMessage(QtMsgType, const QMessageLogContext &, const QString &message)
{
    const QMutexLocker locked(&loggedLock);
    logged << message;
}

const SyncItem *itemFor(const SyncPlan &plan, const QString &vm)
{
    for (const SyncItem &item : plan.items)
        if (item.vm.name == vm)
            return &item;
    return nullptr;
}

Chassis vsphereChassis(const testing::Vcsim &vcsim, const QString &name, const QString &prefix)
{
    Chassis c;
    c.type = u"vmware"_s;
    c.name = name;
    c.address = u"127.0.0.1"_s;
    c.prefixFilter = prefix;
    c.parameters = vcsim.powerParameters({});
    c.parameters.remove(u"power_address"_s);
    c.parameters.remove(u"power_vm_name"_s);
    return c;
}
} // namespace

class TestVsphereChassis : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<testing::Vcsim> vcenter_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;
    Chassis chassis_;

    Expected<SyncOutcome> sync(const Chassis &chassis)
    {
        return resyncChassis(*core_, chassis, listChassisVms(chassis), admin_);
    }
    // The one machine of the vCenter chassis.
    Machine vcenterMachine()
    {
        const auto machines = core_->machines->list();
        for (const Machine &m : *machines)
            if (m.chassisId == chassis_.id)
                return m;
        qFatal("the vCenter chassis has no machine");
    }

private slots:
    void initTestCase()
    {
        qInstallMessageHandler(keepMessage);
        QDir().mkpath(dir_.filePath(u"vcenter"_s));
        vcenter_ = std::make_unique<testing::Vcsim>(dir_.filePath(u"vcenter"_s));
        if (const QString why = vcenter_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"no vSphere simulator to test against: "_s + why));
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        core_->power->setRetryDelays({200, 500, 1000});
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        admin_ = {admin->id, admin->username, true};
    }
    void cleanupTestCase()
    {
        core_.reset();
        vcenter_.reset();
        qInstallMessageHandler(nullptr);
    }

    void aWrongPasswordCreatesNothing()
    {
        Chassis wrong = vsphereChassis(*vcenter_, u"vc-wrong"_s, {});
        wrong.parameters.insert(u"power_pass"_s, u"wrong"_s);
        auto listing = listChassisVms(wrong);
        QVERIFY(!listing);
        QVERIFY2(listing.errorMessage().contains(u"InvalidLogin"_s), qPrintable(listing.errorMessage()));
        QCOMPARE(*core_->machines->count(), 0);
    }

    void anUnconfirmedCertificateIsShownForConfirmation()
    {
        Chassis unpinned = vsphereChassis(*vcenter_, u"vc"_s, {});
        unpinned.parameters.remove(u"power_fingerprint"_s);
        QString presented;
        auto listing = listChassisVms(unpinned, {}, &presented);
        QVERIFY(!listing);
        QCOMPARE(presented, vcenter_->fingerprint());
    }

    void discoversWithThePrefixAndOneMachinePerMac()
    {
        auto added =
            ChassisStore(core_->db, core_->feed.get()).add(admin_, vsphereChassis(*vcenter_, u"vc"_s, u"DC0_H0"_s));
        QVERIFY2(added, qPrintable(added.errorMessage()));
        chassis_ = *added;
        QCOMPARE(chassis_.parameters.value(u"power_user"_s).toString(), u"admin"_s);
        auto vms = listChassisVms(chassis_);
        QVERIFY2(vms, qPrintable(vms.errorMessage()));
        QCOMPARE(vms->size(), 4);
        QVERIFY(std::all_of(vms->begin(), vms->end(), [](const ChassisVm &vm) { return vm.powerAllowed; }));
        const auto machines = core_->machines->list();
        QVERIFY(machines);
        const SyncPlan plan = planChassisSync(*vms, chassis_.prefixFilter, chassis_.id, *machines);
        QCOMPARE(itemFor(plan, u"DC0_H0_VM0"_s)->action, SyncAction::Add);
        // vcsim's two VMs of host DC0_H0 share a MAC: the second is refused, saying with which.
        const SyncItem *shared = itemFor(plan, u"DC0_H0_VM1"_s);
        QCOMPARE(shared->action, SyncAction::Conflict);
        QVERIFY2(shared->reason.contains(u"DC0_H0_VM0"_s), qPrintable(shared->reason));
        QCOMPARE(itemFor(plan, u"DC0_C0_RP0_VM0"_s)->action, SyncAction::Filtered);

        auto done = applyChassisSync(*core_, chassis_, plan, plan.allVms(), admin_);
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(done->created, QStringList{u"dc0-h0-vm0"_s}); // the VM's name made a host name
        QCOMPARE(done->skipped.size(), 1);
        const Machine m = vcenterMachine();
        QCOMPARE(m.powerType, u"vmware"_s);
        QCOMPARE(m.powerParameters.value(u"power_vm_name"_s).toString(), u"DC0_H0_VM0"_s);
        QCOMPARE(m.powerParameters.value(u"power_uuid"_s).toString(), itemFor(plan, u"DC0_H0_VM0"_s)->vm.uuid);
        QCOMPARE(m.powerParameters.value(u"power_fingerprint"_s).toString(), vcenter_->fingerprint());
        QCOMPARE(m.chassisId, std::optional<qint64>(chassis_.id));
        QCOMPARE(m.interfaces.size(), 1);
        // Re-sync: nothing twice.
        auto again = sync(chassis_);
        QVERIFY2(again, qPrintable(again.errorMessage()));
        QVERIFY(again->created.isEmpty());
        QCOMPARE(*core_->machines->count(), 1);
    }

    void powerGoesThroughVsphere()
    {
        const Machine m = vcenterMachine();
        auto off = core_->power->perform(m.systemId, PowerCommand::Off, admin_);
        QVERIFY2(off, qPrintable(off.errorMessage()));
        QCOMPARE(core_->machines->get(m.systemId)->powerState, u"off"_s);
        auto on = core_->power->perform(m.systemId, PowerCommand::On, admin_);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        QCOMPARE(core_->machines->get(m.systemId)->powerState, u"on"_s);
        QCOMPARE(vcenter_->command(u"boot DC0_H0_VM0"_s), u"ok 4000"_s); // the network first
    }

    void aVmDeletedAtTheHostIsMarkedOnce()
    {
        const Machine m = vcenterMachine();
        QCOMPARE(vcenter_->command(u"destroy DC0_H0_VM0"_s), u"ok"_s);
        auto done = sync(chassis_);
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(done->vanished, QStringList{m.hostname});
        // The MAC DC0_H0_VM1 shares is still the vanished machine's: it stays refused.
        QVERIFY(done->created.isEmpty());
        QCOMPARE(*core_->machines->count(), 1);
        QVERIFY(core_->machines->get(m.systemId)->chassisVmMissing);
        const auto events = core_->events->forMachine(m.systemId, 1);
        QCOMPARE(events->first().level, EventLevel::Warning);
        QVERIFY2(events->first().description.contains(u"DC0_H0_VM0"_s), qPrintable(events->first().description));
        auto again = sync(chassis_);
        QVERIFY(again && again->vanished.isEmpty());
    }

    void aChangedCertificateIsStampedOnTheChassis()
    {
        const QString before = vcenter_->fingerprint();
        vcenter_->stop();
        QCOMPARE(vcenter_->renewCertificate(), QString());
        QCOMPARE(vcenter_->start(), QString());
        auto done = sync(chassis_);
        QVERIFY(!done);
        const QString error = ChassisStore(core_->db, nullptr).get(chassis_.id)->lastError;
        QVERIFY2(error.contains(before) && error.contains(vcenter_->fingerprint()), qPrintable(error));
        QCOMPARE(*core_->machines->count(), 1);
    }

    // Trusting the new certificate re-pins the chassis and its machines together or not at all.
    void trustingTheNewCertificateIsAllOrNothing()
    {
        const QString before = chassis_.parameters.value(u"power_fingerprint"_s).toString();
        const QString after = vcenter_->fingerprint();
        QVERIFY(before != after);
        auto db = core_->db->connection();
        QVERIFY(db);
        // A write to the machine that fails half-way (as a full disk would).
        QVERIFY(runQuery(*db, u"CREATE TRIGGER refuse_pin BEFORE UPDATE OF power_parameters ON machines "
                              "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"_s));
        auto failed = trustChassisCertificate(*core_, chassis_, after, admin_);
        QVERIFY(!failed);
        QVERIFY2(failed.errorMessage().contains(u"injected failure"_s), qPrintable(failed.errorMessage()));
        QCOMPARE(ChassisStore(core_->db, nullptr).get(chassis_.id)->parameters.value(u"power_fingerprint"_s).toString(),
                 before);
        QCOMPARE(vcenterMachine().powerParameters.value(u"power_fingerprint"_s).toString(), before);
        QVERIFY(runQuery(*db, u"DROP TRIGGER refuse_pin"_s));

        auto trusted = trustChassisCertificate(*core_, chassis_, after, admin_);
        QVERIFY2(trusted, qPrintable(trusted.errorMessage()));
        QCOMPARE(*trusted, 1);
        chassis_ = *ChassisStore(core_->db, nullptr).get(chassis_.id);
        QCOMPARE(chassis_.parameters.value(u"power_fingerprint"_s).toString(), after);
        QCOMPARE(vcenterMachine().powerParameters.value(u"power_fingerprint"_s).toString(), after);
        auto events = core_->events->forMachine(vcenterMachine().systemId, 5);
        QVERIFY(events && !events->isEmpty());
        QVERIFY2(events->first().description.contains(after), qPrintable(events->first().description));
        auto synced = sync(chassis_);
        QVERIFY2(synced, qPrintable(synced.errorMessage()));
    }

    void aFreeEsxiHostsVmsGetManualPower()
    {
        QDir().mkpath(dir_.filePath(u"esxi"_s));
        testing::Vcsim esxi(dir_.filePath(u"esxi"_s));
        QCOMPARE(esxi.start(true), QString());
        QCOMPARE(esxi.command(u"mac ha-host_VM1 00:0c:29:00:00:01"_s), u"ok"_s); // a MAC of its own
        QCOMPARE(esxi.command(u"restrict ha-host_VM0"_s), u"ok"_s);
        QCOMPARE(esxi.command(u"restrict ha-host_VM1"_s), u"ok"_s);
        Chassis spec = vsphereChassis(esxi, u"esxi"_s, {});
        spec.address = u"localhost"_s; // another address than the vCenter's
        auto added = ChassisStore(core_->db, core_->feed.get()).add(admin_, spec);
        QVERIFY2(added, qPrintable(added.errorMessage()));
        auto vms = listChassisVms(*added);
        QVERIFY2(vms, qPrintable(vms.errorMessage()));
        QCOMPARE(vms->size(), 2);
        QVERIFY(std::none_of(vms->begin(), vms->end(), [](const ChassisVm &vm) { return vm.powerAllowed; }));
        auto done = resyncChassis(*core_, *added, vms, admin_);
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(done->created.size(), 2);
        const auto machines = core_->machines->list();
        QVERIFY(machines);
        for (const Machine &m : *machines)
            if (m.chassisId == added->id) {
                QCOMPARE(m.powerType, u"manual"_s);
                QVERIFY(m.powerParameters.isEmpty());
            }
        auto again = resyncChassis(*core_, *added, listChassisVms(*added), admin_);
        QVERIFY(again && again->created.isEmpty() && again->updated.isEmpty());
    }

    // Last: after every kind of call, sync and failure above.
    void thePasswordIsNowhereInPlainText()
    {
        const QByteArray password(testing::Vcsim::password);
        QByteArray bytes;
        for (const QString &name : {u"md.db"_s, u"md.db-wal"_s}) {
            QFile f(dir_.filePath(name));
            if (f.open(QIODevice::ReadOnly))
                bytes += f.readAll();
        }
        QVERIFY(bytes.size() > 4096);
        QVERIFY(!bytes.contains(password));
        auto events = core_->events->recent(10000);
        QVERIFY(events && !events->isEmpty());
        for (const Event &e : *events)
            QVERIFY2(!e.description.contains(QLatin1String(password)), qPrintable(e.description));
        const QMutexLocker locked(&loggedLock);
        QVERIFY(!logged.isEmpty());
        for (const QString &line : std::as_const(logged))
            QVERIFY2(!line.contains(QLatin1String(password)), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TestVsphereChassis)
#include "tst_vspherechassis.moc"
