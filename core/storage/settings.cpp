#include "core/storage/settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QHostAddress>

namespace metaldesk {

namespace {

struct SettingsText {
    Q_DECLARE_TR_FUNCTIONS(Settings)
};

using Kind = SettingSpec::Kind;

bool isIpv4(const QString &text)
{
    QHostAddress a;
    return a.setAddress(text.trimmed()) && a.protocol() == QAbstractSocket::IPv4Protocol &&
           text.trimmed().count(QLatin1Char('.')) == 3;
}

} // namespace

// The table, made once on first use (no static initialisation order to care about).
std::span<const SettingSpec> allSettings()
{
    static const QStringList dhcp{QStringLiteral("dhcp")};
    static const QStringList tftp{QStringLiteral("tftp")};
    static const QStringList metadata{QStringLiteral("metadata")};
    static const QStringList http{QStringLiteral("http")};
    // The boot servers write the HTTP port into the scripts and URLs they hand out.
    static const QStringList httpReaders{QStringLiteral("http"), QStringLiteral("tftp"), QStringLiteral("metadata")};
    static const QStringList bootFiles{QStringLiteral("http"), QStringLiteral("tftp")};

    // clang-format off
    static const SettingSpec table[] = {
        {setting::NodeTimeoutMinutes, Kind::Integer, "30", 1, 24 * 60, {}, {},
         QT_TRANSLATE_NOOP("Settings", "minutes a machine may spend commissioning, deploying, erasing or testing")},
        {setting::ReleaseTimeoutMinutes, Kind::Integer, "5", 1, 24 * 60, {}, {},
         QT_TRANSLATE_NOOP("Settings", "minutes a machine may spend releasing or leaving rescue mode")},
        {setting::DeployImageUrl, Kind::Text, "", 0, 0, {}, {},
         QT_TRANSLATE_NOOP("Settings", "the image deployed when a machine has none of its own (URL or path)")},
        {setting::DefaultImage, Kind::Text, "", 0, 0, {}, {},
         QT_TRANSLATE_NOOP("Settings", "the catalogue image deployed when none is chosen (os/release, such as debian/bookworm)")},
        {setting::DiskEraseMode, Kind::Choice, "quick", 0, 0, {QStringLiteral("quick"), QStringLiteral("secure")}, {},
         QT_TRANSLATE_NOOP("Settings", "how Release erases disks when asked to")},
        {setting::EraseOnRelease, Kind::Boolean, "false", 0, 0, {}, {},
         QT_TRANSLATE_NOOP("Settings", "Release erases the disks unless told not to (the window's choice, the API's default)")},
        {setting::PowerPollSeconds, Kind::Integer, "60", 5, 3600, {}, {},
         QT_TRANSLATE_NOOP("Settings", "seconds between two checks of every machine's power (a VM switched off at its host shows Off)")},
        {setting::ImageProxy, Kind::Text, "", 0, 0, {}, {},
         QT_TRANSLATE_NOOP("Settings", "the HTTP proxy image imports go through (http://host:port); empty: none")},
        {setting::DhcpInterface, Kind::Interface, "", 0, 0, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "the boot network's interface; empty: no DHCP")},
        {setting::DhcpMode, Kind::Choice, "managed", 0, 0, {QStringLiteral("managed"), QStringLiteral("proxy")}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "managed (MetalDesk gives the addresses) or proxy (another server does)")},
        {setting::DhcpRange, Kind::Ipv4Range, "", 0, 0, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "the dynamic range, for enlisting and commissioning")},
        {setting::DhcpReservedRange, Kind::Ipv4Range, "", 0, 0, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "the reserved range, static addresses of deployed machines")},
        {setting::DhcpRouter, Kind::Ipv4, "", 0, 0, {}, dhcp, QT_TRANSLATE_NOOP("Settings", "the boot network's gateway")},
        {setting::DhcpDns, Kind::Ipv4List, "", 0, 0, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "DNS servers handed out, separated by commas")},
        {setting::DhcpDomain, Kind::Text, "", 0, 0, {}, dhcp, QT_TRANSLATE_NOOP("Settings", "the DNS domain handed out")},
        {setting::DhcpLeaseSeconds, Kind::Integer, "600", 60, 7 * 24 * 3600, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "seconds a dynamic lease lasts")},
        {setting::DhcpAllowOtherServers, Kind::Boolean, "false", 0, 0, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "run managed DHCP although another DHCP server answers on the boot network")},
        {setting::DhcpPort, Kind::Integer, "", 1, 65535, {}, dhcp,
         QT_TRANSLATE_NOOP("Settings", "the DHCP server's UDP port; empty: 67 (and 4011 in proxy mode)")},
        {setting::TftpPort, Kind::Integer, "69", 1, 65535, {}, tftp, QT_TRANSLATE_NOOP("Settings", "the TFTP port")},
        {setting::TftpRetries, Kind::Integer, "5", 1, 100, {}, tftp,
         QT_TRANSLATE_NOOP("Settings", "resends of a TFTP window before a transfer is dropped")},
        {setting::TftpThreads, Kind::Integer, "8", 1, 64, {}, tftp,
         QT_TRANSLATE_NOOP("Settings", "threads serving TFTP transfers")},
        {setting::HttpPort, Kind::Integer, "5248", 1, 65535, {}, httpReaders,
         QT_TRANSLATE_NOOP("Settings", "the HTTP boot server's port")},
        {setting::HttpTimeoutSeconds, Kind::Integer, "30", 1, 3600, {}, http,
         QT_TRANSLATE_NOOP("Settings", "seconds the HTTP boot server waits for a request or for progress")},
        {setting::HttpMinRateKib, Kind::Integer, "256", 1, 1048576, {}, http,
         QT_TRANSLATE_NOOP("Settings", "the slowest average rate, in KiB/s, at which a client must take an HTTP "
                                       "boot file")},
        {setting::HttpMaxConnections, Kind::Integer, "512", 1, 100000, {}, http,
         QT_TRANSLATE_NOOP("Settings", "connections the HTTP boot server holds at once")},
        {setting::HttpWorkers, Kind::Integer, "2", 1, 16, {}, http,
         QT_TRANSLATE_NOOP("Settings", "threads serving HTTP boot connections")},
        {setting::BootRoot, Kind::Path, "", 0, 0, {}, bootFiles,
         QT_TRANSLATE_NOOP("Settings", "the folder boot files are served from")},
        {setting::BootLoaderDir, Kind::Path, "", 0, 0, {}, bootFiles,
         QT_TRANSLATE_NOOP("Settings", "where the iPXE bootloaders are (/usr/lib/ipxe)")},
        {setting::BootEnvironmentDir, Kind::Path, "", 0, 0, {}, bootFiles,
         QT_TRANSLATE_NOOP("Settings", "where the built-in boot environment is")},
        {setting::MetadataPort, Kind::Integer, "5240", 1, 65535, {}, metadata,
         QT_TRANSLATE_NOOP("Settings", "the metadata service's port")},
        {setting::MetadataTimeoutSeconds, Kind::Integer, "30", 1, 3600, {}, metadata,
         QT_TRANSLATE_NOOP("Settings", "seconds the metadata service waits for a request or for its answer to be taken")},
        {setting::MetadataMaxConnections, Kind::Integer, "256", 1, 100000, {}, metadata,
         QT_TRANSLATE_NOOP("Settings", "connections the metadata service holds at once")},
        {setting::ApiHostNames, Kind::Text, "", 0, 0, {}, metadata,
         QT_TRANSLATE_NOOP("Settings", "host names (comma-separated) the MAAS API and metadata service answer to, "
                                       "besides this computer's name and IP addresses; a request for another name "
                                       "is refused, so that a web page cannot reach them by DNS rebinding")},
        {setting::EnlistMaxNewMachines, Kind::Integer, "100", 0, 100000, {}, {},
         QT_TRANSLATE_NOOP("Settings", "New machines (waiting to be commissioned) beyond which booting machines may "
                                       "not enlist themselves; 0: no enlistment")},
        {setting::EnlistPerMinute, Kind::Integer, "3", 1, 10000, {}, {},
         QT_TRANSLATE_NOOP("Settings", "enlistments one address may make per minute")},
    };
    // clang-format on
    return table;
}

