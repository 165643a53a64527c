// The router solicitation and advertisement bytes (RFC 4861 §4.1, §4.2) that end a network-booting
// client's IPv6 wait: what is accepted from the wire, what is refused, what MetalDesk sends.
#include "servers/dhcp/ndp.h"

#include <QtTest>

using namespace metaldesk::dhcp;

namespace {

QByteArray hex(const char *text) { return QByteArray::fromHex(QByteArray(text).replace(' ', "")); }

} // namespace

class TestNdp : public QObject {
    Q_OBJECT
private slots:
    void readsASolicitationWithItsMac()
    {
        // iPXE's: type 133, code 0, checksum, reserved, then its MAC in a source link-layer option.
        const auto m = ndp::parse(hex("85 00 1234 00000000 01 01 525400770010"));
        QVERIFY(m);
        QCOMPARE(m->type, ndp::RouterSolicitation);
        QCOMPARE(m->sourceLinkLayer, hex("525400770010"));
    }
    void readsAnAdvertisement()
    {
        // radvd's: hop limit 64, no flags, lifetime 1800 s, a prefix option (32 bytes) for fd77::/64.
        const auto m = ndp::parse(hex("86 00 0000 40 00 0708 00000000 00000000"
                                      "03 04 40 c0 00278d00 00093a80 00000000 fd770000000000000000000000000000"
                                      "01 01 0a0b0c0d0e0f"));
        QVERIFY(m);
        QCOMPARE(m->type, ndp::RouterAdvertisement);
        QCOMPARE(m->routerLifetime, quint16(1800));
        QVERIFY(m->hasPrefix);
        QVERIFY(m->configures());
        QCOMPARE(m->sourceLinkLayer, hex("0a0b0c0d0e0f"));
    }
    void anAdvertisementThatConfiguresNothingIsNotARouter()
    {
        const auto ours = ndp::parse(ndp::nonRouterAdvertisement(hex("020000000001")));
        QVERIFY(ours);
        QVERIFY(!ours->configures());
        // Only the M or O flag makes one: clients would start DHCPv6.
        const auto managed = ndp::parse(hex("86 00 0000 00 80 0000 00000000 00000000"));
        QVERIFY(managed && managed->configures());
        const auto other = ndp::parse(hex("86 00 0000 00 40 0000 00000000 00000000"));
        QVERIFY(other && other->configures());
    }
    void refusesWhatRfc4861SaysToDiscard_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("short solicitation") << hex("85 00 0000 0000");
        QTest::newRow("short advertisement") << hex("86 00 0000 40 00 0708 00000000");
        QTest::newRow("code not 0") << hex("85 01 0000 00000000");
        QTest::newRow("another type") << hex("87 00 0000 00000000");
        // A zero-length option would be walked for ever.
        QTest::newRow("zero-length option") << hex("85 00 0000 00000000 01 00 525400770010");
        QTest::newRow("option past the end") << hex("85 00 0000 00000000 01 02 525400770010");
        QTest::newRow("one byte of option") << hex("85 00 0000 00000000 01");
    }
    void refusesWhatRfc4861SaysToDiscard()
    {
        QFETCH(QByteArray, bytes);
        QVERIFY(!ndp::parse(bytes));
    }
    void theAnswerConfiguresNothing()
    {
        const QByteArray ra = ndp::nonRouterAdvertisement(hex("525400000001"));
        // Type 134; hop limit, flags, router lifetime, reachable and retransmit times all zero; our MAC.
        QCOMPARE(ra, hex("86 00 0000 00 00 0000 00000000 00000000 01 01 525400000001"));
        QCOMPARE(ndp::routerSolicitation(hex("525400000001")), hex("85 00 0000 00000000 01 01 525400000001"));
    }
    void findsTheMacInALinkLocalAddress()
    {
        // fe80::5054:ff:fe77:10 is 52:54:00:77:00:10 (the universal/local bit flipped back).
        QCOMPARE(ndp::macFromLinkLocal(hex("fe800000000000005054 00ff fe77 0010")), hex("525400770010"));
        QVERIFY(!ndp::macFromLinkLocal(hex("fe800000000000000000000000000001")));    // not EUI-64
        QVERIFY(!ndp::macFromLinkLocal(hex("fd770000000000005054 00ff fe77 0010"))); // not link-local
        QVERIFY(!ndp::macFromLinkLocal(hex("fe80")));
    }
};

QTEST_GUILESS_MAIN(TestNdp)
#include "tst_ndp.moc"
