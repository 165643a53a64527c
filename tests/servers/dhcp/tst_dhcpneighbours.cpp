// MetalDesk on a network where another DHCP server (a real dnsmasq, playing the home router)
// already gives addresses: managed DHCP refuses to start beside it unless the user insists, and
// proxy mode adds the boot information that real iPXE firmware (SeaBIOS + iPXE ROM in QEMU, TCG)
// boots from, while the addresses still come from dnsmasq.
#include "childprocess.h"
#include "core/runtime/coreservices.h"
#include "netns.h"

#include "skip.h"
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;
using metaldesk::testing::NetworkNamespaces;

namespace {

QString findTool(const char *name)
{
    const QString path = QStandardPaths::findExecutable(QLatin1String(name));
    if (!path.isEmpty())
        return path;
    return QStandardPaths::findExecutable(QLatin1String(name), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
}

// Reads a process's output until `done` matches it, the process ends, or the time is up.
QString readUntil(QProcess &p, const std::function<bool(const QString &)> &done, int timeoutMs,
                  QProcess::ProcessChannel channel = QProcess::StandardOutput)
{
    QString text;
    QElapsedTimer timer;
    timer.start();
    p.setReadChannel(channel);
    while (!done(text) && timer.elapsed() < timeoutMs && p.state() == QProcess::Running) {
        p.waitForReadyRead(200);
        text += QString::fromLocal8Bit(p.readAll());
    }
    text += QString::fromLocal8Bit(p.readAll());
    return text;
}

void stop(QProcess &p)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(10000)) {
        p.kill();
        p.waitForFinished();
    }
}

} // namespace

class TestDhcpNeighbours : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void managedDhcpWaitsForTheUsersChoice();
    void proxyModeBootsRealIpxeBesideTheRouter();
    void cleanupTestCase();

private:
    QString database(const QList<std::pair<const char *, const char *>> &settings);
    void startMetalDesk(QProcess &p, const QString &db);
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QString server_, router_, lan_;
    QProcess dnsmasq_;
    int databases_ = 0;
};

void TestDhcpNeighbours::initTestCase()
{
    QString whyNot;
    if (!NetworkNamespaces::available(&whyNot))
        METALDESK_SKIP(qPrintable(whyNot));
    if (findTool("dnsmasq").isEmpty())
        METALDESK_SKIP("dnsmasq is not installed: run tools/setup");
    ns_ = std::make_unique<NetworkNamespaces>();
    server_ = ns_->add(QStringLiteral("mdnsrv"));
    router_ = ns_->add(QStringLiteral("mdnrtr"));
    lan_ = ns_->add(QStringLiteral("mdnlan")); // the switch: a bridge, and the tap of the VM
    QVERIFY2(!server_.isEmpty() && !router_.isEmpty() && !lan_.isEmpty(), qPrintable(ns_->error()));
    int rc = -1;
    for (const QStringList &command :
         {QStringList{QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("add"), QStringLiteral("br0"),
                      QStringLiteral("type"), QStringLiteral("bridge")},
          QStringList{QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("br0"),
                      QStringLiteral("up")}}) {
        const QString out = NetworkNamespaces::run(lan_, command, &rc);
        QVERIFY2(rc == 0, qPrintable(out));
    }
    QVERIFY2(
        ns_->link(server_, QStringLiteral("boot0"), QStringLiteral("10.77.0.1/24"), lan_, QStringLiteral("p-srv"), {}),
        qPrintable(ns_->error()));
    QVERIFY2(
        ns_->link(router_, QStringLiteral("eth0"), QStringLiteral("10.77.0.254/24"), lan_, QStringLiteral("p-rtr"), {}),
        qPrintable(ns_->error()));
    for (const char *port : {"p-srv", "p-rtr"}) {
        const QString out =
            NetworkNamespaces::run(lan_,
                                   {QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"),
                                    QLatin1String(port), QStringLiteral("master"), QStringLiteral("br0")},
                                   &rc);
        QVERIFY2(rc == 0, qPrintable(out));
    }
    // An IPv6 prefix for router advertisements: without one iPXE waits ~15 s for IPv6 autoconfiguration.
    NetworkNamespaces::run(router_,
                           {QStringLiteral("ip"), QStringLiteral("-6"), QStringLiteral("addr"), QStringLiteral("add"),
                            QStringLiteral("fd77::1/64"), QStringLiteral("dev"), QStringLiteral("eth0")});

    // The home router: gives addresses, knows nothing of network booting.
    QFile conf(dir_.filePath(QStringLiteral("dnsmasq.conf")));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("port=0\ninterface=eth0\nbind-interfaces\nno-ping\ndhcp-authoritative\n"
               "dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h\n"
               "enable-ra\ndhcp-range=::,constructor:eth0,ra-only\nuser=root\n"
               "dhcp-leasefile=" +
               dir_.filePath(QStringLiteral("dnsmasq.leases")).toLocal8Bit() + "\nlog-dhcp\n");
    conf.close();
    dnsmasq_.setProcessChannelMode(QProcess::MergedChannels);
    testing::dieWithParent(dnsmasq_); // a test killed by its timeout leaves no server behind
    dnsmasq_.start(QStringLiteral("ip"),
                   NetworkNamespaces::inside(router_, {findTool("dnsmasq"), QStringLiteral("--keep-in-foreground"),
                                                       QStringLiteral("--log-facility=-"),
                                                       QStringLiteral("--conf-file=") + conf.fileName()}));
    QVERIFY(dnsmasq_.waitForStarted());
    const QString started = readUntil(
        dnsmasq_, [](const QString &t) { return t.contains(QLatin1String("DHCP, IP range")); }, 10000);
    QVERIFY2(started.contains(QLatin1String("DHCP, IP range")), qPrintable(started));
}

