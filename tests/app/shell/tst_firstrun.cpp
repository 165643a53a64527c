// The first-run wizard, offscreen, on a fresh database with real services: the administrator
// account (refused with the reason until the passwords agree), the boot network (the Network
// page with this host's interfaces), the privileges page naming a server that could not start and
// its fix (the HTTP boot server, whose port another program holds), and the last page. Every page
// saved as a screenshot in English and Korean.
#include "app/shell/firstrunwizard.h"
#include "app/users/accountform.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/storage/configstore.h"
#include "servers/boot/httpbootserver.h"

#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QUdpSocket>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestFirstRun : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void createsTheAdministratorAndWalksThroughTheSetUp();
    void speaksKoreanWithTheShippedTranslation();

private:
    void startHttpOnATakenPort();
    void fillAccount(FirstRunWizard &wizard, const QString &password, const QString &repeat);
    void screenshot(FirstRunWizard &wizard, const QString &name);

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<ServiceHost> host_;
    QTcpServer squatter_;
};

void TestFirstRun::initTestCase() { QVERIFY(guitest::setUpGuiTest(u"tst_firstrun"_s, settingsDir_.path(), true)); }

void TestFirstRun::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    host_ = std::make_unique<ServiceHost>();
    QVERIFY(squatter_.listen(QHostAddress::LocalHost));
}

void TestFirstRun::cleanup()
{
    host_.reset();
    core_.reset();
    dir_.reset();
    squatter_.close();
}

void TestFirstRun::startHttpOnATakenPort()
{
    // The settings say that port too (Check again starts the boot servers from them), and free
    // ports for TFTP and the region.
    QUdpSocket udp;
    QVERIFY(udp.bind(QHostAddress::LocalHost, 0));
    QTcpServer tcp;
    QVERIFY(tcp.listen(QHostAddress::LocalHost, 0));
    for (const auto &[name, value] :
         {std::pair{"http_port", squatter_.serverPort()}, std::pair{"tftp_port", udp.localPort()},
          std::pair{"metadata_port", tcp.serverPort()}}) {
        auto saved = core_->config->setValue(QLatin1String(name), QString::number(value));
        QVERIFY2(saved, qPrintable(saved.errorMessage()));
    }
    http::ServerConfig config;
    config.address = u"127.0.0.1"_s;
    config.port = squatter_.serverPort();
    config.files.root = dir_->path();
    config.workers = 1;
    host_->add(std::make_unique<http::BootServer>(core_->db, config));
    host_->start();
    QTRY_VERIFY(!host_->services().front().state.isEmpty());
}

void TestFirstRun::fillAccount(FirstRunWizard &wizard, const QString &password, const QString &repeat)
{
    for (const char *name : {"newUsername", "newPassword", "newRepeat"})
        wizard.findChild<QLineEdit *>(QLatin1String(name))->clear();
    QTest::keyClicks(wizard.findChild<QLineEdit *>(u"newUsername"_s), u"admin"_s);
    QTest::keyClicks(wizard.findChild<QLineEdit *>(u"newPassword"_s), password);
    QTest::keyClicks(wizard.findChild<QLineEdit *>(u"newRepeat"_s), repeat);
}

void TestFirstRun::screenshot(FirstRunWizard &wizard, const QString &name)
{
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    // Nothing cut: every label as tall as its text needs.
    for (QLabel *label : wizard.currentPage()->findChildren<QLabel *>())
        if (label->isVisible() && label->wordWrap() && !label->text().isEmpty())
            QVERIFY2(label->height() >= label->heightForWidth(label->width()), qPrintable(label->text()));
    QVERIFY(wizard.grab().save(QStringLiteral(SCREENSHOT_DIR "/") + name));
}

