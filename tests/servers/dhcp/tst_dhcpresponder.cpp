// The DHCP exchange over a real database: real clients' DISCOVERs, then the requests that follow.
#include "core/addresses/leasestore.h"
#include "core/runtime/coreservices.h"
#include "hexfixtures.h"
#include "servers/dhcp/dhcpresponder.h"

#include <QSet>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

using namespace metaldesk;
using namespace metaldesk::dhcp;

namespace {

constexpr quint32 ip(int a, int b, int c, int d)
{
    return quint32(a) << 24 | quint32(b) << 16 | quint32(c) << 8 | quint32(d);
}
constexpr qint64 kNow = 1'800'000'000'000;

Settings labSettings()
{
    Settings s;
    s.serverAddress = ip(10, 99, 0, 1);
    s.subnetMask = ip(255, 255, 255, 0);
    s.router = ip(10, 99, 0, 254);
    s.dnsServers = {ip(10, 99, 0, 1)};
    s.domain = "lab.example";
    s.rangeFirst = ip(10, 99, 0, 100);
    s.rangeLast = ip(10, 99, 0, 199);
    s.leaseSeconds = 600;
    return s;
}

Packet request(MessageType type, const QByteArray &mac, const QList<std::pair<quint8, quint32>> &addresses = {})
{
    Packet p;
    p.xid = 0x1234;
    p.chaddr = QByteArray::fromHex(mac);
    p.setMessageType(type);
    for (const auto &[code, address] : addresses)
        p.setAddress(code, address);
    return p;
}

std::optional<Packet> answerOf(const Outcome &o)
{
    if (const Answer *a = std::get_if<Answer>(&o))
        return a->reply;
    return std::nullopt;
}

Silence silenceOf(const Outcome &o)
{
    if (!std::holds_alternative<Silence>(o))
        qFatal("expected no answer");
    return std::get<Silence>(o);
}

} // namespace

class TestDhcpResponder : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void offersRealClientsAnAddressWithTheSubnetsOptions();
    void bindsDurablyOnRequestAndRenews();
    void keepsAMachinesAddressAcrossDiscovers();
    void ignoresRequestsForAnotherServer();
    void answersInitRebootAsRfc2131Says();
    void releasedAddressesGoToOthersDeclinedOnesDoNot();
    void answersInformWithoutAnAddress();
    void neverGivesOneAddressToTwoMachines();
    void neverOffersAnAddressHeldStatically();
    void staysSilentWhenTheRangeIsExhausted();
    void givesPxeClientsTheirBootFile();
    void sendsAnswersWhereRfc2131Says();
    void storesOnlyAPlainClientHostname();

private:
    std::optional<Packet> dora(const QByteArray &mac);
    QTemporaryDir dir_;
    std::unique_ptr<CoreServices> core_;
    // Answers only after the book is flushed, as the server does.
    Outcome respond(const Packet &request, qint64 now)
    {
        Outcome outcome = responder_->respond(request, now);
        if (!book_->flush())
            qFatal("leases not saved");
        return outcome;
    }
    std::unique_ptr<LeaseStore> leases_; // what is durable
    std::unique_ptr<LeaseBook> book_;
    std::unique_ptr<Responder> responder_;
};

void TestDhcpResponder::init()
{
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
    leases_ = std::make_unique<LeaseStore>(core_->db);
    book_ = std::make_unique<LeaseBook>(*leases_);
    QVERIFY(book_->load());
    responder_ = std::make_unique<Responder>(*book_, labSettings());
}

void TestDhcpResponder::cleanup()
{
    responder_.reset();
    book_.reset();
    leases_.reset();
    core_.reset();
    QFile::remove(dir_.filePath(QStringLiteral("md.db")));
}

std::optional<Packet> TestDhcpResponder::dora(const QByteArray &mac)
{
    const auto offer = answerOf(respond(request(MessageType::Discover, mac), kNow));
    if (!offer)
        return std::nullopt;
    return answerOf(
        respond(request(MessageType::Request, mac,
                        {{option::ServerIdentifier, ip(10, 99, 0, 1)}, {option::RequestedAddress, offer->yiaddr}}),
                kNow));
}

