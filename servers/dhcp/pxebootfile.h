#pragma once

#include "servers/dhcp/dhcppacket.h"

#include <variant>

namespace metaldesk::dhcp {

// What to put in a DHCP answer so that a network-booting machine loads iPXE, and iPXE its
// per-machine script (which the HTTP server gets from the boot decision).
struct BootFile {
    QByteArray filename;     // a TFTP path, or an http:// URL for iPXE and UEFI HTTP boot
    bool httpClient = false; // UEFI HTTP boot: the answer must carry vendor class "HTTPClient"
    bool ipxe = false;       // the client is iPXE (its second stage)
};
struct NotNetworkBoot {}; // an ordinary DHCP client (an installed OS): no boot information
struct UnsupportedArchitecture {
    quint16 architecture; // RFC 4578 option 93 value
};
using BootFileChoice = std::variant<BootFile, NotNetworkBoot, UnsupportedArchitecture>;

// Whether iPXE's script URL carries a one-time ticket (core/boot/boottickets): in proxy mode, where
// no lease tells the boot servers which address is the machine's.
enum class OneTimeUrl {
    No,
    Yes
};

// server: the address clients reach the HTTP boot server at ("10.99.0.1"); httpPort: 5248.
BootFileChoice chooseBootFile(const Packet &request, const QByteArray &server, quint16 httpPort,
                              OneTimeUrl oneTime = OneTimeUrl::No);

// RFC 4578 §2.1 client system architectures that MetalDesk boots (x86 only: Debian's ipxe).
namespace arch {
inline constexpr quint16 X86Bios = 0;
inline constexpr quint16 EfiX64 = 7;
inline constexpr quint16 EfiBc = 9; // EFI byte code; firmware sends it for x86-64 too
inline constexpr quint16 EfiX64Http = 16;
} // namespace arch

} // namespace metaldesk::dhcp
