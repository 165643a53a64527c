#pragma once

#include "core/addresses/leasestore.h"
#include "core/boot/bootdecision.h"
#include "core/storage/configstore.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace metaldesk::boot {

// Where a booting machine reaches MetalDesk, as the boot server that answers it sees it.
struct Endpoint {
    QString serverAddress;       // the address the client reached us at ("10.99.0.1")
    quint16 httpPort = 5248;     // the HTTP boot server
    quint16 metadataPort = 5240; // the metadata service (issue 5)
    quint32 clientAddress = 0;   // the requester's IPv4 address, host order; 0: not IPv4
    QByteArray ticket{};         // the one-time boot URL's ticket, if the request brought one
};

// The per-node iPXE script path the DHCP server hands to iPXE: "boot/52-54-00-ab-cd-ef.ipxe".
QByteArray scriptPath(const QString &macAddress);
// Its inverse: the machine's MAC, or empty when `path` is not a per-node script path. A leading
// '/' is allowed (HTTP paths have one, TFTP paths usually not).
QString macFromScriptPath(QStringView path);

// The iPXE script for one decision: what the machine with `macAddress` boots now.
QByteArray ipxeScript(const BootDecision &decision, const QString &macAddress, const Endpoint &endpoint);

// UEFI machines boot Debian's signed shim and GRUB (Secure Boot, as MAAS does). The network GRUB
// reads grub/grub.cfg from where it was loaded (its prefix is "/grub"), which sends it to the
// machine's own configuration, "grub/grub.cfg-52:54:00:ab:cd:ef" (GRUB's ${net_default_mac}).
QByteArray grubRootConfig();
QByteArray grubConfigPath(const QString &macAddress);
// Its inverse: the machine's MAC, or empty when `path` is not a per-node GRUB configuration path.
QString macFromGrubConfigPath(QStringView path);
// The GRUB configuration for one decision: the same choices as ipxeScript.
QByteArray grubConfig(const BootDecision &decision, const QString &macAddress, const Endpoint &endpoint);

// Files the boot servers generate per node instead of reading them from disk (iPXE scripts, GRUB
// configurations). Both TFTP and HTTP serve them; the boot decision decides their content. A script carries the
// machine's credentials only to the machine (security review H1): to a request from the address that holds its DHCP
// lease, or one that brings the ticket of its one-time boot URL (proxy mode, core/boot/boottickets);
// anyone else who names its MAC gets the script without them. In proxy mode leases count for
// nothing: another server gives the addresses, and one left from managed mode may be anyone's now.
class GeneratedFiles {
public:
    // `leases`: MetalDesk's DHCP leases; without them only tickets let credentials through.
    explicit GeneratedFiles(const BootDecider &decider, const LeaseStore *leases = nullptr)
        : decider_(decider), leases_(leases), config_(decider.database())
    {
    }
    // nullopt: `path` is not a generated file (serve it from disk). Otherwise the content, or why
    // it cannot be made (the database failed).
    std::optional<Expected<QByteArray>> lookup(QStringView path, const Endpoint &endpoint) const;

private:
    bool isTheMachine(const QString &mac, const Endpoint &endpoint) const;
    const BootDecider &decider_;
    const LeaseStore *leases_;
    ConfigStore config_;
};

} // namespace metaldesk::boot
