// MetalDesk on a network where another DHCP server (a real dnsmasq, playing the home router)
// already gives addresses: managed DHCP refuses to start beside it unless the user insists, and
// proxy mode adds the boot information that real iPXE firmware (SeaBIOS + iPXE ROM in QEMU, TCG)
// boots from, while the addresses still come from dnsmasq. On the IPv6 side: with no IPv6 router,
// MetalDesk's unicast answer ends iPXE's wait for one (tcpdump shows what was sent); with a real one
// (radvd), MetalDesk stays silent and iPXE takes that router's prefix and route.
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
    void withoutAnIpv6RouterIpxeDoesNotWaitForOne();
    void proxyModeBootsRealIpxeBesideTheRouter();
    void saysWhenIpv6IsDisabledOnTheBootInterface(); // last: it takes boot0's link-local address away
    void cleanupTestCase();

private:
    QString database(const QList<std::pair<const char *, const char *>> &settings);
    void startMetalDesk(QProcess &p, const QString &db);
    void startProxyDhcp(QProcess &p); // MetalDesk in proxy mode on boot0, once its banner says so
    // Boots the VM until iPXE asks for the built-in environment's kernel; returns its console and
    // how many seconds its "Configuring (net0 ...)" took by iPXE's own clock.
    QString bootIpxe(int *configuringSeconds);
    // Router advertisements seen on the LAN's bridge, as tcpdump prints them (-e -v).
    void startCapture(QProcess &tcpdump);
    static QStringList advertisements(QProcess &tcpdump);
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QString server_, router_, lan_;
    QString serverMac_;
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
    // The VM's port on the switch.
    for (const QStringList &command :
         {QStringList{QStringLiteral("ip"), QStringLiteral("tuntap"), QStringLiteral("add"), QStringLiteral("dev"),
                      QStringLiteral("tap0"), QStringLiteral("mode"), QStringLiteral("tap")},
          QStringList{QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("tap0"),
                      QStringLiteral("master"), QStringLiteral("br0"), QStringLiteral("up")}}) {
        const QString out = NetworkNamespaces::run(lan_, command, &rc);
        QVERIFY2(rc == 0, qPrintable(out));
    }
    serverMac_ =
        NetworkNamespaces::run(server_, {QStringLiteral("cat"), QStringLiteral("/sys/class/net/boot0/address")})
            .trimmed();
    QVERIFY2(serverMac_.size() == 17, qPrintable(serverMac_));

    // The home router: gives addresses, knows nothing of network booting.
    QFile conf(dir_.filePath(QStringLiteral("dnsmasq.conf")));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("port=0\ninterface=eth0\nbind-interfaces\nno-ping\ndhcp-authoritative\n"
               "dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h\nuser=root\n"
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

void TestDhcpNeighbours::startProxyDhcp(QProcess &p)
{
    startMetalDesk(p, database({{"dhcp_interface", "boot0"}, {"dhcp_mode", "proxy"}}));
    const QString banner = readUntil(
        p, [](const QString &t) { return t.contains(QLatin1String("Stop with")); }, 20000);
    QVERIFY2(banner.contains(QLatin1String("service:   dhcp: proxy DHCP on boot0")), qPrintable(banner));
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

QString TestDhcpNeighbours::bootIpxe(int *configuringSeconds)
{
    const QString qemu = findTool("qemu-system-x86_64");
    // SeaBIOS, whose NIC ROM is iPXE: it asks DHCP with user class "iPXE" and option 93 = 0.
    QProcess vm;
    vm.setProcessChannelMode(QProcess::MergedChannels);
    testing::dieWithParent(vm);
    vm.start(QStringLiteral("ip"),
             NetworkNamespaces::inside(
                 lan_, {qemu, QStringLiteral("-accel"), QStringLiteral("tcg"), QStringLiteral("-m"),
                        QStringLiteral("256"), QStringLiteral("-nographic"), QStringLiteral("-no-reboot"),
                        QStringLiteral("-boot"), QStringLiteral("n"), QStringLiteral("-netdev"),
                        QStringLiteral("tap,id=n0,ifname=tap0,script=no,downscript=no"), QStringLiteral("-device"),
                        QStringLiteral("virtio-net-pci,netdev=n0,mac=52:54:00:77:00:10")}));
    if (!vm.waitForStarted())
        return QStringLiteral("QEMU did not start");
    // iPXE configures IPv4 and IPv6 together and prints " ok" when both are done.
    const QLatin1String configuring("Configuring (net0 52:54:00:77:00:10)");
    // After "...", iPXE prints a dot for each second it waits (monojob_wait).
    QString console = readUntil(
        vm, [&](const QString &t) { return t.contains(configuring) && t.mid(t.indexOf(configuring)).contains(u" ok"); },
        120000);
    const QString line = console.mid(console.indexOf(configuring)).section(QLatin1Char('\n'), 0, 0).trimmed();
    qInfo("console: %s", qPrintable(line));
    *configuringSeconds = int(line.count(QLatin1Char('.'))) - 3;
    // iPXE prints each URL it fetches. The enlist script then asks for the built-in environment's
    // kernel, which this test's boot root does not have: that request is as far as this test goes.
    console += readUntil(
        vm, [](const QString &t) { return t.contains(QLatin1String("environment/vmlinuz")); }, 60000);
    stop(vm);
    return console;
}

void TestDhcpNeighbours::startCapture(QProcess &tcpdump)
{
    const QString path = findTool("tcpdump");
    testing::dieWithParent(tcpdump);
    // ICMPv6 type 134 (router advertisement) right after the fixed IPv6 header, line by line.
    tcpdump.start(QStringLiteral("ip"),
                  NetworkNamespaces::inside(lan_, {path, QStringLiteral("-i"), QStringLiteral("br0"),
                                                   QStringLiteral("-n"), QStringLiteral("-l"), QStringLiteral("-e"),
                                                   QStringLiteral("-v"), QStringLiteral("icmp6 and ip6[40] == 134")}));
    QVERIFY(tcpdump.waitForStarted());
    const QString started = readUntil(
        tcpdump, [](const QString &t) { return t.contains(QLatin1String("listening on br0")); }, 10000,
        QProcess::StandardError);
    QVERIFY2(started.contains(QLatin1String("listening on br0")), qPrintable(started));
}

QStringList TestDhcpNeighbours::advertisements(QProcess &tcpdump)
{
    tcpdump.setReadChannel(QProcess::StandardOutput);
    tcpdump.waitForReadyRead(1000);
    QString text = QString::fromLocal8Bit(tcpdump.readAll());
    stop(tcpdump);
    text += QString::fromLocal8Bit(tcpdump.readAll());
    // tcpdump -v prints each packet on a line of its own, its fields on indented lines below it.
    QStringList packets;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        if (line.isEmpty())
            continue;
        if (!line.startsWith(QLatin1Char(' ')) && !line.startsWith(QLatin1Char('\t')))
            packets << line;
        else if (!packets.isEmpty())
            packets.last() += QLatin1Char(' ') + line.trimmed();
    }
    return packets;
}

void TestDhcpNeighbours::withoutAnIpv6RouterIpxeDoesNotWaitForOne()
{
    for (const char *tool : {"qemu-system-x86_64", "tcpdump"})
        if (findTool(tool).isEmpty())
            METALDESK_SKIP(qPrintable(QStringLiteral("%1 is not installed: run tools/setup").arg(QLatin1String(tool))));
    QProcess tcpdump;
    startCapture(tcpdump);
    if (QTest::currentTestFailed())
        return;
    QProcess metaldesk;
    startProxyDhcp(metaldesk);
    if (QTest::currentTestFailed())
        return;

    int configuringSeconds = -1;
    const QString console = bootIpxe(&configuringSeconds);
    qInfo("figure: iPXE's Configuring (DHCPv4 and IPv6) took %d s", configuringSeconds);
    const QString log = readUntil(
        metaldesk, [](const QString &t) { return t.contains(QLatin1String("answered an IPv6 router solicitation")); },
        5000, QProcess::StandardError);
    stop(metaldesk);
    const QStringList sent = advertisements(tcpdump);
    QVERIFY2(console.contains(QLatin1String("http://10.77.0.1:5248/environment/vmlinuz")),
             qPrintable(console.right(3000)));
    QVERIFY2(log.contains(QLatin1String("answered an IPv6 router solicitation from 52:54:00:77:00:10 at "
                                        "fe80::5054:ff:fe77:10")),
             qPrintable(log));
    // Unanswered, iPXE solicits at 0.2, 0.5, 1, 2 and 4 s and gives up after 10 to 15 s.
    QVERIFY2(configuringSeconds >= 0 && configuringSeconds < 3, qPrintable(console.right(3000)));
    // IPv6 configured nothing: iPXE shows no IPv6 route with a gateway.
    QVERIFY2(!console.contains(QLatin1String("gw fe80")), qPrintable(console.right(3000)));
    // Every advertisement on the wire is MetalDesk's, to the booting VM alone (no multicast), with
    // router lifetime 0 and no flags.
    QVERIFY2(!sent.isEmpty(), "tcpdump saw no router advertisement");
    for (const QString &ra : sent) {
        QVERIFY2(ra.contains(serverMac_ + QLatin1String(" > 52:54:00:77:00:10")), qPrintable(ra));
        QVERIFY2(ra.contains(QLatin1String("> fe80::5054:ff:fe77:10:")), qPrintable(ra));
        QVERIFY2(ra.contains(QLatin1String("hlim 255")), qPrintable(ra));
        QVERIFY2(ra.contains(QLatin1String("Flags [none]")), qPrintable(ra));
        QVERIFY2(ra.contains(QLatin1String("router lifetime 0s")), qPrintable(ra));
        QVERIFY2(!ra.contains(QLatin1String("prefix info")), qPrintable(ra));
    }
}

void TestDhcpNeighbours::proxyModeBootsRealIpxeBesideTheRouter()
{
    // The home router's IPv6 side: radvd advertising a SLAAC prefix and itself as the default router.
    for (const char *tool : {"qemu-system-x86_64", "tcpdump", "radvd"})
        if (findTool(tool).isEmpty())
            METALDESK_SKIP(qPrintable(QStringLiteral("%1 is not installed: run tools/setup").arg(QLatin1String(tool))));
    const QString radvdPath = findTool("radvd");
    int rc = -1;
    const QString forwarding = NetworkNamespaces::run(
        router_, {QStringLiteral("sysctl"), QStringLiteral("-w"), QStringLiteral("net.ipv6.conf.all.forwarding=1")},
        &rc);
    QVERIFY2(rc == 0, qPrintable(forwarding));
    QFile conf(dir_.filePath(QStringLiteral("radvd.conf")));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("interface eth0 {\n  AdvSendAdvert on;\n  prefix fd77::/64 {\n    AdvOnLink on;\n"
               "    AdvAutonomous on;\n  };\n};\n");
    conf.close();
    QProcess radvd;
    radvd.setProcessChannelMode(QProcess::MergedChannels);
    testing::dieWithParent(radvd);
    radvd.start(QStringLiteral("ip"),
                NetworkNamespaces::inside(router_, {radvdPath, QStringLiteral("--nodaemon"), QStringLiteral("--config"),
                                                    conf.fileName(), QStringLiteral("--pidfile"),
                                                    dir_.filePath(QStringLiteral("radvd.pid")),
                                                    QStringLiteral("--logmethod"), QStringLiteral("stderr")}));
    QVERIFY(radvd.waitForStarted());
    QProcess tcpdump;
    startCapture(tcpdump);
    if (QTest::currentTestFailed())
        return;

    QProcess metaldesk;
    startProxyDhcp(metaldesk);
    if (QTest::currentTestFailed())
        return;
    // It asked for routers when it started, and radvd answered.
    QString log = readUntil(
        metaldesk, [](const QString &t) { return t.contains(QLatin1String("MetalDesk leaves them to it")); }, 10000,
        QProcess::StandardError);
    QVERIFY2(QRegularExpression(QStringLiteral("IPv6 router fe80::[0-9a-f:]+ on boot0 answers network-booting "
                                               "machines: MetalDesk leaves them to it"))
                 .match(log)
                 .hasMatch(),
             qPrintable(log));

    int configuringSeconds = -1;
    const QString console = bootIpxe(&configuringSeconds);
    stop(metaldesk);
    log += QString::fromLocal8Bit(metaldesk.readAllStandardError());
    const QStringList sent = advertisements(tcpdump);
    stop(radvd);
    qInfo("figure: iPXE's Configuring beside radvd took %d s", configuringSeconds);
    QVERIFY2(
        QRegularExpression(QStringLiteral("net0: 10\\.77\\.0\\.(5[0-9]|60)/255\\.255\\.255\\.0 gw 10\\.77\\.0\\.254"))
            .match(console)
            .hasMatch(),
        qPrintable(console.right(3000)));
    // The IPv6 side came from radvd: a SLAAC address in its prefix, radvd as the gateway.
    QVERIFY2(QRegularExpression(QStringLiteral("net0: fd77::5054:ff:fe77:10/64 gw fe80::")).match(console).hasMatch(),
             qPrintable(console.right(3000)));
    // Proxy mode holds no lease to know the machine by: its script's URL is a one-time one (iPXE
    // cuts the line at the screen's width).
    QVERIFY2(QRegularExpression(QStringLiteral("Filename: http://10\\.77\\.0\\.1:5248/boot/52-54-00-77-00-10\\.ipxe\\?"
                                               "ticket=[0-9a-f]{8}"))
                 .match(console)
                 .hasMatch(),
             qPrintable(console.right(3000)));
    QVERIFY2(console.contains(QLatin1String("http://10.77.0.1:5248/environment/vmlinuz")),
             qPrintable(console.right(3000)));
    // MetalDesk sent no advertisement at all.
    QVERIFY2(!log.contains(QLatin1String("answered an IPv6 router solicitation")), qPrintable(log));
    QVERIFY2(!sent.isEmpty(), "tcpdump saw no router advertisement from radvd");
    for (const QString &ra : sent)
        QVERIFY2(!ra.contains(serverMac_ + QLatin1String(" >")), qPrintable(ra));
}

void TestDhcpNeighbours::saysWhenIpv6IsDisabledOnTheBootInterface()
{
    int rc = -1;
    const QString disabled = NetworkNamespaces::run(
        server_, {QStringLiteral("sysctl"), QStringLiteral("-w"), QStringLiteral("net.ipv6.conf.boot0.disable_ipv6=1")},
        &rc);
    QVERIFY2(rc == 0, qPrintable(disabled));
    QProcess metaldesk;
    startMetalDesk(metaldesk, database({{"dhcp_interface", "boot0"}, {"dhcp_mode", "proxy"}}));
    const QString log = readUntil(
        metaldesk,
        [](const QString &t) {
            return QRegularExpression(QStringLiteral("metaldesk: dhcp: IPv6.*disable_ipv6=0")).match(t).hasMatch();
        },
        20000, QProcess::StandardError);
    stop(metaldesk);
    // DHCP runs; the line says what does not work, what it costs and the command that fixes it.
    QVERIFY2(log.contains(QLatin1String("metaldesk: dhcp: IPv6 is disabled on boot0: network-booting machines wait "
                                        "about 10 s for an IPv6 router at every boot. Enable it to end the wait: "
                                        "sysctl -w net.ipv6.conf.boot0.disable_ipv6=0")),
             qPrintable(log));
    QVERIFY2(log.contains(QLatin1String("metaldesk.dhcp info: proxy DHCP on boot0")), qPrintable(log));
}

QTEST_GUILESS_MAIN(TestDhcpNeighbours)
#include "tst_dhcpneighbours.moc"
