// The Services page, offscreen, over a real SQLite database and real boot servers in their own
// threads: a server that cannot bind is shown failed, in red, with the sentence that fixes it; a
// running one's counters are listed and charted as a rate; the DHCP leases are listed.
#include "app/network/leasetablemodel.h"
#include "app/network/servicespage.h"
#include "app/shell/mainwindow.h"
#include "core/addresses/leasestore.h"
#include "core/lifecycle/timeoutmonitor.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/boot/httpbootserver.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/tftp/tftpserver.h"

#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScrollBar>
#include <QSettings>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTranslator>
#include <QUdpSocket>
#include <QValueAxis>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;

namespace {

bool hasHangul(const QString &text)
{
    return std::any_of(text.cbegin(), text.cend(),
                       [](QChar c) { return c.unicode() >= 0xac00 && c.unicode() <= 0xd7a3; });
}

// A port nobody uses now (the kernel's pick), for a server to bind a moment later.
quint16 freeUdpPort()
{
    QUdpSocket probe;
    probe.bind(QHostAddress::LocalHost, 0);
    return probe.localPort();
}

const QColor kRed(0xb0, 0x00, 0x20); // the page's colour for failures

// Runs, but not all of it works: what a DHCP server on an interface without IPv6 says (the real
// one's sentence is checked in tst_dhcpneighbours, in a namespace whose interface has IPv6 off).
class PartlyRunningService : public Service {
public:
    QString name() const override { return QStringLiteral("dhcp"); }
    QString description() const override { return QStringLiteral("proxy DHCP on boot0"); }
    void start() override { emit stateChanged(QStringLiteral("running"), description()); }
    QStringList notices() const override
    {
        return {QStringLiteral("IPv6 is disabled on boot0: network-booting machines wait about 10 s for an IPv6 "
                               "router at every boot. Enable it to end the wait: sysctl -w "
                               "net.ipv6.conf.boot0.disable_ipv6=0")};
    }
};

} // namespace

class TestServicesPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void showsAServerThatCannotBindInRedWithTheFix();
    void listsAndChartsTheCountersOfARunningServer();
    void saysWhatARunningServiceCannotDoInNormalText();
    void followsAServiceReplacedWhileShown();
    void listsLeasesWithMacIpHostnameAndExpiry();
    void fitsLongerTranslatedTextsInAKoreanFont();
    void speaksKoreanWithTheShippedTranslation();

private:
    void startServices();
    void showWindow();
    void writeLeases();
    void sendTftpRequests(int count);
    void chartSomeTraffic();
    void verifyNothingIsCut();
    int serviceRow(const QString &name) const;
    QString serviceCell(const QString &name, int column) const;
    QString counterValue(const QString &key) const;

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<ServiceHost> host_;
    std::unique_ptr<MainWindow> window_;
    QTcpServer squatter_; // holds the HTTP port, as another web server would
    quint16 tftpPort_ = 0;
    qint64 leaseExpiry_ = 0;

    ServicesPage *page_ = nullptr;
    QTableWidget *services_ = nullptr;
    QLabel *problems_ = nullptr;
    QTableWidget *counters_ = nullptr;
    QChartView *chart_ = nullptr;
    QTableView *leases_ = nullptr;
    QLabel *leaseCount_ = nullptr;
};

void TestServicesPage::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(QStringLiteral("tst_servicespage"), settingsDir_.path(), true));
}

void TestServicesPage::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    host_ = std::make_unique<ServiceHost>();
    QVERIFY(squatter_.listen(QHostAddress::LocalHost));
}

void TestServicesPage::cleanup()
{
    window_.reset(); // before the services it shows
    host_.reset();   // stops and joins the service threads
    core_.reset();
    dir_.reset();
    squatter_.close();
}

