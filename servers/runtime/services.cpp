#include "servers/runtime/services.h"

#include "core/libvirt/consolewatcher.h"
#include "core/lifecycle/timeoutmonitor.h"
#include "core/power/powerpoller.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/boot/httpbootserver.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/net/filelimit.h"
#include "servers/region/regionserver.h"
#include "servers/tftp/tftpserver.h"

#include <QCoreApplication>
#include <QNetworkInterface>

namespace metaldesk {

namespace {
struct ServicesText {
    Q_DECLARE_TR_FUNCTIONS(Headless)
};
// The interfaces a boot network could be on: up, not loopback.
QStringList candidateInterfaces()
{
    QStringList names;
    for (const QNetworkInterface &i : QNetworkInterface::allInterfaces())
        if (i.flags().testFlag(QNetworkInterface::IsUp) && !i.flags().testFlag(QNetworkInterface::IsLoopBack))
            names << i.name();
    return names.isEmpty() ? QStringList{ServicesText::tr("none is up")} : names;
}
} // namespace

QStringList addServices(ServiceHost &host, CoreServices &core, const QString &listenAddress)
{
    QStringList problems;
    if (const rlim_t files = net::raiseOpenFileLimit(); files < 2500)
        problems << ServicesText::tr("The open-file limit is %1, below the 2,500 that TFTP, HTTP and the metadata "
                                     "service can hold at their caps: under load they refuse clients. Raise the "
                                     "hard limit (ulimit -Hn, or LimitNOFILE= in a service unit).")
                        .arg(quint64(files));
    host.add(std::make_unique<TimeoutMonitor>(core.engine.get()));
    host.add(std::make_unique<PowerPoller>(core.db, core.power.get()));
    host.add(std::make_unique<ConsoleWatcher>(core.db));
    auto dhcp = dhcp::ServerConfig::fromConfig(*core.config);
    if (!dhcp)
        problems << ServicesText::tr("DHCP is not started: %1").arg(dhcp.errorMessage());
    else if (!dhcp->interfaceName.isEmpty())
        host.add(std::make_unique<dhcp::Server>(core.db, *dhcp));
    else
        // Not an error (MetalDesk never answers DHCP on a network it was not given), but the first
        // thing a newcomer whose machines do not boot needs to read.
        problems << ServicesText::tr("DHCP is not running: no boot interface is chosen, so machines cannot PXE-boot "
                                     "from MetalDesk. Choose the interface on the machines' network (%1): "
                                     "metaldesk set-config dhcp_interface NAME, or the Network page")
                        .arg(candidateInterfaces().join(QStringLiteral(", ")));
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
