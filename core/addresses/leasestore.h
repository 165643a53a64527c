#pragma once

#include "core/storage/database.h"

#include <optional>

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
//
// Leases belong to a segment, the network of the DHCP server that gave them ("host/interface"):
// instances sharing one database serve separate networks, which may use the same addresses. A
// store made with a segment reads and writes that segment only (the DHCP server's); one made
// without reads every segment (the GUI, the API, the boot scripts) and writes to ''.
class LeaseStore {
public:
    explicit LeaseStore(std::shared_ptr<Database> db, std::optional<QString> segment = std::nullopt)
        : db_(std::move(db)), segment_(std::move(segment))
    {
    }
    Expected<std::optional<Lease>> forMac(const QString &mac) const; // the newest
    Expected<std::optional<Lease>> forIp(quint32 ip) const;          // the newest
    // Whether `mac` holds `ip` with a bound lease unexpired at `now`, in any segment.
    Expected<bool> holdsBound(const QString &mac, quint32 ip, qint64 now) const;
    // Leases with an address in [first, last].
    Expected<QList<Lease>> inRange(quint32 first, quint32 last) const;
    Expected<QList<Lease>> all() const; // oldest change first
    Expected<void> save(const Lease &lease);
    // Several leases in one transaction: all of them are durable when it returns, or none is.
    Expected<void> saveAll(const QList<Lease> &leases);
    // Moves the leases written before segments existed ('') into this store's segment, where it
    // has none for their address: the first DHCP server to start after the upgrade keeps them.
    Expected<void> adoptLeasesWithoutSegment();

private:
    // SELECT ... WHERE [segment = ? AND] (condition) tail
    Expected<QList<Lease>> select(const QString &condition, QVariantList values, const QString &tail) const;
    std::shared_ptr<Database> db_;
    std::optional<QString> segment_;
};

} // namespace metaldesk
