#include "servers/dhcp/dhcpresponder.h"

#include "servers/dhcp/pxebootfile.h"

#include "core/machines/machine.h"

#include <QHostAddress>
#include <QtEndian>
#include <cctype>

namespace metaldesk::dhcp {

namespace {
constexpr quint32 kBroadcast = 0xffffffff;
constexpr quint32 kDeclinedHoldSeconds = 3600; // an address someone else answered ARP for

QString macOf(const Packet &p)
{
    const QString mac = normaliseMacAddress(p.hardwareAddress());
    return mac.isEmpty() ? p.hardwareAddress() : mac;
}

// The host name a client sends (option 12), when it is one: letters, digits, '-', '_' and '.', at
// most 253 characters. Anything else (control characters, escapes for a terminal) is not stored:
// the Network page and the log show it (security review L12).
std::optional<QString> clientHostname(const Packet &p)
{
    if (!p.has(option::HostName))
        return std::nullopt;
    const QByteArray name = p.value(option::HostName);
    if (name.isEmpty() || name.size() > 253)
        return QString();
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return QString();
    return QString::fromLatin1(name);
}
} // namespace

Outcome Responder::respond(const Packet &request, qint64 now)
{
    if (request.op != BootRequest)
        return Silence::NotForUs;
    const auto type = request.messageType();
    if (!type)
        return Silence::NoMessageType;
    const QString mac = macOf(request);
    switch (*type) {
    case MessageType::Discover: return discover(request, mac, now);
    case MessageType::Request: return this->request(request, mac, now);
    case MessageType::Release: return release(request, mac, now, false);
    case MessageType::Decline: return release(request, mac, now, true);
    case MessageType::Inform: return inform(request);
    default: return Silence::NotForUs; // OFFER, ACK, NAK come from servers
    }
}

std::optional<quint32> Responder::chooseAddress(const Packet &request, const QString &mac, qint64 now)
{
    // The address this machine had before, so that it keeps its address across reboots.
    if (const auto previous = leases_.forMac(mac); previous && inRange(previous->ip) &&
                                                   previous->state != Lease::State::Declined &&
                                                   !static_.contains(previous->ip))
        return previous->ip;
    // Taken: held by another MAC, declined (in use by something else, whoever declined it), or
    // held statically.
    auto isFree = [&](quint32 ip) {
        if (ip == settings_.serverAddress || ip == settings_.router || static_.contains(ip))
            return false;
        const auto lease = leases_.forIp(ip);
        return !lease || !lease->holds(now) || (lease->mac == mac && lease->state != Lease::State::Declined);
    };
    if (const auto wanted = request.address(option::RequestedAddress); wanted && inRange(*wanted) && isFree(*wanted))
        return *wanted;
    return leases_.findFree(settings_.rangeFirst, settings_.rangeLast, isFree);
}

Outcome Responder::discover(const Packet &request, const QString &mac, qint64 now)
{
    Packet offer = replyTo(request, MessageType::Offer);
    if (!addBootFile(request, offer))
        return Silence::UnsupportedArch;
    const auto ip = chooseAddress(request, mac, now);
    if (!ip)
        return Silence::RangeExhausted;
    const auto existing = leases_.forIp(*ip);
    // A bound lease stays bound; anything else is reserved for a short while by this offer.
    if (!existing || existing->mac != mac || existing->state != Lease::State::Bound || !existing->holds(now))
        leases_.hold(Lease{*ip, mac, clientHostname(request).value_or(QString()), Lease::State::Offered,
                           now + qint64(settings_.offerHoldSeconds) * 1000});
    offer.yiaddr = *ip;
    offer.setUint32(option::LeaseTime, settings_.leaseSeconds);
    return Answer{offer};
}

Outcome Responder::request(const Packet &request, const QString &mac, qint64 now)
{
    const auto serverId = request.address(option::ServerIdentifier);
    if (serverId && *serverId != settings_.serverAddress)
        return Silence::NotForUs; // the client chose another server's offer

    quint32 ip = 0;
    if (serverId) // SELECTING: the address we offered
        ip = request.address(option::RequestedAddress).value_or(0);
    else if (request.ciaddr) // RENEWING or REBINDING: the address in use
        ip = request.ciaddr;
    else { // INIT-REBOOT: a remembered address
        ip = request.address(option::RequestedAddress).value_or(0);
        if (!inSubnet(ip))
            return Answer{replyTo(request, MessageType::Nak)}; // moved to another network
    }
    const auto lease = leases_.forIp(ip);
    if (!lease) {
        // RFC 2131 §4.3.2: with no record of the client, stay silent, except when selecting us.
        if (serverId)
            return Answer{replyTo(request, MessageType::Nak)};
        return Silence::UnknownLease;
    }
    const bool ours = lease->mac == mac && lease->state != Lease::State::Declined;
    if (!ours || !inRange(ip) || static_.contains(ip) || (serverId && !lease->holds(now)))
        return Answer{replyTo(request, MessageType::Nak)};

    const QString hostname = clientHostname(request).value_or(lease->hostname);
    Packet ack = replyTo(request, MessageType::Ack);
    if (!addBootFile(request, ack))
        return Silence::UnsupportedArch;
    // Queued for the store: the caller flushes it before the ACK leaves.
    leases_.record(Lease{ip, mac, hostname, Lease::State::Bound, now + qint64(settings_.leaseSeconds) * 1000});
    ack.yiaddr = ip;
    ack.ciaddr = request.ciaddr;
    ack.setUint32(option::LeaseTime, settings_.leaseSeconds);
    ack.setUint32(option::RenewalTime, settings_.leaseSeconds / 2);
    ack.setUint32(option::RebindingTime, settings_.leaseSeconds / 8 * 7);
    return Answer{ack};
}

Outcome Responder::release(const Packet &request, const QString &mac, qint64 now, bool declined)
{
    const quint32 ip = declined ? request.address(option::RequestedAddress).value_or(0) : request.ciaddr;
    const auto lease = leases_.forIp(ip);
    if (!lease || lease->mac != mac)
        return Silence::UnknownLease;
    Lease updated = *lease;
    updated.state = declined ? Lease::State::Declined : Lease::State::Released;
    updated.expires = declined ? now + qint64(kDeclinedHoldSeconds) * 1000 : now;
    leases_.record(updated);
    return Silence::Handled;
}

Outcome Responder::inform(const Packet &request)
{
    Packet ack = replyTo(request, MessageType::Ack);
    ack.ciaddr = request.ciaddr;
    // RFC 2131 §4.3.5: configuration only; no address, no lease time.
    return Answer{ack};
}

Packet Responder::replyTo(const Packet &request, MessageType type) const
{
    Packet reply;
    reply.op = BootReply;
    reply.htype = request.htype;
    reply.hlen = request.hlen;
    reply.xid = request.xid;
    reply.flags = request.flags;
    reply.giaddr = request.giaddr;
    reply.chaddr = request.chaddr;
    reply.setMessageType(type);
    reply.setAddress(option::ServerIdentifier, settings_.serverAddress);
    if (type == MessageType::Nak)
        return reply;
    reply.siaddr = settings_.serverAddress; // next-server: where TFTP boot files come from
    reply.setAddress(option::SubnetMask, settings_.subnetMask);
    if (settings_.router)
        reply.setAddress(option::Router, settings_.router);
    if (!settings_.dnsServers.isEmpty()) {
        QByteArray dns;
        for (quint32 server : settings_.dnsServers) {
            char bytes[4];
            qToBigEndian(server, bytes);
            dns.append(bytes, 4);
        }
        reply.options[option::DomainNameServer] = dns;
    }
    if (!settings_.domain.isEmpty())
        reply.options[option::DomainName] = settings_.domain;
    return reply;
}

bool Responder::addBootFile(const Packet &request, Packet &reply) const
{
    const QByteArray server = QHostAddress(settings_.serverAddress).toString().toLatin1();
    const BootFileChoice choice = chooseBootFile(request, server, settings_.httpPort);
    if (std::holds_alternative<UnsupportedArchitecture>(choice))
        return false;
    if (const BootFile *file = std::get_if<BootFile>(&choice)) {
        reply.file = file->filename;
        if (file->httpClient)
            reply.options[option::VendorClass] = "HTTPClient";
        // iPXE's "no-pxedhcp" (175.176 = 1): this answer is complete, so iPXE need not wait for a
        // ProxyDHCP offer, which costs it seconds at every boot. Managed mode only: in proxy mode
        // the ProxyDHCP offer is ours.
        if (file->ipxe)
            reply.options[option::IpxeEncapsulated] = QByteArray("\xb0\x01\x01", 3);
    }
    return true;
}

Outcome ProxyResponder::respond(const Packet &request) const
{
    if (request.op != BootRequest)
        return Silence::NotForUs;
    const auto type = request.messageType();
    if (type != MessageType::Discover && type != MessageType::Request)
        return Silence::NotForUs;
    if (const auto serverId = request.address(option::ServerIdentifier);
        serverId && *serverId != settings_.serverAddress)
        return Silence::NotForUs; // a REQUEST to the server that gives the address
    const QByteArray server = QHostAddress(settings_.serverAddress).toString().toLatin1();
    // MetalDesk holds no lease to know the machine by: its script's URL is a one-time one.
    const BootFileChoice choice = chooseBootFile(request, server, settings_.httpPort, OneTimeUrl::Yes);
    if (std::holds_alternative<NotNetworkBoot>(choice))
        return Silence::NotNetworkBoot;
    if (std::holds_alternative<UnsupportedArchitecture>(choice))
        return Silence::UnsupportedArch;
    const BootFile &file = std::get<BootFile>(choice);
    Packet reply;
    reply.op = BootReply;
    reply.htype = request.htype;
    reply.hlen = request.hlen;
    reply.xid = request.xid;
    reply.flags = request.flags;
    reply.giaddr = request.giaddr;
    reply.chaddr = request.chaddr;
    reply.ciaddr = request.ciaddr;
    reply.siaddr = settings_.serverAddress; // no yiaddr: the address comes from the other server
    reply.file = file.filename;
    reply.setMessageType(type == MessageType::Discover ? MessageType::Offer : MessageType::Ack);
    reply.setAddress(option::ServerIdentifier, settings_.serverAddress);
    // A PXE client takes an answer as proxyDHCP by this vendor class; firmware doing UEFI HTTP boot
    // wants "HTTPClient" instead.
    reply.options[option::VendorClass] = file.httpClient ? QByteArray("HTTPClient") : QByteArray("PXEClient");
    // PXE_DISCOVERY_CONTROL = 8: download the boot file named here, with no boot server discovery or menu.
    reply.options[option::VendorSpecific] = QByteArray("\x06\x01\x08\xff", 4);
    if (request.has(option::ClientMachineId)) // the PXE spec: clients match answers by their UUID
        reply.options[option::ClientMachineId] = request.value(option::ClientMachineId);
    return Answer{reply};
}

Destination destinationOf(const Packet &request, const Packet &reply)
{
    if (request.giaddr)
        return {request.giaddr, 67};
    if (reply.messageType() == MessageType::Nak)
        return {kBroadcast, 68};
    if (request.ciaddr)
        return {request.ciaddr, 68};
    // A client without an address can only be reached by unicast with a hand-made ARP entry
    // (raw sockets); broadcast on the boot interface reaches it without privileges beyond port 67.
    return {kBroadcast, 68};
}

} // namespace metaldesk::dhcp
