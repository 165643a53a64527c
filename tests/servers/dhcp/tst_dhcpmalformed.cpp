// Malformed DHCP packets from the network (issue 4): scapy (dhcp_malformed.py) sends, from a client
// namespace, 101 copies each of truncated, huge (IP-fragmented, 60 kB), hlen > 16, bad magic cookie,
// an option running past the end, a bad option overload, a bad message type, op 3 and random bytes
// to the real `metaldesk --headless`. Nothing answers them; a DISCOVER with its options overloaded
// into the file field and a plain one then get their OFFERs, with the first two addresses of the
// range; and the drops were counted by reason.
//
// The counters live in the server's memory; what leaves the process is its log, where each reason's
// counter logs the packet that finds it at 0, 100, 200, … (dhcp::Server::readDatagrams). 101 packets
// of a reason therefore make exactly two lines, 202 exactly three: one packet counted too few or
// too many, or under another reason, changes the lines, which are compared exactly.
#include "core/addresses/leasestore.h"
#include "headlessdhcp.h"

#include "skip.h"
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;
using namespace metaldesk::testing;

class TestDhcpMalformed : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void dropsAndCountsMalformedPacketsAndStillServes();
    void cleanupTestCase();

private:
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> ns_;
    QString server_, client_;
    QProcess metaldesk_;
};

void TestDhcpMalformed::initTestCase()
{
    QString whyNot;
    if (!NetworkNamespaces::available(&whyNot))
        METALDESK_SKIP(qPrintable(whyNot));
    // Debian's python with python3-scapy (the python3 on PATH may be another one).
    if (QProcess::execute(QStringLiteral("/usr/bin/python3"),
                          {QStringLiteral("-c"), QStringLiteral("import scapy.all")}) != 0)
        METALDESK_SKIP("/usr/bin/python3 with scapy is missing: apt-get install python3-scapy");
    ns_ = std::make_unique<NetworkNamespaces>();
    server_ = ns_->add(QStringLiteral("mdmsrv"));
    client_ = ns_->add(QStringLiteral("mdmcli"));
    QVERIFY2(!server_.isEmpty() && !client_.isEmpty(), qPrintable(ns_->error()));
    QVERIFY2(ns_->link(server_, QStringLiteral("boot0"), QStringLiteral("10.99.7.1/24"), client_,
                       QStringLiteral("eth0"), {}, QStringLiteral("52:54:00:99:07:01")),
             qPrintable(ns_->error()));
    const QString written = writeSettings(
        dir_.filePath(QStringLiteral("md.db")),
        {{"dhcp_interface", QStringLiteral("boot0")}, {"dhcp_range", QStringLiteral("10.99.7.100-10.99.7.199")}});
    QVERIFY2(written.isEmpty(), qPrintable(written));
}

void TestDhcpMalformed::cleanupTestCase()
{
    stopProcess(metaldesk_);
    ns_.reset();
}

void TestDhcpMalformed::dropsAndCountsMalformedPacketsAndStillServes()
{
    const QString db = dir_.filePath(QStringLiteral("md.db"));
    ChildOutput log;
    QVERIFY2(startMetalDesk(metaldesk_, QStringLiteral(METALDESK_BINARY), server_, db, log),
             qPrintable(log.out + log.err));

    int rc = -1;
    const QString script = NetworkNamespaces::run(client_,
                                                  {QStringLiteral("/usr/bin/python3"), QStringLiteral(MALFORMED_SCRIPT),
                                                   QStringLiteral("--iface"), QStringLiteral("eth0"),
                                                   QStringLiteral("--count"), QStringLiteral("101")},
                                                  &rc, 120000);
    QVERIFY2(rc == 0, qPrintable(script));
    for (const char *kind : {"truncated", "huge", "hlen", "cookie", "overrun", "overload", "msgtype", "op", "garbage"})
        QVERIFY2(script.contains(QStringLiteral("SENT %1 101 ").arg(QLatin1String(kind))), qPrintable(script));
    // Nothing answered a malformed packet; the valid ones got the range's first two addresses.
    QVERIFY2(script.contains(QLatin1String("MALFORMED_ANSWERS 0\n")), qPrintable(script));
    QVERIFY2(script.contains(QLatin1String("OFFER overloaded 02:6d:00:00:00:a1 10.99.7.100\n")), qPrintable(script));
    QVERIFY2(script.contains(QLatin1String("OFFER plain 02:6d:00:00:00:a2 10.99.7.101\n")), qPrintable(script));

    // The drop lines, by reason, in the order they were logged.
    static const QRegularExpression dropLine(QStringLiteral("metaldesk\\.dhcp[^\\n]*: dropped: ([^\\n]*)"));
    const QStringList expected{
        // 101 short, then 101 huge: counted 0-100 short, 101-201 huge.
        QStringLiteral("truncated 200 bytes, a DHCP message has at least 240"),
        QStringLiteral("truncated 200 bytes, a DHCP message has at least 240"),
        QStringLiteral("truncated larger than 2048 bytes"),
        QStringLiteral("bad hardware address length hlen 17 is more than 16"),
        QStringLiteral("bad hardware address length hlen 17 is more than 16"),
        QStringLiteral("bad magic cookie cookie 63825300"),
        QStringLiteral("bad magic cookie cookie 63825300"),
        QStringLiteral("option overrun option 12 in the options needs 200 bytes, 3 left"),
        QStringLiteral("option overrun option 12 in the options needs 200 bytes, 3 left"),
        QStringLiteral("bad option overload option 52 must be 1, 2 or 3"),
        QStringLiteral("bad option overload option 52 must be 1, 2 or 3"),
        QStringLiteral("bad message type option 53 is 63"),
        QStringLiteral("bad message type option 53 is 63"),
        // 101 of op 3, then 101 of random bytes (op 0xa5).
        QStringLiteral("bad op op 3"),
        QStringLiteral("bad op op 3"),
        QStringLiteral("bad op op 165"),
    };
    auto dropped = [](const QString &text) {
        QStringList lines;
        for (auto it = dropLine.globalMatch(text); it.hasNext();)
            lines << it.next().captured(1);
        return lines;
    };
    readUntil(
        metaldesk_, log, [&](const ChildOutput &o) { return dropped(o.err).size() >= expected.size(); }, 10000);
    QCOMPARE(metaldesk_.state(), QProcess::Running);
    // Nothing more comes (a line too many would show a miscount).
    readUntil(
        metaldesk_, log, [](const ChildOutput &) { return false; }, 500);
    QCOMPARE(dropped(log.err), expected);

    stopProcess(metaldesk_);
    QCOMPARE(metaldesk_.exitStatus(), QProcess::NormalExit);
    QCOMPARE(metaldesk_.exitCode(), 0);
    // OFFERs reserve addresses in memory only: nothing was written.
    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    const auto leases = LeaseStore((*core)->db).all();
    QVERIFY2(leases, qPrintable(leases.errorMessage()));
    QCOMPARE(leases->size(), 0);
}

QTEST_GUILESS_MAIN(TestDhcpMalformed)
#include "tst_dhcpmalformed.moc"