void TestDhcpResponder::storesOnlyAPlainClientHostname()
{
    // Option 12 is shown on the Network page and in the log: a name with a terminal escape or a
    // line break is not stored (security review L12), a plain one is.
    for (const auto &[mac, sent, stored] :
         {std::tuple{QByteArray("525400aa0c01"), QByteArray("good-host.lab_1"), QStringLiteral("good-host.lab_1")},
          std::tuple{QByteArray("525400aa0c02"), QByteArray("\x1b[2Jevil\nname"), QString()},
          std::tuple{QByteArray("525400aa0c03"), QByteArray(300, 'a'), QString()}}) {
        Packet discover = request(MessageType::Discover, mac);
        discover.options[option::HostName] = sent;
        const auto offer = answerOf(respond(discover, kNow));
        QVERIFY(offer);
        Packet req = request(MessageType::Request, mac,
                             {{option::ServerIdentifier, ip(10, 99, 0, 1)}, {option::RequestedAddress, offer->yiaddr}});
        req.options[option::HostName] = sent;
        const auto ack = answerOf(respond(req, kNow));
        QVERIFY(ack && ack->messageType() == std::optional<MessageType>(MessageType::Ack));
        auto lease = leases_->forIp(ack->yiaddr);
        QVERIFY(lease && *lease);
        QCOMPARE((*lease)->hostname, stored);
    }
}

void TestDhcpResponder::offersRealClientsAnAddressWithTheSubnetsOptions()
{
    const auto real = testing::readHexFixtures(QStringLiteral(FIXTURES_DIR "/dhcp-captures.txt"));
    QCOMPARE(real.size(), 3);
    for (const QByteArray &bytes : real) {
        const Packet discover = std::get<Packet>(parse(bytes));
        const auto offer = answerOf(respond(discover, kNow));
        QVERIFY(offer);
        QCOMPARE(offer->messageType(), std::optional<MessageType>(MessageType::Offer));
        QCOMPARE(offer->op, BootReply);
        QCOMPARE(offer->xid, discover.xid);
        QCOMPARE(offer->chaddr, discover.chaddr);
        QVERIFY(offer->yiaddr >= ip(10, 99, 0, 100) && offer->yiaddr <= ip(10, 99, 0, 199));
        QCOMPARE(offer->siaddr, ip(10, 99, 0, 1));
        QCOMPARE(offer->address(option::ServerIdentifier), std::optional<quint32>(ip(10, 99, 0, 1)));
        QCOMPARE(offer->address(option::SubnetMask), std::optional<quint32>(ip(255, 255, 255, 0)));
        QCOMPARE(offer->address(option::Router), std::optional<quint32>(ip(10, 99, 0, 254)));
        QCOMPARE(offer->value(option::DomainName), QByteArray("lab.example"));
        QCOMPARE(qFromBigEndian<quint32>(offer->value(option::LeaseTime).constData()), 600u);
        QVERIFY(offer->file.isEmpty()); // an installed OS's client gets no boot file
        // What we send is itself a valid packet.
        QVERIFY(std::holds_alternative<Packet>(parse(serialize(*offer))));
    }
}

