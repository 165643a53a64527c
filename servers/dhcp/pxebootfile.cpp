#include "servers/dhcp/pxebootfile.h"

#include "core/boot/boottickets.h"
#include "core/machines/machine.h"
#include "servers/boot/bootscripts.h"

namespace metaldesk::dhcp {

namespace {

// iPXE sends user class "iPXE" (not in RFC 3004's length-prefixed form) and its own option 175.
bool isIpxe(const Packet &p)
{
    const QByteArray userClass = p.value(option::UserClass);
    return userClass == "iPXE" || userClass == QByteArray("\x04iPXE", 5) || p.has(option::IpxeEncapsulated);
}

} // namespace

BootFileChoice chooseBootFile(const Packet &request, const QByteArray &server, quint16 httpPort, OneTimeUrl oneTime)
{
    const QByteArray vendor = request.value(option::VendorClass);
    const std::optional<quint16> architecture = request.clientArchitecture();
    const bool pxe = vendor.startsWith("PXEClient") || vendor.startsWith("HTTPClient") || architecture.has_value();
    if (!pxe && !isIpxe(request))
        return NotNetworkBoot{};
    const QByteArray base = "http://" + server + ':' + QByteArray::number(httpPort) + '/';
    // Second stage: iPXE is running and fetches this machine's script over HTTP.
    if (isIpxe(request)) {
        QByteArray url = base + boot::scriptPath(request.hardwareAddress());
        if (oneTime == OneTimeUrl::Yes)
            url += "?ticket=" + boottickets::issue(normaliseMacAddress(request.hardwareAddress()));
        return BootFile{url, false, true};
    }
    switch (architecture.value_or(arch::X86Bios)) {
    case arch::X86Bios: return BootFile{"undionly.kpxe", false};
    case arch::EfiX64:
    case arch::EfiBc:
        // Debian's shim, signed by Microsoft, then its network GRUB, which reads this machine's
        // configuration (bootscripts.h): it boots with Secure Boot on or off. In proxy mode the
        // credentials travel only in a one-time URL, which iPXE carries and GRUB cannot: iPXE
        // there (snponly.efi drives the NIC through the firmware's own driver, wherever UEFI PXE works).
        if (oneTime == OneTimeUrl::Yes)
            return BootFile{"snponly.efi", false};
        return BootFile{"shimx64.efi", false};
    case arch::EfiX64Http: return BootFile{base + "snponly.efi", true};
    default: return UnsupportedArchitecture{*architecture};
    }
}

} // namespace metaldesk::dhcp
