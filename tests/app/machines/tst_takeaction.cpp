// Take action on the Machines page, offscreen, over a real SQLite database, as a person does it:
// signing in, selecting machines, the
// menu offering what the lifecycle table allows that user, each action's dialog and its options,
// and the line that says what was done and what was refused. Screenshots in English and Korean.
#include "app/machines/actiondialog.h"
#include "app/machines/addmachinedialog.h"
#include "app/machines/machinespage.h"
#include "app/machines/machinetablemodel.h"
#include "app/machines/takeactionmenu.h"
#include "app/shell/mainwindow.h"
#include "app/shell/signindialog.h"
#include "core/images/bootimagestore.h"
#include "core/machines/nodesettings.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/users/userstore.h"
#include "ipmisim.h"
#include "machinesin.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <functional>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;
using S = NodeStatus;

class TestTakeAction : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void signsInOnlyWithTheRightPassword();
    void staysClosedUntilSignedInAndMachinesAreSelected();
    void offersAnAdministratorWhatTheTableAllows();
    void offersAPlainUserOnlyWhatIsTheirs();
    void opensFromTheKeyboardOnTheList();
    void commissionsSomeAndSaysWhichWereRefused();
    void deploysWithTheImageAndUserDataChosen();
    void refusesABadImageAsYouType();
    void releasesWithQuickErase();
    void addsAMachineByHandAndSwitchesItOnAndOff();
    void fitsLongerTranslatedTextsInAKoreanFont();
    void speaksKoreanWithTheShippedTranslation();

private:
    void populate();
    void showWindow(const QString &username);
    void select(const QStringList &hostnames);
    // Opens the Take action menu for the selection, as the button does, and returns it.
    TakeActionMenu *openMenu();
    QStringList menuEntries(TakeActionMenu *menu) const;
    // Chooses `entry` in the open menu; `fill` then works the action's dialog (it is modal) and
    // decides how it ends.
    void choose(TakeActionMenu *menu, const QString &entry, const std::function<void(ActionDialog *)> &fill);
    void verifyDialogFits(QDialog *dialog);
    // Runs `open`, which opens a modal Dialog, and works it with `fill` from the event loop the
    // dialog runs; a dialog `fill` left open is rejected. False when no such dialog opened.
    template <typename Dialog>
    bool workModal(const std::function<void()> &open, const std::function<void(Dialog *)> &fill)
    {
        bool filled = false;
        QTimer::singleShot(0, this, [&] {
            auto *dialog = qobject_cast<Dialog *>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            if (!QTest::qWaitForWindowExposed(dialog))
                qWarning("the dialog was not exposed");
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
            filled = true;
            fill(dialog);
            if (dialog->isVisible())
                dialog->reject(); // a failed check above left it open
        });
        open();
        return filled;
    }
    // Opens Add machine with Ctrl+N, as an administrator does; `fill` works the (modal) dialog.
    void addMachine(const std::function<void(AddMachineDialog *)> &fill);
    Actor actor(const QString &username) const;
    S statusOf(const QString &hostname) const;
    QString text(const char *objectName) const;

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    ServiceHost host_;
    std::unique_ptr<MainWindow> window_;
    QHash<QString, User> users_;
    QHash<QString, QString> ids_;
    QTableView *table_ = nullptr;
    QToolButton *button_ = nullptr;
};

void TestTakeAction::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(QStringLiteral("tst_takeaction"), settingsDir_.path(), false));
}

void TestTakeAction::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
}

void TestTakeAction::cleanup()
{
    window_.reset();
    core_.reset();
    dir_.reset();
    users_.clear();
    ids_.clear();
}

Actor TestTakeAction::actor(const QString &username) const
{
    const User &u = users_[username];
    return {u.id, u.username, u.isAdmin};
}

S TestTakeAction::statusOf(const QString &hostname) const
{
    auto m = core_->machines->get(ids_.value(hostname));
    return m ? m->status : S(-1);
}

