#pragma once

#include "core/base/expected.h"
#include "core/libvirt/domainxml.h"
#include "core/power/powerdriver.h"

#include <QString>
#include <functional>

// libvirt's own types, kept out of everyone else's includes.
typedef struct _virConnect *virConnectPtr;

namespace metaldesk {

// One open connection to a libvirt host ("qemu:///system", "qemu+ssh://user@host/system",
// "test:///default"), closed when it goes. Its calls block and are made on worker threads; every
// failure is an Error in words, retryable when the host did not answer. The power driver opens
// one per call; chassis discovery keeps one for a whole listing.
class LibvirtConnection {
public:
    static Expected<LibvirtConnection> open(const QString &uri);
    LibvirtConnection(LibvirtConnection &&other) noexcept;
    LibvirtConnection &operator=(LibvirtConnection &&other) noexcept;
    ~LibvirtConnection();

    const QString &uri() const { return uri_; }
    // The domain's power as MAAS's virsh driver reads it: running, blocked and shutting down are on.
    Expected<PowerState> powerState(const QString &domain) const;
    // Starts or destroys (pulls the plug on) the domain; nothing to do when it is there already.
    Expected<void> setPower(const QString &domain, bool on) const;

    struct Domain {
        DomainDescription description;
        PowerState power = PowerState::Unknown;
    };
    // Every domain the host defines, running or not, sorted by name. `progress` hears (done, total)
    // after each one and stops the listing by returning false (a cancelled discovery).
    Expected<QList<Domain>> listDomains(const std::function<bool(int, int)> &progress = {}) const;
    // Makes the domain boot from the network first and its disk second (see withNetworkBootFirst),
    // in its persistent definition: it takes effect at its next start.
    Expected<void> setNetworkBootFirst(const QString &domain) const;

    // Reads the domain's serial console (its first serial or console device) until it closes (the
    // VM stopped, or a reader using force took it) or `keepGoing` returns false; `sink` hears its
    // bytes as they come. Never takes the console from another reader (virsh console, virt-manager):
    // libvirt lets one read at a time, and theirs is a person's. Blocks: call it on a worker thread.
    Expected<void> readConsole(const QString &domain, const std::function<void(const QByteArray &)> &sink,
                               const std::function<bool()> &keepGoing) const;

private:
    LibvirtConnection(QString uri, virConnectPtr connection) : uri_(std::move(uri)), connection_(connection) {}
    QString uri_;
    virConnectPtr connection_ = nullptr;
};

} // namespace metaldesk
