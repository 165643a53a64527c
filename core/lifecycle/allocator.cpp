#include "core/lifecycle/allocator.h"

#include "core/boot/nodereports.h"
#include "core/machines/labelstore.h"
#include "core/machines/machinestore.h"
#include "core/machines/noderesults.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace metaldesk {

namespace {

struct AllocationText {
    Q_DECLARE_TR_FUNCTIONS(Allocation)
};

struct StorageAsk {
    QString label;
    qint64 bytes = 0;
    QStringList tags;
};

struct InterfaceAsk {
    QString label;
    QString space; // empty: any
};

// "root:32(ssd),data:100" or "32,100"; labels default to "0", "1", ...
std::optional<QList<StorageAsk>> parseStorage(const QString &text)
{
    static const QRegularExpression item(
        QStringLiteral("^(?:([A-Za-z0-9_-]+):)?(\\d+(?:\\.\\d+)?)(?:\\(([^)]*)\\))?$"));
    QList<StorageAsk> asks;
    const QStringList parts = text.split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (int i = 0; i < parts.size(); ++i) {
        const auto m = item.match(parts[i].trimmed());
        if (!m.hasMatch())
            return std::nullopt;
        StorageAsk ask;
        ask.label = m.captured(1).isEmpty() ? QString::number(i) : m.captured(1);
        ask.bytes = qint64(m.captured(2).toDouble() * 1e9); // MAAS's storage constraint is in GB
        ask.tags = m.captured(3).split(QLatin1Char(','), Qt::SkipEmptyParts);
        asks << ask;
    }
    return asks;
}

// "eth0:space=public;eth1:space=storage" (MAAS also accepts other key=value pairs; only space is read).
std::optional<QList<InterfaceAsk>> parseInterfaces(const QString &text)
{
    static const QRegularExpression item(QStringLiteral("^([A-Za-z0-9_-]+):(.*)$"));
    QList<InterfaceAsk> asks;
    for (const QString &part : text.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const auto m = item.match(part.trimmed());
        if (!m.hasMatch())
            return std::nullopt;
        InterfaceAsk ask{m.captured(1), {}};
        for (const QString &pair : m.captured(2).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString key = pair.section(QLatin1Char('='), 0, 0).trimmed();
            const QString value = pair.section(QLatin1Char('='), 1).trimmed();
            if (key == QLatin1String("space"))
                ask.space = value;
        }
        asks << ask;
    }
    return asks;
}

bool architectureMatches(const QString &machine, const QString &asked)
{
    if (asked.contains(QLatin1Char('/')))
        return machine == asked;
    return machine.section(QLatin1Char('/'), 0, 0) == asked;
}

} // namespace

QString constraintsProblem(const AllocationConstraints &c)
{
    if (c.cpuCount && *c.cpuCount < 0)
        return AllocationText::tr("cpu_count must not be negative");
    if (c.memoryMiB && *c.memoryMiB < 0)
        return AllocationText::tr("mem must not be negative");
    if (!c.storage.isEmpty() && !parseStorage(c.storage))
        return AllocationText::tr("the storage constraint '%1' should look like root:32(ssd),data:100").arg(c.storage);
    if (!c.interfaces.isEmpty() && !parseInterfaces(c.interfaces))
        return AllocationText::tr("the interfaces constraint '%1' should look like eth0:space=public")
            .arg(c.interfaces);
    return {};
}

