#pragma once

#include "core/base/expected.h"

#include <QString>
#include <QStringList>
#include <span>

namespace metaldesk {

// Every setting MetalDesk keeps in the database's config table, declared once: its name, the kind
// of value it takes, its default and which service must restart to use a change. ConfigStore
// refuses an unknown name or a bad value with the reason; `metaldesk set-config`, the pages and the
// servers all go through it, so that a typo is never kept silently.
namespace setting {
inline constexpr char NodeTimeoutMinutes[] = "node_timeout_minutes";       // MAAS: 30
inline constexpr char ReleaseTimeoutMinutes[] = "release_timeout_minutes"; // MAAS: 5 (releasing, exiting rescue)
inline constexpr char DeployImageUrl[] = "deploy_image_url";               // the image when a machine has none
inline constexpr char DiskEraseMode[] = "disk_erase_mode";                 // quick (default) or secure
inline constexpr char EraseOnRelease[] = "enable_disk_erasing_on_release"; // MAAS's: Release erases unless told
inline constexpr char DefaultImage[] = "default_image";                    // the catalogue's image Deploy offers first
inline constexpr char DhcpInterface[] = "dhcp_interface";
inline constexpr char DhcpMode[] = "dhcp_mode";
inline constexpr char DhcpRange[] = "dhcp_range";
inline constexpr char DhcpReservedRange[] = "dhcp_reserved_range";
inline constexpr char DhcpRouter[] = "dhcp_router";
inline constexpr char DhcpDns[] = "dhcp_dns";
inline constexpr char DhcpDomain[] = "dhcp_domain";
inline constexpr char DhcpLeaseSeconds[] = "dhcp_lease_seconds";
inline constexpr char DhcpAllowOtherServers[] = "dhcp_allow_other_servers";
inline constexpr char DhcpPort[] = "dhcp_port";
inline constexpr char TftpPort[] = "tftp_port";
inline constexpr char TftpRetries[] = "tftp_retries";
inline constexpr char TftpThreads[] = "tftp_threads";
inline constexpr char HttpPort[] = "http_port";
inline constexpr char HttpTimeoutSeconds[] = "http_timeout_seconds";
inline constexpr char HttpMaxConnections[] = "http_max_connections";
inline constexpr char HttpMinRateKib[] = "http_min_rate_kib";
inline constexpr char HttpWorkers[] = "http_workers";
inline constexpr char BootRoot[] = "boot_root";
inline constexpr char BootLoaderDir[] = "boot_loader_dir";
inline constexpr char BootEnvironmentDir[] = "boot_environment_dir";
inline constexpr char MetadataPort[] = "metadata_port";
inline constexpr char MetadataTimeoutSeconds[] = "metadata_timeout_seconds";
inline constexpr char MetadataMaxConnections[] = "metadata_max_connections";
inline constexpr char ApiHostNames[] = "api_host_names"; // names the region answers to, besides this computer's
inline constexpr char EnlistMaxNewMachines[] = "enlist_max_new_machines"; // anonymous enlistment's count limit
inline constexpr char EnlistPerMinute[] = "enlist_per_minute";            // and its rate, per source address
inline constexpr char PowerPollSeconds[] = "power_poll_seconds";          // MAAS polls power every 5 minutes
inline constexpr char ImageProxy[] = "image_proxy";                       // MAAS's http_proxy, for image imports
} // namespace setting

struct SettingSpec {
    enum class Kind {
        Integer,   // decimal, from minimum to maximum
        Boolean,   // true or false
        Choice,    // one of choices
        Text,      // free text on one line
        Path,      // an absolute path
        Interface, // a network interface's name
        Ipv4,      // 10.0.0.1
        Ipv4List,  // 10.0.0.1,10.0.0.2
        Ipv4Range, // 10.0.0.100-10.0.0.199
    };
    const char *name;
    Kind kind;
    const char *defaultValue; // "" when the setting is off or computed until set (a path, a range)
    int minimum = 0;
    int maximum = 0;
    QStringList choices = {};
    QStringList restarts = {};    // services that read it only when they start; empty: read each time
    const char *description = ""; // for `metaldesk set-config --help`, translated in context "Settings"
};

// All settings, in the order `set-config --help` lists them.
std::span<const SettingSpec> allSettings();
const SettingSpec *findSetting(const QString &name);
QStringList settingNames();

// Whether `value` suits the setting: the value as it should be stored (trimmed), or an error that
// names the setting and says what it takes. An empty value means "back to the default".
Expected<QString> checkSetting(const QString &name, const QString &value);

} // namespace metaldesk