const SettingSpec *findSetting(const QString &name)
{
    for (const SettingSpec &s : allSettings())
        if (name == QLatin1String(s.name))
            return &s;
    return nullptr;
}

QStringList settingNames()
{
    QStringList names;
    for (const SettingSpec &s : allSettings())
        names << QLatin1String(s.name);
    return names;
}

Expected<QString> checkSetting(const QString &name, const QString &raw)
{
    const SettingSpec *spec = findSetting(name);
    if (!spec)
        return Error{SettingsText::tr("there is no setting '%1'; the settings are: %2")
                         .arg(name, settingNames().join(QLatin1String(", ")))};
    const QString value = raw.trimmed();
    if (value.isEmpty())
        return value;
    const QString n = QLatin1String(spec->name);
    if (value.contains(QLatin1Char('\n')) || value.contains(QLatin1Char('\r')))
        return Error{SettingsText::tr("the setting %1 takes one line").arg(n)};
    switch (spec->kind) {
    case Kind::Integer: {
        bool ok = false;
        const qlonglong v = value.toLongLong(&ok);
        if (!ok || v < spec->minimum || v > spec->maximum)
            return Error{SettingsText::tr("the setting %1 is '%2': it should be a number from %3 to %4")
                             .arg(n, value)
                             .arg(spec->minimum)
                             .arg(spec->maximum)};
        return QString::number(v);
    }
    case Kind::Boolean:
        if (value != QLatin1String("true") && value != QLatin1String("false"))
            return Error{SettingsText::tr("the setting %1 is '%2': it should be true or false").arg(n, value)};
        return value;
    case Kind::Choice:
        if (!spec->choices.contains(value))
            return Error{SettingsText::tr("the setting %1 is '%2': it should be one of %3")
                             .arg(n, value, spec->choices.join(QLatin1String(", ")))};
        return value;
    case Kind::Text: return value;
    case Kind::Path:
        if (!QDir::isAbsolutePath(value))
            return Error{SettingsText::tr("the setting %1 is '%2': it should be an absolute path").arg(n, value)};
        return QDir::cleanPath(value);
    case Kind::Interface:
        // Linux: at most 15 bytes (IFNAMSIZ), no slash or white space.
        if (value.toUtf8().size() > 15 || value.contains(QLatin1Char('/')) || value.contains(QLatin1Char(' ')))
            return Error{SettingsText::tr("the setting %1 is '%2': it should be a network interface's name, such "
                                          "as eth1")
                             .arg(n, value)};
        return value;
    case Kind::Ipv4:
        if (!isIpv4(value))
            return Error{SettingsText::tr("the setting %1 is '%2': it should be an IPv4 address").arg(n, value)};
        return value;
    case Kind::Ipv4List:
        for (const QString &part : value.split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (!isIpv4(part))
                return Error{SettingsText::tr("the setting %1 is '%2': '%3' is not an IPv4 address")
                                 .arg(n, value, part.trimmed())};
        return value;
    case Kind::Ipv4Range: {
        const QStringList parts = value.split(QLatin1Char('-'));
        if (parts.size() != 2 || !isIpv4(parts[0]) || !isIpv4(parts[1]))
            return Error{
                SettingsText::tr("the setting %1 is '%2': it should look like 10.99.0.100-10.99.0.199").arg(n, value)};
        if (QHostAddress(parts[0].trimmed()).toIPv4Address() > QHostAddress(parts[1].trimmed()).toIPv4Address())
            return Error{SettingsText::tr("the setting %1 is '%2': the range ends before it starts").arg(n, value)};
        return value;
    }
    }
    return value;
}

} // namespace metaldesk
