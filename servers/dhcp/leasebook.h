#pragma once

#include "core/addresses/leasestore.h"

#include <QHash>

namespace metaldesk::dhcp {

// The DHCP server's working copy of its leases: answers come from memory, and what must be
// durable is queued and written in one transaction per batch of packets (group commit). The
// server sends a batch's answers only after flush() succeeds, so no client ever holds an
// acknowledged lease that the database does not.
class LeaseBook {
public:
    explicit LeaseBook(LeaseStore &store) : store_(store) {}
    Expected<void> load(); // everything in the store; drops what is in memory

    std::optional<Lease> forMac(const QString &mac) const; // the MAC's newest lease
    std::optional<Lease> forIp(quint32 ip) const;
    // The first address in [first, last] that `isFree` accepts, searched from where the last search
    // ended so that filling a large range stays linear.
    template <typename Predicate>
    std::optional<quint32> findFree(quint32 first, quint32 last, Predicate isFree);

    // In memory only: an offer reserves its address for a few seconds and is not worth a disk write
    // (after a crash the client's REQUEST finds no lease, gets a NAK and starts again).
    void hold(const Lease &lease);
    // In memory, and queued for the store.
    void record(const Lease &lease);
    qsizetype boundCount(qint64 now) const; // leases bound and not expired
    qsizetype pendingCount() const { return pending_.size(); }
    // Writes what is queued. On failure memory is reloaded from the store, so it never runs ahead.
    Expected<void> flush();

private:
    void put(const Lease &lease);
    LeaseStore &store_;
    QHash<quint32, Lease> byIp_;
    QHash<QString, quint32> ipOfMac_;
    QList<Lease> pending_;
    quint32 cursor_ = 0;
};

template <typename Predicate>
std::optional<quint32> LeaseBook::findFree(quint32 first, quint32 last, Predicate isFree)
{
    if (first > last)
        return std::nullopt;
    const quint64 size = quint64(last) - first + 1;
    const quint64 start = (cursor_ >= first && cursor_ <= last) ? cursor_ - first : 0;
    for (quint64 i = 0; i < size; ++i) {
        const quint32 ip = quint32(first + (start + i) % size);
        if (isFree(ip)) {
            cursor_ = ip;
            return ip;
        }
    }
    return std::nullopt;
}

} // namespace metaldesk::dhcp