QString TestTakeAction::text(const char *objectName) const
{
    for (QWidget *top : QApplication::topLevelWidgets())
        if (auto *label = top->findChild<QLabel *>(QLatin1String(objectName)); label && label->isVisible())
            return label->text();
    return QStringLiteral("<no visible %1>").arg(QLatin1String(objectName));
}

// An administrator and two users; machines in the statuses a lab has, bob owning the deployed one.
void TestTakeAction::populate()
{
    UserStore users(core_->db, 1000); // few hash iterations: fast tests
    for (const auto &[name, admin] : {std::pair{"admin", true}, {"alice", false}, {"bob", false}}) {
        auto user = users.createUser(QLatin1String(name), {}, QStringLiteral("pw"), admin);
        QVERIFY2(user, qPrintable(user.errorMessage()));
        users_.insert(user->username, *user);
    }
    const struct {
        const char *name;
        S status;
        const char *owner;
    } machines[] = {{"amber-falcon", S::New, "admin"},   {"brisk-otter", S::Commissioning, "admin"},
                    {"calm-heron", S::Ready, "admin"},   {"dusty-lynx", S::Ready, "admin"},
                    {"humble-wolf", S::Deployed, "bob"}, {"node-2", S::FailedDeployment, "alice"}};
    for (const auto &m : machines) {
        NewMachine spec;
        spec.hostname = QLatin1String(m.name);
        auto made =
            testing::machineIn(*core_, spec, m.status, actor(QStringLiteral("admin")), actor(QLatin1String(m.owner)));
        QVERIFY2(made, qPrintable(made.errorMessage()));
        ids_.insert(made->hostname, made->systemId);
    }
    // The catalogue Deploy offers: one deployable image with the previous version an import kept,
    // and one still being imported (not offered).
    BootImageStore images(core_->db);
    for (const auto &[name, title, state] : {std::tuple{"debian/bookworm", "Debian 12", "previous"},
                                             std::tuple{"debian/bookworm", "Debian 12", "deployable"},
                                             std::tuple{"debian/trixie", "Debian 13", "importing"}}) {
        BootImage image;
        image.name = QLatin1String(name);
        image.title = QLatin1String(title);
        image.architecture = u"amd64"_s;
        image.firmware = {u"bios"_s, u"uefi"_s};
        image.format = u"raw.xz"_s;
        image.state = QLatin1String(state);
        image.version = image.isPrevious() ? u"20261101"_s : QString();
        image.location = u"images/"_s + image.name.section(u'/', 1) + image.version + u".img.xz"_s;
        auto added = images.add(actor(u"admin"_s), image);
        QVERIFY2(added, qPrintable(added.errorMessage()));
    }
}

void TestTakeAction::showWindow(const QString &username)
{
    window_ = std::make_unique<MainWindow>(*core_, host_);
    if (!username.isEmpty())
        window_->setUser(actor(username));
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    table_ = window_->findChild<QTableView *>(QStringLiteral("machineTable"));
    button_ = window_->findChild<QToolButton *>(QStringLiteral("takeAction"));
    QVERIFY(table_ && button_);
}

