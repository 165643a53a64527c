// The real `metaldesk --headless` serving DHCP on a boot network made of network namespaces, to
// real clients (ISC dhclient, busybox udhcpc); and silent on a second network it was not given.
#include "childprocess.h"
#include "core/addresses/leasestore.h"
#include "core/addresses/staticaddresses.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/runtime/coreservices.h"
#include "netns.h"
#include "postgrescluster.h"

#include "skip.h"
#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <array>

using namespace metaldesk;
using metaldesk::testing::NetworkNamespaces;
using metaldesk::testing::PostgresCluster;

class TestDhcpServer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void servesRealClientsOnTheBootNetworkOnly();
    void listensOnTheBootNetworkAndLoopbackOnly();
    void neverHandsOutAnAddressHeldStatically();
    void acknowledgesNothingItCouldNotWrite();
    void saysWhyWhenTheConfigurationIsWrong();
    void instancesSharingOnePostgresKeepTheirOwnLeases();
    void cleanupTestCase();

private:
    QString writeUdhcpcScript();
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QString server_, client_, homeClient_;
    QProcess metaldesk_;
    QString clientAddress_; // what udhcpc and dhclient were given
    QString serverLog_;     // what the server wrote to stderr, as read so far
};

void TestDhcpServer::initTestCase()
{
    QString whyNot;
    if (!NetworkNamespaces::available(&whyNot))
        METALDESK_SKIP(qPrintable(whyNot));
    for (const char *tool : {"dhclient", "udhcpc"})
        if (QStandardPaths::findExecutable(QLatin1String(tool), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")})
                .isEmpty() &&
            QStandardPaths::findExecutable(QLatin1String(tool)).isEmpty())
            METALDESK_SKIP(qPrintable(QStringLiteral("%1 is not installed: run tools/setup").arg(QLatin1String(tool))));
    ns_ = std::make_unique<NetworkNamespaces>();
    server_ = ns_->add(QStringLiteral("mdsrv"));
    client_ = ns_->add(QStringLiteral("mdcli"));
    homeClient_ = ns_->add(QStringLiteral("mdhome"));
    QVERIFY2(!server_.isEmpty() && !client_.isEmpty() && !homeClient_.isEmpty(), qPrintable(ns_->error()));
    // The boot network, and a "home" network on a second interface of the same server.
    QVERIFY2(ns_->link(server_, QStringLiteral("boot0"), QStringLiteral("10.99.0.1/24"), client_,
                       QStringLiteral("eth0"), {}, QStringLiteral("52:54:00:99:00:01")),
             qPrintable(ns_->error()));
    QVERIFY2(ns_->link(server_, QStringLiteral("home0"), QStringLiteral("192.168.77.1/24"), homeClient_,
                       QStringLiteral("eth0"), {}, QStringLiteral("52:54:00:99:00:02")),
             qPrintable(ns_->error()));

    const QString db = dir_.filePath(QStringLiteral("md.db"));
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        ConfigStore &config = *(*core)->config;
        QVERIFY(config.setValue(QStringLiteral("dhcp_interface"), QStringLiteral("boot0")));
        QVERIFY(config.setValue(QStringLiteral("dhcp_range"), QStringLiteral("10.99.0.100-10.99.0.149")));
        QVERIFY(config.setValue(QStringLiteral("dhcp_router"), QStringLiteral("10.99.0.254")));
        QVERIFY(config.setValue(QStringLiteral("dhcp_dns"), QStringLiteral("10.99.0.1")));
        QVERIFY(config.setValue(QStringLiteral("dhcp_domain"), QStringLiteral("lab.test")));
        // The region starts once an account exists (headlessStartsTheRegionOnceThereIsAnAccount).
        QVERIFY((*core)->users->createUser(QStringLiteral("admin"), {}, QStringLiteral("pw"), true));
    }
    metaldesk_.setProcessChannelMode(QProcess::SeparateChannels);
    testing::dieWithParent(metaldesk_, SIGTERM); // a test killed by its timeout leaves no server behind
    metaldesk_.start(QStringLiteral("ip"),
                     NetworkNamespaces::inside(server_, {QStringLiteral(METALDESK_BINARY), QStringLiteral("--headless"),
                                                         QStringLiteral("--database"), db}));
    QVERIFY(metaldesk_.waitForStarted());
    QString banner;
    QElapsedTimer timer;
    timer.start();
    while (!banner.contains(QLatin1String("Stop with")) && timer.elapsed() < 30000 &&
           metaldesk_.state() == QProcess::Running) {
        metaldesk_.waitForReadyRead(200);
        banner += QString::fromLocal8Bit(metaldesk_.readAllStandardOutput());
    }
    QVERIFY2(banner.contains(QLatin1String("service:   dhcp: managed DHCP on boot0")),
             qPrintable(banner + QString::fromLocal8Bit(metaldesk_.readAllStandardError())));
}

