#pragma once

#include "core/images/bootimagestore.h"
#include "core/machines/inventory.h"
#include "core/machines/labelstore.h"
#include "core/machines/machine.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <optional>

namespace metaldesk::api {

// The one network MetalDesk manages, as MAAS's API describes networks: fabric "fabric-0" with its
// untagged VLAN, and the boot network's subnet when one is set (no spaces).
struct ApiNetwork {
    bool known = false; // a managed boot network is set
    QString cidr;       // "10.99.0.0/24"
    QString gateway;
    QStringList dnsServers;
    bool dhcpOn = false;
    QString domain = QStringLiteral("maas");
};

// An address a machine's interface holds and how it got it.
struct ApiLink {
    qint64 interfaceId = 0;
    QString mode; // "auto" (a deployment's reserved address), "dhcp" (a lease)
    QString ip;
};

// Everything a machine's JSON says, read beforehand (the JSON is a pure function of it).
struct MachineView {
    Machine machine;
    std::optional<Inventory> inventory;
    QList<ApiLink> links;
    QMap<QString, QString> ownerData;
    ApiNetwork network;
};

inline constexpr const char *kApiRoot = "/MAAS/api/2.0/";

QJsonObject vlanJson(const ApiNetwork &network);
QJsonObject fabricJson(const ApiNetwork &network);
QJsonObject subnetJson(const ApiNetwork &network);
QJsonObject domainJson(const ApiNetwork &network);
QJsonObject zoneJson(const Zone &zone, int id);
QJsonObject poolJson(const Zone &pool, int id);
QJsonObject tagJson(const Tag &tag);
QJsonObject bootResourceJson(const BootImage &image);
// A machine with every field gomaasapi's schema requires (and the ones MAAS's clients commonly read).
QJsonObject machineJson(const MachineView &view);
// MAAS's status_name for a status ("Failed deployment"): the label the lifecycle names it by.
QString statusName(NodeStatus status);

} // namespace metaldesk::api