// What a home server runs: HTTP (whose port another program holds), TFTP and DHCP on loopback
// (high ports: no root needed), and the timeout monitor, which counts nothing.
void TestServicesPage::startServices()
{
    const QString root = dir_->filePath(QStringLiteral("boot"));
    QVERIFY(QDir().mkpath(root));
    http::ServerConfig httpConfig;
    httpConfig.address = QStringLiteral("127.0.0.1");
    httpConfig.port = squatter_.serverPort();
    httpConfig.files.root = root;
    httpConfig.workers = 1;
    tftp::ServerConfig tftpConfig;
    tftpConfig.address = QStringLiteral("127.0.0.1");
    tftpConfig.port = tftpPort_ = freeUdpPort();
    tftpConfig.files.root = root;
    tftpConfig.threads = 1;
    auto dhcpConfig = dhcp::ServerConfig::fromValues({
        {QStringLiteral("dhcp_interface"), QStringLiteral("lo")},
        {QStringLiteral("dhcp_range"), QStringLiteral("127.0.0.100-127.0.0.199")},
        {QStringLiteral("dhcp_port"), QString::number(freeUdpPort())},
        {QStringLiteral("dhcp_allow_other_servers"), QStringLiteral("true")}, // no look for others: fast
    });
    QVERIFY2(dhcpConfig, qPrintable(dhcpConfig.errorMessage()));

    host_->add(std::make_unique<dhcp::Server>(core_->db, *dhcpConfig));
    host_->add(std::make_unique<tftp::Server>(core_->db, tftpConfig));
    host_->add(std::make_unique<http::BootServer>(core_->db, httpConfig));
    host_->add(std::make_unique<TimeoutMonitor>(core_->engine.get(), 60000));
    host_->start();
    // Each says how it went, from its own thread.
    QTRY_VERIFY(std::all_of(host_->services().cbegin(), host_->services().cend(),
                            [](const ServiceHost::Entry &e) { return !e.state.isEmpty(); }));
}

void TestServicesPage::showWindow()
{
    window_ = std::make_unique<MainWindow>(*core_, *host_);
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    page_ = window_->servicesPage();
    window_->showPage(page_);
    QVERIFY(page_->isVisible());
    services_ = page_->findChild<QTableWidget *>(QStringLiteral("serviceTable"));
    problems_ = page_->findChild<QLabel *>(QStringLiteral("serviceProblems"));
    counters_ = page_->findChild<QTableWidget *>(QStringLiteral("counterTable"));
    chart_ = page_->findChild<QChartView *>(QStringLiteral("rateChart"));
    leases_ = page_->findChild<QTableView *>(QStringLiteral("leaseTable"));
    leaseCount_ = page_->findChild<QLabel *>(QStringLiteral("leaseCount"));
    QVERIFY(services_ && problems_ && counters_ && chart_ && leases_ && leaseCount_);
}

int TestServicesPage::serviceRow(const QString &name) const
{
    for (int row = 0; row < services_->rowCount(); ++row)
        if (services_->item(row, 0)->text() == name)
            return row;
    return -1;
}

QString TestServicesPage::serviceCell(const QString &name, int column) const
{
    const int row = serviceRow(name);
    return row < 0 ? QStringLiteral("<no row %1>").arg(name) : services_->item(row, column)->text();
}

QString TestServicesPage::counterValue(const QString &key) const
{
    for (int row = 0; row < counters_->rowCount(); ++row)
        if (counters_->item(row, 0)->data(Qt::UserRole).toString() == key)
            return counters_->item(row, 1)->text();
    return QStringLiteral("<no counter %1>").arg(key);
}

// Read requests for a file that is not there: each one is a request the server counts (and refuses).
void TestServicesPage::sendTftpRequests(int count)
{
    QUdpSocket client;
    QVERIFY(client.bind(QHostAddress::LocalHost, 0));
    for (int i = 0; i < count; ++i) {
        const QByteArray rrq = QByteArray("\x00\x01", 2) + "missing-" + QByteArray::number(i) + '\0' + "octet" + '\0';
        QCOMPARE(client.writeDatagram(rrq, QHostAddress::LocalHost, tftpPort_), rrq.size());
    }
}

// Bursts of TFTP requests, polled between them as the page's timer would: a chart with a line.
void TestServicesPage::chartSomeTraffic()
{
    const Service *tftp = host_->services()[size_t(serviceRow(QStringLiteral("tftp")))].service;
    page_->pollCounters();
    quint64 sent = 0;
    for (int burst = 1; burst <= 4; ++burst) {
        sendTftpRequests(5 * burst);
        sent += quint64(5 * burst);
        QTRY_COMPARE(tftp->counterList().first().value, sent);
        QTest::qWait(100);
        page_->pollCounters();
    }
}