void TestTakeAction::select(const QStringList &hostnames)
{
    table_->clearSelection();
    QAbstractItemModel *model = table_->model();
    for (int row = 0; row < model->rowCount(); ++row)
        if (hostnames.contains(model->index(row, MachineTableModel::NameColumn).data().toString()))
            table_->selectionModel()->select(model->index(row, 0),
                                             QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QCOMPARE(window_->machinesPage()->selectedMachines().size(), hostnames.size());
}

TakeActionMenu *TestTakeAction::openMenu()
{
    auto *menu = qobject_cast<TakeActionMenu *>(button_->menu());
    if (!menu || !button_->isEnabled())
        return nullptr;
    menu->popup(button_->mapToGlobal(QPoint(0, button_->height())));
    return menu->isVisible() ? menu : nullptr;
}

QStringList TestTakeAction::menuEntries(TakeActionMenu *menu) const
{
    QStringList entries;
    for (QAction *a : menu->actions())
        if (!a->isSeparator())
            entries << (a->objectName().isEmpty() ? a->text() : a->objectName() + QLatin1Char('=') + a->text());
    return entries;
}

void TestTakeAction::choose(TakeActionMenu *menu, const QString &entry, const std::function<void(ActionDialog *)> &fill)
{
    QVERIFY2(menu, "the Take action menu did not open");
    QAction *chosen = nullptr;
    for (QAction *a : menu->actions())
        if (a->objectName() == entry)
            chosen = a;
    QVERIFY2(chosen, qPrintable(entry + QStringLiteral(" is not in the menu: ") + menuEntries(menu).join(u", ")));
    menu->hide();
    QVERIFY2(workModal<ActionDialog>([chosen] { chosen->trigger(); }, fill), "no action dialog opened");
}

void TestTakeAction::verifyDialogFits(QDialog *dialog)
{
    for (QLabel *label : dialog->findChildren<QLabel *>()) {
        if (!label->isVisible() || label->text().isEmpty())
            continue;
        if (label->wordWrap())
            QVERIFY2(label->height() >= label->heightForWidth(label->width()), qPrintable(label->text()));
        else
            QVERIFY2(label->width() >= label->sizeHint().width(), qPrintable(label->text()));
    }
    for (QAbstractButton *button : dialog->findChildren<QAbstractButton *>())
        if (button->isVisible())
            QVERIFY2(button->width() >= button->sizeHint().width(), qPrintable(button->text()));
    for (QComboBox *combo : dialog->findChildren<QComboBox *>())
        QVERIFY2(combo->width() >= combo->sizeHint().width(), qPrintable(combo->currentText()));
    QVERIFY(dialog->width() <= 1280);
}

void TestTakeAction::addMachine(const std::function<void(AddMachineDialog *)> &fill)
{
    // A window shortcut: the window must be the active one again after the dialogs before.
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    QVERIFY2(workModal<AddMachineDialog>([this] { QTest::keySequence(window_.get(), QKeySequence::New); }, fill),
             "Ctrl+N opened no Add machine dialog");
}

void TestTakeAction::signsInOnlyWithTheRightPassword()
{
    populate();
    SignInDialog dialog(*core_->users);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(!dialog.findChild<QLineEdit *>(QStringLiteral("repeatPassword")));
    auto *password = dialog.findChild<QLineEdit *>(QStringLiteral("password"));
    QTest::keyClicks(dialog.findChild<QLineEdit *>(QStringLiteral("username")), QStringLiteral("alice"));
    QTest::keyClicks(password, QStringLiteral("wrong"));
    QTest::keyClick(password, Qt::Key_Return);
    QVERIFY(dialog.isVisible());
    QCOMPARE(text("signInProblem"), QStringLiteral("Wrong user name or password."));
    QVERIFY(dialog.grab().save(QStringLiteral(SCREENSHOT_DIR "/sign-in-refused-en.png")));
    // The password is selected: typing replaces it.
    QTest::keyClicks(password, QStringLiteral("pw"));
    QTest::keyClick(password, Qt::Key_Return);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.user().userId, users_[QStringLiteral("alice")].id);
    QVERIFY(!dialog.user().isAdmin);
}

