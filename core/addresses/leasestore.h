#pragma once

#include "core/storage/database.h"

namespace metaldesk {

// A DHCP lease. Addresses are IPv4 in host order.
struct Lease {
    enum class State {
        Offered,
        Bound,
        Released,
        Declined
    };
    quint32 ip = 0;
    QString mac; // normalised
    QString hostname;
    State state = State::Offered;
    qint64 expires = 0; // ms since the epoch
    // Whether the address is taken at `now`: declined addresses stay taken until they expire.
    bool holds(qint64 now) const { return state != State::Released && expires > now; }
};

// Durable leases: a write returns once the database has it, so an answered client keeps its
// address across a crash of MetalDesk. The DHCP server keeps its working copy in memory
// (servers/leasebook.h) and writes here; the GUI and the API read here.
class LeaseStore {
public:
    explicit LeaseStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
    Expected<std::optional<Lease>> forMac(const QString &mac) const;
    Expected<std::optional<Lease>> forIp(quint32 ip) const;
    // Leases with an address in [first, last].
    Expected<QList<Lease>> inRange(quint32 first, quint32 last) const;
    Expected<QList<Lease>> all() const; // oldest change first
    Expected<void> save(const Lease &lease);
    // Several leases in one transaction: all of them are durable when it returns, or none is.
    Expected<void> saveAll(const QList<Lease> &leases);

private:
    Expected<QList<Lease>> select(const QString &where, const QVariantList &values) const;
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