void TestServicesPage::writeLeases()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    leaseExpiry_ = now + 3600 * 1000;
    auto ip = [](int host) { return QHostAddress(QStringLiteral("127.0.0.%1").arg(host)).toIPv4Address(); };
    const QList<Lease> leases{
        {ip(101), QStringLiteral("52:54:00:aa:00:01"), QStringLiteral("calm-heron"), Lease::State::Bound, leaseExpiry_},
        {ip(102), QStringLiteral("52:54:00:aa:00:02"), QStringLiteral("brisk-otter"), Lease::State::Bound,
         leaseExpiry_ + 60000},
        {ip(110), QStringLiteral("52:54:00:aa:00:10"), QString(), Lease::State::Offered, now - 60000},
        {ip(120), QStringLiteral("52:54:00:aa:00:20"), QStringLiteral("gone-away"), Lease::State::Released, now},
    };
    const auto saved = LeaseStore(core_->db).saveAll(leases);
    QVERIFY2(saved, qPrintable(saved.errorMessage()));
}

void TestServicesPage::showsAServerThatCannotBindInRedWithTheFix()
{
    startServices();
    showWindow();
    QCOMPARE(services_->rowCount(), 4);
    QCOMPARE(serviceCell(QStringLiteral("http"), 1), QStringLiteral("failed"));
    const QString detail = serviceCell(QStringLiteral("http"), 2);
    QVERIFY2(detail.contains(QStringLiteral("port %1: another program serves this port").arg(squatter_.serverPort())),
             qPrintable(detail));
    // The sentence that fixes it, not only the errno.
    QVERIFY2(detail.contains(QStringLiteral("another program serves this port. Stop it, or choose another port in "
                                            "the setting http_port")),
             qPrintable(detail));
    const int row = serviceRow(QStringLiteral("http"));
    QCOMPARE(services_->item(row, 1)->foreground().color(), kRed);
    QVERIFY(services_->item(row, 1)->font().bold());
    QCOMPARE(services_->item(row, 2)->foreground().color(), kRed);

    // Said once on this page, in its row (and in the window's Problems list): no banner repeats it.
    QVERIFY(!problems_->isVisible());

    // The others run, and say what they serve.
    QCOMPARE(serviceCell(QStringLiteral("tftp"), 1), QStringLiteral("running"));
    QVERIFY(serviceCell(QStringLiteral("tftp"), 2).contains(QStringLiteral("udp port %1").arg(tftpPort_)));
    QCOMPARE(serviceCell(QStringLiteral("dhcp"), 1), QStringLiteral("running"));
    QVERIFY(serviceCell(QStringLiteral("dhcp"), 2).contains(QStringLiteral("range 127.0.0.100-127.0.0.199")));
    QCOMPARE(serviceCell(QStringLiteral("timeouts"), 1), QStringLiteral("running"));
    QVERIFY(services_->item(serviceRow(QStringLiteral("tftp")), 1)->foreground().color() != kRed);

    // The port is free again: a restart (as the Network page does for DHCP) clears the failure.
    const quint16 port = squatter_.serverPort();
    squatter_.close();
    http::ServerConfig again;
    again.address = QStringLiteral("127.0.0.1");
    again.port = port;
    again.files.root = dir_->filePath(QStringLiteral("boot"));
    again.workers = 1;
    host_->replace(std::make_unique<http::BootServer>(core_->db, again));
    QTRY_COMPARE(serviceCell(QStringLiteral("http"), 1), QStringLiteral("running"));
    QVERIFY(services_->item(row, 2)->foreground().color() != kRed);
}

