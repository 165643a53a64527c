// More real DHCP clients against the real `metaldesk --headless` in network namespaces (issue 4
// names dhclient, udhcpc and dhcpcd; tst_dhcpserver runs the first two). dhcpcd (Debian
// dhcpcd-base) gets a lease (DORA), configures it, comes back with INIT-REBOOT for the address it
// remembered, and releases it when stopped; the database follows each step.
//
// dhcpcd keeps its state in /var/lib/dhcpcd and /run/dhcpcd and runs hook scripts that rewrite
// /etc/resolv.conf: here its state directories are the test's own, bind-mounted in the private
// mount namespace `ip netns exec` gives it (the mount points are created first when missing, as
// dhcpcd itself would create them), and its script is /bin/true, so nothing else of the host changes.
#include "core/addresses/leasestore.h"
#include "headlessdhcp.h"

#include "skip.h"
#include <QDir>
#include <QHostAddress>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace metaldesk;
using namespace metaldesk::testing;

namespace {

constexpr const char *kMac = "52:54:00:99:08:01";

// Processes alive (not zombies) in the network namespace `ns`.
QStringList processesIn(const QString &ns)
{
    struct stat target {};
    if (::stat(QByteArray("/run/netns/" + ns.toLocal8Bit()).constData(), &target) != 0)
        return {};
    const QString wanted = QStringLiteral("net:[%1]").arg(quint64(target.st_ino));
    QStringList found;
    const QStringList pids = QDir(QStringLiteral("/proc")).entryList({QStringLiteral("[0-9]*")}, QDir::Dirs);
    for (const QString &pid : pids) {
        char link[64] = {};
        const QByteArray path = QStringLiteral("/proc/%1/ns/net").arg(pid).toLocal8Bit();
        const ssize_t n = ::readlink(path.constData(), link, sizeof link - 1);
        if (n <= 0 || QLatin1String(link, n) != wanted)
            continue;
        QFile status(QStringLiteral("/proc/%1/status").arg(pid));
        if (!status.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = status.readAll();
        if (text.contains("\nState:\tZ"))
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        (void)cmdline.open(QIODevice::ReadOnly);
        found << QStringLiteral("%1 %2").arg(pid, QString::fromLocal8Bit(cmdline.readAll().replace('\0', ' ')));
    }
    return found;
}

} // namespace

class TestDhcpClients : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void dhcpcdGetsRenewsAndReleasesALease();
    void cleanupTestCase();

private:
    QStringList dhcpcd(const QString &config, const QStringList &arguments) const;
    std::optional<Lease> lease() const;
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QString server_, client_, dhcpcd_;
    QProcess metaldesk_;
};

void TestDhcpClients::initTestCase()
{
    QString whyNot;
    if (!NetworkNamespaces::available(&whyNot))
        METALDESK_SKIP(qPrintable(whyNot));
    dhcpcd_ = findTool("dhcpcd");
    if (dhcpcd_.isEmpty())
        METALDESK_SKIP("dhcpcd is not installed (Debian dhcpcd-base): run tools/setup");
    ns_ = std::make_unique<NetworkNamespaces>();
    server_ = ns_->add(QStringLiteral("mdcsrv"));
    client_ = ns_->add(QStringLiteral("mdccli"));
    QVERIFY2(!server_.isEmpty() && !client_.isEmpty(), qPrintable(ns_->error()));
    QVERIFY2(ns_->link(server_, QStringLiteral("boot0"), QStringLiteral("10.99.8.1/24"), client_,
                       QStringLiteral("eth0"), {}, QLatin1String(kMac)),
             qPrintable(ns_->error()));
    const QString written = writeSettings(dir_.filePath(QStringLiteral("md.db")),
                                          {{"dhcp_interface", QStringLiteral("boot0")},
                                           {"dhcp_range", QStringLiteral("10.99.8.100-10.99.8.149")},
                                           {"dhcp_router", QStringLiteral("10.99.8.254")},
                                           {"dhcp_dns", QStringLiteral("10.99.8.1")},
                                           {"dhcp_domain", QStringLiteral("lab.test")},
                                           {"dhcp_lease_seconds", QStringLiteral("900")}});
    QVERIFY2(written.isEmpty(), qPrintable(written));
    QVERIFY(QDir(dir_.path()).mkpath(QStringLiteral("dhcpcd-lib")));
    QVERIFY(QDir(dir_.path()).mkpath(QStringLiteral("dhcpcd-run")));
    // No random start delay, no ARP probing (it adds seconds), IPv4 only, and no hooks.
    for (const auto &[name, extra] : {std::pair{"dhcpcd.conf", ""}, std::pair{"dhcpcd-release.conf", "release\n"}}) {
        QFile conf(dir_.filePath(QLatin1String(name)));
        QVERIFY(conf.open(QIODevice::WriteOnly));
        conf.write(QByteArray("nodelay\nnoarp\nnoipv4ll\nipv4only\nnoipv6rs\nscript /bin/true\n"
                              "hostname mdtest-dhcpcd\noption domain_name_servers, domain_name, routers\n") +
                   extra);
    }
    ChildOutput log;
    QVERIFY2(startMetalDesk(metaldesk_, QStringLiteral(METALDESK_BINARY), server_,
                            dir_.filePath(QStringLiteral("md.db")), log),
             qPrintable(log.out + log.err));
}