void TestTakeAction::staysClosedUntilSignedInAndMachinesAreSelected()
{
    populate();
    showWindow({});
    select({QStringLiteral("calm-heron")});
    QVERIFY(!button_->isEnabled());
    QCOMPARE(button_->toolTip(), QStringLiteral("Sign in to take actions on machines"));
    // The reason is on the status bar too, where the pointer over the button puts it.
    QCOMPARE(button_->statusTip(), button_->toolTip());
    auto *account = window_->findChild<QToolButton *>(QStringLiteral("accountButton"));
    QCOMPARE(account->text(), QStringLiteral("Not signed in: sign in to act"));
    window_->setUser(actor(QStringLiteral("alice")));
    QVERIFY(button_->isEnabled());
    QCOMPARE(account->text(), QStringLiteral("Signed in as alice"));
    table_->clearSelection();
    QVERIFY(!button_->isEnabled());
    QCOMPARE(button_->toolTip(), QStringLiteral("Select one or more machines first"));

    // Sign out from the Account menu: the list stays, acting does not.
    select({QStringLiteral("calm-heron")});
    auto *signOut = window_->findChild<QAction *>(QStringLiteral("signOut"));
    QVERIFY(signOut->isEnabled());
    signOut->trigger();
    QVERIFY(!button_->isEnabled());
    QVERIFY(!signOut->isEnabled());
    QCOMPARE(account->text(), QStringLiteral("Not signed in: sign in to act"));
    // And in again, as bob.
    QVERIFY2(workModal<SignInDialog>([this] { window_->findChild<QAction *>(QStringLiteral("signIn"))->trigger(); },
                                     [](SignInDialog *dialog) {
                                         QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("username")),
                                                          QStringLiteral("bob"));
                                         auto *password = dialog->findChild<QLineEdit *>(QStringLiteral("password"));
                                         QTest::keyClicks(password, QStringLiteral("pw"));
                                         QTest::keyClick(password, Qt::Key_Return);
                                     }),
             "Sign in opened no dialog");
    QCOMPARE(account->text(), QStringLiteral("Signed in as bob"));
    QVERIFY(button_->isEnabled());
}

void TestTakeAction::offersAnAdministratorWhatTheTableAllows()
{
    populate();
    showWindow(QStringLiteral("admin"));
    select({QStringLiteral("amber-falcon"), QStringLiteral("calm-heron"), QStringLiteral("humble-wolf")});
    TakeActionMenu *menu = openMenu();
    QVERIFY(menu);
    // No power driver is set: no power entries. Deploying and releasing apply to some only.
    QCOMPARE(
        menuEntries(menu),
        QStringList({QStringLiteral("action-commission=Commission (2 of 3)..."),
                     QStringLiteral("action-acquire=Acquire (1 of 3)..."),
                     QStringLiteral("action-deploy=Deploy (1 of 3)..."),
                     QStringLiteral("action-release=Release (1 of 3)..."), QStringLiteral("action-test=Test..."),
                     QStringLiteral("action-rescue-mode=Enter rescue mode..."),
                     QStringLiteral("action-mark-broken=Mark broken..."), QStringLiteral("action-delete=Delete...")}));
    QVERIFY(menu->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-menu-en.png")));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-en.png")));
    menu->hide();
}

void TestTakeAction::offersAPlainUserOnlyWhatIsTheirs()
{
    populate();
    showWindow(QStringLiteral("alice"));
    // Ready: hers to take. Deployed by bob: not hers. Failed deployment: hers.
    select({QStringLiteral("calm-heron"), QStringLiteral("humble-wolf"), QStringLiteral("node-2")});
    TakeActionMenu *menu = openMenu();
    QVERIFY(menu);
    QCOMPARE(menuEntries(menu), QStringList({QStringLiteral("action-acquire=Acquire (1 of 3)..."),
                                             QStringLiteral("action-deploy=Deploy (1 of 3)..."),
                                             QStringLiteral("action-release=Release (1 of 3)..."),
                                             QStringLiteral("action-mark-broken=Mark broken (1 of 3)...")}));
    menu->hide();
    // Only bob's machine: nothing is open to her.
    select({QStringLiteral("humble-wolf")});
    menu = openMenu();
    QVERIFY(menu);
    QCOMPARE(menuEntries(menu), QStringList{QStringLiteral("No action is open to you for the selected machines")});
    QVERIFY(!menu->actions().first()->isEnabled());
    menu->hide();
}