void TestDhcpServer::cleanupTestCase()
{
    if (metaldesk_.state() == QProcess::Running) {
        metaldesk_.terminate();
        if (!metaldesk_.waitForFinished(10000))
            metaldesk_.kill();
    }
    ns_.reset();
}

QString TestDhcpServer::writeUdhcpcScript()
{
    // busybox ships no default script; this one only reports what it was given.
    const QString path = dir_.filePath(QStringLiteral("udhcpc.script"));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) {
        f.write(
            "#!/bin/sh\n[ \"$1\" = bound ] && echo \"BOUND ip=$ip router=$router dns=$dns domain=$domain\"\nexit 0\n");
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    return path;
}

void TestDhcpServer::servesRealClientsOnTheBootNetworkOnly()
{
    const QString script = writeUdhcpcScript();

    // busybox udhcpc: the whole exchange, and the options it was given.
    int rc = -1;
    const QString udhcpc = NetworkNamespaces::run(client_,
                                                  {QStringLiteral("udhcpc"), QStringLiteral("-f"), QStringLiteral("-q"),
                                                   QStringLiteral("-n"), QStringLiteral("-t"), QStringLiteral("5"),
                                                   QStringLiteral("-T"), QStringLiteral("2"), QStringLiteral("-i"),
                                                   QStringLiteral("eth0"), QStringLiteral("-s"), script},
                                                  &rc);
    QVERIFY2(rc == 0, qPrintable(udhcpc));
    const auto bound =
        QRegularExpression(QStringLiteral("BOUND ip=(10\\.99\\.0\\.1[0-4][0-9]) router=10\\.99\\.0\\.254 "
                                          "dns=10\\.99\\.0\\.1 domain=lab\\.test"))
            .match(udhcpc);
    QVERIFY2(bound.hasMatch(), qPrintable(udhcpc));
    const QString address = bound.captured(1);

    // ISC dhclient on the same machine (same MAC): the same address again. In the foreground (-d),
    // so that this test owns its process and stops it by PID.
    QProcess dhclient;
    dhclient.setProcessChannelMode(QProcess::MergedChannels);
    dhclient.start(
        QStringLiteral("ip"),
        NetworkNamespaces::inside(client_, {QStringLiteral("dhclient"), QStringLiteral("-d"), QStringLiteral("-1"),
                                            QStringLiteral("-v"), QStringLiteral("-sf"), QStringLiteral("/bin/true"),
                                            QStringLiteral("-lf"), dir_.filePath(QStringLiteral("dhclient.leases")),
                                            QStringLiteral("-pf"), dir_.filePath(QStringLiteral("dhclient.pid")),
                                            QStringLiteral("eth0")}));
    QVERIFY(dhclient.waitForStarted());
    QString dhclientLog;
    QElapsedTimer timer;
    timer.start();
    while (!dhclientLog.contains(QLatin1String("bound to")) && timer.elapsed() < 60000 &&
           dhclient.state() == QProcess::Running) {
        dhclient.waitForReadyRead(200);
        dhclientLog += QString::fromLocal8Bit(dhclient.readAll());
    }
    dhclient.terminate();
    if (!dhclient.waitForFinished(5000)) {
        dhclient.kill();
        dhclient.waitForFinished();
    }
    QVERIFY2(dhclientLog.contains(QStringLiteral("bound to %1").arg(address)), qPrintable(dhclientLog));

    // The lease is in the database, bound to that MAC.
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
    QVERIFY(core);
    LeaseStore leases((*core)->db);
    auto lease = leases.forMac(QStringLiteral("52:54:00:99:00:01"));
    QVERIFY(lease && *lease);
    QCOMPARE((*lease)->state, Lease::State::Bound);

    // The home network's client asks on the server's other interface: no answer may come.
    const QString home = NetworkNamespaces::run(homeClient_,
                                                {QStringLiteral("udhcpc"), QStringLiteral("-f"), QStringLiteral("-q"),
                                                 QStringLiteral("-n"), QStringLiteral("-t"), QStringLiteral("3"),
                                                 QStringLiteral("-T"), QStringLiteral("1"), QStringLiteral("-i"),
                                                 QStringLiteral("eth0"), QStringLiteral("-s"), script},
                                                &rc);
    QVERIFY2(rc != 0 && !home.contains(QLatin1String("BOUND")), qPrintable(home));
    QVERIFY(!*leases.forMac(QStringLiteral("52:54:00:99:00:02")));
    QCOMPARE(metaldesk_.state(), QProcess::Running);
    clientAddress_ = address;
}

