#pragma once

#include "core/users/nodetokens.h"

#include <QStringList>
#include <optional>

namespace metaldesk {

// A fixed address for a deployed machine's boot interface.
struct StaticNetwork {
    QString interfaceName; // the name the installed system gives the NIC ("eth0"), matched by MAC
    QString macAddress;
    QString address; // "10.99.0.50"
    int prefixLength = 24;
    QString gateway; // empty: none
    QStringList dnsServers;
    QString cidr() const { return address + QLatin1Char('/') + QString::number(prefixLength); }
};

struct CloudConfigInput {
    QString metadataUrl; // "http://10.99.0.1:5240/MAAS/metadata/"
    QString systemId;
    NodeToken token;
    std::optional<StaticNetwork> network; // none: the installed system's own default (DHCP)
};

// The #cloud-config the built-in environment writes to the installed system as
// /etc/cloud/cloud.cfg.d/90_metaldesk.cfg: cloud-init's MAAS datasource pointed at MetalDesk with the
// node's credential (as MAAS's curtin preseed does), cloud-init's events reported to
// <metadata>/status/<system_id>, and the static network configuration (version 1, as MAAS sends it)
// when the machine has a fixed address. Every string is double-quoted YAML.
QByteArray cloudConfig(const CloudConfigInput &input);

// `text` as a YAML double-quoted scalar (JSON escapes, which YAML shares).
QByteArray yamlQuoted(const QString &text);

} // namespace metaldesk
