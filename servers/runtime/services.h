#pragma once

#include "core/base/expected.h"

#include <QStringList>

namespace metaldesk {

class ServiceHost;
struct CoreServices;

// The services every MetalDesk process runs, with or without a window: the timeout monitor and
// the boot servers (DHCP when a boot interface is set, TFTP, HTTP, and the region service with the
// MAAS API and the metadata service). Returns what could
// not be started and why (a DHCP setting that is wrong, say); the rest runs regardless. The TCP
// servers bind to `listenAddress` (--listen). The one place that knows both core and the servers.
QStringList addServices(ServiceHost &host, CoreServices &core, const QString &listenAddress);

// Runs DHCP with the settings now in the database: replaces the running dhcp service with a new
// one (or removes it when no boot interface is set). The settings are checked by
// dhcp::ServerConfig; a wrong one comes back as the error and the running service is left alone.
Expected<void> restartDhcp(ServiceHost &host, CoreServices &core);

} // namespace metaldesk