void TestTakeAction::opensFromTheKeyboardOnTheList()
{
    populate();
    showWindow(QStringLiteral("admin"));
    select({QStringLiteral("calm-heron")});
    table_->setFocus();
    // The Menu key opens the same menu where the list is. (The X11 platform turns that key into
    // a keyboard context menu event for the focused widget; the offscreen one does not, so the
    // test sends that event itself.)
    QContextMenuEvent menuKey(QContextMenuEvent::Keyboard, QPoint(10, 10), table_->mapToGlobal(QPoint(10, 10)));
    QApplication::sendEvent(table_, &menuKey);
    auto *menu = qobject_cast<TakeActionMenu *>(button_->menu());
    QTRY_VERIFY(menu->isVisible());
    QVERIFY(menuEntries(menu).contains(QStringLiteral("action-commission=Commission...")));
    menu->hide();
    // And the button has its mnemonic.
    QCOMPARE(button_->text(), QStringLiteral("&Take action"));
}

void TestTakeAction::commissionsSomeAndSaysWhichWereRefused()
{
    populate();
    showWindow(QStringLiteral("admin"));
    const QStringList four{QStringLiteral("amber-falcon"), QStringLiteral("brisk-otter"), QStringLiteral("calm-heron"),
                           QStringLiteral("dusty-lynx")};
    select(four);
    choose(openMenu(), QStringLiteral("action-commission"), [&](ActionDialog *dialog) {
        QCOMPARE(dialog->windowTitle(), QStringLiteral("Commission"));
        QCOMPARE(text("actionMachines"),
                 QStringLiteral("Commission 3 machines: amber-falcon, calm-heron, dusty-lynx."));
        QCOMPARE(text("actionRefused"), QStringLiteral("Not taken on 1 of the selected machines:\n"
                                                       "brisk-otter: cannot commission: machine is Commissioning"));
        auto *keep = dialog->findChild<QCheckBox *>(QStringLiteral("keepPoweredOn"));
        QVERIFY(keep && !keep->isChecked());
        QTest::mouseClick(keep, Qt::LeftButton, {}, QPoint(5, keep->height() / 2));
        QVERIFY(keep->isChecked());
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-commission-en.png")));
        auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm"));
        QCOMPARE(confirm->text(), QStringLiteral("Commission 3 machines"));
        QTest::mouseClick(confirm, Qt::LeftButton);
    });
    // Taken off the GUI thread; the line above the list says what began, and what was not taken and why.
    QTRY_COMPARE(text("actionResult"), QStringLiteral("Commission: started for 3 of 4 machines.\nNot taken:\n"
                                                      "brisk-otter: cannot commission: machine is Commissioning"));
    for (const QString &name : QStringList{u"amber-falcon"_s, u"calm-heron"_s, u"dusty-lynx"_s}) {
        QCOMPARE(statusOf(name), S::Commissioning);
        QVERIFY(NodeSettingsStore(core_->db).get(ids_[name])->keepPoweredOn);
    }
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-result-en.png")));
    // The list follows: the statuses change where the user looks.
    QTRY_VERIFY(table_->model()
                    ->index(0, MachineTableModel::StatusColumn)
                    .data()
                    .toString()
                    .startsWith(QStringLiteral("Commissioning · ")));
}

void TestTakeAction::deploysWithTheImageAndUserDataChosen()
{
    populate();
    showWindow(QStringLiteral("alice"));
    select({QStringLiteral("calm-heron"), QStringLiteral("dusty-lynx")});
    const QString userData = QStringLiteral("#cloud-config\nruncmd:\n  - [touch, /root/hello]\n");
    choose(openMenu(), QStringLiteral("action-deploy"), [&](ActionDialog *dialog) {
        auto *image = dialog->findChild<QComboBox *>(QStringLiteral("deployImage"));
        auto *data = dialog->findChild<QPlainTextEdit *>(QStringLiteral("deployUserData"));
        QVERIFY(image && data);
        // The keyboard starts on the image, and Tab goes on to the user data.
        QCOMPARE(dialog->focusWidget(), image);
        QTest::keyClick(image, Qt::Key_Tab);
        QCOMPARE(dialog->focusWidget(), data);
        image->setFocus();
        // The catalogue's deployable image, its previous version (not the one still importing),
        // then the way to another.
        QCOMPARE(image->count(), 3);
        QCOMPARE(image->itemText(0), u"Debian 12 — amd64/generic"_s);
        QCOMPARE(image->itemText(1), u"Debian 12 — amd64/generic, previous version 20261101"_s);
        QCOMPARE(image->currentIndex(), 0);
        QVERIFY(!dialog->findChild<QLineEdit *>(QStringLiteral("deployImageUrl"))->isVisible());
        data->setFocus();
        for (const QString &line : userData.split(u'\n', Qt::SkipEmptyParts)) {
            QTest::keyClicks(data, line);
            QTest::keyClick(data, Qt::Key_Return);
        }
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-deploy-en.png")));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm")), Qt::LeftButton);
    });
    QTRY_COMPARE(text("actionResult"), QStringLiteral("Deploy: started for all 2 machines."));
    for (const QString &name : QStringList{u"calm-heron"_s, u"dusty-lynx"_s}) {
        QCOMPARE(statusOf(name), S::Deploying);
        const auto settings = NodeSettingsStore(core_->db).get(ids_[name]);
        QCOMPARE(settings->deploy.imageUrl, QStringLiteral("images/bookworm.img.xz"));
        QCOMPARE(settings->deploy.userData, userData);
        QCOMPARE(core_->machines->get(ids_[name])->owner, QStringLiteral("alice"));
    }
}