// Security review M2: without --listen, TFTP and HTTP answer on the boot interface's address only,
// the API and metadata there and on loopback; the server's other network reaches none of them.
void TestDhcpServer::listensOnTheBootNetworkAndLoopbackOnly()
{
    // What answers an HTTP GET of `url` from `ns`: the status, or 000 when nothing listens.
    auto httpStatus = [](const QString &ns, const QString &url) {
        return NetworkNamespaces::run(ns, {QStringLiteral("curl"), QStringLiteral("-s"), QStringLiteral("-o"),
                                           QStringLiteral("/dev/null"), QStringLiteral("-w"),
                                           QStringLiteral("%{http_code}"), QStringLiteral("--max-time"),
                                           QStringLiteral("5"), url})
            .trimmed();
    };
    // curl's exit code for a TFTP read: 68 (file not found) when a server answered, 28 when none did.
    auto tftpExit = [](const QString &ns, const QString &host) {
        int rc = -1;
        NetworkNamespaces::run(ns,
                               {QStringLiteral("curl"), QStringLiteral("-s"), QStringLiteral("--max-time"),
                                QStringLiteral("3"), QStringLiteral("tftp://%1/no-such-file").arg(host)},
                               &rc);
        return rc;
    };
    // The clients' DHCP scripts configure nothing: each gets an address for the while.
    const QStringList clients{client_, homeClient_};
    const QStringList addresses{QStringLiteral("10.99.0.50/24"), QStringLiteral("192.168.77.50/24")};
    for (int i = 0; i < 2; ++i)
        NetworkNamespaces::run(clients[i], {QStringLiteral("ip"), QStringLiteral("addr"), QStringLiteral("add"),
                                            addresses[i], QStringLiteral("dev"), QStringLiteral("eth0")});
    const auto removeAddresses = qScopeGuard([&] {
        for (int i = 0; i < 2; ++i)
            NetworkNamespaces::run(clients[i], {QStringLiteral("ip"), QStringLiteral("addr"), QStringLiteral("del"),
                                                addresses[i], QStringLiteral("dev"), QStringLiteral("eth0")});
    });
    const QString api = QStringLiteral("http://%1:5240/MAAS/api/2.0/version/");
    const QString boot = QStringLiteral("http://%1:5248/no-such-file");
    QCOMPARE(httpStatus(client_, api.arg(QLatin1String("10.99.0.1"))), QStringLiteral("200"));
    QCOMPARE(httpStatus(client_, boot.arg(QLatin1String("10.99.0.1"))), QStringLiteral("404"));
    QCOMPARE(tftpExit(client_, QStringLiteral("10.99.0.1")), 68);
    QCOMPARE(httpStatus(server_, api.arg(QLatin1String("127.0.0.1"))), QStringLiteral("200"));
    QCOMPARE(httpStatus(server_, api.arg(QLatin1String("10.99.0.1"))), QStringLiteral("200")); // a client here

    QCOMPARE(httpStatus(homeClient_, api.arg(QLatin1String("192.168.77.1"))), QStringLiteral("000"));
    QCOMPARE(httpStatus(homeClient_, boot.arg(QLatin1String("192.168.77.1"))), QStringLiteral("000"));
    QCOMPARE(tftpExit(homeClient_, QStringLiteral("192.168.77.1")), 28);
    QCOMPARE(httpStatus(server_, boot.arg(QLatin1String("127.0.0.1"))), QStringLiteral("000"));

    // Linux takes a packet for any of its addresses on any interface: a home host that routes the
    // boot network through the server reaches 10.99.0.1 on its home interface. The servers are
    // bound to the boot interface too, so it is not answered there.
    NetworkNamespaces::run(homeClient_,
                           {QStringLiteral("ip"), QStringLiteral("route"), QStringLiteral("add"),
                            QStringLiteral("10.99.0.0/24"), QStringLiteral("via"), QStringLiteral("192.168.77.1")});
    QCOMPARE(httpStatus(homeClient_, api.arg(QLatin1String("10.99.0.1"))), QStringLiteral("000"));
    QCOMPARE(httpStatus(homeClient_, boot.arg(QLatin1String("10.99.0.1"))), QStringLiteral("000"));
    QCOMPARE(tftpExit(homeClient_, QStringLiteral("10.99.0.1")), 28);

    // What the kernel says listens: nothing on every address but DHCP (bound to its interface).
    const QString sockets = NetworkNamespaces::run(server_, {QStringLiteral("ss"), QStringLiteral("-lntuH")});
    for (const QString &line : sockets.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        // ADDRESS[%INTERFACE]:PORT. The boot address is bound to boot0 (this computer's own clients
        // reach it all the same); DHCP listens on every address of boot0 only.
        const QString local = line.simplified().section(QLatin1Char(' '), 4, 4);
        const bool allowed = local.startsWith(QLatin1String("127.0.0.1:")) ||
                             local.startsWith(QLatin1String("10.99.0.1%boot0:")) ||
                             local.startsWith(QLatin1String("0.0.0.0%boot0:"));
        QVERIFY2(allowed, qPrintable(sockets));
    }
}

