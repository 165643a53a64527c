#pragma once

#include "core/boot/bootdecision.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace metaldesk::boot {

// Where a booting machine reaches MetalDesk, as the boot server that answers it sees it.
struct Endpoint {
    QString serverAddress;       // the address the client reached us at ("10.99.0.1")
    quint16 httpPort = 5248;     // the HTTP boot server
    quint16 metadataPort = 5240; // the metadata service (issue 5)
};

// The per-node iPXE script path the DHCP server hands to iPXE: "boot/52-54-00-ab-cd-ef.ipxe".
QByteArray scriptPath(const QString &macAddress);
// Its inverse: the machine's MAC, or empty when `path` is not a per-node script path. A leading
// '/' is allowed (HTTP paths have one, TFTP paths usually not).
QString macFromScriptPath(QStringView path);

// The iPXE script for one decision: what the machine with `macAddress` boots now.
QByteArray ipxeScript(const BootDecision &decision, const QString &macAddress, const Endpoint &endpoint);

// Files the boot servers generate per node instead of reading them from disk. Both TFTP and HTTP
// serve them; the boot decision decides their content.
class GeneratedFiles {
public:
    explicit GeneratedFiles(const BootDecider &decider) : decider_(decider) {}
    // nullopt: `path` is not a generated file (serve it from disk). Otherwise the content, or why
    // it cannot be made (the database failed).
    std::optional<Expected<QByteArray>> lookup(QStringView path, const Endpoint &endpoint) const;

private:
    const BootDecider &decider_;
};

} // namespace metaldesk::boot
