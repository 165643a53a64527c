// The notification area, offscreen, over a real database and real services: a deployment that
// fails on another thread (as the metadata service reports it), a boot server that cannot bind
// its port (another program holds it), before and after the window opens; the count in the status
// bar, opening the machine from its line, dismissing. Screenshots in English and Korean.
#include "app/machines/machinedetails.h"
#include "app/machines/machinespage.h"
#include "app/network/networkpage.h"
#include "app/network/servicespage.h"
#include "app/shell/mainwindow.h"
#include "app/shell/notificationmodel.h"
#include "app/shell/notificationpanel.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/users/userstore.h"
#include "machinesin.h"
#include "servers/boot/httpbootserver.h"

#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSettings>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestNotifications : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void showsAFailedDeploymentTheMomentItHappens();
    void showsAServerThatCannotBindEvenBeforeTheWindowOpened();
    void opensTheMachineFromItsLine();
    void staysQuietAboutWhatIsNotAFailure();
    void keepsOnlyTheNewest();
    void speaksKoreanWithTheShippedTranslation();

private:
    void showWindow();
    QString failDeploymentOnAnotherThread(const QString &hostname, const QString &reason);
    void startHttpOnATakenPort();
    QStringList lines() const;
    QToolButton *button() const;

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<ServiceHost> host_;
    std::unique_ptr<MainWindow> window_;
    QTcpServer squatter_;
    Actor admin_;
};

void TestNotifications::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(u"tst_notifications"_s, settingsDir_.path(), true));
}

void TestNotifications::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    host_ = std::make_unique<ServiceHost>();
    auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
    QVERIFY2(admin, qPrintable(admin.errorMessage()));
    admin_ = Actor{admin->id, admin->username, true};
    QVERIFY(squatter_.listen(QHostAddress::LocalHost));
}

void TestNotifications::cleanup()
{
    window_.reset();
    host_.reset();
    core_.reset();
    dir_.reset();
    squatter_.close();
}

void TestNotifications::showWindow()
{
    window_ = std::make_unique<MainWindow>(*core_, *host_);
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
}

QStringList TestNotifications::lines() const
{
    QStringList texts;
    auto *list = window_->findChild<QListView *>(u"notificationList"_s);
    for (int row = 0; list && row < list->model()->rowCount(); ++row)
        texts << list->model()->index(row, 0).data().toString();
    return texts;
}

QToolButton *TestNotifications::button() const { return window_->findChild<QToolButton *>(u"notificationsButton"_s); }

// A deploying machine whose installation fails, reported from a thread of its own as the metadata
// service's thread reports it. Returns its system id.
QString TestNotifications::failDeploymentOnAnotherThread(const QString &hostname, const QString &reason)
{
    NewMachine spec;
    spec.hostname = hostname;
    auto m = testing::machineIn(*core_, spec, NodeStatus::Deploying, admin_, admin_);
    if (!m)
        return {};
    std::unique_ptr<QThread> reporter(QThread::create([&] {
        auto failed = core_->engine->markFailed(m->systemId, Text::plain(reason), Actor::system(u"metadata"_s));
        if (!failed)
            qWarning("markFailed: %s", qPrintable(failed.errorMessage()));
    }));
    reporter->start();
    reporter->wait();
    return m->systemId;
}

// MetalDesk's HTTP boot server on a port another program already listens on.
void TestNotifications::startHttpOnATakenPort()
{
    http::ServerConfig config;
    config.address = u"127.0.0.1"_s;
    config.port = squatter_.serverPort();
    config.files.root = dir_->path();
    config.workers = 1;
    host_->add(std::make_unique<http::BootServer>(core_->db, config));
    host_->start();
    QTRY_VERIFY(!host_->services().front().state.isEmpty());
    QCOMPARE(host_->services().front().state, u"failed"_s);
}

void TestNotifications::showsAFailedDeploymentTheMomentItHappens()
{
    showWindow();
    auto *panel = window_->notificationPanel();
    QVERIFY(!panel->isVisible());
    QCOMPARE(button()->text(), u"No problems"_s);
    // Readable (a disabled button's grey is not), and a click on it opens nothing.
    QVERIFY(button()->isEnabled());
    QTest::mouseClick(button(), Qt::LeftButton);
    QVERIFY(!panel->isVisible());

    failDeploymentOnAnotherThread(u"tidy-lemur"_s, u"the image could not be downloaded (HTTP 404)"_s);
    QTRY_VERIFY(panel->isVisible());
    QCOMPARE(lines().size(), 1);
    QVERIFY2(lines().first().contains(u"tidy-lemur: "_s) && lines().first().contains(u"HTTP 404"_s),
             qPrintable(lines().first()));
    // The window's one date format, as events and leases show it ("12/4/2026 9:32:12 PM").
    static const QRegularExpression englishTime(u"^\\d{1,2}/\\d{1,2}/20\\d\\d \\d{1,2}:\\d\\d:\\d\\d (AM|PM) "_s);
    QVERIFY2(englishTime.match(lines().first()).hasMatch(), qPrintable(lines().first()));
    QCOMPARE(button()->text(), u"1 problem"_s);
    QVERIFY(button()->isEnabled());
    // On every page: the user was looking elsewhere.
    window_->showPage(window_->servicesPage());
    QVERIFY(panel->isVisible());
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/notifications-en.png")));

    // The status bar button hides and shows the list; Dismiss all empties it.
    QTest::mouseClick(button(), Qt::LeftButton);
    QVERIFY(!panel->isVisible());
    QTest::mouseClick(button(), Qt::LeftButton);
    QVERIFY(panel->isVisible());
    failDeploymentOnAnotherThread(u"amber-falcon"_s, u"no disk to deploy to"_s);
    QTRY_COMPARE(lines().size(), 2);
    QVERIFY2(lines().first().contains(u"amber-falcon"_s), qPrintable(lines().first())); // newest first
    QCOMPARE(button()->text(), u"2 problems"_s);
    QTest::mouseClick(panel->findChild<QPushButton *>(u"notificationDismiss"_s), Qt::LeftButton);
    QVERIFY(!panel->isVisible());
    QCOMPARE(lines().size(), 0);
    QCOMPARE(button()->text(), u"No problems"_s);
}

