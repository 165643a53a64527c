#pragma once

#include "core/base/expected.h"

#include <QStringList>

namespace metaldesk {

class ConfigStore;
class ServiceHost;
struct CoreServices;

// The services every MetalDesk process runs, with or without a window: the timeout monitor and
// the boot servers (DHCP when a boot interface is set, TFTP, HTTP, and the region service with the
// MAAS API and the metadata service). Returns what could
// not be started and why (a DHCP setting that is wrong, say); the rest runs regardless. TFTP, HTTP
// and the region listen where listenAddresses() says. The one place that knows both core and the
// servers.
QStringList addServices(ServiceHost &host, CoreServices &core, const QString &listenOption);

// Where the boot servers listen. A desktop moves between networks (home Wi-Fi, a VPN), so by
// default only the boot network reaches them: TFTP and HTTP on the boot interface's IPv4 address,
// the region (API and metadata) there and on loopback, so that a MAAS client on this computer still
// reaches the API. Without a boot interface (or its address), loopback only. `listenOption` (--listen,
// empty when not given) puts every server on that address instead.
struct ListenAddresses {
    QString boot;       // TFTP and the HTTP boot server
    QStringList region; // the API and the metadata service
    QString device;     // the boot interface, which alone may reach `boot` (empty with --listen)
    QString why;        // for the banner: what chose them and how to change it
};
ListenAddresses listenAddresses(const ConfigStore &config, const QString &listenOption);

// Applies the boot network now in the database: replaces the running dhcp service with a new one
// (or removes it when no boot interface is set), and moves TFTP, HTTP and the region to the new
// boot interface's address when they listen where listenAddresses() chooses. The DHCP settings are
// checked by dhcp::ServerConfig; a wrong one comes back as the error and the services are left alone.
// What could not be moved comes back as sentences (DHCP runs all the same).
Expected<QStringList> restartBootNetwork(ServiceHost &host, CoreServices &core);

// Starts again each boot service that failed (a port another program held, a privilege that was
// missing), with the settings in the database now: what the user asks for after fixing the cause.
// The boot servers are placed together, so one that failed restarts TFTP, HTTP and the region; a
// service that runs is otherwise left alone. Returns what could not be started and why.
QStringList retryFailedServices(ServiceHost &host, CoreServices &core);

} // namespace metaldesk
