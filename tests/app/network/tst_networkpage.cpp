// The Network page, offscreen, over a real SQLite database: the form says what is wrong as the
// user types (dhcp::ServerConfig::fromValues decides), proxy mode greys out what it ignores,
// Apply saves the settings and restarts DHCP through the ServiceHost, and the look for other
// DHCP servers runs in the background and reports.
//
// As root the whole test runs inside a network namespace whose boot0 is wired to another one
// where a real dnsmasq plays the home router: the interfaces are the test's own and the look
// for other servers finds a real one. Otherwise it runs on loopback and skips the dnsmasq case.
#include "app/network/networkpage.h"
#include "app/shell/mainwindow.h"
#include "childprocess.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "netns.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/runtime/services.h"

#include "skip.h"
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTranslator>
#include <QUdpSocket>
#include <QtTest>

#include "guitest.h"
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

using namespace metaldesk;
using metaldesk::testing::NetworkNamespaces;

namespace {

bool hasHangul(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(),
                       [](QChar c) { return c.unicode() >= 0xac00 && c.unicode() <= 0xd7a3; });
}

quint16 freeUdpPort()
{
    QUdpSocket probe;
    probe.bind(QHostAddress::LocalHost, 0);
    return probe.localPort();
}

quint16 freeTcpPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// Whether a TCP connection to address:port is taken.
bool accepts(const QString &address, quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(address, port);
    return socket.waitForConnected(2000);
}

const QColor kRed(0xb0, 0x00, 0x20); // the page's colour for errors

// Clicks a button of the next message box once it is up (exec() does not return until then).
void answerMessageBox(const char *buttonName, const QString &screenshot = {})
{
    auto *timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, name = QString::fromLatin1(buttonName), screenshot] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box || !box->isVisible())
            return;
        timer->stop();
        timer->deleteLater();
        if (!screenshot.isEmpty())
            box->grab().save(screenshot);
        QAbstractButton *button =
            name == QLatin1String("cancel") ? box->button(QMessageBox::Cancel) : box->findChild<QPushButton *>(name);
        QVERIFY2(button, qPrintable(name));
        button->click();
    });
    timer->start();
}

} // namespace

class TestNetworkPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void showsTheStoredSettingsAndTheInterfaces();
    void saysWhatIsWrongAsYouType();
    void proxyModeGreysOutTheAddressSettings();
    void applySavesTheSettingsAndRestartsDhcp();
    void theBootServersFollowTheBootInterface();
    void revertDropsUnsavedEdits();
    void lookingOnAMissingInterfaceSaysWhy();
    void findsTheRouterAndAsksBeforeManagedDhcpBesideIt();
    void fitsLongerTranslatedTextsInAKoreanFont();
    void speaksKoreanWithTheShippedTranslation();

private:
    QString at(int host) const { return base_ + QString::number(host); }
    void store(const QList<std::pair<const char *, QString>> &settings);
    QString stored(const char *key) const;
    void showWindow();
    void retype(QLineEdit *edit, const QString &text);
    void chooseInterface(const QString &name);
    void verifyNothingIsCut();

    QTemporaryDir settingsDir_;
    QTemporaryDir tmp_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QProcess dnsmasq_;
    int originalNamespace_ = -1;
    QString nic_ = QStringLiteral("lo"); // the boot interface the tests use
    QString base_ = QStringLiteral("127.0.0.");

    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<ServiceHost> host_;
    std::unique_ptr<MainWindow> window_;
    NetworkPage *page_ = nullptr;
    QComboBox *interface_ = nullptr;
    QRadioButton *managed_ = nullptr;
    QRadioButton *proxy_ = nullptr;
    QLineEdit *range_ = nullptr;
    QLineEdit *reserved_ = nullptr;
    QLineEdit *gateway_ = nullptr;
    QLineEdit *dns_ = nullptr;
    QLabel *validation_ = nullptr;
    QPushButton *apply_ = nullptr;
    QPushButton *revert_ = nullptr;
    QPushButton *probe_ = nullptr;
    QLabel *probeResult_ = nullptr;
    QLabel *applyResult_ = nullptr;
    QLabel *dhcpStatus_ = nullptr;
};

