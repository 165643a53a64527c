#include "dhcprestart.h"

#include "coreservices.h"
#include "dhcpserver.h"
#include "servicehost.h"

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
