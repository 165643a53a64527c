#pragma once

#include "core/storage/database.h"

#include <optional>

namespace metaldesk {

// The addresses deployed machines hold from the reserved range (static_ips, alloc_type 'auto'):
// one per machine, on its boot interface (its first), kept across deployments so that a machine
// comes back at the same address, and freed with the machine.
class StaticAddressStore {
public:
    explicit StaticAddressStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // The address the machine holds in [first, last], or the lowest free one there, now held for
    // it. nullopt when every address of the range is held by other machines. An address it held
    // outside the range (the range was changed) is given up.
    Expected<std::optional<quint32>> assign(const QString &systemId, quint32 first, quint32 last) const;
    // What the machine holds, if anything.
    Expected<std::optional<quint32>> addressOf(const QString &systemId) const;

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
