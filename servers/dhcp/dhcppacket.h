#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <map>
#include <optional>
#include <variant>

namespace metaldesk::dhcp {

// DHCP message types (option 53, RFC 2132 §9.6).
enum class MessageType : quint8 {
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
};

// The option codes MetalDesk reads or writes (RFC 2132, 3046, 4578, 3004).
namespace option {
inline constexpr quint8 Pad = 0;
inline constexpr quint8 SubnetMask = 1;
inline constexpr quint8 Router = 3;
inline constexpr quint8 DomainNameServer = 6;
inline constexpr quint8 HostName = 12;
inline constexpr quint8 DomainName = 15;
inline constexpr quint8 VendorSpecific = 43;
inline constexpr quint8 BroadcastAddress = 28;
inline constexpr quint8 RequestedAddress = 50;
inline constexpr quint8 LeaseTime = 51;
inline constexpr quint8 Overload = 52;
inline constexpr quint8 MessageType = 53;
inline constexpr quint8 ServerIdentifier = 54;
inline constexpr quint8 ParameterRequestList = 55;
inline constexpr quint8 Message = 56;
inline constexpr quint8 MaxMessageSize = 57;
inline constexpr quint8 RenewalTime = 58;
inline constexpr quint8 RebindingTime = 59;
inline constexpr quint8 VendorClass = 60;
inline constexpr quint8 ClientIdentifier = 61;
inline constexpr quint8 TftpServerName = 66;
inline constexpr quint8 BootfileName = 67;
inline constexpr quint8 UserClass = 77;
inline constexpr quint8 RelayAgentInformation = 82;
inline constexpr quint8 ClientArchitecture = 93;
inline constexpr quint8 ClientNetworkInterface = 94;
inline constexpr quint8 ClientMachineId = 97;
inline constexpr quint8 IpxeEncapsulated = 175;
inline constexpr quint8 End = 255;
} // namespace option

inline constexpr quint8 BootRequest = 1;
inline constexpr quint8 BootReply = 2;
inline constexpr quint16 BroadcastFlag = 0x8000;

// One BOOTP/DHCP message (RFC 2131 §2). Addresses are host-order IPv4; options are kept by
// code with their bytes (an option split over several instances, RFC 3396, is joined).
struct Packet {
    quint8 op = BootRequest;
    quint8 htype = 1; // Ethernet
    quint8 hlen = 6;
    quint8 hops = 0;
    quint32 xid = 0;
    quint16 secs = 0;
    quint16 flags = 0;
    quint32 ciaddr = 0;
    quint32 yiaddr = 0;
    quint32 siaddr = 0;
    quint32 giaddr = 0;
    QByteArray chaddr; // hlen bytes
    QByteArray sname;  // up to 64 bytes, without the trailing zeros
    QByteArray file;   // up to 128 bytes, without the trailing zeros
    std::map<quint8, QByteArray> options;

    std::optional<dhcp::MessageType> messageType() const;
    bool has(quint8 code) const { return options.count(code) != 0; }
    QByteArray value(quint8 code) const;
    std::optional<quint32> address(quint8 code) const; // a 4-byte option as an address
    std::optional<quint16> clientArchitecture() const; // option 93, first entry
    // "52:54:00:12:34:56" for Ethernet; hex bytes joined by ':' for other hardware.
    QString hardwareAddress() const;

    void setMessageType(dhcp::MessageType type) { options[option::MessageType] = QByteArray(1, char(type)); }
    void setAddress(quint8 code, quint32 address);
    void setUint32(quint8 code, quint32 value);
};

// Why a packet was dropped: the servers count drops by reason.
enum class ParseError {
    Truncated,      // shorter than the fixed header and magic cookie
    BadOp,          // op is neither BOOTREQUEST nor BOOTREPLY
    BadHardwareLen, // hlen > 16
    BadCookie,      // not the DHCP magic cookie
    OptionOverrun,  // an option's length runs past the end of its field
    BadOverload,    // option 52 with a value other than 1, 2 or 3, or of the wrong length
    BadMessageType, // option 53 present with a length other than 1 or an unknown type
};
inline constexpr int ParseErrorCount = 7;
const char *parseErrorName(ParseError error);

struct ParseFailure {
    ParseError error;
    QString detail; // for the log, e.g. "option 55 needs 13 bytes, 4 left"
};

// A pure function over the bytes of one UDP payload: safe on any input.
std::variant<Packet, ParseFailure> parse(QByteArrayView bytes);

// The wire form: options in code order after the message type, long ones split (RFC 3396),
// End, then zero padding to BOOTP's 300-byte minimum that old PXE ROMs expect.
QByteArray serialize(const Packet &packet);

} // namespace metaldesk::dhcp
