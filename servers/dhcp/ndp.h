#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <optional>

// The two IPv6 Neighbor Discovery messages (RFC 4861 §4.1, §4.2) that end a network-booting
// client's wait for an IPv6 router: parsed from untrusted bytes, and built. Socket-free.
namespace metaldesk::dhcp::ndp {

inline constexpr quint8 RouterSolicitation = 133;
inline constexpr quint8 RouterAdvertisement = 134;
inline constexpr quint8 ManagedFlag = 0x80; // M: addresses from DHCPv6
inline constexpr quint8 OtherFlag = 0x40;   // O: other settings from DHCPv6

struct Message {
    quint8 type = 0;
    QByteArray sourceLinkLayer; // the source link-layer address option (a MAC), or empty
    // Router advertisements only:
    quint8 flags = 0;
    quint16 routerLifetime = 0; // seconds; 0: not a default router
    bool hasPrefix = false;     // carries a prefix information option

    // Whether an advertisement configures anything on the clients that hear it: a default route,
    // a prefix or DHCPv6. MetalDesk's own answer configures nothing, so another MetalDesk's answer
    // is not taken for a router.
    bool configures() const { return routerLifetime != 0 || hasPrefix || (flags & (ManagedFlag | OtherFlag)); }
};

// A router solicitation or advertisement whose fixed part, code and options are valid (RFC 4861
// §6.1: code 0, every option with a non-zero length inside the message); anything else, nullopt.
// `icmp` starts at the ICMPv6 type; the hop limit and checksum are the caller's and the kernel's.
std::optional<Message> parse(QByteArrayView icmp);

// The MAC a link-local address was made from (modified EUI-64, RFC 4291 appendix A), if it was.
std::optional<QByteArray> macFromLinkLocal(QByteArrayView address16);

// A router advertisement that ends a client's wait and configures nothing: router lifetime 0 (not a
// default router), no prefixes, no M or O flag, no hop limit, reachable time or MTU; only our MAC.
QByteArray nonRouterAdvertisement(QByteArrayView ourMac);

// A router solicitation from us with our MAC, to find the routers on the link when we start.
QByteArray routerSolicitation(QByteArrayView ourMac);

} // namespace metaldesk::dhcp::ndp
