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

QByteArray ipxeScript(const BootDecision &decision, const QString &macAddress, const Endpoint &endpoint)
{
    QByteArray script = "#!ipxe\n";
    const QByteArray mac = normaliseMacAddress(macAddress).toLatin1();
    if (decision.machine)
        script += "# " + decision.machine->hostname.toUtf8() + " (" + decision.machine->systemId.toLatin1() + ")\n";
    // A deployed machine boots what is on its disk: leaving iPXE hands over to the firmware's next
    // boot device. UEFI firmware does so only when the boot option failed: a success sends it to
    // its boot menu instead (OVMF does), so iPXE leaves with an error there.
    if (decision.purpose == BootPurpose::LocalDisk)
        return script + "echo Booting from the local disk\niseq ${platform} efi && exit 1 || exit\n";
    const QByteArray http =
        "http://" + endpoint.serverAddress.toLatin1() + ':' + QByteArray::number(endpoint.httpPort) + "/environment/";
    const QByteArray metadata = "http://" + endpoint.serverAddress.toLatin1() + ':' +
                                QByteArray::number(endpoint.metadataPort) + "/MAAS/metadata/";
    // Every other purpose runs the built-in environment, which reads what to do from its command line.
    QByteArray line = "kernel " + http + "vmlinuz initrd=initrd.img console=tty0 console=ttyS0,115200";
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
    script += line + '\n';
    script += "initrd " + http + "initrd.img\n";
    script += "boot\n";
    return script;
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
    const QString mac = macFromScriptPath(path);
    if (mac.isEmpty())
        return std::nullopt;
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
        QByteArray script = ipxeScript(*decision, mac, endpoint);
        return Expected<QByteArray>(script.insert(script.indexOf('\n') + 1,
                                                  "# without the machine's credentials: this request came neither "
                                                  "from the address holding its DHCP lease nor by its boot URL\n"));
    }
    return Expected<QByteArray>(ipxeScript(*decision, mac, endpoint));
}

} // namespace metaldesk::boot
