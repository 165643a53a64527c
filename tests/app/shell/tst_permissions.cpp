// The window shows what core allows, and nothing else: for every lifecycle action, role, status and
// power driver, the Take action menu against the action table; for every capability and kind of
// user, the widgets that offer it against core's answer. Then core's writers themselves refuse
// what a plain user may not do, whatever a widget shows.
#include "app/machines/machinedetails.h"
#include "app/machines/machinepowertab.h"
#include "app/machines/machinespage.h"
#include "app/machines/takeactionmenu.h"
#include "app/network/networkpage.h"
#include "app/shell/mainwindow.h"
#include "app/users/userspage.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/lifecycle/permissions.h"
#include "core/machines/labelstore.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "guitest.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTableWidget>
#include <QToolButton>
#include <QtTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestPermissions : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void takeActionOffersWhatTheTableAllows();
    void pagesOfferWhatCoreAllows();
    void coreRefusesWhatAPlainUserMayNotDo();

private:
    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    ServiceHost host_;
    Actor admin_;
    Actor alice_;
};

void TestPermissions::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(u"tst_permissions"_s, settingsDir_.path(), true));
}

void TestPermissions::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    UserStore users(core_->db, 1000);
    auto admin = users.createUser(u"admin"_s, {}, u"pw"_s, true);
    auto alice = users.createUser(u"alice"_s, {}, u"pw"_s, false);
    QVERIFY(admin && alice);
    admin_ = {admin->id, admin->username, true};
    alice_ = {alice->id, alice->username, false};
}

void TestPermissions::cleanup()
{
    core_.reset();
    dir_.reset();
}

void TestPermissions::takeActionOffersWhatTheTableAllows()
{
    // Every status, owned by alice, by somebody else or by nobody, with and without a power driver,
    // as seen by the administrator and by alice: the menu has exactly the offered actions.
    TakeActionMenu menu;
    int compared = 0;
    for (NodeStatus status : allNodeStatuses()) {
        for (std::optional<qint64> owner : {std::optional<qint64>(), std::optional<qint64>(alice_.userId),
                                            std::optional<qint64>(alice_.userId + 100)}) {
            for (bool powered : {false, true}) {
                Machine m;
                m.systemId = u"abc123"_s;
                m.status = status;
                m.ownerId = owner;
                m.powerType = powered ? u"manual"_s : QString();
                for (const Actor &who : {admin_, alice_}) {
                    menu.setMachines({m}, who);
                    const ActionContext context{status, LifecycleEngine::roleOf(m, who), powered};
                    for (const NodeActionSpec &spec : nodeActionTable()) {
                        QAction *entry = menu.findChild<QAction *>(u"action-"_s + QLatin1String(spec.name));
                        const bool shown = entry && entry->isEnabled() && menu.actions().contains(entry);
                        QVERIFY2(shown == isActionOffered(spec.action, context),
                                 qPrintable(u"%1 in %2 for %3 (%4)"_s.arg(QLatin1String(spec.name),
                                                                          nodeStatusName(status), who.username,
                                                                          QLatin1String(roleName(context.role)))));
                        ++compared;
                    }
                }
            }
        }
    }
    QCOMPARE(compared, NodeStatusCount * 3 * 2 * 2 * int(nodeActionTable().size()));
}

void TestPermissions::pagesOfferWhatCoreAllows()
{
    NewMachine spec;
    spec.macAddresses = {u"52:54:00:aa:00:01"_s};
    spec.powerType = u"manual"_s;
    auto machine = core_->engine->createMachine(spec, admin_);
    QVERIFY2(machine, qPrintable(machine.errorMessage()));
    for (const std::optional<Actor> &who : {std::optional<Actor>(admin_), std::optional<Actor>(alice_)}) {
        MainWindow window(*core_, host_);
        window.setUser(*who);
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString name = who->username;
        // Add machine.
        window.showPage(window.machinesPage());
        auto *addMachine = window.findChild<QToolButton *>(u"addMachine"_s);
        QVERIFY(addMachine);
        QCOMPARE(addMachine->isVisible(), isAllowed(Capability::AddMachine, *who));
        // Users: adding, seeing the others, one's own keys.
        window.showPage(window.usersPage());
        QCOMPARE(window.findChild<QPushButton *>(u"addUser"_s)->isVisible(), isAllowed(Capability::AddUser, *who));
        auto *users = window.findChild<QTableWidget *>(u"userTable"_s);
        QVERIFY(users);
        QCOMPARE(users->rowCount() == 2, isAllowed(Capability::SeeOtherUsers, *who));
        QCOMPARE(window.findChild<QPushButton *>(u"createKey"_s)->isEnabled(),
                 isAllowed(Capability::ManageOwnApiKeys, *who));
        // The boot network.
        window.showPage(window.networkPage());
        auto *apply = window.networkPage()->findChild<QPushButton *>(u"applyButton"_s);
        QCOMPARE(apply->isVisible(), isAllowed(Capability::ChangeSettings, *who));
        for (const char *field : {"bootInterface", "modeManaged", "modeProxy"})
            QVERIFY2(window.networkPage()->findChild<QWidget *>(QLatin1String(field))->isEnabled() ==
                         isAllowed(Capability::ChangeSettings, *who),
                     qPrintable(name + u' ' + QLatin1String(field)));
        if (!isAllowed(Capability::ChangeSettings, *who)) // read only, and it says why
            QCOMPARE(window.networkPage()->findChild<QLabel *>(u"applyResult"_s)->text(),
                     u"Only administrators can change MetalDesk's settings."_s);
        QVERIFY(window.grab().save(u"" SCREENSHOT_DIR "/permissions-network-%1-en.png"_s.arg(name)));
        // A machine's power settings.
        MachinePowerTab power(*core_);
        power.setUser(*who);
        power.showMachine(*machine);
        power.show();
        QCOMPARE(power.findChild<QPushButton *>(u"savePower"_s)->isVisibleTo(&power),
                 isAllowed(Capability::EditPowerSettings, *who));
        QCOMPARE(power.findChild<QWidget *>(u"powerType"_s)->isEnabled(),
                 isAllowed(Capability::EditPowerSettings, *who));
        // A machine's zone, pool and tags.
        MachineDetails details(*core_);
        details.setUser(*who);
        details.showMachine(machine->systemId);
        details.show();
        QCOMPARE(details.findChild<QPushButton *>(u"editPlacement"_s)->isVisibleTo(&details),
                 isAllowed(Capability::EditMachineLabels, *who));
    }
}

