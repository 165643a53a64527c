#include "servers/runtime/services.h"

#include "core/lifecycle/timeoutmonitor.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/boot/httpbootserver.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/region/regionserver.h"
#include "servers/tftp/tftpserver.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {
struct ServicesText {
    Q_DECLARE_TR_FUNCTIONS(Headless)
};
} // namespace

QStringList addServices(ServiceHost &host, CoreServices &core, const QString &listenAddress)
{
    QStringList problems;
    host.add(std::make_unique<TimeoutMonitor>(core.engine.get()));
    auto dhcp = dhcp::ServerConfig::fromConfig(*core.config);
    if (!dhcp)
        problems << ServicesText::tr("DHCP is not started: %1").arg(dhcp.errorMessage());
    else if (!dhcp->interfaceName.isEmpty())
        host.add(std::make_unique<dhcp::Server>(core.db, *dhcp));
    auto tftp = tftp::ServerConfig::fromConfig(*core.config, listenAddress);
    if (!tftp)
        problems << ServicesText::tr("TFTP is not started: %1").arg(tftp.errorMessage());
    else
        host.add(std::make_unique<tftp::Server>(core.db, *tftp));
    auto http = http::ServerConfig::fromConfig(*core.config, listenAddress);
    if (!http)
        problems << ServicesText::tr("The HTTP boot server is not started: %1").arg(http.errorMessage());
    else
        host.add(std::make_unique<http::BootServer>(core.db, *http));
    auto region = region::ServerConfig::fromConfig(*core.config, listenAddress);
    if (!region)
        problems << ServicesText::tr("The MAAS API and metadata service is not started: %1").arg(region.errorMessage());
    else
        host.add(std::make_unique<region::Server>(core, *region));
    return problems;
}

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