void TestTakeAction::refusesABadImageAsYouType()
{
    populate();
    showWindow(QStringLiteral("admin"));
    select({QStringLiteral("calm-heron")});
    choose(openMenu(), QStringLiteral("action-deploy"), [&](ActionDialog *dialog) {
        auto *confirm = dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm"));
        QCOMPARE(confirm->text(), QStringLiteral("Deploy"));
        QCOMPARE(text("actionMachines"), QStringLiteral("Deploy calm-heron."));
        auto *image = dialog->findChild<QComboBox *>(QStringLiteral("deployImage"));
        image->setCurrentIndex(image->count() - 1); // another image, by URL
        auto *url = dialog->findChild<QLineEdit *>(QStringLiteral("deployImageUrl"));
        QVERIFY(url->isVisible());
        QVERIFY(!confirm->isEnabled()); // nothing chosen yet
        QTest::keyClicks(url, QStringLiteral("ftp://mirror/debian.img"));
        QVERIFY(!confirm->isEnabled());
        QVERIFY2(text("actionProblem")
                     .startsWith(QStringLiteral("The image URL 'ftp://mirror/debian.img' should start "
                                                "with http:// or https://")),
                 qPrintable(text("actionProblem")));
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-deploy-refused-en.png")));
        dialog->reject();
    });
    QCOMPARE(statusOf(QStringLiteral("calm-heron")), S::Ready);
    QVERIFY(!window_->findChild<QLabel *>(QStringLiteral("actionResult"))->isVisible());
}

void TestTakeAction::releasesWithQuickErase()
{
    populate();
    showWindow(QStringLiteral("bob"));
    select({QStringLiteral("humble-wolf")});
    // By default Release keeps the disks.
    choose(openMenu(), QStringLiteral("action-release"), [&](ActionDialog *dialog) {
        QCOMPARE(dialog->findChild<QComboBox *>(QStringLiteral("releaseErase"))->currentText(),
                 QStringLiteral("Do not erase the disks"));
        dialog->reject();
    });
    // With enable_disk_erasing_on_release on, the dialog starts at the erase mode set; the user
    // chooses another.
    QVERIFY(core_->config->setValue(QStringLiteral("enable_disk_erasing_on_release"), QStringLiteral("true")));
    QVERIFY(core_->config->setValue(QStringLiteral("disk_erase_mode"), QStringLiteral("secure")));
    choose(openMenu(), QStringLiteral("action-release"), [&](ActionDialog *dialog) {
        auto *erase = dialog->findChild<QComboBox *>(QStringLiteral("releaseErase"));
        QCOMPARE(erase->currentData().toString(), QStringLiteral("secure"));
        erase->setFocus();
        QTest::keyClick(erase, Qt::Key_Up);
        QCOMPARE(erase->currentData().toString(), QStringLiteral("quick"));
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-release-en.png")));
        QTest::keyClick(dialog, Qt::Key_Return);
    });
    QTRY_COMPARE(text("actionResult"), QStringLiteral("Release: started for humble-wolf."));
    QCOMPARE(statusOf(QStringLiteral("humble-wolf")), S::DiskErasing);
    QCOMPARE(NodeSettingsStore(core_->db).get(ids_[QStringLiteral("humble-wolf")])->eraseMode, QStringLiteral("quick"));
}

