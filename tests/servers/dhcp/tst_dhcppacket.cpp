// The DHCP wire format: real clients' packets, hand-written expected bytes, and broken input.
#include "servers/dhcp/dhcppacket.h"

#include "hexfixtures.h"

#include <QRandomGenerator>
#include <QtEndian>
#include <QtTest>

using namespace metaldesk::dhcp;

namespace {

QHash<QString, QByteArray> captures()
{
    return metaldesk::testing::readHexFixtures(QStringLiteral(FIXTURES_DIR "/dhcp-captures.txt"));
}

Packet parsed(QByteArrayView bytes)
{
    auto result = parse(bytes);
    if (auto *failure = std::get_if<ParseFailure>(&result))
        qFatal("unexpected parse failure: %s", qPrintable(failure->detail));
    return std::get<Packet>(result);
}

ParseError failure(QByteArrayView bytes)
{
    auto result = parse(bytes);
    if (std::holds_alternative<Packet>(result))
        qFatal("expected a parse failure");
    return std::get<ParseFailure>(result).error;
}

bool samePacket(const Packet &a, const Packet &b)
{
    return a.op == b.op && a.htype == b.htype && a.hlen == b.hlen && a.hops == b.hops && a.xid == b.xid &&
           a.secs == b.secs && a.flags == b.flags && a.ciaddr == b.ciaddr && a.yiaddr == b.yiaddr &&
           a.siaddr == b.siaddr && a.giaddr == b.giaddr && a.chaddr == b.chaddr && a.sname == b.sname &&
           a.file == b.file && a.options == b.options;
}

// A minimal valid DISCOVER, to break in specific ways.
QByteArray discover(const QByteArray &options = QByteArray::fromHex("350101ff"))
{
    QByteArray b(240, '\0');
    b[0] = 1;
    b[1] = 1;
    b[2] = 6;
    qToBigEndian<quint32>(0x11223344, b.data() + 4);
    memcpy(b.data() + 28, "\x52\x54\x00\xaa\xbb\xcc", 6);
    qToBigEndian<quint32>(0x63825363, b.data() + 236);
    return b + options;
}

} // namespace

class TestDhcpPacket : public QObject {
    Q_OBJECT
private slots:
    void parsesRealClientDiscovers_data();
    void parsesRealClientDiscovers();
    void reparsesItsOwnOutputOfRealPackets_data() { parsesRealClientDiscovers_data(); }
    void reparsesItsOwnOutputOfRealPackets();
    void writesAnOfferByteForByte();
    void splitsAndJoinsLongOptions();
    void readsOverloadedFileAndSnameFields();
    void dropsEveryTruncationOfARealPacket();
    void dropsBadHeaderFields();
    void dropsOptionsRunningPastTheEnd();
    void dropsBadOverloadAndMessageType();
    void toleratesAMissingEndOption();
    void survivesRandomAndMutatedInput();
};

void TestDhcpPacket::parsesRealClientDiscovers_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("client");
    const auto all = captures();
    QVERIFY2(all.size() == 3, "fixtures/dhcp-captures.txt should hold dhclient, udhcpc and dhcpcd");
    for (const QString &client : {QStringLiteral("dhclient"), QStringLiteral("udhcpc"), QStringLiteral("dhcpcd")})
        QTest::newRow(qPrintable(client)) << all.value(client) << client;
}

void TestDhcpPacket::parsesRealClientDiscovers()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, client);
    const Packet p = parsed(bytes);
    QCOMPARE(p.op, BootRequest);
    QCOMPARE(p.messageType(), std::optional<MessageType>(MessageType::Discover));
    QCOMPARE(p.hardwareAddress(), QStringLiteral("52:54:00:12:34:56"));
    QCOMPARE(p.ciaddr, 0u);
    QCOMPARE(p.giaddr, 0u);
    QVERIFY(p.has(option::ParameterRequestList));
    if (client == QLatin1String("udhcpc")) {
        QCOMPARE(p.value(option::HostName), QByteArray("lab-node"));
        QCOMPARE(p.value(option::VendorClass), QByteArray("MetalDeskTest"));
        QCOMPARE(p.value(option::ClientIdentifier), QByteArray::fromHex("01525400123456"));
        QCOMPARE(qFromBigEndian<quint16>(p.value(option::MaxMessageSize).constData()), quint16(576));
    }
    if (client == QLatin1String("dhcpcd")) {
        QCOMPARE(p.value(option::ClientIdentifier).size(), 19); // RFC 4361: type 255, IAID, DUID
        QVERIFY(p.has(80));                                     // rapid commit, zero length
        QCOMPARE(p.value(80).size(), 0);
    }
}