void TestPermissions::coreRefusesWhatAPlainUserMayNotDo()
{
    // Whatever a widget shows, the writers refuse on their own.
    NewMachine spec;
    spec.macAddresses = {u"52:54:00:aa:00:02"_s};
    auto added = core_->engine->createMachine(spec, alice_);
    QVERIFY(!added);
    QCOMPARE(added.errorMessage(), u"only administrators can add machines"_s);
    auto machine = core_->engine->createMachine(spec, admin_);
    QVERIFY(machine);
    auto power = core_->power->saveSettings(alice_, machine->systemId, u"manual"_s, {});
    QVERIFY(!power);
    QCOMPARE(power.errorMessage(), u"only administrators can change the power settings"_s);
    auto user = core_->users->addUser(alice_, u"mallory"_s, {}, u"pw"_s, true);
    QVERIFY(!user);
    QCOMPARE(user.errorMessage(), u"only administrators can add users"_s);
    QVERIFY(!core_->users->find(u"mallory"_s)); // not created
    // The administrator may; bad settings are still refused with the reason.
    QVERIFY(core_->power->saveSettings(admin_, machine->systemId, u"manual"_s, {}));
    auto unknown = core_->power->saveSettings(admin_, machine->systemId, u"teleport"_s, {});
    QVERIFY(!unknown);
    QCOMPARE(unknown.errorMessage(), u"there is no power driver 'teleport'"_s);
    auto stray =
        core_->power->saveSettings(admin_, machine->systemId, u"manual"_s, QJsonObject{{u"power_pass"_s, u"x"_s}});
    QVERIFY(!stray);
    QVERIFY2(stray.errorMessage().contains(u"has no setting 'power_pass'"_s), qPrintable(stray.errorMessage()));
    auto missing = core_->power->saveSettings(admin_, machine->systemId, u"ipmi"_s, {});
    QVERIFY(!missing);
    // A setting with a fixed set of values takes only those (the window offers them as a list).
    auto privilege =
        core_->power->saveSettings(admin_, machine->systemId, u"ipmi"_s,
                                   QJsonObject{{u"power_address"_s, u"10.0.0.9"_s}, {u"privilege_level"_s, u"ROOT"_s}});
    QVERIFY(!privilege);
    QCOMPARE(privilege.errorMessage(), u"Privilege cannot be 'ROOT' (it takes USER, OPERATOR, ADMIN)"_s);
    QVERIFY(core_->machines->get(machine->systemId)->powerType == u"manual"_s); // nothing half-written
    LabelStore labels(core_->db, core_->feed.get());
    auto placed = labels.place(alice_, machine->systemId, {u"default"_s, std::nullopt, QStringList{u"gpu"_s}});
    QVERIFY(!placed);
    QCOMPARE(placed.errorMessage(), u"only administrators can change zones, resource pools and tags"_s);
    QVERIFY(!labels.addZone(alice_, u"rack1"_s));
    // An administrator's change with one bad member writes none of it.
    auto partly = labels.place(admin_, machine->systemId, {u"default"_s, u"nowhere"_s, QStringList{u"gpu"_s}});
    QVERIFY(!partly);
    QCOMPARE(partly.errorMessage(), u"there is no resource pool 'nowhere'"_s);
    QVERIFY(core_->machines->get(machine->systemId)->tags.isEmpty());
}

QTEST_MAIN(TestPermissions)
#include "tst_permissions.moc"