void TestTakeAction::fitsLongerTranslatedTextsInAKoreanFont()
{
    const QFont original = QApplication::font();
    guitest::PseudoKorean pseudo;
    QCoreApplication::installTranslator(&pseudo);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&pseudo);
        QApplication::setFont(original);
    });
    populate();
    showWindow(QStringLiteral("admin"));
    QVERIFY(button_->width() >= button_->sizeHint().width());
    select({QStringLiteral("calm-heron"), QStringLiteral("brisk-otter")});
    for (const char *entry : {"action-commission", "action-deploy"}) {
        choose(openMenu(), QLatin1String(entry), [&](ActionDialog *dialog) {
            verifyDialogFits(dialog);
            QVERIFY(dialog->grab().save(
                QStringLiteral(SCREENSHOT_DIR "/take-action-%1-pseudo-ko.png").arg(QLatin1String(entry + 7))));
            dialog->reject();
        });
    }
}

void TestTakeAction::addsAMachineByHandAndSwitchesItOnAndOff()
{
    QTemporaryDir bmcDir;
    testing::IpmiSim bmc(bmcDir.path());
    if (const QString why = bmc.start(); !why.isEmpty())
        QFAIL(qPrintable(why));
    populate();
    showWindow(QStringLiteral("alice"));
    QVERIFY(!window_->findChild<QToolButton *>(QStringLiteral("addMachine"))->isVisible()); // administrators only
    showWindow(QStringLiteral("admin"));
    QVERIFY(window_->findChild<QToolButton *>(QStringLiteral("addMachine"))->isVisible());

    addMachine([&](AddMachineDialog *dialog) {
        auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        auto *macs = dialog->findChild<QLineEdit *>(QStringLiteral("macAddresses"));
        auto *hostname = dialog->findChild<QLineEdit *>(QStringLiteral("hostname"));
        auto *type = dialog->findChild<QComboBox *>(QStringLiteral("powerType"));
        QVERIFY(ok && macs && hostname && type);
        QVERIFY(!ok->isEnabled());
        QTest::keyClicks(hostname, QStringLiteral("rack-pc"));
        QTest::keyClicks(macs, QStringLiteral("52:54:00:ab:cd:zz"));
        QCOMPARE(text("addMachineProblem"),
                 QStringLiteral("'52:54:00:ab:cd:zz' is not a MAC address (expected six hex pairs, like "
                                "52:54:00:12:34:56)."));
        QVERIFY(!ok->isEnabled());
        macs->clear();
        QTest::keyClicks(macs, QStringLiteral("52:54:00:ab:cd:ef, 52-54-00-AB-CD-F0"));
        type->setCurrentIndex(type->findData(QStringLiteral("ipmi")));
        QCOMPARE(text("addMachineProblem"), QStringLiteral("IPMI power needs: BMC address."));
        QVERIFY(!ok->isEnabled());
        QTest::qWait(20); // the driver's fields are shown and laid out from the event loop
        // The keyboard alone: Tab goes from the driver to its fields, not to the buttons.
        type->setFocus();
        QTest::keyClick(type, Qt::Key_Tab);
        QCOMPARE(dialog->focusWidget()->objectName(), u"power_address"_s);
        QTest::keyClick(dialog->focusWidget(), Qt::Key_Tab);
        QCOMPARE(dialog->focusWidget()->objectName(), u"power_port"_s);
        const QJsonObject p = bmc.powerParameters();
        for (const QString &name : {u"power_address"_s, u"power_port"_s, u"power_user"_s, u"power_pass"_s}) {
            auto *field = dialog->findChild<QLineEdit *>(name);
            QVERIFY2(field, qPrintable(name));
            QTest::keyClicks(field, p.value(name).toString());
        }
        QVERIFY(ok->isEnabled());
        QTest::qWait(20); // the driver's fields are shown and laid out from the event loop
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/add-machine-en.png")));
        QTest::mouseClick(ok, Qt::LeftButton);
        QVERIFY(!dialog->isVisible());
    });
    QCOMPARE(text("actionResult"), QStringLiteral("Added rack-pc: it is New; commission it to learn its hardware."));
    auto added = core_->machines->findByMac(QStringLiteral("52:54:00:ab:cd:f0"));
    QVERIFY(added && added->has_value());
    const Machine m = **added;
    QCOMPARE(m.hostname, QStringLiteral("rack-pc"));
    QCOMPARE(m.status, S::New);
    QCOMPARE(m.powerType, QStringLiteral("ipmi"));
    QCOMPARE(m.interfaces.size(), 2);
    ids_.insert(m.hostname, m.systemId);

    // Power on and off from the menu, in a status the lifecycle leaves alone (New).
    QTRY_VERIFY(table_->model()->rowCount() == 7);
    select({QStringLiteral("rack-pc")});
    choose(openMenu(), QStringLiteral("action-on"), [&](ActionDialog *dialog) {
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm")), Qt::LeftButton);
    });
    QTRY_VERIFY(bmc.poweredOn());
    QCOMPARE(bmc.bootDevice(), QStringLiteral("pxe"));
    QTRY_COMPARE(core_->machines->get(m.systemId)->powerState, QStringLiteral("on"));
    choose(openMenu(), QStringLiteral("action-off"), [&](ActionDialog *dialog) {
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm")), Qt::LeftButton);
    });
    QTRY_VERIFY(!bmc.poweredOn());
    QTRY_COMPARE(core_->machines->get(m.systemId)->powerState, QStringLiteral("off"));
    QVERIFY(core_->power->waitForDone(30000));
}