QString constraintMismatch(const AllocationCandidate &candidate, const AllocationConstraints &c, Allocation *out)
{
    const Machine &m = candidate.machine;
    if (!c.hostname.isEmpty() && m.hostname != c.hostname)
        return AllocationText::tr("not named %1").arg(c.hostname);
    if (!c.systemId.isEmpty() && m.systemId != c.systemId)
        return AllocationText::tr("not %1").arg(c.systemId);
    if (!c.architecture.isEmpty() && !architectureMatches(m.architecture, c.architecture))
        return AllocationText::tr("architecture %1, not %2").arg(m.architecture, c.architecture);
    if (c.cpuCount && m.cpuCount < *c.cpuCount)
        return AllocationText::tr("%1 CPUs, fewer than %2").arg(m.cpuCount).arg(*c.cpuCount);
    if (c.memoryMiB && m.memory < *c.memoryMiB)
        return AllocationText::tr("%1 MiB of memory, less than %2").arg(m.memory).arg(*c.memoryMiB);
    for (const QString &tag : c.tags)
        if (!m.tags.contains(tag))
            return AllocationText::tr("no tag %1").arg(tag);
    for (const QString &tag : c.notTags)
        if (m.tags.contains(tag))
            return AllocationText::tr("tagged %1").arg(tag);
    if (!c.zone.isEmpty() && m.zone != c.zone)
        return AllocationText::tr("in zone %1, not %2").arg(m.zone, c.zone);
    if (c.notInZones.contains(m.zone))
        return AllocationText::tr("in zone %1").arg(m.zone);
    if (!c.pool.isEmpty() && m.pool != c.pool)
        return AllocationText::tr("in pool %1, not %2").arg(m.pool, c.pool);
    if (c.notInPools.contains(m.pool))
        return AllocationText::tr("in pool %1").arg(m.pool);
    // not_subnets is taken and not checked: every machine is on the one boot network, in no space.
    Allocation allocation;
    if (!c.storage.isEmpty()) {
        const auto asks = parseStorage(c.storage).value_or(QList<StorageAsk>());
        QList<bool> used(candidate.inventory ? candidate.inventory->disks.size() : 0, false);
        for (const StorageAsk &ask : asks) {
            if (!ask.tags.isEmpty())
                return AllocationText::tr("no disk tagged %1").arg(ask.tags.join(QLatin1Char(',')));
            int found = -1;
            for (int i = 0; i < used.size() && found < 0; ++i)
                if (!used[i] && candidate.inventory->disks[i].sizeBytes >= ask.bytes)
                    found = i;
            if (found < 0)
                return AllocationText::tr("no free disk of %1 GB for %2").arg(double(ask.bytes) / 1e9).arg(ask.label);
            used[found] = true;
            allocation.storage[ask.label] << qint64(found + 1);
        }
    }
    if (!c.interfaces.isEmpty()) {
        const auto asks = parseInterfaces(c.interfaces).value_or(QList<InterfaceAsk>());
        int next = 0;
        for (const InterfaceAsk &ask : asks) {
            if (!ask.space.isEmpty())
                return AllocationText::tr("no interface in space %1 (MetalDesk has no spaces)").arg(ask.space);
            if (next >= m.interfaces.size())
                return AllocationText::tr("%1 interfaces, fewer than asked").arg(m.interfaces.size());
            allocation.interfaces[ask.label] << m.interfaces[next++].id;
        }
    }
    if (out) {
        allocation.machine = m;
        *out = allocation;
    }
    return {};
}

Expected<std::optional<Allocation>> Allocator::allocate(const AllocationConstraints &c, const Actor &actor,
                                                        QString *reason) const
{
    if (QString problem = constraintsProblem(c); !problem.isEmpty())
        return Error{problem};
    MachineStore machines(db_, nullptr);
    auto all = machines.list();
    if (!all)
        return all.error();
    NodeResultStore results(db_);
    QStringList whyNot;
    int ready = 0;
    for (const Machine &m : std::as_const(*all)) {
        if (m.status != NodeStatus::Ready)
            continue;
        ++ready;
        AllocationCandidate candidate{m, std::nullopt};
        if (!c.storage.isEmpty()) {
            auto stored = results.latest(m.systemId, QLatin1String(NodeReports::kCommissioningResult));
            if (!stored)
                return stored.error();
            if (*stored)
                if (auto inventory = parseInventory((*stored)->output))
                    candidate.inventory = *inventory;
        }
        Allocation allocation;
        if (QString mismatch = constraintMismatch(candidate, c, &allocation); !mismatch.isEmpty()) {
            if (whyNot.size() < 5)
                whyNot << QStringLiteral("%1: %2").arg(m.hostname, mismatch);
            continue;
        }
        if (c.dryRun)
            return std::optional<Allocation>(allocation);
        // Another client may take it first: the engine refuses it under its lock, and we go on.
        auto acquired = engine_.performAction(m.systemId, NodeAction::Acquire, actor);
        if (!acquired) {
            whyNot << QStringLiteral("%1: %2").arg(m.hostname, acquired.errorMessage());
            continue;
        }
        if (!c.agentName.isEmpty())
            if (auto named = LabelStore(db_, nullptr).setAgentName(m.systemId, c.agentName); !named)
                return named.error();
        auto now = machines.get(m.systemId);
        if (!now)
            return now.error();
        allocation.machine = *now;
        return std::optional<Allocation>(allocation);
    }
    if (reason)
        *reason = ready == 0 ? AllocationText::tr("no machine is Ready")
                             : AllocationText::tr("none of the %1 Ready machines matches: %2")
                                   .arg(ready)
                                   .arg(whyNot.join(QLatin1String("; ")));
    return std::optional<Allocation>();
}

} // namespace metaldesk
