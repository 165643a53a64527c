#include "servers/api/apijson.h"

namespace metaldesk::api {

namespace {

QString uri(const QString &path) { return QLatin1String(kApiRoot) + path; }

constexpr int kFabricId = 0;
constexpr int kVlanId = 5001; // MAAS numbers its first VLAN so
constexpr int kSubnetId = 1;

QJsonArray strings(const QStringList &list) { return QJsonArray::fromStringList(list); }

QJsonObject interfaceJson(const MachineView &view, const Interface &iface)
{
    const Machine &m = view.machine;
    QJsonArray links;
    for (const ApiLink &link : view.links) {
        if (link.interfaceId != iface.id)
            continue;
        QJsonObject l{{QStringLiteral("id"), qint64(links.size() + iface.id * 100)},
                      {QStringLiteral("mode"), link.mode},
                      {QStringLiteral("ip_address"), link.ip}};
        if (view.network.known)
            l.insert(QStringLiteral("subnet"), subnetJson(view.network));
        links.append(l);
    }
    if (links.isEmpty() && view.network.known)
        links.append(QJsonObject{{QStringLiteral("id"), qint64(iface.id * 100)},
                                 {QStringLiteral("mode"), QStringLiteral("link_up")},
                                 {QStringLiteral("subnet"), subnetJson(view.network)}});
    return {
        {QStringLiteral("id"), iface.id},
        {QStringLiteral("name"), iface.name},
        {QStringLiteral("type"), QStringLiteral("physical")},
        {QStringLiteral("enabled"), true},
        {QStringLiteral("tags"), QJsonArray()},
        {QStringLiteral("vlan"), vlanJson(view.network)},
        {QStringLiteral("links"), links},
        {QStringLiteral("mac_address"), iface.macAddress},
        {QStringLiteral("effective_mtu"), 1500},
        {QStringLiteral("parents"), QJsonArray()},
        {QStringLiteral("children"), QJsonArray()},
        {QStringLiteral("system_id"), m.systemId},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("nodes/%1/interfaces/%2/").arg(m.systemId).arg(iface.id))},
    };
}

QJsonObject blockDeviceJson(const Machine &m, const Inventory::Disk &disk, int id)
{
    return {
        {QStringLiteral("id"), id},
        {QStringLiteral("uuid"), QJsonValue::Null},
        {QStringLiteral("name"), disk.name},
        {QStringLiteral("model"), disk.model},
        {QStringLiteral("serial"), disk.serial},
        {QStringLiteral("id_path"),
         disk.serial.isEmpty() ? QString() : QStringLiteral("/dev/disk/by-id/") + disk.serial},
        {QStringLiteral("path"), QStringLiteral("/dev/disk/by-dname/") + disk.name},
        {QStringLiteral("type"), QStringLiteral("physical")},
        {QStringLiteral("used_for"), QString()},
        {QStringLiteral("tags"), QJsonArray()},
        {QStringLiteral("block_size"), 512},
        {QStringLiteral("used_size"), 0},
        {QStringLiteral("size"), disk.sizeBytes},
        {QStringLiteral("available_size"), disk.sizeBytes},
        {QStringLiteral("filesystem"), QJsonValue::Null},
        {QStringLiteral("partitions"), QJsonArray()},
        {QStringLiteral("system_id"), m.systemId},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("nodes/%1/blockdevices/%2/").arg(m.systemId).arg(id))},
    };
}

} // namespace

QString statusName(NodeStatus status) { return QLatin1String(nodeStatusLabel(status)); }

