#pragma once

#include "core/storage/database.h"

#include <QSet>
#include <optional>

namespace metaldesk {

// The addresses deployed machines hold from the reserved range (static_ips, alloc_type 'auto'):
// one per machine, on its boot interface (its first), kept across deployments so that a machine
// comes back at the same address while it is deployed, and freed when it is released (as MAAS frees
// its AUTO addresses) or deleted.
class StaticAddressStore {
public:
    explicit StaticAddressStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // The address the machine holds in [first, last], or the lowest free one there, now held for
    // it. nullopt when every address of the range is held by other machines. An address it held
    // outside the range (the range was changed) is given up.
    Expected<std::optional<quint32>> assign(const QString &systemId, quint32 first, quint32 last) const;
    // What the machine holds, if anything.
    Expected<std::optional<quint32>> addressOf(const QString &systemId) const;
    // Every address held without DHCP: the reserved range's (static_ips), devices' (device_links)
    // and the static addresses users gave machines (node_settings). DHCP never hands these out.
    Expected<QSet<quint32>> heldAddresses() const;
    // Who holds `address` statically other than the machine `systemId`: a machine's hostname or a
    // device's name; empty when nobody does.
    static Expected<QString> holderOf(const QSqlDatabase &db, quint32 address, const QString &systemId);

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