// Security review M6: a deployed machine now holds the client's address statically (the ranges
// were moved under it, say). The running server reads the static addresses within 5 s, and the
// client, asking for its old address by name, gets another.
void TestDhcpServer::neverHandsOutAnAddressHeldStatically()
{
    QVERIFY2(!clientAddress_.isEmpty(), "runs after servesRealClientsOnTheBootNetworkOnly");
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
        QVERIFY(core);
        NewMachine spec;
        spec.macAddresses = {QStringLiteral("52:54:00:99:00:77")};
        auto deployed = (*core)->engine->createMachine(spec, Actor::system(QStringLiteral("test")));
        QVERIFY2(deployed, qPrintable(deployed.errorMessage()));
        const quint32 held = QHostAddress(clientAddress_).toIPv4Address();
        auto assigned = StaticAddressStore((*core)->db).assign(deployed->systemId, held, held);
        QVERIFY(assigned && *assigned == held);
    }
    QTest::qWait(6000);
    int rc = -1;
    const QString udhcpc = NetworkNamespaces::run(
        client_,
        {QStringLiteral("udhcpc"), QStringLiteral("-f"), QStringLiteral("-q"), QStringLiteral("-n"),
         QStringLiteral("-t"), QStringLiteral("5"), QStringLiteral("-T"), QStringLiteral("2"), QStringLiteral("-i"),
         QStringLiteral("eth0"), QStringLiteral("-r"), clientAddress_, QStringLiteral("-s"), writeUdhcpcScript()},
        &rc);
    QVERIFY2(rc == 0, qPrintable(udhcpc));
    const auto bound = QRegularExpression(QStringLiteral("BOUND ip=(10\\.99\\.0\\.1[0-4][0-9]) ")).match(udhcpc);
    QVERIFY2(bound.hasMatch(), qPrintable(udhcpc));
    QVERIFY2(bound.captured(1) != clientAddress_, qPrintable(udhcpc));
}

