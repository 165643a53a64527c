// Issue 4: "after kill -9 at full load and a restart, no lease is lost and no address is handed to
// two machines". The real `metaldesk --headless` serves a /14 in a network namespace; Kea's
// perfdhcp loads it as a relay agent, and a relay of our own (relayclient.h) runs exchanges for
// machines it records, keeping every ACK it is sent. MetalDesk is killed with SIGKILL in the
// middle of this and restarted on the same database, three times; after each kill, and at the end:
//   - every (MAC, address) it acknowledged is a bound lease in the database;
//   - no address was acknowledged to two MACs, and no MAC holds two bound addresses;
//   - the machines it acknowledged get their same address again from the restarted server;
//   - new machines get addresses that nobody holds.
// The server writes a batch of leases in one transaction and sends the batch's ACKs only after
// the commit (dhcp::Server::commit), which is what this checks from the outside.
#include "core/addresses/leasestore.h"
#include "headlessdhcp.h"
#include "relayclient.h"

#include "skip.h"
#include <QHostAddress>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <unistd.h>

using namespace metaldesk;
using namespace metaldesk::testing;

namespace {

constexpr quint32 ip4(int a, int b, int c, int d)
{
    return quint32(a) << 24 | quint32(b) << 16 | quint32(c) << 8 | quint32(d);
}
constexpr quint32 kServer = ip4(10, 100, 0, 1);
constexpr quint32 kPerfdhcp = ip4(10, 100, 0, 2); // perfdhcp's relay address (its giaddr)
constexpr quint32 kRelay = ip4(10, 100, 0, 3);    // ours
constexpr quint32 kRangeFirst = ip4(10, 100, 1, 0);
constexpr quint32 kRangeLast = ip4(10, 103, 255, 250);
constexpr quint8 kLoadFamily = 0x4d;  // 02:4d:…: machines loaded before the kill
constexpr quint8 kAfterFamily = 0x4e; // 02:4e:…: new machines after the restart

QString ipText(quint32 ip) { return QHostAddress(ip).toString(); }

} // namespace

class TestDhcpDurability : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void noAcknowledgedLeaseIsLostToKillNine();
    void cleanupTestCase();

private:
    RelayRun loadAndKill(quint32 firstMachine, qint64 killAtMs);
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QString server_, client_;
    QString perfdhcpPath_;
    QProcess metaldesk_, perfdhcp_;
    int relayFd_ = -1;
    qint64 killedAt_ = -1; // on the relay run's clock
    qsizetype openAtKill_ = 0;
    bool perfdhcpRanAtKill_ = false;
    QString perfdhcpLog_;
};

void TestDhcpDurability::initTestCase()
{
    QString whyNot;
    if (!NetworkNamespaces::available(&whyNot))
        METALDESK_SKIP(qPrintable(whyNot));
    perfdhcpPath_ = findTool("perfdhcp");
    if (perfdhcpPath_.isEmpty())
        METALDESK_SKIP("perfdhcp (Debian kea-admin) is not installed: run tools/setup");
    ns_ = std::make_unique<NetworkNamespaces>();
    server_ = ns_->add(QStringLiteral("mdksrv"));
    client_ = ns_->add(QStringLiteral("mdkcli"));
    QVERIFY2(!server_.isEmpty() && !client_.isEmpty(), qPrintable(ns_->error()));
    QVERIFY2(ns_->link(server_, QStringLiteral("veth-s"), QStringLiteral("10.100.0.1/14"), client_,
                       QStringLiteral("veth-c"), QStringLiteral("10.100.0.2/14")),
             qPrintable(ns_->error()));
    int rc = -1;
    const QString out =
        NetworkNamespaces::run(client_,
                               {QStringLiteral("ip"), QStringLiteral("addr"), QStringLiteral("add"),
                                QStringLiteral("10.100.0.3/14"), QStringLiteral("dev"), QStringLiteral("veth-c")},
                               &rc);
    QVERIFY2(rc == 0, qPrintable(out));
    QString error;
    relayFd_ = udpSocketInNamespace(client_, kRelay, 67, &error);
    QVERIFY2(relayFd_ >= 0, qPrintable(error));

    // The test owns this network: no other server can answer, so skip the 1.5 s look for one.
    const QString written = writeSettings(dir_.filePath(QStringLiteral("md.db")),
                                          {{"dhcp_interface", QStringLiteral("veth-s")},
                                           {"dhcp_range", QStringLiteral("10.100.1.0-10.103.255.250")},
                                           {"dhcp_lease_seconds", QStringLiteral("3600")},
                                           {"dhcp_allow_other_servers", QStringLiteral("true")}});
    QVERIFY2(written.isEmpty(), qPrintable(written));
}