void TestNetworkPage::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(QStringLiteral("tst_networkpage"), settingsDir_.path(), true));

    QString whyNot;
    const QString dnsmasq = QStandardPaths::findExecutable(QStringLiteral("dnsmasq"),
                                                           {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    if (!NetworkNamespaces::available(&whyNot) || dnsmasq.isEmpty()) {
        qInfo("on loopback, without the other DHCP server: %s",
              qPrintable(dnsmasq.isEmpty() ? QStringLiteral("dnsmasq is not installed") : whyNot));
        return;
    }
    ns_ = std::make_unique<NetworkNamespaces>();
    const QString page = ns_->add(QStringLiteral("mdgui"));
    const QString router = ns_->add(QStringLiteral("mdgrtr"));
    QVERIFY2(!page.isEmpty() && !router.isEmpty(), qPrintable(ns_->error()));
    QVERIFY2(ns_->link(page, QStringLiteral("boot0"), QStringLiteral("10.88.0.1/24"), router, QStringLiteral("eth0"),
                       QStringLiteral("10.88.0.254/24")),
             qPrintable(ns_->error()));
    QFile conf(tmp_.filePath(QStringLiteral("dnsmasq.conf")));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("port=0\ninterface=eth0\nbind-interfaces\nno-ping\ndhcp-authoritative\nuser=root\n"
               "dhcp-range=10.88.0.50,10.88.0.60,255.255.255.0,1h\ndhcp-leasefile=" +
               tmp_.filePath(QStringLiteral("dnsmasq.leases")).toLocal8Bit() + "\n");
    conf.close();
    dnsmasq_.setProcessChannelMode(QProcess::MergedChannels);
    testing::dieWithParent(dnsmasq_); // a test killed by its timeout leaves no server behind
    dnsmasq_.start(QStringLiteral("ip"),
                   NetworkNamespaces::inside(router, {dnsmasq, QStringLiteral("--keep-in-foreground"),
                                                      QStringLiteral("--log-facility=-"),
                                                      QStringLiteral("--conf-file=") + conf.fileName()}));
    QVERIFY(dnsmasq_.waitForStarted());
    QString log;
    QElapsedTimer waited;
    waited.start();
    while (!log.contains(QLatin1String("DHCP, IP range")) && waited.elapsed() < 10000 &&
           dnsmasq_.state() == QProcess::Running) {
        dnsmasq_.waitForReadyRead(200);
        log += QString::fromLocal8Bit(dnsmasq_.readAll());
    }
    QVERIFY2(log.contains(QLatin1String("DHCP, IP range")), qPrintable(log));

    // This thread moves into the page's namespace; every thread started from it from now on (the
    // service threads, the thread pool's) is born there.
    originalNamespace_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int fd = ::open(qPrintable(QStringLiteral("/run/netns/") + page), O_RDONLY | O_CLOEXEC);
    QVERIFY(originalNamespace_ >= 0 && fd >= 0);
    QVERIFY2(::setns(fd, CLONE_NEWNET) == 0, strerror(errno));
    ::close(fd);
    nic_ = QStringLiteral("boot0");
    base_ = QStringLiteral("10.88.0.");
}

void TestNetworkPage::cleanupTestCase()
{
    if (originalNamespace_ >= 0) {
        ::setns(originalNamespace_, CLONE_NEWNET);
        ::close(originalNamespace_);
    }
    if (dnsmasq_.state() != QProcess::NotRunning) {
        dnsmasq_.terminate();
        dnsmasq_.waitForFinished(5000);
    }
    ns_.reset();
}

void TestNetworkPage::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    host_ = std::make_unique<ServiceHost>();
}

void TestNetworkPage::cleanup()
{
    window_.reset();
    host_.reset();
    core_.reset();
    dir_.reset();
}

