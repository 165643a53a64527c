#include "core/boot/boottickets.h"

#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QRandomGenerator>

namespace metaldesk::boottickets {

namespace {

constexpr qint64 kValidMs = 5 * 60 * 1000; // from the DHCP answer to iPXE's fetch: seconds, normally
constexpr qsizetype kMaxTickets = 65536;   // a flood of DHCP requests cannot grow this for ever

struct Ticket {
    QByteArray value;
    qint64 expires = 0;
};

QMutex lock;
QHash<QString, Ticket> tickets; // by MAC

qint64 now() { return QDateTime::currentMSecsSinceEpoch(); }

} // namespace

QByteArray issue(const QString &mac)
{
    QMutexLocker locker(&lock);
    const qint64 t = now();
    if (const auto found = tickets.constFind(mac); found != tickets.cend() && found->expires > t)
        return found->value;
    if (tickets.size() >= kMaxTickets) {
        tickets.removeIf([t](const auto &entry) { return entry.value().expires <= t; });
        if (tickets.size() >= kMaxTickets)
            tickets.erase(tickets.begin()); // still full: one goes, its machine asks DHCP again
    }
    QByteArray random(16, '\0');
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(random.data()),
                                         reinterpret_cast<quint32 *>(random.data() + random.size()));
    const QByteArray value = random.toHex();
    tickets.insert(mac, Ticket{value, t + kValidMs});
    return value;
}

bool redeem(const QString &mac, const QByteArray &ticket)
{
    QMutexLocker locker(&lock);
    const auto found = tickets.constFind(mac);
    if (ticket.isEmpty() || found == tickets.cend() || found->expires <= now() || found->value.size() != ticket.size())
        return false;
    // Compared in constant time: the ticket stands in for a credential.
    char difference = 0;
    for (qsizetype i = 0; i < ticket.size(); ++i)
        difference = char(difference | (found->value[i] ^ ticket[i]));
    if (difference != 0)
        return false;
    tickets.erase(found);
    return true;
}

} // namespace metaldesk::boottickets
