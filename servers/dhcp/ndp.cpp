#include "servers/dhcp/ndp.h"

namespace metaldesk::dhcp::ndp {

namespace {

constexpr quint8 kSourceLinkLayerOption = 1;
constexpr quint8 kPrefixOption = 3;
constexpr qsizetype kSolicitationFixed = 8;   // type, code, checksum, reserved
constexpr qsizetype kAdvertisementFixed = 16; // and hop limit, flags, lifetime, reachable, retransmit

QByteArray withSourceLinkLayer(QByteArray message, QByteArrayView mac)
{
    if (mac.size() != 6)
        return message;
    message.append(char(kSourceLinkLayerOption));
    message.append(char(1)); // in units of 8 bytes
    message.append(mac.data(), mac.size());
    return message;
}

} // namespace

std::optional<Message> parse(QByteArrayView icmp)
{
    if (icmp.size() < kSolicitationFixed || icmp[1] != 0)
        return std::nullopt;
    Message m;
    m.type = quint8(icmp[0]);
    qsizetype offset = 0;
    if (m.type == RouterSolicitation) {
        offset = kSolicitationFixed;
    } else if (m.type == RouterAdvertisement) {
        if (icmp.size() < kAdvertisementFixed)
            return std::nullopt;
        m.flags = quint8(icmp[5]);
        m.routerLifetime = quint16(quint8(icmp[6]) << 8 | quint8(icmp[7]));
        offset = kAdvertisementFixed;
    } else {
        return std::nullopt;
    }
    while (offset < icmp.size()) {
        if (icmp.size() - offset < 2)
            return std::nullopt;
        const quint8 type = quint8(icmp[offset]);
        const qsizetype length = qsizetype(quint8(icmp[offset + 1])) * 8;
        if (length == 0 || length > icmp.size() - offset)
            return std::nullopt; // a zero length would never end (RFC 4861 §4.6: discard)
        if (type == kSourceLinkLayerOption && length == 8)
            m.sourceLinkLayer = icmp.sliced(offset + 2, 6).toByteArray();
        else if (type == kPrefixOption && m.type == RouterAdvertisement)
            m.hasPrefix = true;
        offset += length;
    }
    return m;
}

std::optional<QByteArray> macFromLinkLocal(QByteArrayView a)
{
    // fe80::/64, then the MAC's first three bytes with the universal/local bit flipped, ff:fe, the rest.
    if (a.size() != 16 || quint8(a[0]) != 0xfe || (quint8(a[1]) & 0xc0) != 0x80 || quint8(a[11]) != 0xff ||
        quint8(a[12]) != 0xfe)
        return std::nullopt;
    QByteArray mac = a.sliced(8, 3).toByteArray() + a.sliced(13, 3).toByteArray();
    mac[0] = char(mac[0] ^ 0x02);
    return mac;
}

QByteArray nonRouterAdvertisement(QByteArrayView ourMac)
{
    // Every field zero: hop limit unspecified, no flags, router lifetime 0, reachable and retransmit
    // times unspecified. A client's IPv6 autoconfiguration ends with it and has nothing to apply.
    QByteArray ra(kAdvertisementFixed, '\0');
    ra[0] = char(RouterAdvertisement);
    return withSourceLinkLayer(ra, ourMac);
}

QByteArray routerSolicitation(QByteArrayView ourMac)
{
    QByteArray rs(kSolicitationFixed, '\0');
    rs[0] = char(RouterSolicitation);
    return withSourceLinkLayer(rs, ourMac);
}

} // namespace metaldesk::dhcp::ndp
