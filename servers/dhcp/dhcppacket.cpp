#include "servers/dhcp/dhcppacket.h"

#include <QtEndian>

namespace metaldesk::dhcp {

namespace {

constexpr qsizetype kFixedSize = 236; // op .. file
constexpr qsizetype kSnameOffset = 44;
constexpr qsizetype kFileOffset = 108;
constexpr qsizetype kOptionsOffset = 240; // after the magic cookie
constexpr quint32 kMagicCookie = 0x63825363;
constexpr qsizetype kMinimumSize = 300;

quint32 read32(QByteArrayView b, qsizetype at) { return qFromBigEndian<quint32>(b.data() + at); }
quint16 read16(QByteArrayView b, qsizetype at) { return qFromBigEndian<quint16>(b.data() + at); }

// Bytes of a fixed-size text field up to its first NUL.
QByteArray field(QByteArrayView b, qsizetype at, qsizetype size)
{
    QByteArrayView view = b.sliced(at, size);
    const qsizetype nul = view.indexOf('\0');
    return (nul < 0 ? view : view.first(nul)).toByteArray();
}

// Reads options from one field into `out`, joining repeated codes (RFC 3396). Returns the
// overload value (option 52) seen in this field, 0 if none.
std::optional<ParseFailure> readOptions(QByteArrayView area, const char *where, std::map<quint8, QByteArray> &out,
                                        quint8 *overload)
{
    qsizetype i = 0;
    while (i < area.size()) {
        const quint8 code = quint8(area[i]);
        if (code == option::Pad) {
            ++i;
            continue;
        }
        if (code == option::End)
            return std::nullopt;
        if (i + 1 >= area.size())
            return ParseFailure{
                ParseError::OptionOverrun,
                QStringLiteral("option %1 in the %2 has no length byte").arg(code).arg(QLatin1String(where))};
        const qsizetype length = quint8(area[i + 1]);
        if (i + 2 + length > area.size())
            return ParseFailure{ParseError::OptionOverrun, QStringLiteral("option %1 in the %2 needs %3 bytes, %4 left")
                                                               .arg(code)
                                                               .arg(QLatin1String(where))
                                                               .arg(length)
                                                               .arg(area.size() - i - 2)};
        const QByteArrayView value = area.sliced(i + 2, length);
        if (code == option::Overload) {
            if (overload) { // honoured only in the options field itself
                if (length != 1 || quint8(value[0]) < 1 || quint8(value[0]) > 3)
                    return ParseFailure{ParseError::BadOverload, QStringLiteral("option 52 must be 1, 2 or 3")};
                *overload = quint8(value[0]);
            }
        } else {
            out[code].append(value.data(), value.size());
        }
        i += 2 + length;
    }
    return std::nullopt; // a missing End is tolerated: several ROMs omit it
}

void appendOption(QByteArray &out, quint8 code, const QByteArray &value)
{
    qsizetype at = 0;
    do { // a zero-length option is still written once
        const qsizetype chunk = qMin<qsizetype>(255, value.size() - at);
        out.append(char(code));
        out.append(char(chunk));
        out.append(value.constData() + at, chunk);
        at += chunk;
    } while (at < value.size());
}

} // namespace

const char *parseErrorName(ParseError error)
{
    switch (error) {
    case ParseError::Truncated: return "truncated";
    case ParseError::BadOp: return "bad op";
    case ParseError::BadHardwareLen: return "bad hardware address length";
    case ParseError::BadCookie: return "bad magic cookie";
    case ParseError::OptionOverrun: return "option overrun";
    case ParseError::BadOverload: return "bad option overload";
    case ParseError::BadMessageType: return "bad message type";
    }
    return "?";
}

std::optional<MessageType> Packet::messageType() const
{
    const auto it = options.find(option::MessageType);
    if (it == options.end() || it->second.size() != 1)
        return std::nullopt;
    const quint8 t = quint8(it->second[0]);
    if (t < 1 || t > 8)
        return std::nullopt;
    return MessageType(t);
}

QByteArray Packet::value(quint8 code) const
{
    const auto it = options.find(code);
    return it == options.end() ? QByteArray() : it->second;
}

std::optional<quint32> Packet::address(quint8 code) const
{
    const QByteArray v = value(code);
    if (v.size() != 4)
        return std::nullopt;
    return qFromBigEndian<quint32>(v.constData());
}

std::optional<quint16> Packet::clientArchitecture() const
{
    const QByteArray v = value(option::ClientArchitecture);
    if (v.size() < 2)
        return std::nullopt;
    return qFromBigEndian<quint16>(v.constData());
}

QString Packet::hardwareAddress() const { return QString::fromLatin1(chaddr.left(hlen).toHex(':')); }

void Packet::setAddress(quint8 code, quint32 address) { setUint32(code, address); }

void Packet::setUint32(quint8 code, quint32 value)
{
    QByteArray bytes(4, Qt::Uninitialized);
    qToBigEndian(value, bytes.data());
    options[code] = bytes;
}

std::variant<Packet, ParseFailure> parse(QByteArrayView bytes)
{
    if (bytes.size() < kOptionsOffset)
        return ParseFailure{
            ParseError::Truncated,
            QStringLiteral("%1 bytes, a DHCP message has at least %2").arg(bytes.size()).arg(kOptionsOffset)};
    Packet p;
    p.op = quint8(bytes[0]);
    if (p.op != BootRequest && p.op != BootReply)
        return ParseFailure{ParseError::BadOp, QStringLiteral("op %1").arg(p.op)};
    p.htype = quint8(bytes[1]);
    p.hlen = quint8(bytes[2]);
    if (p.hlen > 16)
        return ParseFailure{ParseError::BadHardwareLen, QStringLiteral("hlen %1 is more than 16").arg(p.hlen)};
    p.hops = quint8(bytes[3]);
    p.xid = read32(bytes, 4);
    p.secs = read16(bytes, 8);
    p.flags = read16(bytes, 10);
    p.ciaddr = read32(bytes, 12);
    p.yiaddr = read32(bytes, 16);
    p.siaddr = read32(bytes, 20);
    p.giaddr = read32(bytes, 24);
    p.chaddr = bytes.sliced(28, p.hlen).toByteArray();
    if (read32(bytes, kFixedSize) != kMagicCookie)
        return ParseFailure{ParseError::BadCookie,
                            QStringLiteral("cookie %1").arg(read32(bytes, kFixedSize), 8, 16, QLatin1Char('0'))};

    quint8 overload = 0;
    if (auto failed = readOptions(bytes.sliced(kOptionsOffset), "options", p.options, &overload))
        return *failed;
    // RFC 2131 §4.1: with option 52, the file and then the sname field carry more options.
    if (overload & 1) {
        if (auto failed = readOptions(bytes.sliced(kFileOffset, 128), "file field", p.options, nullptr))
            return *failed;
    } else {
        p.file = field(bytes, kFileOffset, 128);
    }
    if (overload & 2) {
        if (auto failed = readOptions(bytes.sliced(kSnameOffset, 64), "sname field", p.options, nullptr))
            return *failed;
    } else {
        p.sname = field(bytes, kSnameOffset, 64);
    }
    if (p.has(option::MessageType) && !p.messageType())
        return ParseFailure{
            ParseError::BadMessageType,
            QStringLiteral("option 53 is %1").arg(QString::fromLatin1(p.value(option::MessageType).toHex()))};
    return p;
}

QByteArray serialize(const Packet &p)
{
    QByteArray out(kOptionsOffset, '\0');
    char *d = out.data();
    d[0] = char(p.op);
    d[1] = char(p.htype);
    d[2] = char(p.hlen);
    d[3] = char(p.hops);
    qToBigEndian(p.xid, d + 4);
    qToBigEndian(p.secs, d + 8);
    qToBigEndian(p.flags, d + 10);
    qToBigEndian(p.ciaddr, d + 12);
    qToBigEndian(p.yiaddr, d + 16);
    qToBigEndian(p.siaddr, d + 20);
    qToBigEndian(p.giaddr, d + 24);
    memcpy(d + 28, p.chaddr.constData(), size_t(qMin<qsizetype>(16, p.chaddr.size())));
    memcpy(d + kSnameOffset, p.sname.constData(), size_t(qMin<qsizetype>(64, p.sname.size())));
    memcpy(d + kFileOffset, p.file.constData(), size_t(qMin<qsizetype>(128, p.file.size())));
    qToBigEndian(kMagicCookie, d + kFixedSize);

    // The message type first: some PXE ROMs look for it there.
    if (const auto it = p.options.find(option::MessageType); it != p.options.end())
        appendOption(out, it->first, it->second);
    for (const auto &[code, value] : p.options)
        if (code != option::MessageType && code != option::Pad && code != option::End)
            appendOption(out, code, value);
    out.append(char(option::End));
    if (out.size() < kMinimumSize)
        out.append(kMinimumSize - out.size(), '\0');
    return out;
}

} // namespace metaldesk::dhcp
