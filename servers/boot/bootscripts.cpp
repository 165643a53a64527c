#include "servers/boot/bootscripts.h"

#include "core/boot/boottickets.h"
#include "core/machines/machine.h"

#include <QDateTime>
#include <QHostAddress>
#include <QLoggingCategory>
#include <atomic>

namespace metaldesk::boot {

namespace {

Q_LOGGING_CATEGORY(lcBootScripts, "metaldesk.boot")

QByteArray purposeName(BootPurpose purpose)
{
    switch (purpose) {
    case BootPurpose::Enlist: return "enlist";
    case BootPurpose::Commission: return "commission";
    case BootPurpose::Deploy: return "deploy";
    case BootPurpose::Release: return "release";
    case BootPurpose::Rescue: return "rescue";
    case BootPurpose::LocalDisk: return "local";
    case BootPurpose::PowerOff: return "poweroff";
    }
    return "poweroff";
}

} // namespace

QByteArray scriptPath(const QString &macAddress)
{
    QByteArray mac = normaliseMacAddress(macAddress).toLatin1();
    mac.replace(':', '-');
    return "boot/" + mac + ".ipxe";
}

QString macFromScriptPath(QStringView path)
{
    if (path.startsWith(u'/'))
        path = path.mid(1);
    static constexpr QStringView prefix = u"boot/";
    static constexpr QStringView suffix = u".ipxe";
    if (!path.startsWith(prefix) || !path.endsWith(suffix))
        return {};
    const QStringView mac = path.mid(prefix.size(), path.size() - prefix.size() - suffix.size());
    // Only the dashed form the DHCP server hands out: "52-54-00-ab-cd-ef".
    if (mac.size() != 17 || mac.contains(u':') || mac.contains(u'/'))
        return {};
    return normaliseMacAddress(mac.toString());
}

namespace {

// The built-in environment's kernel command line: every purpose but the local disk runs it, and
// it reads what to do from here. `extra` goes first (iPXE's "initrd=initrd.img").
QByteArray environmentCommandLine(const BootDecision &decision, const QByteArray &mac, const Endpoint &endpoint,
                                  const QByteArray &extra)
{
    const QByteArray metadata = "http://" + endpoint.serverAddress.toLatin1() + ':' +
                                QByteArray::number(endpoint.metadataPort) + "/MAAS/metadata/";
    QByteArray line = extra + "console=tty0 console=ttyS0,115200";
    const bool carriesToken = decision.purpose != BootPurpose::Enlist && decision.purpose != BootPurpose::PowerOff &&
                              !decision.token.isEmpty();
    // With the node's credential on it, `quiet` keeps the kernel from printing its command line on
    // the console (a serial log may be kept elsewhere). Without, the line is left for the console.
    if (carriesToken)
        line += " quiet";
    line += " metaldesk.purpose=" + purposeName(decision.purpose) + " metaldesk.mac=" + mac +
            " metaldesk.metadata=" + metadata;
    if (carriesToken)
        line += " metaldesk.token=" + decision.token.toLatin1();
    if (decision.purpose == BootPurpose::Release)
        line += " metaldesk.erase=" + (decision.erase.isEmpty() ? QByteArray("none") : decision.erase.toLatin1());
    return line;
}

QByteArray machineComment(const BootDecision &decision)
{
    if (!decision.machine)
        return {};
    return "# " + decision.machine->hostname.toUtf8() + " (" + decision.machine->systemId.toLatin1() + ")\n";
}

const QString kGrubConfigPrefix = QStringLiteral("grub/grub.cfg-");

// GRUB commands that start the installed system's own loader, found on the disks (through shim's
// verification under Secure Boot), so that the firmware's boot order is not walked again.
const char kGrubBootLocalDisk[] =
    "for loader in /EFI/debian/shimx64.efi /EFI/ubuntu/shimx64.efi /EFI/BOOT/BOOTX64.EFI; do\n"
    "  if search --no-floppy --set=root --file $loader; then\n"
    "    chainloader $loader\n"
    "    boot\n"
    "  fi\n"
    "done\n"
    "echo 'No bootloader was found on the local disks'\n"
    "exit 1\n";

} // namespace

QByteArray ipxeScript(const BootDecision &decision, const QString &macAddress, const Endpoint &endpoint)
{
    QByteArray script = "#!ipxe\n" + machineComment(decision);
    // A deployed machine boots what is on its disk: leaving iPXE hands over to the firmware's next
    // boot device. UEFI firmware does so only when the boot option failed: a success sends it to
    // its boot menu instead (OVMF does), so iPXE leaves with an error there.
    if (decision.purpose == BootPurpose::LocalDisk)
        return script + "echo Booting from the local disk\niseq ${platform} efi && exit 1 || exit\n";
    const QByteArray http =
        "http://" + endpoint.serverAddress.toLatin1() + ':' + QByteArray::number(endpoint.httpPort) + "/environment/";
    const QByteArray mac = normaliseMacAddress(macAddress).toLatin1();
    script +=
        "kernel " + http + "vmlinuz " + environmentCommandLine(decision, mac, endpoint, "initrd=initrd.img ") + '\n';
    script += "initrd " + http + "initrd.img\n";
    script += "boot\n";
    return script;
}

QByteArray grubRootConfig()
{
    return QByteArray("# MetalDesk: each machine boots what its own configuration says, decided when it asks.\n"
                      "set timeout=0\n"
                      "configfile $prefix/grub.cfg-${net_default_mac}\n"
                      "echo \"MetalDesk did not answer for ${net_default_mac}: booting from the local disk\"\n") +
           kGrubBootLocalDisk;
}

QByteArray grubConfigPath(const QString &macAddress)
{
    return (kGrubConfigPrefix + normaliseMacAddress(macAddress)).toLatin1();
}

QString macFromGrubConfigPath(QStringView path)
{
    if (path.startsWith(u'/'))
        path = path.mid(1);
    if (!path.startsWith(kGrubConfigPrefix))
        return {};
    const QStringView mac = path.mid(kGrubConfigPrefix.size());
    // Only the form GRUB's ${net_default_mac} takes: "52:54:00:ab:cd:ef".
    if (mac.size() != 17 || mac.contains(u'-') || mac.contains(u'/'))
        return {};
    return normaliseMacAddress(mac.toString());
}

QByteArray grubConfig(const BootDecision &decision, const QString &macAddress, const Endpoint &endpoint)
{
    QByteArray config = "# MetalDesk\n" + machineComment(decision) + "set timeout=0\n";
    if (decision.purpose == BootPurpose::LocalDisk)
        return config + "echo 'Booting from the local disk'\n" + kGrubBootLocalDisk;
    // Over TFTP from where GRUB came ($root): Debian's signed network GRUB has no HTTP (its module
    // list holds tftp only), and under Secure Boot it loads no module that is not built in.
    const QByteArray mac = normaliseMacAddress(macAddress).toLatin1();
    config += "echo 'Loading the MetalDesk boot environment'\n";
    config += "linux /environment/vmlinuz " + environmentCommandLine(decision, mac, endpoint, {}) + '\n';
    config += "initrd /environment/initrd.img\n";
    config += "boot\n";
    return config;
}

bool GeneratedFiles::isTheMachine(const QString &mac, const Endpoint &endpoint) const
{
    // A mode that cannot be read counts as proxy: then only a ticket lets the credential through.
    const auto mode =
        leases_ && endpoint.clientAddress ? config_.value(setting::DhcpMode) : Expected<QString>(QString());
    if (leases_ && endpoint.clientAddress && mode && *mode != QLatin1String("proxy")) {
        // In any segment: this instance's boot network is one of them (M8).
        if (auto holds = leases_->holdsBound(mac, endpoint.clientAddress, QDateTime::currentMSecsSinceEpoch());
            holds && *holds)
            return true;
    }
    return boottickets::redeem(mac, endpoint.ticket);
}

std::optional<Expected<QByteArray>> GeneratedFiles::lookup(QStringView path, const Endpoint &endpoint) const
{
    if (path == u"grub/grub.cfg" || path == u"/grub/grub.cfg")
        return Expected<QByteArray>(grubRootConfig());
    const QString grubMac = macFromGrubConfigPath(path);
    const QString mac = grubMac.isEmpty() ? macFromScriptPath(path) : grubMac;
    if (mac.isEmpty())
        return std::nullopt;
    const auto render = grubMac.isEmpty() ? ipxeScript : grubConfig;
    auto decision = decider_.decide(mac);
    if (!decision)
        return Expected<QByteArray>(decision.error());
    if (!decision->token.isEmpty() && !isTheMachine(mac, endpoint)) {
        decision->token.clear();
        // Logged once per hundred: someone asking over and over must not flood the log.
        static std::atomic<quint64> withheld{0};
        if (withheld++ % 100 == 0)
            qCWarning(lcBootScripts).noquote() << "the boot script of" << mac << "went without its credentials to"
                                               << QHostAddress(endpoint.clientAddress).toString()
                                               << ": not the address holding its DHCP lease, and no one-time boot URL";
        QByteArray script = render(*decision, mac, endpoint);
        return Expected<QByteArray>(script.insert(script.indexOf('\n') + 1,
                                                  "# without the machine's credentials: this request came neither "
                                                  "from the address holding its DHCP lease nor by its boot URL\n"));
    }
    return Expected<QByteArray>(render(*decision, mac, endpoint));
}

} // namespace metaldesk::boot