void TestTakeAction::speaksKoreanWithTheShippedTranslation()
{
    QTranslator korean, koreanQt;
    QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QCoreApplication::installTranslator(&koreanQt);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
        QApplication::setFont(original);
    });
    populate();
    showWindow(QStringLiteral("admin"));
    QCOMPARE(button_->text(), QStringLiteral("작업 실행(&T)"));
    select({QStringLiteral("amber-falcon"), QStringLiteral("brisk-otter"), QStringLiteral("calm-heron")});
    TakeActionMenu *menu = openMenu();
    QVERIFY(menu);
    QVERIFY(menu->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-menu-ko.png")));
    choose(menu, QStringLiteral("action-commission"), [&](ActionDialog *dialog) {
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-commission-ko.png")));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm")), Qt::LeftButton);
    });
    QTRY_VERIFY2(text("actionResult").startsWith(QStringLiteral("커미션: 머신 3대 중")),
                 qPrintable(text("actionResult")));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-result-ko.png")));
    select({QStringLiteral("humble-wolf")});
    choose(openMenu(), QStringLiteral("action-release"), [&](ActionDialog *dialog) {
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/take-action-release-ko.png")));
        dialog->reject();
    });
    addMachine([&](AddMachineDialog *dialog) {
        auto *type = dialog->findChild<QComboBox *>(QStringLiteral("powerType"));
        type->setCurrentIndex(type->findData(QStringLiteral("ipmi")));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("macAddresses")),
                         QStringLiteral("52:54:00:ab:cd:ef"));
        QTest::qWait(20);
        verifyDialogFits(dialog);
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/add-machine-ko.png")));
    });
    SignInDialog signIn(*core_->users);
    signIn.show();
    QVERIFY(QTest::qWaitForWindowExposed(&signIn));
    QVERIFY(signIn.grab().save(QStringLiteral(SCREENSHOT_DIR "/sign-in-ko.png")));
}

QTEST_MAIN(TestTakeAction)
#include "tst_takeaction.moc"
