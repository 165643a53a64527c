// MetalDesk's vSphere client and power driver against govmomi's vSphere simulator (vcsim, built
// from Debian's govmomi), over https with a self-signed 2048-bit certificate and enforced
// credentials: sign-in refusals, certificate pinning, the VM listing, power tasks and the boot
// order as the simulator records them, a VM deleted behind MetalDesk's back, and the free ESXi
// licence (vcsim has none: tests/support/vcsim/main.go makes a VM refuse as that licence does).
#include "core/power/powerdrivers.h"
#include "core/power/vmwarepowerdriver.h"
#include "core/vsphere/vspheresession.h"

#include "skip.h"
#include "vcsim.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;
using namespace metaldesk::testing;
using namespace Qt::StringLiterals;

namespace {

VsphereEndpoint endpointOf(const Vcsim &vcsim, const QString &password = QLatin1String(Vcsim::password))
{
    return vsphereEndpoint(vcsim.powerParameters(QString(), password));
}

QStringList names(const QList<vim::VirtualMachine> &vms)
{
    QStringList list;
    for (const auto &vm : vms)
        list << vm.name;
    return list;
}

} // namespace

class TestVsphereSession : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        vcenter_ = std::make_unique<Vcsim>(dir_.filePath(QStringLiteral("vcenter")));
        QDir().mkpath(dir_.filePath(QStringLiteral("vcenter")));
        if (const QString problem = vcenter_->start(); !problem.isEmpty())
            METALDESK_SKIP(qPrintable(problem));
        drivers_ = PowerDrivers::builtIn();
        driver_ = drivers_->find(QStringLiteral("vmware"));
        QVERIFY(driver_);
    }

    void wrongPasswordIsInvalidLogin()
    {
        auto session = VsphereSession::open(endpointOf(*vcenter_, QStringLiteral("wrong")));
        QVERIFY(!session);
        QVERIFY2(session.errorMessage().contains(QLatin1String("user name or password")),
                 qPrintable(session.errorMessage()));
        QVERIFY(session.errorMessage().contains(QLatin1String("InvalidLogin")));
        QVERIFY(!session.error().retryable);
    }

    void anUnknownCertificateIsShownNotTrusted()
    {
        VsphereEndpoint endpoint = endpointOf(*vcenter_);
        endpoint.fingerprint.clear();
        QString presented;
        auto session = VsphereSession::open(endpoint, &presented);
        QVERIFY(!session);
        QCOMPARE(presented, vcenter_->fingerprint());
        QVERIFY2(session.errorMessage().contains(vcenter_->fingerprint()), qPrintable(session.errorMessage()));
        // Pinned, any spelling of the same fingerprint is the same.
        endpoint.fingerprint = vcenter_->fingerprint().remove(QLatin1Char(':')).toLower();
        auto pinned = VsphereSession::open(endpoint, &presented);
        QVERIFY2(pinned, qPrintable(pinned.errorMessage()));
        QCOMPARE((*pinned)->content().apiType, QStringLiteral("VirtualCenter"));
        QVERIFY(!(*pinned)->isStandaloneHost());
    }

    void unreachableIsRetryable()
    {
        VsphereEndpoint endpoint = endpointOf(*vcenter_);
        endpoint.port = 1; // nothing listens there
        auto session = VsphereSession::open(endpoint);
        QVERIFY(!session);
        QVERIFY2(session.errorMessage().contains(QLatin1String("cannot reach")), qPrintable(session.errorMessage()));
        QVERIFY(session.error().retryable);
    }

    void listsEveryVm()
    {
        auto session = VsphereSession::open(endpointOf(*vcenter_));
        QVERIFY2(session, qPrintable(session.errorMessage()));
        int pages = 0;
        auto vms = (*session)->listVms([&](int, int) { return ++pages > 0; });
        QVERIFY2(vms, qPrintable(vms.errorMessage()));
        QCOMPARE(names(*vms),
                 (QStringList{u"DC0_C0_RP0_VM0"_s, u"DC0_C0_RP0_VM1"_s, u"DC0_H0_VM0"_s, u"DC0_H0_VM1"_s}));
        QCOMPARE(pages, 1);
        QSet<QString> uuids;
        for (const auto &vm : *vms) {
            uuids << vm.uuid;
            QCOMPARE(vm.macAddresses.size(), 1);
            QCOMPARE(vm.nicKeys, QList<int>{4000});
            QCOMPARE(vm.power, PowerState::On);
        }
        QCOMPARE(uuids.size(), 4);
        // Cancel: stopped, nothing returned.
        QVERIFY(!(*session)->listVms([](int, int) { return false; }));
    }

    void findsByUuidThenByName()
    {
        auto session = VsphereSession::open(endpointOf(*vcenter_));
        QVERIFY(session);
        auto vms = (*session)->listVms();
        QVERIFY(vms);
        const auto &wanted = vms->at(2);
        auto byUuid = (*session)->findVm(wanted.uuid, QString());
        QVERIFY2(byUuid, qPrintable(byUuid.errorMessage()));
        QCOMPARE(byUuid->name, wanted.name);
        auto byBiosUuid = (*session)->findVm(wanted.biosUuid, QString());
        QVERIFY2(byBiosUuid, qPrintable(byBiosUuid.errorMessage()));
        QCOMPARE(byBiosUuid->ref, wanted.ref);
        auto byName = (*session)->findVm(QStringLiteral("00000000-0000-0000-0000-000000000000"), wanted.name);
        QVERIFY2(byName, qPrintable(byName.errorMessage()));
        QCOMPARE(byName->ref, wanted.ref);
        auto none = (*session)->findVm(QString(), QStringLiteral("no-such-vm"));
        QVERIFY(!none);
        QVERIFY(none.errorMessage().contains(QLatin1String("no-such-vm")));
    }

    void powerDriverSwitchesTheVm()
    {
        const PowerTarget target{QStringLiteral("vm0"), vcenter_->powerParameters(QStringLiteral("DC0_H0_VM0")), {}};
        QCOMPARE(missingPowerParameters(*driver_, target.parameters), QString());
        auto state = driver_->queryPower(target);
        QVERIFY2(state, qPrintable(state.errorMessage()));
        QCOMPARE(*state, PowerState::On);
        auto off = driver_->setPower(target, false);
        QVERIFY2(off, qPrintable(off.errorMessage()));
        QCOMPARE(*driver_->queryPower(target), PowerState::Off);
        QVERIFY(driver_->setPower(target, false)); // already off: nothing to do, no InvalidPowerState
        auto boot = driver_->setNetworkBoot(target);
        QVERIFY2(boot, qPrintable(boot.errorMessage()));
        QCOMPARE(vcenter_->command(QStringLiteral("boot DC0_H0_VM0")), QStringLiteral("ok 4000"));
        auto on = driver_->setPower(target, true);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        QCOMPARE(*driver_->queryPower(target), PowerState::On);
    }

    void resetRunsItsTask()
    {
        auto session = VsphereSession::open(endpointOf(*vcenter_));
        QVERIFY(session);
        auto vm = (*session)->findVm(QString(), QStringLiteral("DC0_H0_VM1"));
        QVERIFY(vm);
        auto reset = (*session)->runVmTask(QStringLiteral("ResetVM_Task"), vm->ref);
        QVERIFY2(reset, qPrintable(reset.errorMessage()));
        QVERIFY((*session)->runVmTask(QStringLiteral("PowerOffVM_Task"), vm->ref));
        // Off already: vSphere's own refusal, through the task, in words.
        auto again = (*session)->runVmTask(QStringLiteral("PowerOffVM_Task"), vm->ref);
        QVERIFY(!again);
        QVERIFY2(again.errorMessage().contains(QLatin1String("InvalidPowerState")), qPrintable(again.errorMessage()));
        QVERIFY((*session)->runVmTask(QStringLiteral("PowerOnVM_Task"), vm->ref));
    }

    void aVmDeletedAtTheHostIsGone()
    {
        QCOMPARE(vcenter_->command(QStringLiteral("destroy DC0_C0_RP0_VM1")), QStringLiteral("ok"));
        auto session = VsphereSession::open(endpointOf(*vcenter_));
        QVERIFY(session);
        auto vms = (*session)->listVms();
        QVERIFY(vms);
        QVERIFY(!names(*vms).contains(QStringLiteral("DC0_C0_RP0_VM1")));
        auto state = driver_->queryPower(
            {QStringLiteral("gone"), vcenter_->powerParameters(QStringLiteral("DC0_C0_RP0_VM1")), {}});
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(QLatin1String("DC0_C0_RP0_VM1")), qPrintable(state.errorMessage()));
    }

    void aChangedCertificateIsRefusedWithBothFingerprints()
    {
        const QString before = vcenter_->fingerprint();
        vcenter_->stop();
        QCOMPARE(vcenter_->renewCertificate(), QString());
        QCOMPARE(vcenter_->start(), QString());
        const QString after = vcenter_->fingerprint();
        QVERIFY(before != after);
        VsphereEndpoint endpoint = endpointOf(*vcenter_);
        endpoint.fingerprint = before;
        QString presented;
        auto session = VsphereSession::open(endpoint, &presented);
        QVERIFY(!session);
        QCOMPARE(presented, after);
        QVERIFY2(session.errorMessage().contains(before) && session.errorMessage().contains(after),
                 qPrintable(session.errorMessage()));
        QVERIFY(session.errorMessage().contains(QLatin1String("changed")));
        endpoint.fingerprint = after;
        QVERIFY(VsphereSession::open(endpoint));
    }

    void freeEsxiAllowsDiscoveryOnly()
    {
        Vcsim esxi(dir_.filePath(QStringLiteral("esxi")));
        QDir().mkpath(dir_.filePath(QStringLiteral("esxi")));
        QCOMPARE(esxi.start(true), QString());
        {
            auto session = VsphereSession::open(endpointOf(esxi));
            QVERIFY2(session, qPrintable(session.errorMessage()));
            QVERIFY((*session)->isStandaloneHost());
            auto vms = (*session)->listVms();
            QVERIFY(vms);
            QCOMPARE(names(*vms), (QStringList{u"ha-host_VM0"_s, u"ha-host_VM1"_s}));
            auto allowed = (*session)->powerAllowed(*vms);
            QVERIFY2(allowed, qPrintable(allowed.errorMessage()));
            QVERIFY(*allowed); // licensed: the probe changed nothing
            QCOMPARE(
                *driver_->queryPower({QStringLiteral("h0"), esxi.powerParameters(QStringLiteral("ha-host_VM0")), {}}),
                PowerState::On);
        }
        QCOMPARE(esxi.command(QStringLiteral("restrict ha-host_VM0")), QStringLiteral("ok"));
        QCOMPARE(esxi.command(QStringLiteral("restrict ha-host_VM1")), QStringLiteral("ok"));
        auto session = VsphereSession::open(endpointOf(esxi));
        QVERIFY(session);
        auto vms = (*session)->listVms(); // reads still work
        QVERIFY2(vms, qPrintable(vms.errorMessage()));
        QCOMPARE(vms->size(), 2);
        auto allowed = (*session)->powerAllowed(*vms);
        QVERIFY2(allowed, qPrintable(allowed.errorMessage()));
        QVERIFY(!*allowed);
        const PowerTarget target{QStringLiteral("h0"), esxi.powerParameters(QStringLiteral("ha-host_VM0")), {}};
        auto off = driver_->setPower(target, false);
        QVERIFY(!off);
        QVERIFY2(off.errorMessage().contains(QLatin1String("discovery only")), qPrintable(off.errorMessage()));
        QVERIFY(!off.error().retryable);
        QCOMPARE(*driver_->queryPower(target), PowerState::On);
    }

private:
    QTemporaryDir dir_;
    std::unique_ptr<Vcsim> vcenter_;
    std::shared_ptr<const PowerDrivers> drivers_;
    const PowerDriver *driver_ = nullptr;
};

QTEST_GUILESS_MAIN(TestVsphereSession)
#include "tst_vspheresession.moc"