void TestDhcpPacket::reparsesItsOwnOutputOfRealPackets()
{
    QFETCH(QByteArray, bytes);
    const Packet p = parsed(bytes);
    const QByteArray written = serialize(p);
    QVERIFY(written.size() >= 300);
    QVERIFY(samePacket(parsed(written), p));
}

void TestDhcpPacket::writesAnOfferByteForByte()
{
    Packet p;
    p.op = BootReply;
    p.xid = 0xdeadbeef;
    p.flags = BroadcastFlag;
    p.yiaddr = 0x0a630064; // 10.99.0.100
    p.siaddr = 0x0a630001; // 10.99.0.1
    p.chaddr = QByteArray::fromHex("525400123456");
    p.file = "undionly.kpxe";
    p.setMessageType(MessageType::Offer);
    p.setAddress(option::ServerIdentifier, 0x0a630001);
    p.setUint32(option::LeaseTime, 600);
    p.setAddress(option::SubnetMask, 0xffffff00);

    QByteArray expected = QByteArray::fromHex("02010600"                    // op, htype, hlen, hops
                                              "deadbeef"                    // xid
                                              "00008000"                    // secs, flags (broadcast)
                                              "00000000"                    // ciaddr
                                              "0a630064"                    // yiaddr
                                              "0a630001"                    // siaddr
                                              "00000000");                  // giaddr
    expected += QByteArray::fromHex("525400123456") + QByteArray(10, '\0'); // chaddr
    expected += QByteArray(64, '\0');                                       // sname
    expected += QByteArray("undionly.kpxe") + QByteArray(128 - 13, '\0');   // file
    expected += QByteArray::fromHex("63825363"                              // magic cookie
                                    "350102"                                // 53: OFFER, first
                                    "0104ffffff00"                          // 1: subnet mask
                                    "330400000258"                          // 51: lease time 600
                                    "36040a630001"                          // 54: server identifier
                                    "ff");                                  // end
    expected += QByteArray(300 - expected.size(), '\0');
    QCOMPARE(serialize(p).toHex(), expected.toHex());
}

void TestDhcpPacket::splitsAndJoinsLongOptions()
{
    Packet p = parsed(discover());
    const QByteArray longValue(300, 'x');
    p.options[option::UserClass] = longValue;
    const QByteArray bytes = serialize(p);
    // RFC 3396: two instances, 255 and 45 bytes.
    QVERIFY(bytes.contains(QByteArray::fromHex("4dff") + QByteArray(255, 'x') + QByteArray::fromHex("4d2d")));
    QCOMPARE(parsed(bytes).value(option::UserClass), longValue);
}

void TestDhcpPacket::readsOverloadedFileAndSnameFields()
{
    QByteArray b = discover(QByteArray::fromHex("350101"
                                                "340103"
                                                "ff"));                // overload: file and sname
    const QByteArray inFile = QByteArray::fromHex("0c056e6f646531ff"); // 12: "node1"
    const QByteArray inSname = QByteArray::fromHex("3c03616263ff");    // 60: "abc"
    b.replace(108, inFile.size(), inFile);
    b.replace(44, inSname.size(), inSname);
    const Packet p = parsed(b);
    QCOMPARE(p.value(option::HostName), QByteArray("node1"));
    QCOMPARE(p.value(option::VendorClass), QByteArray("abc"));
    QVERIFY(p.file.isEmpty() && p.sname.isEmpty());
}