void TestDhcpClients::cleanupTestCase()
{
    stopProcess(metaldesk_);
    ns_.reset();
}

QStringList TestDhcpClients::dhcpcd(const QString &config, const QStringList &arguments) const
{
    const QString command =
        QStringLiteral("mkdir -p /var/lib/dhcpcd /run/dhcpcd && mount --bind \"$1\" /var/lib/dhcpcd && mount --bind "
                       "\"$2\" /run/dhcpcd && shift 2 && exec \"$@\"");
    return NetworkNamespaces::inside(
        client_, QStringList{QStringLiteral("sh"), QStringLiteral("-c"), command, QStringLiteral("sh"),
                             dir_.filePath(QStringLiteral("dhcpcd-lib")), dir_.filePath(QStringLiteral("dhcpcd-run")),
                             dhcpcd_, QStringLiteral("-f"), dir_.filePath(config), QStringLiteral("-4"),
                             QStringLiteral("-B"), QStringLiteral("-d"), QStringLiteral("-t"), QStringLiteral("20")} +
                     arguments + QStringList{QStringLiteral("eth0")});
}

std::optional<Lease> TestDhcpClients::lease() const
{
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
    if (!core)
        return std::nullopt;
    auto found = LeaseStore((*core)->db).forMac(QLatin1String(kMac));
    return found ? *found : std::nullopt;
}