void TestDhcpNeighbours::cleanupTestCase()
{
    stop(dnsmasq_);
    ns_.reset();
}

QString TestDhcpNeighbours::database(const QList<std::pair<const char *, const char *>> &settings)
{
    const QString path = dir_.filePath(QStringLiteral("md%1.db").arg(++databases_));
    auto core = CoreServices::open(DatabaseSpec::sqlite(path));
    if (!core)
        qFatal("%s", qPrintable(core.errorMessage()));
    for (const auto &[key, value] : settings)
        if (!(*core)->config->setValue(QLatin1String(key), QLatin1String(value)))
            qFatal("cannot set %s", key);
    return path;
}

void TestDhcpNeighbours::startMetalDesk(QProcess &p, const QString &db)
{
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(QStringLiteral("ip"),
            NetworkNamespaces::inside(server_, {QStringLiteral(METALDESK_BINARY), QStringLiteral("--headless"),
                                                QStringLiteral("--database"), db}));
    QVERIFY(p.waitForStarted());
}

void TestDhcpNeighbours::managedDhcpWaitsForTheUsersChoice()
{
    const QList<std::pair<const char *, const char *>> managed{
        {"dhcp_interface", "boot0"}, {"dhcp_range", "10.77.0.100-10.77.0.120"}, {"boot_root", "/nonexistent"}};
    QProcess refused;
    startMetalDesk(refused, database(managed));
    const QString err = readUntil(
        refused, [](const QString &t) { return t.contains(QLatin1String("metaldesk: dhcp: another DHCP server")); },
        20000, QProcess::StandardError);
    // It names the router and what it offered, says DHCP is not started and what to do instead.
    QVERIFY2(QRegularExpression(QStringLiteral("dhcp: another DHCP server already answers on boot0: 10\\.77\\.0\\.254 "
                                               "\\(offered 10\\.77\\.0\\.(5[0-9]|60)\\)\\. Managed DHCP is not "
                                               "started: choose proxy mode"))
                 .match(err)
                 .hasMatch(),
             qPrintable(err));
    QCOMPARE(refused.state(), QProcess::Running); // everything else goes on
    stop(refused);

    // The user insists (the Network page's confirmation): managed DHCP starts anyway.
    auto insisted = managed;
    insisted << std::pair{"dhcp_allow_other_servers", "true"};
    QProcess allowed;
    startMetalDesk(allowed, database(insisted));
    const QString out = readUntil(
        allowed, [](const QString &t) { return t.contains(QLatin1String("Stop with")); }, 20000);
    QVERIFY2(out.contains(QLatin1String("service:   dhcp: managed DHCP on boot0")), qPrintable(out));
    // The banner comes before the service runs; "running" comes once it serves, which it would
    // never reach (the look for other servers would refuse it) if the choice were ignored.
    const QString log = readUntil(
        allowed,
        [](const QString &t) { return t.contains(QLatin1String("metaldesk.dhcp info: managed DHCP on boot0")); }, 20000,
        QProcess::StandardError);
    QVERIFY2(log.contains(QLatin1String("metaldesk.dhcp info: managed DHCP on boot0")), qPrintable(log));
    QVERIFY2(!log.contains(QLatin1String("another DHCP server")), qPrintable(log));
    stop(allowed);
}