void TestNotifications::showsAServerThatCannotBindEvenBeforeTheWindowOpened()
{
    startHttpOnATakenPort(); // fails before any window listens
    showWindow();
    QVERIFY(window_->notificationPanel()->isVisible());
    QCOMPARE(lines().size(), 1);
    QVERIFY2(lines().first().contains(u"http: "_s) && lines().first().contains(QString::number(squatter_.serverPort())),
             qPrintable(lines().first()));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/notifications-service-en.png")));
    // The whole sentence shows, wrapped, in a panel no taller than its line.
    auto *list = window_->findChild<QListView *>(u"notificationList"_s);
    QVERIFY(list->maximumHeight() < 5 * list->fontMetrics().height());
    QVERIFY(list->height() >= list->maximumHeight());

    // Enter on a service's line opens the Services page; Delete dismisses that line alone.
    list->setCurrentIndex(list->model()->index(0, 0));
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Return);
    QVERIFY(window_->servicesPage()->isVisible());
    failDeploymentOnAnotherThread(u"tidy-lemur"_s, u"no disk to deploy to"_s);
    QTRY_COMPARE(lines().size(), 2);
    list->setCurrentIndex(list->model()->index(1, 0)); // the service's, now the older
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(lines().size(), 1);
    QVERIFY(lines().first().contains(u"tidy-lemur"_s));
    QTest::keyClick(list, Qt::Key_Delete);
    QCOMPARE(lines().size(), 0);
    QVERIFY(!window_->notificationPanel()->isVisible());
}

void TestNotifications::opensTheMachineFromItsLine()
{
    showWindow();
    const QString id = failDeploymentOnAnotherThread(u"tidy-lemur"_s, u"no disk to deploy to"_s);
    QTRY_COMPARE(lines().size(), 1);
    window_->showPage(window_->networkPage());
    auto *list = window_->findChild<QListView *>(u"notificationList"_s);
    list->setCurrentIndex(list->model()->index(0, 0));
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Return);
    MachinesPage *page = window_->machinesPage();
    QVERIFY(page->isVisible());
    QVERIFY(page->isShowingDetails());
    QCOMPARE(page->details()->systemId(), id);
}

void TestNotifications::staysQuietAboutWhatIsNotAFailure()
{
    showWindow();
    NewMachine spec;
    spec.hostname = u"calm-heron"_s;
    QVERIFY(testing::machineIn(*core_, spec, NodeStatus::Deployed, admin_, admin_));
    QTest::qWait(100); // the queued events, if any, would have arrived
    QVERIFY(!window_->notificationPanel()->isVisible());
    QCOMPARE(lines().size(), 0);
}

void TestNotifications::keepsOnlyTheNewest()
{
    // A flood of failures must not grow the list without bound (review L12): the newest stay.
    NotificationModel model(*core_->feed, *host_, nullptr, 3);
    for (int i = 1; i <= 5; ++i)
        failDeploymentOnAnotherThread(u"flood-%1"_s.arg(i), u"failure %1"_s.arg(i));
    QTRY_COMPARE(model.data(model.index(0)).toString().contains(u"flood-5"_s), true);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(model.data(model.index(2)).toString().contains(u"flood-3"_s));
}

void TestNotifications::speaksKoreanWithTheShippedTranslation()
{
    QTranslator korean, koreanQt;
    QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QCoreApplication::installTranslator(&koreanQt);
    QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
        QApplication::setFont(original);
    });
    showWindow();
    QCOMPARE(button()->text(), u"문제 없음"_s);
    failDeploymentOnAnotherThread(u"tidy-lemur"_s, u"the image could not be downloaded (HTTP 404)"_s);
    QTRY_VERIFY(window_->notificationPanel()->isVisible());
    QCOMPARE(button()->text(), u"문제 1건"_s);
    auto *title = window_->findChild<QLabel *>(u"notificationTitle"_s);
    QCOMPARE(title->text(), u"문제"_s);
    // The time in the window's one format, in Korean words ("2026. 12. 4. 오후 9:32:12").
    QLocale::setDefault(QLocale(QLocale::Korean, QLocale::SouthKorea));
    auto english = qScopeGuard([] { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); });
    const QString line = window_->notificationPanel()->findChild<QListView *>()->model()->index(0, 0).data().toString();
    static const QRegularExpression koreanTime(
        u"^20\\d\\d\\. \\d{1,2}\\. \\d{1,2}\\. (오전|오후) \\d{1,2}:\\d\\d:\\d\\d "_s);
    QVERIFY2(koreanTime.match(line).hasMatch(), qPrintable(line));
    auto *dismiss = window_->findChild<QPushButton *>(u"notificationDismiss"_s);
    QVERIFY(dismiss->width() >= dismiss->sizeHint().width());
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/notifications-ko.png")));
}

QTEST_MAIN(TestNotifications)
#include "tst_notifications.moc"