void TestNetworkPage::store(const QList<std::pair<const char *, QString>> &settings)
{
    for (const auto &[key, value] : settings) {
        const auto saved = core_->config->setValue(QLatin1String(key), value);
        QVERIFY2(saved, qPrintable(saved.errorMessage()));
    }
}

// Read back through the core, as the DHCP server reads it.
QString TestNetworkPage::stored(const char *key) const
{
    const auto value = core_->config->value(QLatin1String(key));
    return value ? *value : QStringLiteral("<error %1>").arg(value.errorMessage());
}

void TestNetworkPage::showWindow()
{
    window_ = std::make_unique<MainWindow>(*core_, *host_);
    window_->setUser(Actor{1, QStringLiteral("admin"), true}); // administrators change the boot network
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    page_ = window_->networkPage();
    window_->showPage(page_);
    QVERIFY(page_->isVisible());
    interface_ = page_->findChild<QComboBox *>(QStringLiteral("bootInterface"));
    managed_ = page_->findChild<QRadioButton *>(QStringLiteral("modeManaged"));
    proxy_ = page_->findChild<QRadioButton *>(QStringLiteral("modeProxy"));
    range_ = page_->findChild<QLineEdit *>(QStringLiteral("dynamicRange"));
    reserved_ = page_->findChild<QLineEdit *>(QStringLiteral("reservedRange"));
    gateway_ = page_->findChild<QLineEdit *>(QStringLiteral("gateway"));
    dns_ = page_->findChild<QLineEdit *>(QStringLiteral("dns"));
    validation_ = page_->findChild<QLabel *>(QStringLiteral("validationMessage"));
    apply_ = page_->findChild<QPushButton *>(QStringLiteral("applyButton"));
    revert_ = page_->findChild<QPushButton *>(QStringLiteral("revertButton"));
    probe_ = page_->findChild<QPushButton *>(QStringLiteral("probeButton"));
    probeResult_ = page_->findChild<QLabel *>(QStringLiteral("probeResult"));
    applyResult_ = page_->findChild<QLabel *>(QStringLiteral("applyResult"));
    dhcpStatus_ = page_->findChild<QLabel *>(QStringLiteral("dhcpStatus"));
    QVERIFY(interface_ && managed_ && proxy_ && range_ && reserved_ && gateway_ && dns_ && validation_ && apply_ &&
            revert_ && probe_ && probeResult_ && applyResult_ && dhcpStatus_);
}

