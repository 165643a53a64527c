// Which file a network-booting client is told to load, from what real firmware sends.
#include "servers/dhcp/pxebootfile.h"

#include "hexfixtures.h"

#include <QtEndian>
#include <QtTest>

using namespace metaldesk::dhcp;

namespace {

// A DISCOVER with the options that firmware sends (values as dnsmasq logged them from SeaBIOS with
// its iPXE ROM, OVMF's own PXE and iPXE EFI, booted in QEMU).
Packet firmwareDiscover(std::optional<quint16> architecture, const QByteArray &vendor, bool ipxe)
{
    Packet p;
    p.chaddr = QByteArray::fromHex("525400123401");
    p.setMessageType(MessageType::Discover);
    if (architecture) {
        QByteArray a(2, Qt::Uninitialized);
        qToBigEndian(*architecture, a.data());
        p.options[option::ClientArchitecture] = a;
    }
    if (!vendor.isEmpty())
        p.options[option::VendorClass] = vendor;
    if (ipxe) {
        p.options[option::UserClass] = "iPXE";
        p.options[option::IpxeEncapsulated] = QByteArray::fromHex("1301011501011101011901011a0101");
    }
    return p;
}

BootFile bootFile(const Packet &p)
{
    const BootFileChoice choice = chooseBootFile(p, "10.99.0.1", 5248);
    if (!std::holds_alternative<BootFile>(choice))
        qFatal("expected a boot file");
    return std::get<BootFile>(choice);
}

} // namespace

class TestPxeBootFile : public QObject {
    Q_OBJECT
private slots:
    void givesNothingToOrdinaryDhcpClients();
    void givesBiosPxeUndionly();
    void givesUefiPxeTheSignedShim();
    void givesUefiHttpBootAUrl();
    void sendsIpxeToItsMachinesScript();
    void refusesArchitecturesItCannotBoot();
};

void TestPxeBootFile::givesNothingToOrdinaryDhcpClients()
{
    const auto real = metaldesk::testing::readHexFixtures(QStringLiteral(FIXTURES_DIR "/dhcp-captures.txt"));
    QCOMPARE(real.size(), 3);
    for (const QByteArray &bytes : real) {
        auto parsed = parse(bytes);
        QVERIFY(std::holds_alternative<Packet>(parsed));
        QVERIFY(std::holds_alternative<NotNetworkBoot>(chooseBootFile(std::get<Packet>(parsed), "10.99.0.1", 5248)));
    }
}

void TestPxeBootFile::givesBiosPxeUndionly()
{
    const BootFile f = bootFile(firmwareDiscover(0, "PXEClient:Arch:00000:UNDI:002001", false));
    QCOMPARE(f.filename, QByteArray("undionly.kpxe"));
    QVERIFY(!f.httpClient);
    // Old ROMs send no option 93: the vendor class alone says PXE, and BIOS is the default.
    QCOMPARE(bootFile(firmwareDiscover(std::nullopt, "PXEClient", false)).filename, QByteArray("undionly.kpxe"));
}

void TestPxeBootFile::givesUefiPxeTheSignedShim()
{
    QCOMPARE(bootFile(firmwareDiscover(7, "PXEClient:Arch:00007:UNDI:003000", false)).filename,
             QByteArray("shimx64.efi"));
    QCOMPARE(bootFile(firmwareDiscover(9, "PXEClient:Arch:00009:UNDI:003000", false)).filename,
             QByteArray("shimx64.efi"));
    // In proxy mode the credentials need iPXE's one-time URL: iPXE, not GRUB.
    const BootFileChoice proxy = chooseBootFile(firmwareDiscover(7, "PXEClient:Arch:00007:UNDI:003000", false),
                                                "10.99.0.1", 5248, OneTimeUrl::Yes);
    QCOMPARE(std::get<BootFile>(proxy).filename, QByteArray("snponly.efi"));
}

void TestPxeBootFile::givesUefiHttpBootAUrl()
{
    const BootFile f = bootFile(firmwareDiscover(16, "HTTPClient:Arch:00016:UNDI:003001", false));
    QCOMPARE(f.filename, QByteArray("http://10.99.0.1:5248/snponly.efi"));
    QVERIFY(f.httpClient);
}

void TestPxeBootFile::sendsIpxeToItsMachinesScript()
{
    const QByteArray script = "http://10.99.0.1:5248/boot/52-54-00-12-34-01.ipxe";
    QCOMPARE(bootFile(firmwareDiscover(0, "PXEClient:Arch:00000:UNDI:002001", true)).filename, script);
    QCOMPARE(bootFile(firmwareDiscover(7, "PXEClient:Arch:00007:UNDI:003010", true)).filename, script);
    Packet onlyUserClass = firmwareDiscover(std::nullopt, {}, false);
    onlyUserClass.options[option::UserClass] = QByteArray("\x04iPXE", 5); // the RFC 3004 form
    QCOMPARE(bootFile(onlyUserClass).filename, script);
}

void TestPxeBootFile::refusesArchitecturesItCannotBoot()
{
    const BootFileChoice arm =
        chooseBootFile(firmwareDiscover(11, "PXEClient:Arch:00011:UNDI:003000", false), "10.99.0.1", 5248);
    QVERIFY(std::holds_alternative<UnsupportedArchitecture>(arm));
    QCOMPARE(std::get<UnsupportedArchitecture>(arm).architecture, quint16(11));
}

QTEST_GUILESS_MAIN(TestPxeBootFile)
#include "tst_pxebootfile.moc"