void TestDhcpDurability::cleanupTestCase()
{
    stopProcess(perfdhcp_, 2000);
    stopProcess(metaldesk_);
    if (relayFd_ >= 0)
        ::close(relayFd_);
    ns_.reset();
}

// One round of load ending in SIGKILL: perfdhcp and our relay (machines `firstMachine`, …)
// until `killAtMs`, when MetalDesk is killed the moment an ACK has just arrived (its thread is in
// the middle of answering and writing); then 300 ms more to take in what was already on its way.
RelayRun TestDhcpDurability::loadAndKill(quint32 firstMachine, qint64 killAtMs)
{
    RelayRun none;
    perfdhcp_.setProcessChannelMode(QProcess::MergedChannels);
    // New 4-way exchanges at 3000 a second from up to 500,000 simulated clients, as a relay at
    // 10.100.0.2.
    perfdhcp_.start(
        QStringLiteral("ip"),
        NetworkNamespaces::inside(client_, {perfdhcpPath_, QStringLiteral("-4"), QStringLiteral("-l"),
                                            ipText(kPerfdhcp), QStringLiteral("-r"), QStringLiteral("3000"),
                                            QStringLiteral("-R"), QStringLiteral("500000"), QStringLiteral("-p"),
                                            QStringLiteral("30"), QStringLiteral("-u"), ipText(kServer)}));
    if (!perfdhcp_.waitForStarted())
        return none;
    QList<QByteArray> machines;
    for (quint32 i = 0; i < 100000; ++i)
        machines << testMac(kLoadFamily, firstMachine + i);
    RelayOptions load;
    load.relayAddress = kRelay;
    load.serverAddress = kServer;
    load.window = 64; // in flight at all times: as many as the server answers
    load.timeoutMs = 1000;
    load.endMs = killAtMs + 5000; // if no ACK ever comes, the checks below say so
    killedAt_ = -1;
    openAtKill_ = 0;
    perfdhcpRanAtKill_ = false;
    load.tick = [&](qint64 now, const RelayRun &sofar, bool &startNew, bool &stop) {
        // Only while exchanges are open: a fast server can answer the whole window between two ticks.
        if (killedAt_ < 0 && now >= killAtMs && sofar.inFlight > 0 && !sofar.acks.isEmpty() &&
            sofar.acks.last().atMs >= now - 1) {
            perfdhcpRanAtKill_ = perfdhcp_.state() == QProcess::Running;
            metaldesk_.kill(); // SIGKILL: no flush, no shutdown
            killedAt_ = now;
            openAtKill_ = sofar.inFlight;
            startNew = false;
        }
        if (killedAt_ >= 0 && now >= killedAt_ + 300)
            stop = true;
    };
    RelayRun run = runExchanges(relayFd_, machines, load);
    if (killedAt_ < 0)
        metaldesk_.kill();
    metaldesk_.waitForFinished(5000);
    // SIGINT: perfdhcp prints its statistics and exits.
    if (perfdhcp_.state() == QProcess::Running)
        ::kill(pid_t(perfdhcp_.processId()), SIGINT);
    if (!perfdhcp_.waitForFinished(5000))
        stopProcess(perfdhcp_, 2000);
    perfdhcpLog_ = QString::fromLocal8Bit(perfdhcp_.readAll());
    return run;
}