void TestDhcpPacket::dropsEveryTruncationOfARealPacket()
{
    const QByteArray real = captures().value(QStringLiteral("udhcpc"));
    QVERIFY(!real.isEmpty());
    for (qsizetype n = 0; n < 240; ++n)
        QCOMPARE(failure(QByteArrayView(real).first(n)), ParseError::Truncated);
    // Cut inside the options: an option whose length runs past the end, never a crash.
    for (qsizetype n = 241; n < 290; ++n) {
        auto result = parse(QByteArrayView(real).first(n));
        if (auto *f = std::get_if<ParseFailure>(&result))
            QCOMPARE(f->error, ParseError::OptionOverrun);
    }
}

void TestDhcpPacket::dropsBadHeaderFields()
{
    QByteArray badOp = discover();
    badOp[0] = 3;
    QCOMPARE(failure(badOp), ParseError::BadOp);
    QByteArray longHlen = discover();
    longHlen[2] = 17;
    QCOMPARE(failure(longHlen), ParseError::BadHardwareLen);
    QByteArray sixteen = discover();
    sixteen[2] = 16; // InfiniBand-sized addresses are still fine
    QCOMPARE(parsed(sixteen).chaddr.size(), 16);
    QByteArray cookie = discover();
    cookie[239] = 0x64;
    QCOMPARE(failure(cookie), ParseError::BadCookie);
}

void TestDhcpPacket::dropsOptionsRunningPastTheEnd()
{
    QCOMPARE(failure(discover(QByteArray::fromHex("350101"
                                                  "3705010306"))),
             ParseError::OptionOverrun);
    QCOMPARE(failure(discover(QByteArray::fromHex("350101"
                                                  "37"))),
             ParseError::OptionOverrun);
    // In an overloaded file field too.
    QByteArray b = discover(QByteArray::fromHex("350101"
                                                "340101"
                                                "ff"));
    b[108] = 12;
    b[109] = char(200);
    QCOMPARE(failure(b), ParseError::OptionOverrun);
}

void TestDhcpPacket::dropsBadOverloadAndMessageType()
{
    QCOMPARE(failure(discover(QByteArray::fromHex("350101"
                                                  "340104"
                                                  "ff"))),
             ParseError::BadOverload);
    QCOMPARE(failure(discover(QByteArray::fromHex("350101"
                                                  "34020101"
                                                  "ff"))),
             ParseError::BadOverload);
    QCOMPARE(failure(discover(QByteArray::fromHex("35020101"
                                                  "ff"))),
             ParseError::BadMessageType);
    QCOMPARE(failure(discover(QByteArray::fromHex("350109"
                                                  "ff"))),
             ParseError::BadMessageType);
    // No option 53 at all is BOOTP, not an error of the format.
    QVERIFY(!parsed(discover(QByteArray::fromHex("ff"))).messageType());
}

void TestDhcpPacket::toleratesAMissingEndOption()
{
    const Packet p = parsed(discover(QByteArray::fromHex("350103"
                                                         "3204c0a80a05")));
    QCOMPARE(p.messageType(), std::optional<MessageType>(MessageType::Request));
    QCOMPARE(p.address(option::RequestedAddress), std::optional<quint32>(0xc0a80a05));
}

void TestDhcpPacket::survivesRandomAndMutatedInput()
{
    // Not a fuzzer (that runs separately); a fixed-seed sweep so every run covers the same ground.
    QRandomGenerator rng(20261125);
    const auto real = captures().values();
    int parsedCount = 0;
    for (int i = 0; i < 20000; ++i) {
        QByteArray b = real[i % real.size()];
        const int flips = 1 + rng.bounded(8);
        for (int f = 0; f < flips; ++f)
            b[rng.bounded(int(b.size()))] = char(rng.bounded(256));
        if (i % 5 == 0)
            b.truncate(rng.bounded(int(b.size()) + 1));
        auto result = parse(b);
        if (const Packet *p = std::get_if<Packet>(&result)) {
            ++parsedCount;
            QVERIFY(samePacket(parsed(serialize(*p)), *p));
        }
    }
    QVERIFY(parsedCount > 0);
}

QTEST_GUILESS_MAIN(TestDhcpPacket)
#include "tst_dhcppacket.moc"
