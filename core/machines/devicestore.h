#pragma once

#include "core/machines/machine.h"
#include "core/storage/database.h"

#include <optional>

namespace metaldesk {

// A device: something that is not a machine but takes addresses on the boot network (MAAS's
// devices; juju registers the containers it runs on a machine so). Its addresses come from the
// reserved range, like a deployed machine's.
struct DeviceLink {
    qint64 id = 0;
    QString mode; // "static" (an address from the reserved range), "dhcp", "link_up"
    QString ip;   // for static links
};

struct DeviceInterface {
    qint64 id = 0;
    QString name;
    QString macAddress;
    QList<DeviceLink> links;
};

struct Device {
    qint64 id = 0;
    QString systemId;
    QString hostname;
    QString domain;
    QString zone;
    QString parent; // the machine's system id, "" for none
    std::optional<qint64> ownerId;
    QString owner;
    QList<DeviceInterface> interfaces;
};

class DeviceStore {
public:
    explicit DeviceStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    Expected<QList<Device>> list() const;
    Expected<std::optional<Device>> get(const QString &systemId) const;
    // A device owned by `actor`, with an interface per MAC. A parent must be a machine the actor
    // owns (or any machine, for an administrator).
    Expected<Device> create(const Actor &actor, const QString &hostname, const QStringList &macAddresses,
                            const QString &parent, const QString &domain);
    Expected<void> remove(const Actor &actor, const QString &systemId);
    Expected<DeviceInterface> addInterface(const Actor &actor, const QString &systemId, const QString &name,
                                           const QString &macAddress);
    Expected<DeviceInterface> updateInterface(const Actor &actor, const QString &systemId, qint64 interfaceId,
                                              const QString &name, const QString &macAddress);
    // Links an address: for "static", `ip` if given (it must lie in [first, last] and be free), else
    // the lowest free address of the reserved range [first, last] (free: no machine, device or lease
    // holds it). Returns the interface as it is now.
    Expected<DeviceInterface> link(const Actor &actor, const QString &systemId, qint64 interfaceId, const QString &mode,
                                   const QString &ip, quint32 first, quint32 last);
    Expected<DeviceInterface> unlink(const Actor &actor, const QString &systemId, qint64 interfaceId, qint64 linkId);

private:
    Expected<Device> mayChange(const Actor &actor, const QString &systemId) const;
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
