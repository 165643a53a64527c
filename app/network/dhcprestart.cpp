#include "app/network/dhcprestart.h"

#include "core/runtime/coreservices.h"
#include "servers/dhcp/dhcpserver.h"
#include "core/runtime/servicehost.h"

namespace metaldesk {

Expected<void> restartDhcp(ServiceHost &host, CoreServices &core)
{
    auto config = dhcp::ServerConfig::fromConfig(*core.config);
    if (!config)
        return config.error();
    if (config->interfaceName.isEmpty())
        host.remove(QStringLiteral("dhcp"));
    else
        host.replace(std::make_unique<dhcp::Server>(core.db, *config));
    return {};
}

} // namespace metaldesk