void TestDhcpDurability::noAcknowledgedLeaseIsLostToKillNine()
{
    const QString db = dir_.filePath(QStringLiteral("md.db"));
    // What the relay was told, over all rounds: one MAC per address, one address per MAC.
    QHash<quint32, QString> macOfIp;
    QHash<QString, quint32> ipOfMac;
    QList<AckRecord> acknowledged;
    QSet<quint32> heldBeforeRestart;

    // Three rounds of load, kill and restart on the same database: a commit cut short lands at a
    // different point of a batch each time.
    for (int round = 0; round < 3; ++round) {
        ChildOutput started;
        QVERIFY2(startMetalDesk(metaldesk_, QStringLiteral(METALDESK_BINARY), server_, db, started),
                 qPrintable(started.out + started.err));
        const RelayRun loaded = loadAndKill(quint32(round) << 20, 1000);
        QVERIFY2(killedAt_ >= 0, "no ACK came within 6 s: the server did not answer");
        QCOMPARE(metaldesk_.state(), QProcess::NotRunning);
        QCOMPARE(metaldesk_.exitStatus(), QProcess::CrashExit);
        QVERIFY2(perfdhcpRanAtKill_, qPrintable(perfdhcpLog_));
        const QString perfdhcpAcks =
            perfdhcpLog_.mid(perfdhcpLog_.indexOf(QLatin1String("Statistics for: REQUEST-ACK")));
        qInfo("perfdhcp %s", qPrintable(perfdhcpAcks.left(300).simplified()));
        qsizetype acksJustBeforeKill = 0;
        for (const AckRecord &a : loaded.acks) {
            QVERIFY(a.atMs <= killedAt_ + 300);
            if (a.atMs >= killedAt_ - 100 && a.atMs <= killedAt_)
                ++acksJustBeforeKill;
        }
        qInfo("round %d: relay %lld ACKs, %llu offers, %llu NAKs, %llu timed out; at the kill (%lld ms) %lld "
              "exchanges open, %lld ACKs in the 100 ms before it",
              round + 1, qlonglong(loaded.acks.size()), qulonglong(loaded.offers), qulonglong(loaded.naks),
              qulonglong(loaded.timedOut), qlonglong(killedAt_), qlonglong(openAtKill_), qlonglong(acksJustBeforeKill));
        // Killed at full load: answers were arriving at the moment of the kill, and it cut
        // exchanges short.
        QVERIFY2(loaded.acks.size() >= 300, qPrintable(perfdhcpLog_));
        QVERIFY(acksJustBeforeKill > 0);
        QVERIFY(openAtKill_ > 0);
        QCOMPARE(loaded.naks, quint64(0));
        for (const AckRecord &a : loaded.acks) {
            QVERIFY2(a.ip >= kRangeFirst && a.ip <= kRangeLast, qPrintable(ipText(a.ip)));
            QVERIFY2(
                macOfIp.value(a.ip, a.mac) == a.mac,
                qPrintable(
                    QStringLiteral("%1 was acknowledged to %2 and %3").arg(ipText(a.ip), macOfIp.value(a.ip), a.mac)));
            QVERIFY2(ipOfMac.value(a.mac, a.ip) == a.ip, qPrintable(a.mac));
            macOfIp.insert(a.ip, a.mac);
            ipOfMac.insert(a.mac, a.ip);
        }
        acknowledged += loaded.acks;

        // The database after the crash, read as the restarted MetalDesk will read it.
        auto core = CoreServices::open(DatabaseSpec::sqlite(db));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        const auto all = LeaseStore((*core)->db).all();
        QVERIFY2(all, qPrintable(all.errorMessage()));
        QHash<quint32, Lease> byIp;
        QHash<QString, int> boundPerMac;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        qsizetype perfdhcpLeases = 0;
        heldBeforeRestart.clear();
        for (const Lease &l : *all) {
            QVERIFY2(!byIp.contains(l.ip), qPrintable(ipText(l.ip))); // the table's key: one row per address
            byIp.insert(l.ip, l);
            if (l.state == Lease::State::Bound && l.holds(now)) {
                heldBeforeRestart.insert(l.ip);
                ++boundPerMac[l.mac];
                if (!l.mac.startsWith(QLatin1String("02:4d:")))
                    ++perfdhcpLeases;
            }
        }
        for (auto it = boundPerMac.cbegin(); it != boundPerMac.cend(); ++it)
            QVERIFY2(it.value() == 1,
                     qPrintable(QStringLiteral("%1 holds %2 bound addresses").arg(it.key()).arg(it.value())));
        QStringList lost;
        for (const AckRecord &a : std::as_const(acknowledged)) {
            const auto lease = byIp.constFind(a.ip);
            if (lease == byIp.cend() || lease->mac != a.mac || lease->state != Lease::State::Bound)
                lost << QStringLiteral("%1 → %2 (database: %3)")
                            .arg(a.mac, ipText(a.ip), lease == byIp.cend() ? QStringLiteral("no lease") : lease->mac);
        }
        QVERIFY2(lost.isEmpty(),
                 qPrintable(QStringLiteral("round %1: %2 of %3 acknowledged leases are not in the database, e.g. %4")
                                .arg(round + 1)
                                .arg(lost.size())
                                .arg(acknowledged.size())
                                .arg(lost.mid(0, 5).join(QStringLiteral("; ")))));
        QVERIFY2(perfdhcpLeases > 0, qPrintable(perfdhcpLog_)); // both loads reached the server
        qInfo("database after round %d: %lld leases bound, %lld of them perfdhcp's", round + 1,
              qlonglong(heldBeforeRestart.size()), qlonglong(perfdhcpLeases));
    }

    // Restarted once more. The machines acknowledged last before the final kill (the ones a lost
    // commit would lose) and the very first ones ask again; and 300 machines never seen.
    ChildOutput restarted;
    QVERIFY2(startMetalDesk(metaldesk_, QStringLiteral(METALDESK_BINARY), server_, db, restarted),
             qPrintable(restarted.out + restarted.err));
    QList<QByteArray> returning;
    const qsizetype n = acknowledged.size();
    for (qsizetype i = 0; i < n; ++i)
        if (i < 150 || i >= n - 150)
            returning << QByteArray::fromHex(acknowledged[i].mac.toLatin1().replace(':', ""));
    QList<QByteArray> fresh;
    for (quint32 i = 1; i <= 300; ++i)
        fresh << testMac(kAfterFamily, i);
    RelayOptions after;
    after.relayAddress = kRelay;
    after.serverAddress = kServer;
    after.window = 32;
    after.timeoutMs = 500;
    after.retries = 3; // no load now: a lost packet is only asked again
    after.endMs = 15000;
    const RelayRun again = runExchanges(relayFd_, returning + fresh, after);
    QCOMPARE(again.naks, quint64(0));
    QCOMPARE(again.acks.size(), returning.size() + fresh.size());
    QSet<quint32> freshIps;
    for (const AckRecord &a : again.acks) {
        if (a.mac.startsWith(QLatin1String("02:4d:"))) {
            QCOMPARE(ipText(a.ip), ipText(ipOfMac.value(a.mac))); // its address, kept across the crashes
        } else {
            QVERIFY2(!heldBeforeRestart.contains(a.ip) && !macOfIp.contains(a.ip),
                     qPrintable(QStringLiteral("%1 was given %2, which %3 holds")
                                    .arg(a.mac, ipText(a.ip), macOfIp.value(a.ip, QStringLiteral("another machine")))));
            QVERIFY2(!freshIps.contains(a.ip), qPrintable(ipText(a.ip)));
            QVERIFY(a.ip >= kRangeFirst && a.ip <= kRangeLast);
            freshIps.insert(a.ip);
        }
    }
    QCOMPARE(freshIps.size(), fresh.size());
    QCOMPARE(metaldesk_.state(), QProcess::Running);
    stopProcess(metaldesk_);
    QCOMPARE(metaldesk_.exitStatus(), QProcess::NormalExit);

    // And the new machines' leases are durable too.
    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    LeaseStore store((*core)->db);
    for (const AckRecord &a : again.acks) {
        const auto lease = store.forIp(a.ip);
        QVERIFY(lease && *lease);
        QCOMPARE((*lease)->mac, a.mac);
        QCOMPARE((*lease)->state, Lease::State::Bound);
    }
}

QTEST_GUILESS_MAIN(TestDhcpDurability)
#include "tst_dhcpdurability.moc"