QJsonObject vlanJson(const ApiNetwork &network)
{
    return {
        {QStringLiteral("id"), kVlanId},
        {QStringLiteral("name"), QStringLiteral("untagged")},
        {QStringLiteral("vid"), 0},
        {QStringLiteral("mtu"), 1500},
        {QStringLiteral("fabric"), QStringLiteral("fabric-0")},
        {QStringLiteral("fabric_id"), kFabricId},
        {QStringLiteral("dhcp_on"), network.dhcpOn},
        {QStringLiteral("external_dhcp"), QJsonValue::Null},
        {QStringLiteral("relay_vlan"), QJsonValue::Null},
        {QStringLiteral("primary_rack"), QStringLiteral("metaldesk")},
        {QStringLiteral("secondary_rack"), QJsonValue::Null},
        {QStringLiteral("space"), QStringLiteral("undefined")},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("vlans/%1/").arg(kVlanId))},
    };
}

QJsonObject fabricJson(const ApiNetwork &network)
{
    return {
        {QStringLiteral("id"), kFabricId},
        {QStringLiteral("name"), QStringLiteral("fabric-0")},
        {QStringLiteral("class_type"), QJsonValue::Null},
        {QStringLiteral("vlans"), QJsonArray{vlanJson(network)}},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("fabrics/%1/").arg(kFabricId))},
    };
}

QJsonObject subnetJson(const ApiNetwork &network)
{
    return {
        {QStringLiteral("id"), kSubnetId},
        {QStringLiteral("name"), network.cidr},
        {QStringLiteral("cidr"), network.cidr},
        {QStringLiteral("vlan"), vlanJson(network)},
        {QStringLiteral("space"), QStringLiteral("undefined")},
        {QStringLiteral("gateway_ip"), network.gateway.isEmpty() ? QJsonValue(QJsonValue::Null) : network.gateway},
        {QStringLiteral("dns_servers"), strings(network.dnsServers)},
        {QStringLiteral("managed"), true},
        {QStringLiteral("allow_dns"), true},
        {QStringLiteral("allow_proxy"), false},
        {QStringLiteral("active_discovery"), false},
        {QStringLiteral("rdns_mode"), 2},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("subnets/%1/").arg(kSubnetId))},
    };
}

QJsonObject domainJson(const ApiNetwork &network)
{
    return {
        {QStringLiteral("id"), 0},
        {QStringLiteral("name"), network.domain},
        {QStringLiteral("authoritative"), true},
        {QStringLiteral("ttl"), QJsonValue::Null},
        {QStringLiteral("resource_record_count"), 0},
        {QStringLiteral("is_default"), true},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("domains/0/"))},
    };
}

QJsonObject zoneJson(const Zone &zone, int id)
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), zone.name},
            {QStringLiteral("description"), zone.description},
            {QStringLiteral("resource_uri"), uri(QStringLiteral("zones/%1/").arg(zone.name))}};
}

QJsonObject poolJson(const Zone &pool, int id)
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), pool.name},
            {QStringLiteral("description"), pool.description},
            {QStringLiteral("resource_uri"), uri(QStringLiteral("resourcepool/%1/").arg(id))}};
}

QJsonObject tagJson(const Tag &tag)
{
    return {{QStringLiteral("name"), tag.name},
            {QStringLiteral("comment"), tag.comment},
            {QStringLiteral("definition"), QString()},
            {QStringLiteral("kernel_opts"), QString()},
            {QStringLiteral("resource_uri"), uri(QStringLiteral("tags/%1/").arg(tag.name))}};
}

QJsonObject bootResourceJson(const BootImage &image)
{
    return {
        {QStringLiteral("id"), image.id},
        {QStringLiteral("type"),
         image.origin.startsWith(QLatin1String("imported")) ? QStringLiteral("Synced") : QStringLiteral("Uploaded")},
        {QStringLiteral("name"), image.name},
        {QStringLiteral("title"), image.title},
        {QStringLiteral("architecture"), image.architecture},
        {QStringLiteral("subarches"), image.architecture.section(QLatin1Char('/'), 1)},
        {QStringLiteral("resource_uri"), uri(QStringLiteral("boot-resources/%1/").arg(image.id))},
    };
}

