#include "core/boot/cloudconfig.h"

namespace metaldesk {

QByteArray yamlQuoted(const QString &text)
{
    QByteArray out = "\"";
    for (char32_t u : text.toUcs4()) {
        switch (u) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            // Control characters, and the line and paragraph separators YAML treats as breaks.
            if (u < 0x20 || u == 0x7f || u == 0x85 || u == 0x2028 || u == 0x2029)
                out += QStringLiteral("\\u%1").arg(uint(u), 4, 16, QLatin1Char('0')).toLatin1();
            else
                out += QString::fromUcs4(&u, 1).toUtf8();
        }
    }
    return out + '"';
}

QByteArray cloudConfig(const CloudConfigInput &in)
{
    QString base = in.metadataUrl;
    if (!base.endsWith(QLatin1Char('/')))
        base += QLatin1Char('/');
    const QByteArray credentials = "    consumer_key: " + yamlQuoted(in.token.consumerKey) +
                                   "\n    token_key: " + yamlQuoted(in.token.tokenKey) +
                                   "\n    token_secret: " + yamlQuoted(in.token.tokenSecret) + '\n';
    QByteArray y = "#cloud-config\n"
                   "# Written by MetalDesk: where this machine's cloud-init finds its configuration.\n"
                   "datasource_list: [MAAS]\n"
                   "datasource:\n"
                   "  MAAS:\n"
                   "    metadata_url: " +
                   yamlQuoted(base) + '\n' + credentials +
                   "reporting:\n"
                   "  maas:\n"
                   "    type: webhook\n"
                   "    endpoint: " +
                   yamlQuoted(base + QStringLiteral("status/") + in.systemId) + '\n' + credentials;
    if (in.network) {
        const StaticNetwork &n = *in.network;
        y += "network:\n"
             "  version: 1\n"
             "  config:\n"
             "  - type: physical\n"
             "    name: " +
             yamlQuoted(n.interfaceName) + "\n    mac_address: " + yamlQuoted(n.macAddress) +
             "\n    subnets:\n"
             "    - type: static\n"
             "      address: " +
             yamlQuoted(n.cidr()) + '\n';
        if (!n.gateway.isEmpty())
            y += "      gateway: " + yamlQuoted(n.gateway) + '\n';
        if (!n.dnsServers.isEmpty()) {
            QByteArrayList quoted;
            for (const QString &dns : n.dnsServers)
                quoted << yamlQuoted(dns);
            y += "      dns_nameservers: [" + quoted.join(", ") + "]\n";
        }
    }
    return y;
}

} // namespace metaldesk