void TestDhcpServer::acknowledgesNothingItCouldNotWrite()
{
    // An ACK promises a lease that is on the disk: while leases cannot be written (a full disk; here
    // triggers that refuse the write) none leaves, and once they can, the client is served.
    auto execute = [this](const QString &sql) -> QString {
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
        if (!core)
            return core.errorMessage();
        auto db = (*core)->db->connection();
        if (!db)
            return db.errorMessage();
        auto done = runQuery(*db, sql);
        return done ? QString() : done.errorMessage();
    };
    for (const char *when : {"INSERT", "UPDATE"}) {
        const QString error = execute(QStringLiteral("CREATE TRIGGER full_%1 BEFORE %1 ON dhcp_leases BEGIN "
                                                     "SELECT RAISE(ABORT, 'database or disk is full'); END")
                                          .arg(QLatin1String(when)));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    auto udhcpc = [this](int *rc) {
        return NetworkNamespaces::run(client_,
                                      {QStringLiteral("udhcpc"), QStringLiteral("-f"), QStringLiteral("-q"),
                                       QStringLiteral("-n"), QStringLiteral("-t"), QStringLiteral("3"),
                                       QStringLiteral("-T"), QStringLiteral("1"), QStringLiteral("-i"),
                                       QStringLiteral("eth0"), QStringLiteral("-s"), writeUdhcpcScript()},
                                      rc);
    };
    int rc = -1;
    const QString refused = udhcpc(&rc);
    QVERIFY2(rc != 0 && !refused.contains(QLatin1String("BOUND")), qPrintable(refused));
    QTRY_VERIFY_WITH_TIMEOUT((serverLog_ += QString::fromLocal8Bit(metaldesk_.readAllStandardError()))
                                 .contains(QLatin1String("leases not saved, answers held back")),
                             5000);
    QVERIFY2(serverLog_.contains(QLatin1String("disk is full")), qPrintable(serverLog_));

    for (const char *when : {"INSERT", "UPDATE"})
        QVERIFY(execute(QStringLiteral("DROP TRIGGER full_%1").arg(QLatin1String(when))).isEmpty());
    const QString served = udhcpc(&rc);
    QVERIFY2(rc == 0 && served.contains(QLatin1String("BOUND ip=10.99.0.")), qPrintable(served));
}

void TestDhcpServer::saysWhyWhenTheConfigurationIsWrong()
{
    // A range outside the interface's subnet: DHCP does not start, the rest runs, and it says why.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bad.db"));
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db));
        QVERIFY(core);
        QVERIFY((*core)->config->setValue(QStringLiteral("dhcp_interface"), QStringLiteral("boot0")));
        QVERIFY((*core)->config->setValue(QStringLiteral("dhcp_range"), QStringLiteral("10.50.0.10-10.50.0.20")));
    }
    QProcess p;
    p.start(QStringLiteral("ip"),
            NetworkNamespaces::inside(server_, {QStringLiteral(METALDESK_BINARY), QStringLiteral("--headless"),
                                                QStringLiteral("--database"), db}));
    QVERIFY(p.waitForStarted());
    QString out, err;
    QElapsedTimer timer;
    timer.start();
    while (!out.contains(QLatin1String("Stop with")) && timer.elapsed() < 30000 && p.state() == QProcess::Running) {
        p.waitForReadyRead(200);
        out += QString::fromLocal8Bit(p.readAllStandardOutput());
        err += QString::fromLocal8Bit(p.readAllStandardError());
    }
    err += QString::fromLocal8Bit(p.readAllStandardError());
    QVERIFY2(err.contains(QLatin1String("DHCP is not started: the dynamic range 10.50.0.10-10.50.0.20 is not inside "
                                        "the boot network 10.99.0.0/24")),
             qPrintable(err));
    QVERIFY(out.contains(QLatin1String("service:   timeouts")));
    QVERIFY(!out.contains(QLatin1String("service:   dhcp")));
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
}