void TestDhcpResponder::bindsDurablyOnRequestAndRenews()
{
    const QByteArray mac = "525400aa0001";
    const auto ack = dora(mac);
    QVERIFY(ack);
    QCOMPARE(ack->messageType(), std::optional<MessageType>(MessageType::Ack));
    QCOMPARE(qFromBigEndian<quint32>(ack->value(option::RenewalTime).constData()), 300u);
    QCOMPARE(qFromBigEndian<quint32>(ack->value(option::RebindingTime).constData()), 525u);
    const quint32 address = ack->yiaddr;

    // Durable: another process opening the database sees the bound lease.
    {
        auto other = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
        QVERIFY(other);
        auto lease = LeaseStore((*other)->db).forIp(address);
        QVERIFY(lease && *lease);
        QCOMPARE((*lease)->mac, QStringLiteral("52:54:00:aa:00:01"));
        QCOMPARE((*lease)->state, Lease::State::Bound);
        QCOMPARE((*lease)->expires, kNow + 600'000);
    }
    // RENEWING: unicast with ciaddr, later; the lease runs from then.
    Packet renew = request(MessageType::Request, mac);
    renew.ciaddr = address;
    const auto renewed = answerOf(respond(renew, kNow + 300'000));
    QVERIFY(renewed);
    QCOMPARE(renewed->messageType(), std::optional<MessageType>(MessageType::Ack));
    QCOMPARE(renewed->yiaddr, address);
    QCOMPARE((*leases_->forIp(address))->expires, kNow + 900'000);
    // Another MAC renewing that address is refused.
    Packet thief = request(MessageType::Request, "525400aa0099");
    thief.ciaddr = address;
    QCOMPARE(answerOf(respond(thief, kNow))->messageType(), std::optional<MessageType>(MessageType::Nak));
}

void TestDhcpResponder::keepsAMachinesAddressAcrossDiscovers()
{
    const auto first = dora("525400aa0002");
    QVERIFY(first);
    const auto again = answerOf(respond(request(MessageType::Discover, "525400aa0002"), kNow + 5000));
    QCOMPARE(again->yiaddr, first->yiaddr);
    QCOMPARE((*leases_->forIp(first->yiaddr))->state, Lease::State::Bound); // an offer never downgrades it
}

void TestDhcpResponder::ignoresRequestsForAnotherServer()
{
    QVERIFY(answerOf(respond(request(MessageType::Discover, "525400aa0003"), kNow)));
    const Outcome o = respond(
        request(MessageType::Request, "525400aa0003",
                {{option::ServerIdentifier, ip(192, 168, 1, 1)}, {option::RequestedAddress, ip(192, 168, 1, 50)}}),
        kNow);
    QCOMPARE(silenceOf(o), Silence::NotForUs);
}

void TestDhcpResponder::answersInitRebootAsRfc2131Says()
{
    const auto bound = dora("525400aa0004");
    QVERIFY(bound);
    // Its own address: ACK.
    auto own = answerOf(respond(
        request(MessageType::Request, "525400aa0004", {{option::RequestedAddress, bound->yiaddr}}), kNow + 1000));
    QCOMPARE(own->messageType(), std::optional<MessageType>(MessageType::Ack));
    // An address of another network (the laptop came from home): NAK.
    auto elsewhere = answerOf(respond(
        request(MessageType::Request, "525400aa0004", {{option::RequestedAddress, ip(192, 168, 1, 23)}}), kNow));
    QCOMPARE(elsewhere->messageType(), std::optional<MessageType>(MessageType::Nak));
    // An address of this network we know nothing of: silence.
    QCOMPARE(
        silenceOf(respond(
            request(MessageType::Request, "525400aa0005", {{option::RequestedAddress, ip(10, 99, 0, 150)}}), kNow)),
        Silence::UnknownLease);
    // Somebody else's address: NAK.
    auto taken = answerOf(
        respond(request(MessageType::Request, "525400aa0005", {{option::RequestedAddress, bound->yiaddr}}), kNow));
    QCOMPARE(taken->messageType(), std::optional<MessageType>(MessageType::Nak));
}

void TestDhcpResponder::releasedAddressesGoToOthersDeclinedOnesDoNot()
{
    Settings two = labSettings();
    two.rangeFirst = ip(10, 99, 0, 100);
    two.rangeLast = ip(10, 99, 0, 101);
    responder_ = std::make_unique<Responder>(*book_, two);

    const auto a = dora("525400bb0001");
    QVERIFY(a);
    Packet release = request(MessageType::Release, "525400bb0001", {{option::ServerIdentifier, ip(10, 99, 0, 1)}});
    release.ciaddr = a->yiaddr;
    QCOMPARE(silenceOf(respond(release, kNow + 1000)), Silence::Handled);
    // A release by a MAC that does not hold the address changes nothing.
    QCOMPARE(silenceOf(respond(release, kNow + 1000)), Silence::Handled);
    Packet forged = release;
    forged.chaddr = QByteArray::fromHex("525400bb0009");
    QCOMPARE(silenceOf(respond(forged, kNow)), Silence::UnknownLease);

    const auto b = dora("525400bb0002");
    const auto c = dora("525400bb0003");
    QVERIFY(b && c);
    QVERIFY(b->yiaddr != c->yiaddr); // one of them got the released address

    // DECLINE: the address is in use by something that answered ARP; not offered for a while.
    Packet decline = request(MessageType::Decline, "525400bb0003",
                             {{option::ServerIdentifier, ip(10, 99, 0, 1)}, {option::RequestedAddress, c->yiaddr}});
    QCOMPARE(silenceOf(respond(decline, kNow + 2000)), Silence::Handled);
    QCOMPARE((*leases_->forIp(c->yiaddr))->state, Lease::State::Declined);
    const auto next = answerOf(respond(request(MessageType::Discover, "525400bb0003"), kNow + 3000));
    QVERIFY(!next || next->yiaddr != c->yiaddr);
}

void TestDhcpResponder::answersInformWithoutAnAddress()
{
    Packet inform = request(MessageType::Inform, "525400cc0001");
    inform.ciaddr = ip(10, 99, 0, 42);
    const auto ack = answerOf(respond(inform, kNow));
    QVERIFY(ack);
    QCOMPARE(ack->messageType(), std::optional<MessageType>(MessageType::Ack));
    QCOMPARE(ack->yiaddr, 0u);
    QVERIFY(!ack->has(option::LeaseTime));
    QVERIFY(ack->has(option::SubnetMask));
    QCOMPARE(destinationOf(inform, *ack).address, ip(10, 99, 0, 42));
}

void TestDhcpResponder::neverGivesOneAddressToTwoMachines()
{
    QSet<quint32> given;
    for (int i = 0; i < 60; ++i) {
        const auto ack = dora(QByteArray("525400dd") + QByteArray::number(i, 16).rightJustified(4, '0'));
        QVERIFY(ack);
        QVERIFY2(!given.contains(ack->yiaddr), "an address was given twice");
        given.insert(ack->yiaddr);
    }
}

// A deployed machine's static address, or a device's, inside the dynamic range (the ranges were
// moved, or the user chose it before the check existed): DHCP never hands it out (review M6).
void TestDhcpResponder::neverOffersAnAddressHeldStatically()
{
    const auto before = dora("525400aa0030");
    QVERIFY(before);
    const quint32 held = before->yiaddr;
    responder_->setStaticAddresses({held, ip(10, 99, 0, 150)});
    // The client that had it gets another, also when it asks for it by name.
    const auto offer = answerOf(
        respond(request(MessageType::Discover, "525400aa0030", {{option::RequestedAddress, held}}), kNow + 1000));
    QVERIFY(offer);
    QVERIFY(offer->yiaddr != held);
    QVERIFY(offer->yiaddr != ip(10, 99, 0, 150));
    // Renewing it, or asking for it at reboot, is refused.
    auto renew = answerOf(
        respond(request(MessageType::Request, "525400aa0030", {{option::RequestedAddress, held}}), kNow + 2000));
    QCOMPARE(renew->messageType(), std::optional<MessageType>(MessageType::Nak));
    // A new client asking for the static address gets another one.
    const auto other = answerOf(respond(
        request(MessageType::Discover, "525400aa0031", {{option::RequestedAddress, ip(10, 99, 0, 150)}}), kNow));
    QVERIFY(other && other->yiaddr != ip(10, 99, 0, 150) && other->yiaddr != held);
}

void TestDhcpResponder::staysSilentWhenTheRangeIsExhausted()
{
    Settings one = labSettings();
    one.rangeFirst = one.rangeLast = ip(10, 99, 0, 100);
    responder_ = std::make_unique<Responder>(*book_, one);
    QVERIFY(dora("525400ee0001"));
    QCOMPARE(silenceOf(respond(request(MessageType::Discover, "525400ee0002"), kNow)), Silence::RangeExhausted);
    // Once the lease has expired, the address is free again.
    QVERIFY(answerOf(respond(request(MessageType::Discover, "525400ee0002"), kNow + 601'000)));
}

void TestDhcpResponder::givesPxeClientsTheirBootFile()
{
    Packet bios = request(MessageType::Discover, "525400ff0001");
    bios.options[option::ClientArchitecture] = QByteArray::fromHex("0000");
    bios.options[option::VendorClass] = "PXEClient:Arch:00000:UNDI:002001";
    QCOMPARE(answerOf(respond(bios, kNow))->file, QByteArray("undionly.kpxe"));
    QVERIFY(!answerOf(respond(bios, kNow))->has(option::IpxeEncapsulated)); // iPXE's own option: iPXE only

    Packet ipxe = bios;
    ipxe.options[option::UserClass] = "iPXE";
    const auto ipxeOffer = answerOf(respond(ipxe, kNow));
    QCOMPARE(ipxeOffer->file, QByteArray("http://10.99.0.1:5248/boot/52-54-00-ff-00-01.ipxe"));
    // "no-pxedhcp": iPXE takes this answer at once instead of waiting seconds for a ProxyDHCP offer.
    QCOMPARE(ipxeOffer->value(option::IpxeEncapsulated), QByteArray("\xb0\x01\x01", 3));

    Packet http = request(MessageType::Discover, "525400ff0002");
    http.options[option::ClientArchitecture] = QByteArray::fromHex("0010");
    http.options[option::VendorClass] = "HTTPClient:Arch:00016:UNDI:003001";
    const auto httpOffer = answerOf(respond(http, kNow));
    QCOMPARE(httpOffer->file, QByteArray("http://10.99.0.1:5248/snponly.efi"));
    QCOMPARE(httpOffer->value(option::VendorClass), QByteArray("HTTPClient"));

    Packet arm = request(MessageType::Discover, "525400ff0003");
    arm.options[option::ClientArchitecture] = QByteArray::fromHex("000b");
    arm.options[option::VendorClass] = "PXEClient:Arch:00011:UNDI:003000";
    QCOMPARE(silenceOf(respond(arm, kNow)), Silence::UnsupportedArch);
    QVERIFY(!*leases_->forMac(QStringLiteral("52:54:00:ff:00:03"))); // nothing reserved for it
}

void TestDhcpResponder::sendsAnswersWhereRfc2131Says()
{
    Packet viaRelay = request(MessageType::Discover, "525400110001");
    viaRelay.giaddr = ip(10, 50, 0, 1);
    Packet reply = std::get<Answer>(respond(viaRelay, kNow)).reply;
    QCOMPARE(destinationOf(viaRelay, reply).address, ip(10, 50, 0, 1));
    QCOMPARE(destinationOf(viaRelay, reply).port, quint16(67));
    QCOMPARE(reply.giaddr, ip(10, 50, 0, 1));

    Packet fresh = request(MessageType::Discover, "525400110002");
    fresh.flags = BroadcastFlag;
    reply = std::get<Answer>(respond(fresh, kNow)).reply;
    QCOMPARE(reply.flags, BroadcastFlag);
    QCOMPARE(destinationOf(fresh, reply).address, 0xffffffffu);
    QCOMPARE(destinationOf(fresh, reply).port, quint16(68));

    Packet nak = request(MessageType::Request, "525400110003", {{option::RequestedAddress, ip(192, 168, 1, 5)}});
    nak.ciaddr = 0;
    reply = std::get<Answer>(respond(nak, kNow)).reply;
    QCOMPARE(reply.messageType(), std::optional<MessageType>(MessageType::Nak));
    QCOMPARE(destinationOf(nak, reply).address, 0xffffffffu);
}

QTEST_GUILESS_MAIN(TestDhcpResponder)
#include "tst_dhcpresponder.moc"