void TestServicesPage::listsAndChartsTheCountersOfARunningServer()
{
    startServices();
    showWindow();
    services_->selectRow(serviceRow(QStringLiteral("tftp")));
    auto *title = page_->findChild<QLabel *>(QStringLiteral("counterTitle"));
    QVERIFY(title);
    QCOMPARE(title->text(), QStringLiteral("Counters of tftp"));
    QCOMPARE(counterValue(QStringLiteral("requests")), QStringLiteral("0"));

    chartSomeTraffic();
    QCOMPARE(counterValue(QStringLiteral("requests")), QStringLiteral("50"));
    QCOMPARE(counterValue(QStringLiteral("refused")), QStringLiteral("50"));

    // The chart has one line per service that counts: the rate of its first counter, whose row
    // in the table carries the line's colour.
    QLineSeries *line = nullptr;
    for (QAbstractSeries *s : chart_->chart()->series())
        if (s->name() == QStringLiteral("tftp"))
            line = qobject_cast<QLineSeries *>(s);
    QVERIFY(line);
    QCOMPARE(counters_->item(0, 0)->data(Qt::DecorationRole).value<QColor>(), line->color());
    QVERIFY(!counters_->item(1, 0)->data(Qt::DecorationRole).isValid());
    QVERIFY2(line->count() >= 4, qPrintable(QString::number(line->count())));
    double highest = 0;
    for (const QPointF &p : line->points()) {
        QVERIFY(p.x() <= 0 && p.x() >= -ServicesPage::kHistorySeconds);
        highest = qMax(highest, p.y());
    }
    QVERIFY2(highest > 10, qPrintable(QString::number(highest))); // 20 requests in ~0.1 s
    auto *axisY = qobject_cast<QValueAxis *>(chart_->chart()->axes(Qt::Vertical).first());
    QVERIFY(axisY && axisY->max() >= highest);
    // A service that counts nothing has no line; the others do.
    QStringList names;
    for (QAbstractSeries *s : chart_->chart()->series())
        names << s->name();
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("dhcp"), QStringLiteral("http"), QStringLiteral("tftp")}));
    // The page is a second old: the time axis spans its first ten seconds, not two minutes.
    auto *axisX = qobject_cast<QValueAxis *>(chart_->chart()->axes(Qt::Horizontal).first());
    QCOMPARE(axisX->min(), -10.0);
    QCOMPARE(axisX->max(), 0.0);
    services_->selectRow(serviceRow(QStringLiteral("timeouts")));
    QCOMPARE(title->text(), QStringLiteral("timeouts counts nothing."));
    QCOMPARE(counters_->rowCount(), 0);

    services_->selectRow(serviceRow(QStringLiteral("tftp")));
    verifyNothingIsCut();
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-en.png")));
}

void TestServicesPage::saysWhatARunningServiceCannotDoInNormalText()
{
    host_->add(std::make_unique<PartlyRunningService>());
    host_->start();
    QTRY_COMPARE(host_->services().front().state, QStringLiteral("running"));
    showWindow();
    QCOMPARE(serviceCell(QStringLiteral("dhcp"), 1), QStringLiteral("running"));
    QVERIFY(problems_->isVisible());
    const QString text = problems_->text();
    QVERIFY2(text.contains(QStringLiteral("<b>dhcp:</b> IPv6 is disabled on boot0")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("sysctl -w net.ipv6.conf.boot0.disable_ipv6=0")), qPrintable(text));
    // Not a failure: not in red, and not "is not running".
    QVERIFY(problems_->palette().color(QPalette::WindowText) != kRed);
    QVERIFY2(!text.contains(QStringLiteral("not running")), qPrintable(text));
    QVERIFY(problems_->height() >= problems_->heightForWidth(problems_->width()));
    QVERIFY(services_->item(serviceRow(QStringLiteral("dhcp")), 1)->foreground().color() != kRed);
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-notice.png")));
}

void TestServicesPage::followsAServiceReplacedWhileShown()
{
    startServices();
    showWindow();
    services_->selectRow(serviceRow(QStringLiteral("dhcp")));
    QVERIFY(serviceCell(QStringLiteral("dhcp"), 2).contains(QStringLiteral("range 127.0.0.100-127.0.0.199")));
    auto config = dhcp::ServerConfig::fromValues({
        {QStringLiteral("dhcp_interface"), QStringLiteral("lo")},
        {QStringLiteral("dhcp_range"), QStringLiteral("127.0.0.150-127.0.0.160")},
        {QStringLiteral("dhcp_port"), QString::number(freeUdpPort())},
        {QStringLiteral("dhcp_allow_other_servers"), QStringLiteral("true")},
    });
    QVERIFY2(config, qPrintable(config.errorMessage()));
    host_->replace(std::make_unique<dhcp::Server>(core_->db, *config));
    QTRY_VERIFY(serviceCell(QStringLiteral("dhcp"), 2).contains(QStringLiteral("range 127.0.0.150-127.0.0.160")));
    QTRY_COMPARE(serviceCell(QStringLiteral("dhcp"), 1), QStringLiteral("running"));
    QCOMPARE(services_->rowCount(), 4);
    // Still selected, with the new service's counters.
    QCOMPARE(services_->selectionModel()->selectedRows().value(0).row(), serviceRow(QStringLiteral("dhcp")));
    QCOMPARE(counterValue(QStringLiteral("answered")), QStringLiteral("0"));

    QVERIFY(host_->remove(QStringLiteral("dhcp")));
    QCOMPARE(services_->rowCount(), 3);
    QCOMPARE(serviceRow(QStringLiteral("dhcp")), -1);
    page_->pollCounters(); // its line goes with it
    for (QAbstractSeries *s : chart_->chart()->series())
        QVERIFY(!s->name().startsWith(QStringLiteral("dhcp")));
}