QTEST_GUILESS_MAIN(TestDhcpServer)
// Security review M8: two instances (two hosts: their own network and UTS namespaces) share one
// PostgreSQL database, each serving DHCP on its own boot network, and the two networks use the same
// CIDR, as two home labs often do. Each client gets 10.99.0.120 on its own network; neither lease
// overwrites the other, and after a restart each instance gives its client that address again.
void TestDhcpServer::instancesSharingOnePostgresKeepTheirOwnLeases()
{
    if (QString why = PostgresCluster::unavailableReason(); !why.isEmpty())
        METALDESK_SKIP(qPrintable(why));
    if (QStandardPaths::findExecutable(QStringLiteral("unshare")).isEmpty())
        METALDESK_SKIP("unshare (util-linux) is not installed: run tools/setup");
    auto cluster = PostgresCluster::start();
    QVERIFY2(cluster, qPrintable(cluster.errorMessage()));
    {
        auto core = CoreServices::open((*cluster)->spec());
        QVERIFY2(core, qPrintable(core.errorMessage()));
        ConfigStore &config = *(*core)->config;
        QVERIFY(config.setValue(QStringLiteral("dhcp_interface"), QStringLiteral("boot0")));
        QVERIFY(config.setValue(QStringLiteral("dhcp_range"), QStringLiteral("10.99.0.100-10.99.0.149")));
    }
    const QString wanted = QStringLiteral("10.99.0.120");
    struct Lab {
        QString host, rack, client, mac;
        std::unique_ptr<QProcess> metaldesk;
    };
    std::array<Lab, 2> labs{Lab{QStringLiteral("rack-a"), {}, {}, QStringLiteral("52:54:00:98:00:0a"), {}},
                            Lab{QStringLiteral("rack-b"), {}, {}, QStringLiteral("52:54:00:98:00:0b"), {}}};
    NetworkNamespaces namespaces;
    for (Lab &lab : labs) {
        lab.rack = namespaces.add(lab.host);
        lab.client = namespaces.add(lab.host + QStringLiteral("-pc"));
        QVERIFY2(!lab.rack.isEmpty() && !lab.client.isEmpty(), qPrintable(namespaces.error()));
        QVERIFY2(namespaces.link(lab.rack, QStringLiteral("boot0"), QStringLiteral("10.99.0.1/24"), lab.client,
                                 QStringLiteral("eth0"), {}, lab.mac),
                 qPrintable(namespaces.error()));
    }
    // MetalDesk on its own host: a UTS namespace gives it its host name, which names its segment.
    auto start = [&cluster](Lab &lab) {
        lab.metaldesk = std::make_unique<QProcess>();
        lab.metaldesk->setProcessChannelMode(QProcess::SeparateChannels);
        testing::dieWithParent(*lab.metaldesk, SIGTERM);
        lab.metaldesk->start(
            QStringLiteral("ip"),
            NetworkNamespaces::inside(
                lab.rack,
                {QStringLiteral("unshare"), QStringLiteral("--uts"), QStringLiteral("sh"), QStringLiteral("-c"),
                 QStringLiteral("hostname %1 && exec \"$0\" --headless --database \"$1\"").arg(lab.host),
                 QStringLiteral(METALDESK_BINARY), (*cluster)->socketUrl()}));
        QString log;
        QElapsedTimer timer;
        timer.start();
        while (!log.contains(QLatin1String("managed DHCP on boot0")) && timer.elapsed() < 30000 &&
               lab.metaldesk->state() == QProcess::Running) {
            lab.metaldesk->waitForReadyRead(100);
            log += QString::fromLocal8Bit(lab.metaldesk->readAllStandardError());
        }
        return log.contains(QLatin1String("managed DHCP on boot0")) ? QString() : log;
    };
    auto stop = [](Lab &lab) {
        lab.metaldesk->terminate();
        if (!lab.metaldesk->waitForFinished(10000))
            lab.metaldesk->kill();
        lab.metaldesk->waitForFinished();
    };
    const QString script = writeUdhcpcScript();
    auto ask = [&script, &wanted](const Lab &lab) {
        int rc = -1;
        const QString out = NetworkNamespaces::run(
            lab.client,
            {QStringLiteral("udhcpc"), QStringLiteral("-f"), QStringLiteral("-q"), QStringLiteral("-n"),
             QStringLiteral("-t"), QStringLiteral("5"), QStringLiteral("-T"), QStringLiteral("2"), QStringLiteral("-i"),
             QStringLiteral("eth0"), QStringLiteral("-r"), wanted, QStringLiteral("-s"), script},
            &rc);
        return out;
    };
    const auto stopAll = qScopeGuard([&] {
        for (Lab &lab : labs)
            if (lab.metaldesk)
                stop(lab);
    });
    for (Lab &lab : labs) {
        const QString failed = start(lab);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }
    for (const Lab &lab : labs) {
        const QString out = ask(lab);
        QVERIFY2(out.contains(QStringLiteral("BOUND ip=%1 ").arg(wanted)),
                 qPrintable(lab.host + QStringLiteral(": ") + out));
    }
    // Both leases are in the database, one per network.
    auto leasesOf = [&cluster, &wanted] {
        QStringList macs;
        auto core = CoreServices::open((*cluster)->spec());
        if (!core)
            return QStringList{core.errorMessage()};
        auto all = LeaseStore((*core)->db).all();
        if (!all)
            return QStringList{all.errorMessage()};
        for (const Lease &lease : *all)
            if (lease.ip == QHostAddress(wanted).toIPv4Address() && lease.state == Lease::State::Bound)
                macs << lease.mac;
        macs.sort();
        return macs;
    };
    QCOMPARE(leasesOf(), QStringList({labs[0].mac, labs[1].mac}));
    // Each instance restarted reads its own leases: its client keeps its address.
    for (Lab &lab : labs) {
        stop(lab);
        const QString failed = start(lab);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        const QString out = ask(lab);
        QVERIFY2(out.contains(QStringLiteral("BOUND ip=%1 ").arg(wanted)),
                 qPrintable(lab.host + QStringLiteral(": ") + out));
    }
    QCOMPARE(leasesOf(), QStringList({labs[0].mac, labs[1].mac}));
}

#include "tst_dhcpserver.moc"