void TestDhcpClients::dhcpcdGetsRenewsAndReleasesALease()
{
    // 1. One shot: DISCOVER, OFFER, REQUEST, ACK; the address configured; then it exits.
    QProcess first;
    first.setProcessChannelMode(QProcess::MergedChannels);
    first.start(QStringLiteral("ip"), dhcpcd(QStringLiteral("dhcpcd.conf"), {QStringLiteral("-1")}));
    QVERIFY(first.waitForStarted());
    const bool exited = first.waitForFinished(30000);
    if (!exited)
        stopProcess(first, 5000); // by its PID: sh execs dhcpcd
    const QString firstLog = QString::fromLocal8Bit(first.readAll());
    QVERIFY2(exited && first.exitStatus() == QProcess::NormalExit && first.exitCode() == 0, qPrintable(firstLog));
    QVERIFY2(firstLog.contains(QLatin1String("eth0: offered 10.99.8.100 from 10.99.8.1")), qPrintable(firstLog));
    QVERIFY2(firstLog.contains(QLatin1String("eth0: acknowledged 10.99.8.100 from 10.99.8.1")), qPrintable(firstLog));
    QVERIFY2(firstLog.contains(QLatin1String("eth0: leased 10.99.8.100 for 900 seconds")), qPrintable(firstLog));
    const QString addresses = NetworkNamespaces::run(
        client_, {QStringLiteral("ip"), QStringLiteral("-4"), QStringLiteral("-o"), QStringLiteral("addr"),
                  QStringLiteral("show"), QStringLiteral("dev"), QStringLiteral("eth0")});
    QVERIFY2(addresses.contains(QLatin1String("inet 10.99.8.100/24 brd 10.99.8.255")), qPrintable(addresses));
    const QString routes = NetworkNamespaces::run(
        client_, {QStringLiteral("ip"), QStringLiteral("-4"), QStringLiteral("route"), QStringLiteral("show")});
    QVERIFY2(routes.contains(QLatin1String("default via 10.99.8.254 dev eth0")), qPrintable(routes));
    QVERIFY2(QFile::exists(dir_.filePath(QStringLiteral("dhcpcd-lib/eth0.lease"))), qPrintable(firstLog));

    const qint64 afterFirst = QDateTime::currentMSecsSinceEpoch();
    const auto bound = lease();
    QVERIFY(bound);
    QCOMPARE(QHostAddress(bound->ip).toString(), QStringLiteral("10.99.8.100"));
    QCOMPARE(bound->state, Lease::State::Bound);
    QCOMPARE(bound->hostname, QStringLiteral("mdtest-dhcpcd"));
    QVERIFY2(bound->expires > afterFirst + 880 * 1000 && bound->expires <= afterFirst + 900 * 1000,
             qPrintable(QString::number(bound->expires - afterFirst)));
    // dhcpcd's privilege-separated helpers leave within moments of the main process.
    QTRY_VERIFY2_WITH_TIMEOUT(processesIn(client_).isEmpty(), qPrintable(processesIn(client_).join(QLatin1Char('\n'))),
                              5000);

    // 2. As a daemon, without its address: INIT-REBOOT for the address in its lease file, then
    //    stopped by its PID, and with `release` it gives the address back.
    const QString flushed =
        NetworkNamespaces::run(client_, {QStringLiteral("ip"), QStringLiteral("addr"), QStringLiteral("flush"),
                                         QStringLiteral("dev"), QStringLiteral("eth0")});
    QVERIFY2(flushed.isEmpty(), qPrintable(flushed));
    QTest::qWait(1100); // so that the renewed lease ends visibly later
    QProcess second;
    second.setProcessChannelMode(QProcess::SeparateChannels);
    second.start(QStringLiteral("ip"), dhcpcd(QStringLiteral("dhcpcd-release.conf"), {}));
    QVERIFY(second.waitForStarted());
    ChildOutput secondLog;
    readUntil(
        second, secondLog,
        [](const ChildOutput &o) { return o.err.contains(QLatin1String("eth0: leased 10.99.8.100 for 900 seconds")); },
        30000);
    const bool reached = secondLog.err.contains(QLatin1String("eth0: leased 10.99.8.100 for 900 seconds"));
    const auto renewed = lease();
    // SIGTERM to dhcpcd's PID, repeated: dhcpcd 9.4.1 loses a SIGTERM that arrives while it is still
    // spawning its helpers after the lease (seen under load: no "received SIGTERM", no exit).
    for (int attempt = 0; attempt < 5 && second.state() != QProcess::NotRunning; ++attempt) {
        second.terminate();
        second.waitForFinished(2000);
    }
    stopProcess(second, 0);
    readUntil(
        second, secondLog, [](const ChildOutput &) { return false; }, 0);
    QVERIFY2(reached, qPrintable(secondLog.err));
    QVERIFY2(second.exitStatus() == QProcess::NormalExit, qPrintable(secondLog.err));
    QVERIFY2(secondLog.err.contains(QLatin1String("eth0: rebinding lease of 10.99.8.100")), qPrintable(secondLog.err));
    QVERIFY2(!secondLog.err.contains(QLatin1String("soliciting a DHCP lease")), qPrintable(secondLog.err));
    QVERIFY2(secondLog.err.contains(QLatin1String("eth0: releasing lease of 10.99.8.100")), qPrintable(secondLog.err));
    QVERIFY(renewed);
    QCOMPARE(renewed->ip, bound->ip);
    QCOMPARE(renewed->state, Lease::State::Bound);
    QVERIFY2(renewed->expires >= bound->expires + 1000, qPrintable(QString::number(renewed->expires - bound->expires)));

    // The RELEASE reached the database (written with the server's next batch, within milliseconds).
    std::optional<Lease> released;
    QTRY_VERIFY_WITH_TIMEOUT((released = lease()) && released->state == Lease::State::Released, 5000);
    QCOMPARE(released->ip, bound->ip);
    QCOMPARE(released->mac, QLatin1String(kMac));

    // dhcpcd and its privilege-separated helpers are all gone (the scan does see MetalDesk in its own).
    QVERIFY(!processesIn(server_).isEmpty());
    QTRY_VERIFY2_WITH_TIMEOUT(processesIn(client_).isEmpty(), qPrintable(processesIn(client_).join(QLatin1Char('\n'))),
                              5000);
    QCOMPARE(metaldesk_.state(), QProcess::Running);
}

QTEST_GUILESS_MAIN(TestDhcpClients)
#include "tst_dhcpclients.moc"
