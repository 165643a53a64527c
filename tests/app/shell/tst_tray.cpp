// The desktop around the window, tried as a user meets it, over a real database and a real boot
// server. Without a tray (offscreen, like GNOME without its AppIndicator extension), closing the
// window while services run asks whether to quit and never hides MetalDesk. In a desktop of the
// test's own (tests/support/desktop-session: Xvfb, trayer's system tray, dunst's notifications on a
// private session bus), the window hides in the tray and comes back, the icon counts machines at
// work and problems, and a failure and a finished deployment reach dunst through its Notify call.
#include "app/machines/machinedetails.h"
#include "app/machines/machinespage.h"
#include "app/network/networkpage.h"
#include "app/shell/consoleshell.h"
#include "app/shell/desktoptray.h"
#include "app/shell/mainwindow.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/users/userstore.h"
#include "machinesin.h"
#include "servers/boot/httpbootserver.h"

#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QtTest>

#include "guitest.h"
#include "skip.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestTray : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    // Offscreen: the desktop has no tray.
    void asksWhetherToQuitWhereTheDesktopHasNoTray();
    void quitsWithoutAskingWhenNothingRuns();
    void silencesNotificationsFromTheSettingsMenu();
    // In tests/support/desktop-session.
    void keepsTheServicesRunningInTheTray();
    void notifiesAFailureAndAFinishedDeployment();

private:
    void startHttp();
    void showShell();
    // Closes the window as its title bar's button does and answers the question with `button`
    // (none: expects no question), saving a picture of it as `screenshot`. Returns its text.
    QString closeAnswering(const QString &button, const QString &screenshot = {});
    QString dunst(const QStringList &arguments) const;
    bool desktopReady();

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<ServiceHost> host_;
    std::unique_ptr<ConsoleShell> shell_;
    Actor admin_;
};

void TestTray::initTestCase() { QVERIFY(guitest::setUpGuiTest(u"tst_tray"_s, settingsDir_.path(), true)); }

void TestTray::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    host_ = std::make_unique<ServiceHost>();
    auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
    QVERIFY2(admin, qPrintable(admin.errorMessage()));
    admin_ = Actor{admin->id, admin->username, true};
}

void TestTray::cleanup()
{
    shell_.reset();
    host_.reset();
    core_.reset();
    dir_.reset();
}

// MetalDesk's HTTP boot server on a free loopback port: a service machines need.
void TestTray::startHttp()
{
    http::ServerConfig config;
    config.address = u"127.0.0.1"_s;
    config.port = 0;
    config.files.root = dir_->path();
    config.workers = 1;
    host_->add(std::make_unique<http::BootServer>(core_->db, config));
    host_->start();
    QTRY_COMPARE(host_->services().front().state, u"running"_s);
}

void TestTray::showShell()
{
    shell_ = std::make_unique<ConsoleShell>(*core_, *host_);
    shell_->show(admin_);
    shell_->window()->resize(1280, 720);
    QVERIFY(QTest::qWaitForWindowExposed(shell_->window()));
}

QString TestTray::closeAnswering(const QString &button, const QString &screenshot)
{
    if (button.isEmpty()) {
        shell_->window()->close(); // a question would wait here for an answer that never comes
        return QApplication::activeModalWidget() ? u"asked"_s : QString();
    }
    QString question;
    QTimer::singleShot(0, this, [&] {
        // The question is modal: it is the active modal widget while close() waits for it.
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        QVERIFY(box);
        question = box->text() + u'\n' + box->informativeText();
        if (!box->findChild<QPushButton *>(button)) {
            question += u"\n(no button "_s + button + u')';
            box->reject();
            return;
        }
        if (!screenshot.isEmpty())
            QVERIFY(box->grab().save(QStringLiteral(SCREENSHOT_DIR "/") + screenshot));
        QTest::mouseClick(box->findChild<QPushButton *>(button), Qt::LeftButton);
    });
    shell_->window()->close();
    return question;
}

QString TestTray::dunst(const QStringList &arguments) const
{
    QProcess ctl;
    ctl.start(u"dunstctl"_s, arguments);
    if (!ctl.waitForFinished(10000))
        return u"dunstctl did not answer"_s;
    return QString::fromUtf8(ctl.readAllStandardOutput());
}

