// Take action on many machines at once: what is taken, what is refused and why, and the options
// stored for the machines the action was taken on (and only for those).

#include "core/lifecycle/actionrunner.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "machinesin.h"

#include <QTemporaryDir>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;
using S = NodeStatus;

class TestActionRunner : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> tmp_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_, alice_;

    Machine create(const QString &hostname, S status)
    {
        NewMachine spec;
        spec.hostname = hostname;
        auto m = testing::machineIn(*core_, spec, status, admin_, admin_);
        if (!m)
            qFatal("%s", qPrintable(m.errorMessage()));
        return *m;
    }
    Machine reread(const Machine &m) const { return *core_->machines->get(m.systemId); }
    NodeSettings settingsOf(const Machine &m) const { return *NodeSettingsStore(core_->db).get(m.systemId); }

private slots:
    void init()
    {
        tmp_ = std::make_unique<QTemporaryDir>();
        QVERIFY(tmp_->isValid());
        auto core = CoreServices::open(DatabaseSpec::sqlite(tmp_->filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        UserStore users(core_->db, 1000);
        auto admin = users.createUser(u"admin"_s, {}, u"pw"_s, true);
        auto alice = users.createUser(u"alice"_s, {}, u"pw"_s, false);
        QVERIFY(admin && alice);
        admin_ = {admin->id, admin->username, true};
        alice_ = {alice->id, alice->username, false};
    }
    void cleanup() { core_.reset(); }

    void takesTheActionWhereOfferedAndSaysWhyNotElsewhere()
    {
        const Machine fresh = create(u"fresh"_s, S::New);
        const Machine ready = create(u"ready"_s, S::Ready);
        const Machine deployed = create(u"deployed"_s, S::Deployed);
        ActionRequest commission{NodeAction::Commission};
        commission.keepPoweredOn = true;
        const QList<ActionOutcome> outcomes =
            ActionRunner(*core_->engine).run({fresh, ready, deployed}, commission, admin_);
        QCOMPARE(outcomes.size(), 3);
        QVERIFY(outcomes[0].taken() && outcomes[1].taken());
        QCOMPARE(outcomes[2].hostname, u"deployed"_s);
        QCOMPARE(outcomes[2].refusal, u"cannot commission: machine is Deployed"_s);
        QCOMPARE(reread(fresh).status, S::Commissioning);
        QCOMPARE(reread(ready).status, S::Commissioning);
        QCOMPARE(reread(deployed).status, S::Deployed);
        // The option went with the action, and only where it was taken.
        QVERIFY(settingsOf(fresh).keepPoweredOn);
        QVERIFY(settingsOf(ready).keepPoweredOn);
        QVERIFY(!settingsOf(deployed).keepPoweredOn);
    }

    void refusesAPlainUserWhatOnlyAdministratorsMay()
    {
        const Machine ready = create(u"ready"_s, S::Ready);
        const auto outcomes = ActionRunner(*core_->engine).run({ready}, {NodeAction::Commission}, alice_);
        QCOMPARE(outcomes.size(), 1);
        QCOMPARE(outcomes[0].refusal, u"cannot commission: only an administrator may"_s);
        QCOMPARE(reread(ready).status, S::Ready);
    }

    void deploysWithTheChosenImageAndUserData()
    {
        const Machine ready = create(u"ready"_s, S::Ready);
        ActionRequest deploy{NodeAction::Deploy};
        deploy.deploy = DeploySettings{};
        deploy.deploy->imageUrl = u"images/debian-12.img.xz"_s;
        deploy.deploy->userData = u"#cloud-config\nruncmd: [[touch, /root/hello]]\n"_s;
        const auto outcomes = ActionRunner(*core_->engine).run({ready}, deploy, alice_);
        QVERIFY2(outcomes[0].taken(), qPrintable(outcomes[0].refusal));
        const Machine after = reread(ready);
        QCOMPARE(after.status, S::Deploying);
        QCOMPARE(after.owner, u"alice"_s); // deploying from Ready acquires it
        QCOMPARE(settingsOf(ready).deploy.imageUrl, u"images/debian-12.img.xz"_s);
        QCOMPARE(settingsOf(ready).deploy.userData, deploy.deploy->userData);
    }

    // Security review L3: alice's list still shows the machine Ready, but admin has deployed it
    // since. Her Deploy is refused, and the settings of admin's deployment stay as they are.
    void aRefusedDeployLeavesTheDeploymentInProgressAlone()
    {
        const Machine listed = create(u"ready"_s, S::Ready);
        ActionRequest mine{NodeAction::Deploy};
        mine.deploy = DeploySettings{};
        mine.deploy->imageUrl = u"images/debian-12.img.xz"_s;
        mine.deploy->userData = u"#cloud-config\n"_s;
        const auto taken = ActionRunner(*core_->engine).run({listed}, mine, admin_);
        QVERIFY2(taken[0].taken(), qPrintable(taken[0].refusal));

        ActionRequest hers{NodeAction::Deploy};
        hers.deploy = DeploySettings{};
        hers.deploy->imageUrl = u"http://10.0.0.9/other.img"_s;
        hers.deploy->userData = u"#cloud-config\nruncmd: [[reboot]]\n"_s;
        hers.deploy->staticAddress = u"10.99.0.77/24"_s;
        const auto refused = ActionRunner(*core_->engine).run({listed}, hers, alice_);
        QVERIFY(!refused[0].taken());
        QVERIFY2(refused[0].refusal.contains(u"Deploying"_s), qPrintable(refused[0].refusal));
        const NodeSettings kept = settingsOf(listed);
        QCOMPARE(kept.deploy.imageUrl, u"images/debian-12.img.xz"_s);
        QCOMPARE(kept.deploy.userData, u"#cloud-config\n"_s);
        QCOMPARE(kept.deploy.staticAddress, QString());

        // A refused Commission and Release leave theirs alone too.
        ActionRequest commission{NodeAction::Commission};
        commission.keepPoweredOn = true;
        QVERIFY(!ActionRunner(*core_->engine).run({listed}, commission, admin_)[0].taken());
        QVERIFY(!settingsOf(listed).keepPoweredOn);
    }

    void badOptionsRefuseEveryMachineAndStoreNothing()
    {
        const Machine ready = create(u"ready"_s, S::Ready);
        ActionRequest deploy{NodeAction::Deploy};
        deploy.deploy = DeploySettings{};
        deploy.deploy->imageUrl = u"ftp://example.org/image.raw"_s;
        const auto outcomes = ActionRunner(*core_->engine).run({ready, ready}, deploy, admin_);
        QCOMPARE(outcomes.size(), 2);
        for (const ActionOutcome &o : outcomes)
            QVERIFY2(o.refusal.contains(u"should start with http:// or https://"_s), qPrintable(o.refusal));
        QCOMPARE(reread(ready).status, S::Ready);
        QCOMPARE(settingsOf(ready).deploy.imageUrl, QString());

        ActionRequest release{NodeAction::Release};
        release.eraseMode = u"thorough"_s;
        QCOMPARE(ActionRunner::validate(release), u"unknown erase mode 'thorough' (expected quick or secure)"_s);
    }

    void releasesWithTheChosenErasing()
    {
        const Machine deployed = create(u"deployed"_s, S::Deployed);
        const Machine allocated = create(u"allocated"_s, S::Allocated);
        ActionRequest release{NodeAction::Release};
        release.eraseMode = u"secure"_s;
        const auto outcomes = ActionRunner(*core_->engine).run({deployed}, release, admin_);
        QVERIFY2(outcomes[0].taken(), qPrintable(outcomes[0].refusal));
        QCOMPARE(reread(deployed).status, S::DiskErasing);
        QCOMPARE(settingsOf(deployed).eraseMode, u"secure"_s);
        // Without erasing: straight to Releasing, the stored mode untouched.
        const auto plain = ActionRunner(*core_->engine).run({allocated}, {NodeAction::Release}, admin_);
        QVERIFY2(plain[0].taken(), qPrintable(plain[0].refusal));
        QCOMPARE(reread(allocated).status, S::Releasing);
        QCOMPARE(settingsOf(allocated).eraseMode, QString());
    }

    void aMachineGoneSinceTheListWasReadIsRefusedNotFatal()
    {
        const Machine gone = create(u"gone"_s, S::Ready);
        const Machine ready = create(u"ready"_s, S::Ready);
        QVERIFY(core_->engine->performAction(gone.systemId, NodeAction::Delete, admin_));
        const auto outcomes = ActionRunner(*core_->engine).run({gone, ready}, {NodeAction::Acquire}, alice_);
        QVERIFY(!outcomes[0].taken());
        QVERIFY2(outcomes[1].taken(), qPrintable(outcomes[1].refusal));
        QCOMPARE(reread(ready).owner, u"alice"_s);
    }
};

QTEST_GUILESS_MAIN(TestActionRunner)
#include "tst_actionrunner.moc"