void TestServicesPage::listsLeasesWithMacIpHostnameAndExpiry()
{
    startServices();
    showWindow();
    auto *tabs = page_->findChild<QTabWidget *>(QStringLiteral("serviceTabs"));
    QVERIFY(tabs);
    tabs->setCurrentIndex(1);
    QTRY_COMPARE(leaseCount_->text(), QStringLiteral("No DHCP leases yet"));

    writeLeases();
    page_->reloadLeases();
    QTRY_COMPARE(leases_->model()->rowCount(), 4);
    QCOMPARE(leaseCount_->text(), QStringLiteral("4 leases, 2 in use"));
    QVERIFY(leases_->isVisible());
    auto row = [this](const QString &mac) {
        QStringList cells;
        for (int row = 0; row < leases_->model()->rowCount(); ++row) {
            if (leases_->model()->index(row, LeaseTableModel::MacColumn).data().toString() != mac)
                continue;
            for (int column = 0; column < LeaseTableModel::ColumnCount; ++column)
                cells << leases_->model()->index(row, column).data().toString();
        }
        return cells;
    };
    // The expiry in the window's one date format, to the second, as events show theirs.
    const QString expiry = QLocale().toString(QDateTime::fromMSecsSinceEpoch(leaseExpiry_).toLocalTime(),
                                              QStringLiteral("M/d/yyyy h:mm:ss AP"));
    QCOMPARE(row(QStringLiteral("52:54:00:aa:00:01")),
             (QStringList{QStringLiteral("52:54:00:aa:00:01"), QStringLiteral("127.0.0.101"),
                          QStringLiteral("calm-heron"), QStringLiteral("bound"), expiry}));
    QCOMPARE(row(QStringLiteral("52:54:00:aa:00:10")).value(LeaseTableModel::StateColumn), QStringLiteral("expired"));
    QCOMPARE(row(QStringLiteral("52:54:00:aa:00:20")).value(LeaseTableModel::StateColumn), QStringLiteral("released"));
    // Sorted by address as numbers.
    QCOMPARE(leases_->model()->index(0, LeaseTableModel::IpColumn).data().toString(), QStringLiteral("127.0.0.101"));
    QCOMPARE(leases_->model()->index(3, LeaseTableModel::IpColumn).data().toString(), QStringLiteral("127.0.0.120"));

    verifyNothingIsCut();
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-leases-en.png")));
}