bool TestTray::desktopReady()
{
    if (qEnvironmentVariable("QT_QPA_PLATFORM") != u"xcb"_s)
        return false;
    // trayer claims the tray's X selection a moment after it starts.
    QDeadlineTimer deadline(10000);
    while (!QSystemTrayIcon::isSystemTrayAvailable() && !deadline.hasExpired())
        QTest::qWait(50);
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TestTray::asksWhetherToQuitWhereTheDesktopHasNoTray()
{
    QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
    startHttp();
    showShell();
    QVERIFY(!shell_->tray()->iconShown());
    QSignalSpy quit(shell_.get(), &ConsoleShell::quitRequested);

    // Cancel: nothing changes. There is no "keep running" to choose: with no tray icon, a hidden
    // MetalDesk could not be found again.
    const QString question = closeAnswering(u"cancel"_s, u"close-question-en.png"_s);
    QVERIFY2(question.contains(u"Quit MetalDesk?"_s) && question.contains(u"http"_s) &&
                 question.contains(u"no system tray"_s),
             qPrintable(question));
    QVERIFY(!closeAnswering(u"keepInTray"_s).isEmpty()); // asked, and no such button
    QVERIFY(shell_->window()->isVisible());
    QCoreApplication::processEvents();
    QCOMPARE(quit.count(), 0);
    QCOMPARE(host_->services().front().state, u"running"_s);

    closeAnswering(u"quit"_s);
    QTRY_COMPARE(quit.count(), 1);
    QVERIFY(!shell_->window()->isVisible());

    // In Korean, as a Korean desktop shows it.
    QTranslator korean, koreanQt;
    QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
    QCoreApplication::installTranslator(&korean);
    QCoreApplication::installTranslator(&koreanQt);
    const QFont original = QApplication::font();
    QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
    auto restore = qScopeGuard([&] {
        shell_.reset();
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
        QApplication::setFont(original);
    });
    showShell();
    const QString inKorean = closeAnswering(u"cancel"_s, u"close-question-ko.png"_s);
    QVERIFY2(inKorean.contains(u"MetalDesk를 종료할까요?"_s), qPrintable(inKorean));
}

void TestTray::quitsWithoutAskingWhenNothingRuns()
{
    showShell();
    QSignalSpy quit(shell_.get(), &ConsoleShell::quitRequested);
    QCOMPARE(closeAnswering(QString()), QString());
    QTRY_COMPARE(quit.count(), 1);
}

void TestTray::silencesNotificationsFromTheSettingsMenu()
{
    showShell();
    QVERIFY(DesktopTray::notificationsOn()); // on until the user says otherwise
    auto *menu = shell_->window()->findChild<QMenu *>(u"settingsMenu"_s);
    auto *notifications = shell_->window()->findChild<QAction *>(u"desktopNotifications"_s);
    QVERIFY(menu && notifications);
    QVERIFY(menu->actions().contains(notifications));
    emit menu->aboutToShow();
    QVERIFY(notifications->isChecked());
    notifications->trigger();
    QVERIFY(!DesktopTray::notificationsOn());
    emit menu->aboutToShow();
    QVERIFY(!notifications->isChecked());
    notifications->trigger();
    QVERIFY(DesktopTray::notificationsOn());
}

void TestTray::keepsTheServicesRunningInTheTray()
{
    if (!desktopReady())
        METALDESK_SKIP("needs the desktop of tests/support/desktop-session (run by ctest as tst_tray_desktop)");
    startHttp();
    showShell();
    DesktopTray *tray = shell_->tray();
    QVERIFY(tray->iconShown());
    QSignalSpy quit(shell_.get(), &ConsoleShell::quitRequested);

    const QString question = closeAnswering(u"keepInTray"_s, u"close-question-tray-en.png"_s);
    QVERIFY2(question.contains(u"Keep MetalDesk running in the tray?"_s) && question.contains(u"http"_s),
             qPrintable(question));
    QVERIFY(!shell_->window()->isVisible());
    QCoreApplication::processEvents();
    QCOMPARE(quit.count(), 0);
    QCOMPARE(host_->services().front().state, u"running"_s);

    // A click on the icon brings the window back (the click itself is the tray host's: trayer
    // hands it to Qt's icon, which says so with activated()).
    auto *icon = tray->findChild<QSystemTrayIcon *>(u"trayIcon"_s);
    QVERIFY(icon);
    emit icon->activated(QSystemTrayIcon::Trigger);
    QTRY_VERIFY(shell_->window()->isVisible());

    // The icon's menu quits.
    QAction *quitAction = nullptr;
    for (QAction *action : icon->contextMenu()->actions())
        if (action->text().contains(u"Quit"_s))
            quitAction = action;
    QVERIFY(quitAction);
    quitAction->trigger();
    QTRY_COMPARE(quit.count(), 1);
}

void TestTray::notifiesAFailureAndAFinishedDeployment()
{
    if (!desktopReady())
        METALDESK_SKIP("needs the desktop of tests/support/desktop-session (run by ctest as tst_tray_desktop)");
    showShell();
    DesktopTray *tray = shell_->tray();
    QSignalSpy sent(tray, &DesktopTray::notificationSent);
    QVERIFY2(tray->toolTip().contains(u"No machine at work"_s), qPrintable(tray->toolTip()));

    // Two machines deploying: the icon counts them.
    NewMachine first;
    first.hostname = u"tidy-lemur"_s;
    auto failing = testing::machineIn(*core_, first, NodeStatus::Deploying, admin_, admin_);
    QVERIFY2(failing, qPrintable(failing.errorMessage()));
    NewMachine second;
    second.hostname = u"amber-falcon"_s;
    auto finishing = testing::machineIn(*core_, second, NodeStatus::Deploying, admin_, admin_);
    QVERIFY2(finishing, qPrintable(finishing.errorMessage()));
    QTRY_VERIFY2(tray->toolTip().contains(u"2 machines at work"_s), qPrintable(tray->toolTip()));
    // On their way they finished commissioning: each said so. What follows is counted from here.
    QTRY_VERIFY(sent.count() >= 2);
    QVERIFY2(sent.first().at(1).toString().startsWith(u"Commissioning finished"_s),
             qPrintable(sent.first().at(1).toString()));
    sent.clear();

    // A failure, reported on another thread as the metadata service reports it.
    std::unique_ptr<QThread> reporter(QThread::create([&] {
        auto failed = core_->engine->markFailed(failing->systemId, Text::plain(u"no disk to deploy to"_s),
                                                Actor::system(u"metadata"_s));
        QVERIFY2(failed, qPrintable(failed.errorMessage()));
    }));
    reporter->start();
    reporter->wait();
    QTRY_COMPARE(sent.count(), 1);
    QCOMPARE(sent.at(0).at(0).toString(), u"Problem: tidy-lemur"_s);
    QVERIFY2(sent.at(0).at(1).toString().contains(u"no disk to deploy to"_s), qPrintable(sent.at(0).at(1).toString()));
    QTRY_VERIFY2(tray->toolTip().contains(u"1 machine at work"_s) && tray->toolTip().contains(u"1 problem"_s),
                 qPrintable(tray->toolTip()));
    // A picture of the desktop's corner: the icon with its problem badge in trayer's panel.
    QVERIFY(QGuiApplication::primaryScreen()->grabWindow(0).save(QStringLiteral(SCREENSHOT_DIR "/tray-en.png")));

    // Clicking the notification (dunst's default action; a failure stays on screen until then)
    // opens the machine, whatever page the window showed.
    MainWindow *window = shell_->window();
    window->showPage(window->networkPage());
    QTRY_VERIFY_WITH_TIMEOUT(dunst({u"count"_s, u"displayed"_s}).trimmed().toInt() >= 1, 5000);
    dunst({u"action"_s, u"0"_s});
    QTRY_VERIFY(window->machinesPage()->isVisible() && window->machinesPage()->isShowingDetails());
    QCOMPARE(window->machinesPage()->details()->systemId(), failing->systemId);
    dunst({u"close-all"_s}); // into the history, read below

    // The deployment that finished.
    auto deployed = core_->engine->changeStatus(finishing->systemId, NodeStatus::Deployed, Actor::system(u"metadata"_s),
                                                Text::plain(u"Deployed"_s));
    QVERIFY2(deployed, qPrintable(deployed.errorMessage()));
    QTRY_COMPARE(sent.count(), 2);
    QCOMPARE(sent.at(1).at(0).toString(), u"amber-falcon"_s);
    QVERIFY2(sent.at(1).at(1).toString().startsWith(u"Deployed"_s), qPrintable(sent.at(1).at(1).toString()));

    // dunst received both: closed (its timeout is short here), they are in its history.
    QTRY_VERIFY_WITH_TIMEOUT(dunst({u"history"_s}).contains(u"Deployed: "_s), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(dunst({u"history"_s}).contains(u"no disk to deploy to"_s), 10000);
    const QString history = dunst({u"history"_s});
    QVERIFY2(history.contains(u"Problem: tidy-lemur"_s), qPrintable(history));
    QVERIFY2(history.contains(u"MetalDesk"_s), qPrintable(history)); // the application's name

    // Silenced: nothing more reaches the desktop, and the tray says so in its menu.
    DesktopTray::setNotificationsOn(false);
    NewMachine third;
    third.hostname = u"calm-heron"_s;
    auto quiet = testing::machineIn(*core_, third, NodeStatus::Deploying, admin_, admin_);
    QVERIFY2(quiet, qPrintable(quiet.errorMessage()));
    QVERIFY(core_->engine->markFailed(quiet->systemId, Text::plain(u"quietly"_s), Actor::system(u"metadata"_s)));
    QTRY_VERIFY(tray->toolTip().contains(u"2 problems"_s));
    QCOMPARE(sent.count(), 2);
    QTest::qWait(1500);
    QVERIFY(!dunst({u"history"_s}).contains(u"calm-heron"_s));
    DesktopTray::setNotificationsOn(true);
}

QTEST_MAIN(TestTray)
#include "tst_tray.moc"