// As a user does it: select all, then type, one key at a time.
void TestNetworkPage::retype(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

void TestNetworkPage::chooseInterface(const QString &name)
{
    const int index = interface_->findData(name);
    QVERIFY2(index >= 0, qPrintable(name));
    interface_->setCurrentIndex(index);
}

void TestNetworkPage::showsTheStoredSettingsAndTheInterfaces()
{
    store({{"dhcp_interface", nic_},
           {"dhcp_range", at(100) + QLatin1Char('-') + at(199)},
           {"dhcp_reserved_range", at(200) + QLatin1Char('-') + at(249)},
           {"dhcp_dns", QStringLiteral("9.9.9.9")},
           {"dhcp_lease_seconds", QStringLiteral("3600")}});
    showWindow();
    QCOMPARE(interface_->currentData().toString(), nic_);
    QVERIFY2(interface_->currentText().startsWith(nic_ + QStringLiteral(" — ") + at(1) + QLatin1Char('/')),
             qPrintable(interface_->currentText()));
    QCOMPARE(interface_->itemData(0).toString(), QString()); // "None (DHCP off)"
    QVERIFY(managed_->isChecked());
    QCOMPARE(range_->text(), at(100) + QLatin1Char('-') + at(199));
    QCOMPARE(reserved_->text(), at(200) + QLatin1Char('-') + at(249));
    QCOMPARE(dns_->text(), QStringLiteral("9.9.9.9"));
    QCOMPARE(page_->findChild<QLineEdit *>(QStringLiteral("leaseSeconds"))->text(), QStringLiteral("3600"));
    // Examples in the boot network's own addresses.
    QCOMPARE(gateway_->placeholderText(), QStringLiteral("for example %1").arg(at(1)));
    QVERIFY(!validation_->isVisible());
    QVERIFY(!apply_->isEnabled()); // nothing changed yet
    QVERIFY(!revert_->isEnabled());
    QVERIFY(probe_->isEnabled());
    QCOMPARE(dhcpStatus_->text(), QStringLiteral("DHCP is not running."));

    // A stored interface this machine does not have stays chosen, marked, and explained.
    window_.reset();
    store({{"dhcp_interface", QStringLiteral("nosuch0")}});
    showWindow();
    QCOMPARE(interface_->currentData().toString(), QStringLiteral("nosuch0"));
    QCOMPARE(interface_->currentText(), QStringLiteral("nosuch0 (not available)"));
    QCOMPARE(validation_->text(), QStringLiteral("The boot interface nosuch0 does not exist on this machine."));
    QVERIFY(validation_->isVisible());
}

void TestNetworkPage::saysWhatIsWrongAsYouType()
{
    showWindow();
    QCOMPARE(interface_->currentData().toString(), QString());
    QCOMPARE(validation_->text(), QStringLiteral("No boot interface chosen: MetalDesk answers no DHCP."));
    chooseInterface(nic_);
    QVERIFY(validation_->isVisible());
    QVERIFY2(validation_->text().startsWith(QStringLiteral("The dynamic range '' should look like")),
             qPrintable(validation_->text()));
    QVERIFY(!apply_->isEnabled());
    QVERIFY(revert_->isEnabled());

    struct Case {
        QLineEdit *edit;
        QString text;
        QString message; // empty: valid
    };
    const QString range = at(100) + QLatin1Char('-') + at(199);
    const Case cases[] = {
        {range_, at(200) + QLatin1Char('-') + at(100),
         QStringLiteral("The dynamic range %1-%2 ends before it starts.").arg(at(200), at(100))},
        {range_, range, {}},
        {reserved_, at(150) + QLatin1Char('-') + at(160),
         QStringLiteral("The reserved range %1-%2 overlaps the dynamic range %3.").arg(at(150), at(160), range)},
        {reserved_, at(200) + QLatin1Char('-') + at(210), {}},
        {gateway_, QStringLiteral("192.168.77.1"),
         QStringLiteral("The gateway 192.168.77.1 is not on the boot network.")},
        {gateway_, at(150),
         QStringLiteral("The dynamic range %1 contains the gateway's address %2.").arg(range, at(150))},
        {gateway_, at(254), {}},
        {dns_, QStringLiteral("9.9.9.9, dns.example"),
         QStringLiteral("The DNS server 'dns.example' is not an IPv4 address.")},
        {dns_, QStringLiteral("9.9.9.9, ") + at(254), {}},
    };
    for (const Case &c : cases) {
        retype(c.edit, c.text);
        // At once, with no Apply or focus change needed.
        QCOMPARE(validation_->text(), c.message);
        QCOMPARE(validation_->isVisible(), !c.message.isEmpty());
        QCOMPARE(apply_->isEnabled(), c.message.isEmpty());
        if (!c.message.isEmpty())
            QCOMPARE(validation_->palette().color(QPalette::WindowText), kRed);
    }
    retype(range_, at(1) + QLatin1Char('-') + at(20));
    QCOMPARE(
        validation_->text(),
        QStringLiteral("The dynamic range %1-%2 contains this server's own address %3.").arg(at(1), at(20), at(1)));
    QVERIFY(!apply_->isEnabled());
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-invalid-en.png")));
    retype(range_, range);
    QVERIFY(validation_->text().isEmpty());
    QVERIFY(apply_->isEnabled());
    // Nothing is saved by typing.
    QCOMPARE(stored("dhcp_range"), QString());
}

void TestNetworkPage::proxyModeGreysOutTheAddressSettings()
{
    // A range of another network: a well-formed setting (the store takes it) that DHCP refuses.
    store({{"dhcp_interface", nic_}, {"dhcp_range", QStringLiteral("192.0.2.10-192.0.2.20")}});
    showWindow();
    QVERIFY(validation_->isVisible());
    QVERIFY(range_->isEnabled());
    QTest::mouseClick(proxy_, Qt::LeftButton);
    QVERIFY(proxy_->isChecked());
    for (const char *name : {"dynamicRange", "reservedRange", "gateway", "dns", "domain", "leaseSeconds"})
        QVERIFY2(!page_->findChild<QLineEdit *>(QLatin1String(name))->isEnabled(), name);
    // Another server gives the addresses: the broken range no longer matters.
    QVERIFY(!validation_->isVisible());
    QVERIFY(apply_->isEnabled());
    auto *explanation = page_->findChild<QLabel *>(QStringLiteral("modeExplanation"));
    QVERIFY(explanation->text().contains(QStringLiteral("The address settings below do not apply")));
    // On a shared network every PXE client then boots MetalDesk's environment (security review L12).
    QVERIFY(explanation->text().contains(QStringLiteral("Every computer on this network that starts from the "
                                                        "network")));
    // The longer text's layout request is an event: the picture is of what a user sees after it.
    QCoreApplication::processEvents();
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-proxy-en.png")));

    QTest::mouseClick(managed_, Qt::LeftButton);
    QVERIFY(range_->isEnabled());
    QVERIFY(validation_->isVisible());
    QVERIFY(!apply_->isEnabled());
}

void TestNetworkPage::applySavesTheSettingsAndRestartsDhcp()
{
    // A high port: the server needs no root, and does not answer the router's clients on 67.
    const QString port = QString::number(freeUdpPort());
    store({{"dhcp_port", port}});
    host_->start();
    showWindow();
    QSignalSpy replaced(host_.get(), &ServiceHost::servicesChanged);
    chooseInterface(nic_);
    retype(range_, at(120) + QLatin1Char('-') + at(129));
    retype(reserved_, at(200) + QLatin1Char('-') + at(209));
    retype(gateway_, at(254));
    retype(dns_, at(254) + QStringLiteral(", 9.9.9.9"));
    retype(page_->findChild<QLineEdit *>(QStringLiteral("domain")), QStringLiteral("lab"));
    QVERIFY(apply_->isEnabled());
    QTest::mouseClick(apply_, Qt::LeftButton);

    QCOMPARE(stored("dhcp_interface"), nic_);
    QCOMPARE(stored("dhcp_mode"), QStringLiteral("managed"));
    QCOMPARE(stored("dhcp_range"), at(120) + QLatin1Char('-') + at(129));
    QCOMPARE(stored("dhcp_reserved_range"), at(200) + QLatin1Char('-') + at(209));
    QCOMPARE(stored("dhcp_router"), at(254));
    QCOMPARE(stored("dhcp_dns"), at(254) + QStringLiteral(", 9.9.9.9"));
    QCOMPARE(stored("dhcp_domain"), QStringLiteral("lab"));
    QCOMPARE(stored("dhcp_port"), port); // not on the form: kept as it was
    QCOMPARE(applyResult_->text(), QStringLiteral("Saved. DHCP restarted on %1.").arg(nic_));
    QVERIFY(!apply_->isEnabled());
    QVERIFY(!revert_->isEnabled());

    // The DHCP service entry is a new server with the new settings, started in its thread.
    QCOMPARE(replaced.size(), 1);
    QCOMPARE(host_->services().size(), size_t(1));
    const ServiceHost::Entry first = host_->services().front();
    QCOMPARE(first.thread->objectName(), QStringLiteral("dhcp"));
    QVERIFY2(first.service->description().contains(QStringLiteral("range %1-%2").arg(at(120), at(129))),
             qPrintable(first.service->description()));
    QTRY_COMPARE(host_->services().front().state, QStringLiteral("running"));
    QTRY_VERIFY2(dhcpStatus_->text().startsWith(
                     QStringLiteral("DHCP is running: managed DHCP on %1, udp port %2").arg(nic_, port)),
                 qPrintable(dhcpStatus_->text()));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-applied-en.png")));

    // Another change replaces that server.
    retype(range_, at(130) + QLatin1Char('-') + at(139));
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(stored("dhcp_range"), at(130) + QLatin1Char('-') + at(139));
    QCOMPARE(replaced.size(), 2);
    QVERIFY(host_->services().front().service != first.service);
    QVERIFY(host_->services().front().service->description().contains(at(130)));

    // No interface: DHCP off, the service gone.
    chooseInterface(QString());
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(stored("dhcp_interface"), QString());
    QVERIFY(host_->services().empty());
    QCOMPARE(applyResult_->text(), QStringLiteral("Saved. DHCP is off."));
    QCOMPARE(dhcpStatus_->text(), QStringLiteral("DHCP is not running."));
}

// Security review M2: TFTP, HTTP and the region listen on loopback while no boot interface is
// chosen; choosing one on the Network page moves them to its address (the region keeps loopback).
void TestNetworkPage::theBootServersFollowTheBootInterface()
{
    if (nic_ == QLatin1String("lo"))
        METALDESK_SKIP("needs a boot interface of its own: run as root (a network namespace)");
    const quint16 http = freeTcpPort();
    const quint16 region = freeTcpPort();
    store({{"dhcp_port", QString::number(freeUdpPort())},
           {"tftp_port", QString::number(freeUdpPort())},
           {"http_port", QString::number(http)},
           {"metadata_port", QString::number(region)}});
    QVERIFY(
        core_->users->createUser(QStringLiteral("admin"), {}, QStringLiteral("pw"), true)); // the region waits for one
    const QStringList problems = addServices(*host_, *core_, {});
    QVERIFY2(problems.join(QLatin1Char('\n')).contains(QLatin1String("no boot interface is chosen")),
             qPrintable(problems.join(QLatin1Char('\n'))));
    host_->start();
    auto description = [this](const char *name) {
        for (const ServiceHost::Entry &e : host_->services())
            if (e.thread->objectName() == QLatin1String(name))
                return e.service->description();
        return QStringLiteral("<no %1>").arg(QLatin1String(name));
    };
    auto allRunning = [this] {
        return std::all_of(host_->services().begin(), host_->services().end(),
                           [](const ServiceHost::Entry &e) { return e.state == QLatin1String("running"); });
    };
    QTRY_VERIFY(allRunning());
    QVERIFY2(description("tftp").contains(QLatin1String("127.0.0.1")), qPrintable(description("tftp")));
    QVERIFY(accepts(QStringLiteral("127.0.0.1"), http));
    QVERIFY(!accepts(at(1), http));
    QVERIFY(!accepts(at(1), region));

    showWindow();
    chooseInterface(nic_);
    retype(range_, at(120) + QLatin1Char('-') + at(129));
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(applyResult_->text(), QStringLiteral("Saved. DHCP restarted on %1.").arg(nic_));
    QTRY_VERIFY(allRunning());
    QVERIFY2(description("tftp").contains(at(1)), qPrintable(description("tftp")));
    QVERIFY2(description("region").contains(QStringLiteral("%1:%2, 127.0.0.1:%2").arg(at(1)).arg(region)),
             qPrintable(description("region")));
    QVERIFY(accepts(at(1), http));
    QVERIFY(!accepts(QStringLiteral("127.0.0.1"), http));
    QVERIFY(accepts(at(1), region));
    QVERIFY(accepts(QStringLiteral("127.0.0.1"), region));

    // A change that keeps the interface restarts DHCP only (one service replaced).
    QSignalSpy replaced(host_.get(), &ServiceHost::servicesChanged);
    retype(range_, at(130) + QLatin1Char('-') + at(139));
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(applyResult_->text(), QStringLiteral("Saved. DHCP restarted on %1.").arg(nic_));
    QCOMPARE(replaced.size(), 1);
}

void TestNetworkPage::revertDropsUnsavedEdits()
{
    const QString range = at(100) + QLatin1Char('-') + at(199);
    store({{"dhcp_interface", nic_}, {"dhcp_range", range}});
    showWindow();
    retype(range_, QStringLiteral("oops"));
    QVERIFY(validation_->isVisible());
    QTest::mouseClick(revert_, Qt::LeftButton);
    QCOMPARE(range_->text(), range);
    QVERIFY(!validation_->isVisible());
    QVERIFY(!apply_->isEnabled());
    QCOMPARE(stored("dhcp_range"), range);
}

void TestNetworkPage::lookingOnAMissingInterfaceSaysWhy()
{
    store({{"dhcp_interface", QStringLiteral("nosuch0")}});
    showWindow();
    QVERIFY(probe_->isEnabled());
    QElapsedTimer took;
    took.start();
    QTest::mouseClick(probe_, Qt::LeftButton);
    QTRY_COMPARE(probeResult_->text(),
                 QStringLiteral("Cannot look for DHCP servers on nosuch0: no such Ethernet interface."));
    QVERIFY(took.elapsed() < 2000); // an answer, not a wait
    QCOMPARE(probeResult_->palette().color(QPalette::WindowText), kRed);
    QVERIFY(probe_->isEnabled()); // and it can be asked again
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-probe-error-en.png")));
}

void TestNetworkPage::findsTheRouterAndAsksBeforeManagedDhcpBesideIt()
{
    if (!ns_)
        METALDESK_SKIP("needs root and dnsmasq: another DHCP server in a network namespace");
    showWindow();
    chooseInterface(nic_);
    const QString range = at(100) + QLatin1Char('-') + at(149);
    retype(range_, range);
    QVERIFY(apply_->isEnabled());

    // The GUI thread keeps drawing while the look takes its two seconds.
    QTest::mouseClick(probe_, Qt::LeftButton);
    QVERIFY(!probe_->isEnabled());
    QCOMPARE(probeResult_->text(), QStringLiteral("Asking on %1 whether another DHCP server answers…").arg(nic_));
    QTRY_VERIFY_WITH_TIMEOUT(probe_->isEnabled(), 5000);
    const QRegularExpression found(QStringLiteral("^Another DHCP server answers on boot0: 10\\.88\\.0\\.254 \\(offered "
                                                  "10\\.88\\.0\\.(5[0-9]|60)\\)\\. Proxy mode lets it keep giving"));
    QVERIFY2(found.match(probeResult_->text()).hasMatch(), qPrintable(probeResult_->text()));
    QVERIFY(probeResult_->palette().color(QPalette::WindowText) != kRed); // a warning, not an error
    verifyNothingIsCut();
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-other-server-en.png")));

    // Managed DHCP beside it needs an explicit choice. Cancel saves nothing.
    answerMessageBox("cancel", QStringLiteral(SCREENSHOT_DIR "/network-other-server-dialog-en.png"));
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(stored("dhcp_interface"), QString());
    QVERIFY(host_->services().empty());

    // Proxy mode: the other server keeps giving the addresses.
    answerMessageBox("useProxyButton");
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(stored("dhcp_interface"), nic_);
    QCOMPARE(stored("dhcp_mode"), QStringLiteral("proxy"));
    QCOMPARE(stored("dhcp_allow_other_servers"), QStringLiteral("false")); // the default: not stored
    QVERIFY(proxy_->isChecked());
    QCOMPARE(host_->services().size(), size_t(1));
    QVERIFY(host_->services().front().service->description().startsWith(QStringLiteral("proxy DHCP on boot0")));

    // Back to managed, insisting.
    QTest::mouseClick(managed_, Qt::LeftButton);
    answerMessageBox("runManagedAnywayButton");
    QTest::mouseClick(apply_, Qt::LeftButton);
    QCOMPARE(stored("dhcp_mode"), QStringLiteral("managed"));
    QCOMPARE(stored("dhcp_allow_other_servers"), QStringLiteral("true"));
    QCOMPARE(stored("dhcp_range"), range);
    QVERIFY(host_->services().front().service->description().startsWith(QStringLiteral("managed DHCP on boot0")));
}

// Every label shows its whole text, every button its whole caption.
void TestNetworkPage::verifyNothingIsCut()
{
    // What a person sees: the layouts after the text changes have been laid out.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QCoreApplication::processEvents();
    for (QWidget *w : page_->findChildren<QWidget *>()) {
        if (!w->isVisible())
            continue;
        const QString what =
            w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName();
        if (auto *label = qobject_cast<QLabel *>(w)) {
            if (label->text().isEmpty())
                continue;
            if (label->wordWrap()) {
                QVERIFY2(label->height() >= label->heightForWidth(label->width()),
                         qPrintable(QStringLiteral("%1 cut: %2").arg(what, label->text())));
                // Nor given blank lines around it (a layout that took the label's guess at its height).
                QVERIFY2(label->height() < label->heightForWidth(label->width()) + label->fontMetrics().height(),
                         qPrintable(QStringLiteral("%1 padded: %2").arg(what, label->text())));
            } else
                QVERIFY2(label->width() >= label->sizeHint().width(),
                         qPrintable(QStringLiteral("%1 cut: %2").arg(what, label->text())));
        } else if (auto *button = qobject_cast<QAbstractButton *>(w)) {
            QVERIFY2(button->width() >= button->sizeHint().width(),
                     qPrintable(QStringLiteral("%1 cut: %2").arg(what, button->text())));
        } else if (auto *edit = qobject_cast<QLineEdit *>(w)) {
            const QFontMetrics fm = edit->fontMetrics();
            const QString shown = edit->text().isEmpty() ? edit->placeholderText() : edit->text();
            QVERIFY2(edit->width() > fm.horizontalAdvance(shown) + 2 * fm.averageCharWidth(),
                     qPrintable(QStringLiteral("%1 cut: %2").arg(what, shown)));
        } else if (auto *group = qobject_cast<QGroupBox *>(w)) {
            QVERIFY2(group->width() >= group->fontMetrics().horizontalAdvance(group->title()),
                     qPrintable(group->title()));
        } else if (auto *combo = qobject_cast<QComboBox *>(w)) {
            QVERIFY2(combo->width() >= combo->sizeHint().width(), qPrintable(combo->currentText()));
        }
    }
}

void TestNetworkPage::fitsLongerTranslatedTextsInAKoreanFont()
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
    store({{"dhcp_interface", nic_}, {"dhcp_range", at(100) + QLatin1Char('-') + at(199)}});
    showWindow();
    QVERIFY(apply_->text().startsWith(QStringLiteral("한국어")));
    retype(reserved_, at(150) + QLatin1Char('-') + at(160));
    QVERIFY(validation_->text().startsWith(QStringLiteral("한국어")));
    store({{"dhcp_interface", QStringLiteral("nosuch0")}});
    window_->networkPage()->load();
    chooseInterface(QStringLiteral("nosuch0"));
    QTest::mouseClick(probe_, Qt::LeftButton);
    QTRY_VERIFY(probe_->isEnabled());
    chooseInterface(nic_);
    retype(reserved_, at(150) + QLatin1Char('-') + at(160));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-pseudo-ko.png")));
    verifyNothingIsCut();
}

void TestNetworkPage::speaksKoreanWithTheShippedTranslation()
{
    QTranslator korean;
    QVERIFY(korean.load(QLocale(QLocale::Korean, QLocale::SouthKorea), QStringLiteral("metaldesk"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&korean);
        QApplication::setFont(original);
    });
    store({{"dhcp_interface", nic_}, {"dhcp_range", at(100) + QLatin1Char('-') + at(199)}});
    showWindow();
    retype(reserved_, at(150) + QLatin1Char('-') + at(160));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/network-ko.png")));
    for (const QString &text : {apply_->text(), probe_->text(), managed_->text(), validation_->text(),
                                dhcpStatus_->text(), page_->findChild<QGroupBox *>()->title()})
        QVERIFY2(hasHangul(text), qPrintable(QStringLiteral("not translated: ") + text));
    verifyNothingIsCut();
}

QTEST_MAIN(TestNetworkPage)
#include "tst_networkpage.moc"