// Every header and cell fits; the red sentence is shown whole.
void TestServicesPage::verifyNothingIsCut()
{
    const int textMargin = services_->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, services_) + 1;
    auto fits = [textMargin](QTableView *table, int column, const QString &text, const QFont &font) {
        return table->columnWidth(column) >= QFontMetrics(font).horizontalAdvance(text) + 2 * textMargin;
    };
    for (QTableWidget *table : {services_, counters_}) {
        for (int column = 0; column < table->columnCount(); ++column) {
            QVERIFY2(table->columnWidth(column) >= table->horizontalHeader()->sectionSizeHint(column),
                     qPrintable(QStringLiteral("%1: header of column %2 cut").arg(table->objectName()).arg(column)));
            if (table == services_ && column == 2)
                continue; // details: long sentences, whole in the tooltip and in the red box above
            for (int row = 0; row < table->rowCount(); ++row) {
                const QTableWidgetItem *item = table->item(row, column);
                QVERIFY2(fits(table, column, item->text(), item->font()),
                         qPrintable(QStringLiteral("%1: '%2' cut").arg(table->objectName(), item->text())));
            }
        }
    }
    QVERIFY(problems_->isHidden() || problems_->height() >= problems_->heightForWidth(problems_->width()));
    // Every row of the service table is on screen: it is as tall as its rows.
    QVERIFY(services_->verticalScrollBar()->maximum() == 0);
    for (int column = 0; leases_->isVisible() && column < LeaseTableModel::ColumnCount; ++column) {
        QVERIFY2(leases_->columnWidth(column) >= leases_->horizontalHeader()->sectionSizeHint(column),
                 qPrintable(QStringLiteral("lease header %1 cut").arg(column)));
        for (int row = 0; row < leases_->model()->rowCount(); ++row) {
            const QString text = leases_->model()->index(row, column).data().toString();
            QVERIFY2(fits(leases_, column, text, leases_->font()), qPrintable(QStringLiteral("'%1' cut").arg(text)));
        }
    }
    auto *title = page_->findChild<QLabel *>(QStringLiteral("counterTitle"));
    QVERIFY(title->isHidden() || title->width() >= title->sizeHint().width());
    // The legend has room for every name in one row (QLegend elides what does not fit).
    if (chart_->isVisible()) {
        const QLegend *legend = chart_->chart()->legend();
        const QFontMetrics fm(legend->font());
        int needed = 0;
        for (const QLegendMarker *marker : legend->markers())
            needed += fm.horizontalAdvance(marker->label()) + 3 * fm.height(); // the box and the gaps
        QVERIFY2(needed <= int(legend->geometry().width()),
                 qPrintable(QStringLiteral("legend needs %1 of %2").arg(needed).arg(legend->geometry().width())));
    }
}

void TestServicesPage::fitsLongerTranslatedTextsInAKoreanFont()
{
    const QFont original = QApplication::font();
    guitest::PseudoKorean pseudo;
    QCoreApplication::installTranslator(&pseudo);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        host_.reset(); // the servers' texts were translated too
        QCoreApplication::removeTranslator(&pseudo);
        QApplication::setFont(original);
    });
    startServices();
    writeLeases();
    showWindow();
    services_->selectRow(serviceRow(QStringLiteral("tftp")));
    chartSomeTraffic();
    QVERIFY(serviceCell(QStringLiteral("http"), 1).startsWith(QStringLiteral("한국어")));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-pseudo-ko.png")));
    verifyNothingIsCut();

    page_->findChild<QTabWidget *>(QStringLiteral("serviceTabs"))->setCurrentIndex(1);
    page_->reloadLeases();
    QTRY_COMPARE(leases_->model()->rowCount(), 4);
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-leases-pseudo-ko.png")));
    verifyNothingIsCut();
}

void TestServicesPage::speaksKoreanWithTheShippedTranslation()
{
    QTranslator korean;
    QVERIFY(korean.load(QLocale(QLocale::Korean, QLocale::SouthKorea), QStringLiteral("metaldesk"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    QLocale::setDefault(QLocale(QLocale::Korean, QLocale::SouthKorea)); // dates too, as a Korean desktop has them
    auto restore = qScopeGuard([&] {
        window_.reset();
        host_.reset();
        QCoreApplication::removeTranslator(&korean);
        QApplication::setFont(original);
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    });
    startServices();
    writeLeases();
    showWindow();
    services_->selectRow(serviceRow(QStringLiteral("tftp")));
    chartSomeTraffic();
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-ko.png")));
    page_->findChild<QTabWidget *>(QStringLiteral("serviceTabs"))->setCurrentIndex(1);
    page_->reloadLeases();
    QTRY_COMPARE(leases_->model()->rowCount(), 4);
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/services-leases-ko.png")));

    // What a Korean user reads first is in Korean: states, the failure, headers, the chart.
    for (const QString &text : {serviceCell(QStringLiteral("http"), 1), serviceCell(QStringLiteral("tftp"), 1),
                                serviceCell(QStringLiteral("http"), 2), services_->horizontalHeaderItem(1)->text(),
                                leases_->model()->headerData(0, Qt::Horizontal).toString(), leaseCount_->text(),
                                chart_->chart()->axes(Qt::Vertical).first()->titleText()})
        QVERIFY2(hasHangul(text), qPrintable(QStringLiteral("not translated: ") + text));
    verifyNothingIsCut();
}

QTEST_MAIN(TestServicesPage)
#include "tst_servicespage.moc"
