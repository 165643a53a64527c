#pragma once

#include "core/base/expected.h"

namespace metaldesk {

class ServiceHost;
struct CoreServices;

// Runs DHCP with the settings now in the database: replaces the running dhcp service with a new
// one (or removes it when no boot interface is set). The settings are checked by
// dhcp::ServerConfig; a wrong one comes back as the error and the running service is left alone.
Expected<void> restartDhcp(ServiceHost &host, CoreServices &core);

} // namespace metaldesk
