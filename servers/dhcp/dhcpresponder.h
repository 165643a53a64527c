#pragma once

#include "servers/dhcp/dhcppacket.h"
#include "servers/dhcp/leasebook.h"

#include <QList>
#include <QSet>
#include <optional>

namespace metaldesk::dhcp {

// The managed subnet on the boot network. Addresses are IPv4 in host order.
struct Settings {
    quint32 serverAddress = 0; // ours on the boot interface: server identifier and next-server
    quint32 subnetMask = 0;
    quint32 router = 0; // 0: none
    QList<quint32> dnsServers;
    QByteArray domain;
    quint32 rangeFirst = 0; // the dynamic range
    quint32 rangeLast = 0;
    quint32 leaseSeconds = 600;
    quint32 offerHoldSeconds = 30; // how long an OFFER reserves its address
    quint16 httpPort = 5248;
};

// Why a request got no answer; the server counts these.
enum class Silence {
    Handled,         // RELEASE and DECLINE: done, and no answer is due
    NotForUs,        // a REQUEST that selects another server, or a reply packet
    NoMessageType,   // BOOTP without DHCP: not served
    RangeExhausted,  // nothing left to offer
    UnknownLease,    // RELEASE or DECLINE of an address this MAC does not hold
    StoreFailed,     // the lease could not be written: never answer what is not durable
    UnsupportedArch, // a PXE client of an architecture we cannot boot
    NotNetworkBoot,  // proxy mode: an ordinary DHCP client, which the other server serves
};
inline constexpr int SilenceCount = 8;

struct Answer {
    Packet reply;
};
using Outcome = std::variant<Answer, Silence>;

// One DHCP exchange (RFC 2131 §4.3): DISCOVER → OFFER, REQUEST → ACK or NAK, RENEW/REBIND,
// INIT-REBOOT, RELEASE, DECLINE, INFORM; PXE clients also get their boot file. Socket-free, so
// tests drive it with real clients' packets. Leases change in the book; the caller flushes the
// book before it sends any answer.
class Responder {
public:
    Responder(LeaseBook &leases, Settings settings) : leases_(leases), settings_(std::move(settings)) {}
    Outcome respond(const Packet &request, qint64 nowMs);
    const Settings &settings() const { return settings_; }
    // Addresses held without DHCP (deployed machines' static addresses, devices): never offered,
    // and a request for one is refused (security review M6).
    void setStaticAddresses(QSet<quint32> addresses) { static_ = std::move(addresses); }

private:
    Outcome discover(const Packet &request, const QString &mac, qint64 now);
    Outcome request(const Packet &request, const QString &mac, qint64 now);
    Outcome release(const Packet &request, const QString &mac, qint64 now, bool declined);
    Outcome inform(const Packet &request);
    std::optional<quint32> chooseAddress(const Packet &request, const QString &mac, qint64 now);
    bool inRange(quint32 ip) const { return ip >= settings_.rangeFirst && ip <= settings_.rangeLast; }
    bool inSubnet(quint32 ip) const
    {
        return (ip & settings_.subnetMask) == (settings_.serverAddress & settings_.subnetMask);
    }
    Packet replyTo(const Packet &request, MessageType type) const;
    // Adds the PXE boot file when the client network-boots; false for an architecture we cannot boot.
    bool addBootFile(const Packet &request, Packet &reply) const;

    LeaseBook &leases_;
    Settings settings_;
    QSet<quint32> static_;
};

// proxyDHCP (PXE specification 2.1 §2.2.5): where another server gives the addresses, answer only
// network-booting clients, with their boot file and no address. DISCOVERs come to port 67, and
// some PXE ROMs then ask again on port 4011 (REQUEST), which gets an ACK with the same.
class ProxyResponder {
public:
    explicit ProxyResponder(Settings settings) : settings_(std::move(settings)) {}
    Outcome respond(const Packet &request) const;

private:
    Settings settings_;
};

// Where an answer goes (RFC 2131 §4.1): a relay, the client's own address, or broadcast.
struct Destination {
    quint32 address;
    quint16 port;
};
Destination destinationOf(const Packet &request, const Packet &reply);

} // namespace metaldesk::dhcp