QJsonObject machineJson(const MachineView &view)
{
    const Machine &m = view.machine;
    QJsonArray interfaces;
    for (const Interface &iface : m.interfaces)
        interfaces.append(interfaceJson(view, iface));
    QJsonArray disks;
    if (view.inventory)
        for (int i = 0; i < view.inventory->disks.size(); ++i)
            disks.append(blockDeviceJson(m, view.inventory->disks[i], i + 1));
    QJsonArray addresses;
    for (const ApiLink &link : view.links)
        if (!link.ip.isEmpty() && !addresses.contains(link.ip))
            addresses.append(link.ip);
    QJsonObject ownerData;
    for (auto it = view.ownerData.cbegin(); it != view.ownerData.cend(); ++it)
        ownerData.insert(it.key(), it.value());
    QJsonObject hardware{{QStringLiteral("system_vendor"), view.inventory ? view.inventory->dmiVendor : QString()},
                         {QStringLiteral("system_product"), view.inventory ? view.inventory->dmiProduct : QString()},
                         {QStringLiteral("system_serial"), view.inventory ? view.inventory->dmiSerial : QString()},
                         {QStringLiteral("cpu_model"), view.inventory ? view.inventory->cpuModel : QString()}};
    return {
        {QStringLiteral("resource_uri"), uri(QStringLiteral("machines/%1/").arg(m.systemId))},
        {QStringLiteral("system_id"), m.systemId},
        {QStringLiteral("hostname"), m.hostname},
        {QStringLiteral("fqdn"), m.hostname + QLatin1Char('.') + view.network.domain},
        {QStringLiteral("domain"), domainJson(view.network)},
        {QStringLiteral("node_type"), 0},
        {QStringLiteral("node_type_name"), QStringLiteral("Machine")},
        {QStringLiteral("tag_names"), strings(m.tags)},
        {QStringLiteral("owner"), m.owner.isEmpty() ? QJsonValue(QJsonValue::Null) : m.owner},
        {QStringLiteral("owner_data"), ownerData},
        {QStringLiteral("osystem"), m.osystem},
        {QStringLiteral("distro_series"), m.distroSeries},
        {QStringLiteral("architecture"), m.architecture},
        {QStringLiteral("memory"), m.memory},
        {QStringLiteral("cpu_count"), m.cpuCount},
        {QStringLiteral("storage"), double(m.storage) / 1e6}, // MAAS reports storage in MB
        {QStringLiteral("hardware_info"), hardware},
        {QStringLiteral("ip_addresses"), addresses},
        {QStringLiteral("power_state"), m.powerState},
        {QStringLiteral("power_type"), m.powerType},
        {QStringLiteral("status"), int(m.status)},
        {QStringLiteral("status_name"), statusName(m.status)},
        {QStringLiteral("status_message"), m.statusMessage.isEmpty() ? QJsonValue(QJsonValue::Null) : m.statusMessage},
        {QStringLiteral("boot_interface"),
         m.interfaces.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(interfaces.first())},
        {QStringLiteral("interface_set"), interfaces},
        {QStringLiteral("zone"), zoneJson({m.zone, {}}, 0)},
        {QStringLiteral("pool"), poolJson({m.pool, {}}, 0)},
        {QStringLiteral("physicalblockdevice_set"), disks},
        {QStringLiteral("blockdevice_set"), disks},
        {QStringLiteral("virtualblockdevice_set"), QJsonArray()},
        {QStringLiteral("boot_disk"), disks.isEmpty() ? QJsonValue(QJsonValue::Null) : disks.first()},
        {QStringLiteral("swap_size"), QJsonValue::Null},
        {QStringLiteral("netboot"), m.status != NodeStatus::Deployed},
        {QStringLiteral("locked"), false},
        {QStringLiteral("hwe_kernel"), QJsonValue::Null},
        {QStringLiteral("min_hwe_kernel"), QString()},
        {QStringLiteral("agent_name"), m.agentName},
    };
}

} // namespace metaldesk::api
