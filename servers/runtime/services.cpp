#include "servers/runtime/services.h"

#include "core/libvirt/consolewatcher.h"
#include "core/lifecycle/timeoutmonitor.h"
#include "core/power/powerpoller.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/storage/configstore.h"
#include "core/storage/settings.h"
#include "servers/boot/httpbootserver.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/net/filelimit.h"
#include "servers/region/regionserver.h"
#include "servers/tftp/tftpserver.h"

#include <QCoreApplication>
#include <QNetworkInterface>
#include <QTimer>

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

ListenAddresses listenAddresses(const ConfigStore &config, const QString &listenOption)
{
    const QString loopback = QStringLiteral("127.0.0.1");
    if (!listenOption.isEmpty())
        return {listenOption, {listenOption}, {}, ServicesText::tr("chosen with --listen")};
    const auto name = config.value(QLatin1String(setting::DhcpInterface));
    if (!name || name->trimmed().isEmpty())
        return {loopback,
                {loopback},
                {},
                ServicesText::tr("loopback only: no boot interface is chosen (the Network page, or "
                                 "metaldesk set-config dhcp_interface NAME; every address: --listen 0.0.0.0)")};
    // The address DHCP answers from: the interface's first IPv4 one.
    for (const QNetworkAddressEntry &entry : QNetworkInterface::interfaceFromName(name->trimmed()).addressEntries()) {
        if (entry.ip().protocol() != QAbstractSocket::IPv4Protocol)
            continue;
        QStringList region{entry.ip().toString(), loopback};
        region.removeDuplicates(); // the boot interface is lo (tests)
        return {entry.ip().toString(), region, name->trimmed(),
                ServicesText::tr("the boot interface %1, and loopback for the API (every address: --listen "
                                 "0.0.0.0)")
                    .arg(name->trimmed())};
    }
    return {loopback,
            {loopback},
            {},
            ServicesText::tr("loopback only: the boot interface %1 has no IPv4 address (every address: --listen "
                             "0.0.0.0)")
                .arg(name->trimmed())};
}

namespace {

// Kept on the host by addServices() for restartBootNetwork(): its --listen, and where the
// servers were put (absent on a host without the boot servers).
constexpr char kListenOption[] = "metaldesk_listen_option";
constexpr char kPlacedAt[] = "metaldesk_placed_at";

QStringList placedAt(const ListenAddresses &where) { return QStringList{where.boot, where.device} + where.region; }

constexpr char kRegionWait[] = "metaldesk_region_waits_for_an_account";

bool anAccountExists(const CoreServices &core)
{
    const auto users = core.users->list();
    return users && !users->isEmpty();
}

// Security review L7: the region hands out credentials (anonymous enlistment makes machines, the
// API gives keys), so on a fresh installation it starts only once the first account exists (the
// first-run wizard's administrator, or `metaldesk createadmin` beside a running headless MetalDesk):
// looked for every second until then. Before that nothing could use it anyway.
void addRegion(ServiceHost &host, CoreServices &core, const region::ServerConfig &config)
{
    delete host.findChild<QTimer *>(QLatin1String(kRegionWait), Qt::FindDirectChildrenOnly);
    if (anAccountExists(core)) {
        host.replace(std::make_unique<region::Server>(core, config));
        return;
    }
    auto *wait = new QTimer(&host);
    wait->setObjectName(QLatin1String(kRegionWait));
    QObject::connect(wait, &QTimer::timeout, &host, [&host, &core, config, wait] {
        if (!anAccountExists(core))
            return;
        wait->stop();
        wait->deleteLater();
        host.replace(std::make_unique<region::Server>(core, config));
    });
    wait->start(1000);
}

// Adds TFTP, HTTP and the region at `where`, or replaces the running ones; what fails is said.
void placeBootServers(ServiceHost &host, CoreServices &core, const ListenAddresses &where, QStringList &problems)
{
    // On the boot interface's address, bound to the interface too: Linux takes a packet for any of
    // its addresses on any interface, so a host on another network could route to it through us.
    auto tftp = tftp::ServerConfig::fromConfig(*core.config, where.boot);
    if (!tftp) {
        problems << ServicesText::tr("TFTP is not started: %1").arg(tftp.errorMessage());
    } else {
        tftp->device = where.device;
        host.replace(std::make_unique<tftp::Server>(core.db, *tftp));
    }
    auto http = http::ServerConfig::fromConfig(*core.config, where.boot);
    if (!http) {
        problems << ServicesText::tr("The HTTP boot server is not started: %1").arg(http.errorMessage());
    } else {
        http->device = where.device;
        host.replace(std::make_unique<http::BootServer>(core.db, *http));
    }
    auto region = region::ServerConfig::fromConfig(*core.config, where.region);
    if (!region) {
        problems << ServicesText::tr("The MAAS API and metadata service is not started: %1").arg(region.errorMessage());
    } else {
        region->device = where.device;
        addRegion(host, core, *region);
    }
}

} // namespace

QStringList addServices(ServiceHost &host, CoreServices &core, const QString &listenOption)
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
    const ListenAddresses where = listenAddresses(*core.config, listenOption);
    placeBootServers(host, core, where, problems);
    if (host.findChild<QTimer *>(QLatin1String(kRegionWait), Qt::FindDirectChildrenOnly))
        problems << ServicesText::tr("The MAAS API and metadata service waits for the first account: it starts "
                                     "within a second of the first-run wizard or of metaldesk createadmin");
    host.setProperty(kListenOption, listenOption);
    host.setProperty(kPlacedAt, placedAt(where));
    return problems;
}

Expected<QStringList> restartBootNetwork(ServiceHost &host, CoreServices &core)
{
    auto config = dhcp::ServerConfig::fromConfig(*core.config);
    if (!config)
        return config.error();
    if (config->interfaceName.isEmpty())
        host.remove(QStringLiteral("dhcp"));
    else
        host.replace(std::make_unique<dhcp::Server>(core.db, *config));
    // The boot services follow the boot interface (unless --listen placed them): restarted only
    // when their addresses change, since a restart cuts the transfers under way.
    QStringList problems;
    if (!host.property(kPlacedAt).isValid())
        return problems;
    if (const ListenAddresses where = listenAddresses(*core.config, host.property(kListenOption).toString());
        placedAt(where) != host.property(kPlacedAt).toStringList()) {
        placeBootServers(host, core, where, problems);
        if (problems.isEmpty()) // else the next Apply tries again
            host.setProperty(kPlacedAt, placedAt(where));
    }
    return problems;
}

QStringList retryFailedServices(ServiceHost &host, CoreServices &core)
{
    QStringList failed;
    for (const ServiceHost::Entry &e : host.services())
        if (e.state == QLatin1String("failed"))
            failed << e.thread->objectName();
    QStringList problems;
    if (failed.contains(QLatin1String("dhcp"))) {
        if (auto config = dhcp::ServerConfig::fromConfig(*core.config); !config)
            problems << config.errorMessage();
        else if (!config->interfaceName.isEmpty())
            host.replace(std::make_unique<dhcp::Server>(core.db, *config));
    }
    if (failed.contains(QLatin1String("tftp")) || failed.contains(QLatin1String("http")) ||
        failed.contains(QLatin1String("region"))) {
        const ListenAddresses where = listenAddresses(*core.config, host.property(kListenOption).toString());
        placeBootServers(host, core, where, problems);
        if (problems.isEmpty())
            host.setProperty(kPlacedAt, placedAt(where));
    }
    return problems;
}

} // namespace metaldesk
