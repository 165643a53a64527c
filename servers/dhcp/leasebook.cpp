#include "servers/dhcp/leasebook.h"

#include <algorithm>

namespace metaldesk::dhcp {

Expected<void> LeaseBook::load()
{
    auto all = store_.all();
    if (!all)
        return all.error();
    byIp_.clear();
    ipOfMac_.clear();
    pending_.clear();
    for (const Lease &lease : *all) // oldest first: a MAC's newest lease wins
        put(lease);
    return {};
}

std::optional<Lease> LeaseBook::forMac(const QString &mac) const
{
    const auto ip = ipOfMac_.constFind(mac);
    if (ip == ipOfMac_.cend())
        return std::nullopt;
    return forIp(*ip);
}

std::optional<Lease> LeaseBook::forIp(quint32 ip) const
{
    const auto lease = byIp_.constFind(ip);
    if (lease == byIp_.cend())
        return std::nullopt;
    return *lease;
}

qsizetype LeaseBook::boundCount(qint64 now) const
{
    return std::count_if(byIp_.cbegin(), byIp_.cend(),
                         [now](const Lease &l) { return l.state == Lease::State::Bound && l.holds(now); });
}

void LeaseBook::hold(const Lease &lease) { put(lease); }

void LeaseBook::record(const Lease &lease)
{
    put(lease);
    pending_ << lease;
}

Expected<void> LeaseBook::flush()
{
    if (pending_.isEmpty())
        return {};
    auto saved = store_.saveAll(pending_);
    pending_.clear();
    if (!saved) {
        (void)load(); // back to what is durable; if that fails too, the next flush reports it again
        return saved;
    }
    return {};
}

void LeaseBook::put(const Lease &lease)
{
    // The address may have belonged to another MAC: that MAC no longer points at it.
    if (const auto previous = byIp_.constFind(lease.ip); previous != byIp_.cend() && previous->mac != lease.mac)
        if (ipOfMac_.value(previous->mac) == lease.ip)
            ipOfMac_.remove(previous->mac);
    byIp_.insert(lease.ip, lease);
    ipOfMac_.insert(lease.mac, lease.ip);
}

} // namespace metaldesk::dhcp