void TestFirstRun::createsTheAdministratorAndWalksThroughTheSetUp()
{
    startHttpOnATakenPort();
    FirstRunWizard wizard(*core_, *host_);
    wizard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&wizard));
    QCOMPARE(wizard.currentId(), int(FirstRunWizard::AccountPageId));
    QPushButton *next = qobject_cast<QPushButton *>(wizard.button(QWizard::NextButton));

    // The steps, beside every page, the current one marked.
    auto *steps = wizard.findChild<QLabel *>(u"wizardSteps"_s);
    QVERIFY(steps && steps->isVisible());
    QVERIFY2(steps->text().contains(u"<b>▸ The administrator</b>"_s) && steps->text().contains(u"Your machines"_s),
             qPrintable(steps->text()));

    // Nothing typed yet: Next waits. The passwords differ: it still waits, and the page says why
    // as soon as both are typed; the sentence goes once they match.
    QVERIFY(!next->isEnabled());
    fillAccount(wizard, u"s3cret"_s, u"s3cre"_s);
    QVERIFY(!next->isEnabled());
    QTest::mouseClick(next, Qt::LeftButton);
    QCOMPARE(wizard.currentId(), int(FirstRunWizard::AccountPageId));
    auto *problem = wizard.findChild<QLabel *>(u"accountProblem"_s);
    QVERIFY(problem->isVisible());
    QCOMPARE(problem->text(), u"The two passwords differ."_s);
    QVERIFY(core_->users->list()->isEmpty());
    screenshot(wizard, u"first-run-account-en.png"_s);
    QTest::keyClick(wizard.findChild<QLineEdit *>(u"newRepeat"_s), Qt::Key_T);
    QVERIFY(!problem->isVisible());
    QVERIFY(next->isEnabled());

    fillAccount(wizard, u"s3cret"_s, u"s3cret"_s);
    QTest::mouseClick(next, Qt::LeftButton);
    QCOMPARE(wizard.currentId(), int(FirstRunWizard::NetworkPageId));
    QCOMPARE(wizard.user().username, u"admin"_s);
    QVERIFY(wizard.user().isAdmin);
    QVERIFY(core_->users->authenticate(u"admin"_s, u"s3cret"_s));

    // The boot network: this host's interfaces, with their addresses, to choose from.
    auto *interfaces = wizard.currentPage()->findChild<QComboBox *>();
    QVERIFY(interfaces);
    QStringList listed;
    for (int i = 0; i < interfaces->count(); ++i)
        listed << interfaces->itemText(i);
    QVERIFY2(std::any_of(listed.cbegin(), listed.cend(), [](const QString &t) { return t.startsWith(u"lo"_s); }),
             qPrintable(listed.join(u", ")));
    screenshot(wizard, u"first-run-network-en.png"_s);

    // The services: the one that could not start, and how to fix it.
    QTest::mouseClick(next, Qt::LeftButton);
    QCOMPARE(wizard.currentId(), int(FirstRunWizard::PrivilegesPageId));
    QVERIFY(steps->text().contains(u"<b>▸ The services</b>"_s));
    auto *result = wizard.findChild<QLabel *>(u"privilegesResult"_s);
    const QString said = result->text();
    QVERIFY2(said.contains(u"http: cannot listen on tcp 127.0.0.1 port %1"_s.arg(squatter_.serverPort())) &&
                 said.contains(u"another program serves this port"_s),
             qPrintable(said));
    screenshot(wizard, u"first-run-privileges-en.png"_s);
    // The problems to copy into a terminal or a message.
    QTest::mouseClick(wizard.findChild<QPushButton *>(u"copyServiceProblems"_s), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), said);
    // The other program stops; Check again starts the boot servers with the settings: now they run.
    squatter_.close();
    QTest::mouseClick(wizard.findChild<QPushButton *>(u"checkServicesAgain"_s), Qt::LeftButton);
    QTRY_VERIFY2(result->text().startsWith(u"Every MetalDesk service that is set up is running"_s),
                 qPrintable(result->text()));
    QTRY_VERIFY(std::all_of(host_->services().cbegin(), host_->services().cend(),
                            [](const ServiceHost::Entry &e) { return e.state == u"running"_s; }));
    QVERIFY2(result->text().startsWith(u"Every MetalDesk service that is set up is running"_s),
             qPrintable(result->text()));

    QTest::mouseClick(next, Qt::LeftButton);
    QCOMPARE(wizard.currentId(), int(FirstRunWizard::MachinesPageId));
    screenshot(wizard, u"first-run-machines-en.png"_s);
    QTest::mouseClick(wizard.button(QWizard::FinishButton), Qt::LeftButton);
    QCOMPARE(wizard.result(), int(QDialog::Accepted));
}

void TestFirstRun::speaksKoreanWithTheShippedTranslation()
{
    QTranslator korean, koreanQt;
    QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QCoreApplication::installTranslator(&koreanQt);
    QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
    auto restore = qScopeGuard([&] {
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
        QApplication::setFont(original);
    });
    startHttpOnATakenPort();
    FirstRunWizard wizard(*core_, *host_);
    wizard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&wizard));
    QCOMPARE(wizard.windowTitle(), u"MetalDesk에 오신 것을 환영합니다"_s);
    screenshot(wizard, u"first-run-account-ko.png"_s);
    fillAccount(wizard, u"s3cret"_s, u"s3cret"_s);
    const char *pages[] = {"first-run-network-ko.png", "first-run-privileges-ko.png", "first-run-machines-ko.png"};
    for (const char *name : pages) {
        QTest::mouseClick(wizard.button(QWizard::NextButton), Qt::LeftButton);
        screenshot(wizard, QLatin1String(name));
    }
    QCOMPARE(wizard.currentId(), int(FirstRunWizard::MachinesPageId));
}

QTEST_MAIN(TestFirstRun)
#include "tst_firstrun.moc"