void TestDhcpNeighbours::proxyModeBootsRealIpxeBesideTheRouter()
{
    const QString qemu = findTool("qemu-system-x86_64");
    if (qemu.isEmpty())
        METALDESK_SKIP("qemu-system-x86_64 is not installed: run tools/setup");
    QProcess metaldesk;
    startMetalDesk(metaldesk, database({{"dhcp_interface", "boot0"}, {"dhcp_mode", "proxy"}}));
    const QString banner = readUntil(
        metaldesk, [](const QString &t) { return t.contains(QLatin1String("Stop with")); }, 20000);
    QVERIFY2(banner.contains(QLatin1String("service:   dhcp: proxy DHCP on boot0")), qPrintable(banner));

    int rc = -1;
    for (const QStringList &command :
         {QStringList{QStringLiteral("ip"), QStringLiteral("tuntap"), QStringLiteral("add"), QStringLiteral("dev"),
                      QStringLiteral("tap0"), QStringLiteral("mode"), QStringLiteral("tap")},
          QStringList{QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("tap0"),
                      QStringLiteral("master"), QStringLiteral("br0"), QStringLiteral("up")}}) {
        const QString out = NetworkNamespaces::run(lan_, command, &rc);
        QVERIFY2(rc == 0, qPrintable(out));
    }
    // SeaBIOS, whose NIC ROM is iPXE: it asks DHCP with user class "iPXE" and option 93 = 0.
    QProcess vm;
    vm.setProcessChannelMode(QProcess::MergedChannels);
    vm.start(QStringLiteral("ip"),
             NetworkNamespaces::inside(
                 lan_, {qemu, QStringLiteral("-accel"), QStringLiteral("tcg"), QStringLiteral("-m"),
                        QStringLiteral("256"), QStringLiteral("-nographic"), QStringLiteral("-no-reboot"),
                        QStringLiteral("-boot"), QStringLiteral("n"), QStringLiteral("-netdev"),
                        QStringLiteral("tap,id=n0,ifname=tap0,script=no,downscript=no"), QStringLiteral("-device"),
                        QStringLiteral("virtio-net-pci,netdev=n0,mac=52:54:00:77:00:10")}));
    QVERIFY(vm.waitForStarted());
    // iPXE prints each URL it fetches. The enlist script then asks for the built-in environment's
    // kernel, which this test's boot root does not have: that request is as far as this test goes.
    const QString console = readUntil(
        vm, [](const QString &t) { return t.contains(QLatin1String("environment/vmlinuz")); }, 120000);
    stop(vm);
    stop(metaldesk);
    QVERIFY2(
        QRegularExpression(QStringLiteral("net0: 10\\.77\\.0\\.(5[0-9]|60)/255\\.255\\.255\\.0 gw 10\\.77\\.0\\.254"))
            .match(console)
            .hasMatch(),
        qPrintable(console.right(3000)));
    QVERIFY2(console.contains(QLatin1String("http://10.77.0.1:5248/boot/52-54-00-77-00-10.ipxe")),
             qPrintable(console.right(3000)));
    QVERIFY2(console.contains(QLatin1String("http://10.77.0.1:5248/environment/vmlinuz")),
             qPrintable(console.right(3000)));
}

QTEST_GUILESS_MAIN(TestDhcpNeighbours)
#include "tst_dhcpneighbours.moc"
