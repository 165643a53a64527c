#include "app/machines/machinetablemodel.h"

#include "app/machines/machinefilterproxy.h"
#include "app/shell/stateicons.h"
#include "core/machines/machinestore.h"
#include "core/storage/changefeed.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QGuiApplication>
#include <QHostAddress>
#include <QLocale>
#include <QLoggingCategory>
#include <QtConcurrent>

#include <algorithm>
#include <numeric>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcMachineModel, "metaldesk.gui.machines")

namespace {
// Shown where a value is not known yet (hardware before commissioning, no owner): an empty cell
// reads as "broken column", a dash reads as "nothing here".
QString noValue() { return QStringLiteral("—"); }

QStringList macAddresses(const Machine &m)
{
    QStringList macs;
    for (const Interface &i : m.interfaces)
        macs << i.macAddress;
    return macs;
}
} // namespace

MachineTableModel::MachineTableModel(const MachineStore &store, const ChangeFeed &feed, QObject *parent)
    : QAbstractTableModel(parent), store_(store)
{
    if (auto list = store_.list()) {
        machines_ = std::move(*list);
        rows_.reserve(machines_.size());
        nameKeys_.reserve(machines_.size());
        searchTexts_.reserve(machines_.size());
        for (int row = 0; row < machines_.size(); ++row) {
            rows_.insert(machines_[row].systemId, row);
            nameKeys_ << naturalKey(machines_[row].hostname);
            searchTexts_ << MachineFilter::searchText(machines_[row]);
            ++statusCounts_[int(machines_[row].status)];
        }
        nameRanks_.clear();
    } else {
        loadError_ = list.errorMessage();
        qCWarning(lcMachineModel) << "cannot list machines:" << loadError_;
    }
    // The feed emits from whichever thread made the change; with this model as the context the
    // calls are queued onto the GUI thread when needed, and dropped once the model is gone.
    connect(&feed, &ChangeFeed::machineAdded, this, &MachineTableModel::machineAdded);
    connect(&feed, &ChangeFeed::machineChanged, this, &MachineTableModel::machineChanged);
    connect(&feed, &ChangeFeed::machineRemoved, this, &MachineTableModel::machineRemoved);
    connect(&feed, &ChangeFeed::eventRecorded, this, &MachineTableModel::eventRecorded);
    // The time left of machines at work counts down in the Status column.
    timeLeftTick_.setInterval(30 * 1000);
    connect(&timeLeftTick_, &QTimer::timeout, this, [this] {
        // Only the rows of machines at work, in runs: with 100,000 machines and a few at work, the
        // proxy re-checks a few rows, not all of them.
        for (int row = 0; row < machines_.size(); ++row) {
            if (!machines_[row].statusExpires)
                continue;
            int last = row;
            while (last + 1 < machines_.size() && machines_[last + 1].statusExpires)
                ++last;
            emit dataChanged(index(row, StatusColumn), index(last, StatusColumn), {Qt::DisplayRole});
            row = last;
        }
    });
    timeLeftTick_.start();
    // Addresses and last events on a worker thread (its own database connection): the list shows
    // at once, and these columns fill in a moment later.
    connect(&activity_, &QFutureWatcher<Activity>::finished, this, &MachineTableModel::activityRead);
    activity_.setFuture(QtConcurrent::run([&store] {
        Expected<QHash<QString, QString>> lastEvents = QHash<QString, QString>();
        if (auto texts = store.lastEvents()) // rendered here, off the GUI thread (translation is thread-safe)
            for (auto it = texts->cbegin(); it != texts->cend(); ++it)
                lastEvents->insert(it.key(), it.value().translated());
        else
            lastEvents = texts.error();
        return Activity{store.ipAddresses(), lastEvents, store.chassisNames()};
    }));
}

MachineTableModel::~MachineTableModel()
{
    activity_.waitForFinished(); // it reads through the store, which the caller may destroy next
}

void MachineTableModel::activityRead()
{
    const Activity read = activity_.result();
    if (read.ipAddresses)
        for (auto it = read.ipAddresses->cbegin(); it != read.ipAddresses->cend(); ++it)
            ipAddresses_.insert(it.key(), it.value()); // none yet: changes re-read them per machine
    else
        qCWarning(lcMachineModel) << "cannot read the IP addresses:" << read.ipAddresses.errorMessage();
    if (read.lastEvents) {
        // An event that arrived while they were read is newer than what was read: it stays.
        for (auto it = read.lastEvents->cbegin(); it != read.lastEvents->cend(); ++it)
            if (!lastEvents_.contains(it.key()))
                lastEvents_.insert(it.key(), it.value());
    } else {
        qCWarning(lcMachineModel) << "cannot read the last events:" << read.lastEvents.errorMessage();
    }
    if (read.chassisNames)
        chassisNames_ = *read.chassisNames;
    else
        qCWarning(lcMachineModel) << "cannot read the chassis:" << read.chassisNames.errorMessage();
    activityLoaded_ = true;
    if (!machines_.isEmpty()) {
        emit dataChanged(index(0, IpColumn), index(rowCount() - 1, ChassisColumn));
        emit dataChanged(index(0, LastEventColumn), index(rowCount() - 1, LastEventColumn));
    }
    emit activityLoadedChanged();
}

void MachineTableModel::readIpAddresses(const QString &systemId)
{
    auto read = store_.ipAddresses(systemId);
    if (!read) {
        qCDebug(lcMachineModel) << "cannot read the IP addresses of" << systemId << read.errorMessage();
        return;
    }
    if (read->contains(systemId))
        ipAddresses_.insert(systemId, read->value(systemId));
    else
        ipAddresses_.remove(systemId);
}

void MachineTableModel::eventRecorded(const Event &event)
{
    lastEvents_.insert(event.systemId, event.text());
    if (const int row = rowOf(event.systemId); row >= 0)
        emit dataChanged(index(row, LastEventColumn), index(row, LastEventColumn));
}

int MachineTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(machines_.size());
}

int MachineTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString MachineTableModel::statusText(NodeStatus status)
{
    return QCoreApplication::translate("NodeStatus", nodeStatusLabel(status));
}

QString MachineTableModel::powerStateText(const QString &powerState)
{
    if (powerState == QLatin1String("on"))
        return tr("On");
    if (powerState == QLatin1String("off"))
        return tr("Off");
    if (powerState == QLatin1String("error"))
        return tr("Error");
    return tr("Unknown");
}

QString MachineTableModel::memoryText(qint64 mebibytes)
{
    return tr("%1 GiB").arg(QLocale().toString(double(mebibytes) / 1024.0, 'f', 1));
}

QString MachineTableModel::storageText(qint64 bytes)
{
    return tr("%1 GB").arg(QLocale().toString(double(bytes) / 1e9, 'f', 1));
}

QString MachineTableModel::macText(const QStringList &macAddresses)
{
    if (macAddresses.isEmpty())
        return {};
    if (macAddresses.size() == 1)
        return macAddresses.first();
    return tr("%1 (+%2)").arg(macAddresses.first()).arg(macAddresses.size() - 1);
}

QString MachineTableModel::notCommissionedText() { return tr("Not known until the machine is commissioned"); }

QString MachineTableModel::statusWithTimeLeft(const Machine &m, qint64 nowMs)
{
    if (!isMonitoredStatus(m.status) || !m.statusExpires)
        return statusText(m.status);
    // Rounded up: "1 min left" until the very end, never "0 min left" while it still runs.
    const qint64 minutes = qMax<qint64>(0, (*m.statusExpires - nowMs + 59999) / 60000);
    return minutes == 0 ? tr("%1 · timing out").arg(statusText(m.status))
                        : tr("%1 · %n min left", nullptr, int(qMin<qint64>(minutes, 99999))).arg(statusText(m.status));
}

QIcon MachineTableModel::icon(StateKind kind) const
{
    auto it = icons_.constFind(int(kind));
    if (it == icons_.cend())
        it = icons_.insert(int(kind), stateIcon(kind, QGuiApplication::palette()));
    return *it;
}

QVariant MachineTableModel::displayValue(const Machine &m, int column) const
{
    switch (Column(column)) {
    case NameColumn: return m.hostname;
    case StatusColumn: return statusWithTimeLeft(m, QDateTime::currentMSecsSinceEpoch());
    case PowerColumn: return powerStateText(m.powerState);
    case OwnerColumn: return m.owner.isEmpty() ? noValue() : m.owner;
    case ArchitectureColumn: return m.architecture.isEmpty() ? noValue() : m.architecture;
    case CpuColumn: return m.cpuCount > 0 ? QLocale().toString(m.cpuCount) : noValue();
    case MemoryColumn: return m.memory > 0 ? memoryText(m.memory) : noValue();
    case StorageColumn: return m.storage > 0 ? storageText(m.storage) : noValue();
    case MacColumn: return m.interfaces.isEmpty() ? noValue() : macText(macAddresses(m));
    case IpColumn: {
        const QStringList ips = ipAddresses_.value(m.systemId);
        return ips.isEmpty() ? noValue() : ips.join(QLatin1String(", "));
    }
    case ChassisColumn: return chassisText(m);
    case ZoneColumn: return m.zone;
    case TagsColumn: return m.tags.isEmpty() ? noValue() : m.tags.join(QLatin1String(", "));
    case SystemIdColumn: return m.systemId;
    case LastEventColumn: return lastEvents_.value(m.systemId);
    case ColumnCount: break;
    }
    return {};
}

QString MachineTableModel::chassisText(const Machine &m) const
{
    if (!m.chassisId)
        return noValue();
    // A chassis added after the list was read is named by its number until the next start.
    return chassisNames_.value(*m.chassisId, tr("chassis %1").arg(*m.chassisId));
}

QVariant MachineTableModel::sortValue(const Machine &m, int column) const
{
    switch (Column(column)) {
    case CpuColumn: return m.cpuCount;
    case MemoryColumn: return m.memory;
    case StorageColumn: return m.storage;
    case OwnerColumn: return m.owner;
    case ArchitectureColumn: return m.architecture;
    case MacColumn: return m.interfaces.isEmpty() ? QString() : m.interfaces.first().macAddress;
    default: return displayValue(m, column); // texts sort as the user reads them
    }
}

QString MachineTableModel::naturalKey(QStringView text)
{
    // Lower case; each run of digits becomes its length (one character) and its digits without
    // leading zeros, so that a plain comparison puts 2 before 10.
    QString key;
    key.reserve(text.size() + 4);
    for (qsizetype i = 0; i < text.size();) {
        if (!text[i].isDigit()) {
            key += text[i].toLower();
            ++i;
            continue;
        }
        qsizetype end = i;
        while (end < text.size() && text[end].isDigit())
            ++end;
        qsizetype first = i;
        while (first + 1 < end && text[first] == u'0')
            ++first;
        key += QChar(u'0' + char16_t(end - first));
        key += text.mid(first, end - first);
        i = end;
    }
    return key;
}

int MachineTableModel::compareRows(int left, int right, int column) const
{
    const Machine &a = machines_.at(left);
    const Machine &b = machines_.at(right);
    auto numbers = [](qint64 x, qint64 y) { return x < y ? -1 : x > y ? 1 : 0; };
    auto texts = [](const QString &x, const QString &y) { return x.compare(y, Qt::CaseInsensitive); };
    int order = 0;
    switch (Column(column)) {
    case NameColumn:
        break; // the tie-breaker below
    // Statuses in MAAS's order (New, Commissioning, ..., Ready, ..., Deployed): the lifecycle, in
    // any language.
    case StatusColumn: order = numbers(qint64(a.status), qint64(b.status)); break;
    case PowerColumn: order = texts(a.powerState, b.powerState); break;
    case OwnerColumn: order = texts(a.owner, b.owner); break;
    case ArchitectureColumn: order = texts(a.architecture, b.architecture); break;
    case CpuColumn: order = numbers(a.cpuCount, b.cpuCount); break;
    case MemoryColumn: order = numbers(a.memory, b.memory); break;
    case StorageColumn: order = numbers(a.storage, b.storage); break;
    case MacColumn:
        order = texts(a.interfaces.isEmpty() ? QString() : a.interfaces.first().macAddress,
                      b.interfaces.isEmpty() ? QString() : b.interfaces.first().macAddress);
        break;
    case SystemIdColumn: order = texts(a.systemId, b.systemId); break;
    case IpColumn: {
        // Numerically by the first address (10.0.0.9 before 10.0.0.10); none last.
        auto first = [this](const Machine &m) {
            const QStringList ips = ipAddresses_.value(m.systemId);
            return ips.isEmpty() ? Q_INT64_C(0x100000000) : qint64(QHostAddress(ips.first()).toIPv4Address());
        };
        order = numbers(first(a), first(b));
        break;
    }
    case LastEventColumn: order = texts(lastEvents_.value(a.systemId), lastEvents_.value(b.systemId)); break;
    case ChassisColumn: order = texts(chassisText(a), chassisText(b)); break;
    case ZoneColumn: order = texts(a.zone, b.zone); break;
    case TagsColumn: order = texts(a.tags.join(QLatin1Char(',')), b.tags.join(QLatin1Char(','))); break;
    case ColumnCount: break;
    }
    if (order == 0) {
        const QList<int> &ranks = nameRanks();
        order = ranks.at(left) - ranks.at(right);
    }
    return order;
}

const QList<int> &MachineTableModel::nameRanks() const
{
    if (nameRanks_.size() == machines_.size())
        return nameRanks_;
    QList<int> byName(machines_.size());
    std::iota(byName.begin(), byName.end(), 0);
    std::sort(byName.begin(), byName.end(), [this](int a, int b) {
        if (const int order = nameKeys_.at(a).compare(nameKeys_.at(b)); order != 0)
            return order < 0;
        return machines_.at(a).systemId < machines_.at(b).systemId;
    });
    nameRanks_.resize(machines_.size());
    for (int rank = 0; rank < byName.size(); ++rank)
        nameRanks_[byName[rank]] = rank;
    return nameRanks_;
}

QVariant MachineTableModel::toolTip(const Machine &m, int column) const
{
    switch (Column(column)) {
    case StatusColumn:
        // The failure reason: why the machine is Broken or Failed deployment.
        return m.statusMessage.isEmpty() ? QVariant() : m.statusMessageInWords();
    case PowerColumn:
        return m.powerType.isEmpty() ? tr("No power driver set") : tr("Power driver: %1").arg(m.powerType);
    case CpuColumn:
    case MemoryColumn:
    case StorageColumn: return m.cpuCount > 0 || m.memory > 0 || m.storage > 0 ? QVariant() : notCommissionedText();
    case IpColumn: return ipAddresses_.value(m.systemId).join(QLatin1Char('\n'));
    case LastEventColumn: return lastEvents_.value(m.systemId);
    case MacColumn: {
        QStringList lines;
        for (const Interface &i : m.interfaces)
            lines << tr("%1: %2").arg(i.name, i.macAddress);
        return lines.isEmpty() ? QVariant() : lines.join(QLatin1Char('\n'));
    }
    default: return {};
    }
}

QVariant MachineTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Machine &m = machines_.at(index.row());
    switch (role) {
    case Qt::DisplayRole: return displayValue(m, index.column());
    case SortRole: return sortValue(m, index.column());
    case SystemIdRole: return m.systemId;
    case Qt::ToolTipRole: return toolTip(m, index.column());
    case Qt::DecorationRole:
        if (index.column() == StatusColumn)
            return icon(stateKindOf(m.status));
        if (index.column() == PowerColumn)
            return icon(stateKindOfPower(m.powerState));
        return {};
    case Qt::ForegroundRole:
        // What went wrong stands out in its text too (the icon's shape says it without colour).
        if (index.column() == StatusColumn) {
            const StateKind kind = stateKindOf(m.status);
            if (kind == StateKind::Failed || kind == StateKind::Attention)
                return stateColor(kind, QGuiApplication::palette());
        }
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case CpuColumn:
        case MemoryColumn:
        case StorageColumn: return int(Qt::AlignRight | Qt::AlignVCenter);
        default: return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    default: return {};
    }
}

QVariant MachineTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole) {
        const bool numeric = section == CpuColumn || section == MemoryColumn || section == StorageColumn;
        return int((numeric ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    }
    if (role == Qt::InitialSortOrderRole) {
        // Biggest machines first is what one looks for when sorting by size.
        const bool numeric = section == CpuColumn || section == MemoryColumn || section == StorageColumn;
        return int(numeric ? Qt::DescendingOrder : Qt::AscendingOrder);
    }
    if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case CpuColumn: return tr("CPU cores");
        case MemoryColumn: return tr("Memory in GiB (1024³ bytes)");
        case StorageColumn: return tr("Total disk size in GB (10⁹ bytes)");
        case SystemIdColumn: return tr("The machine's unique id, as API clients see it");
        case IpColumn: return tr("The deployed system's address and the addresses leased to the machine now");
        case ChassisColumn: return tr("The vSphere or libvirt host the machine was found in");
        case ZoneColumn: return tr("The zone the machine is in: API clients (juju) allocate by zone");
        case TagsColumn: return tr("The machine's tags: API clients (juju) allocate by tag");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case NameColumn: return tr("Name");
    case StatusColumn: return tr("Status");
    case PowerColumn: return tr("Power");
    case OwnerColumn: return tr("Owner");
    case ArchitectureColumn: return tr("Architecture");
    case CpuColumn: return tr("CPU");
    case MemoryColumn: return tr("Memory");
    case StorageColumn: return tr("Storage");
    case MacColumn: return tr("MAC address");
    case IpColumn: return tr("IP addresses");
    case ChassisColumn: return tr("Chassis");
    case ZoneColumn: return tr("Zone");
    case TagsColumn: return tr("Tags");
    case SystemIdColumn: return tr("System ID");
    case LastEventColumn: return tr("Last event");
    case ColumnCount: break;
    }
    return {};
}

void MachineTableModel::machineAdded(const QString &systemId)
{
    if (rows_.contains(systemId)) // already here (a change was seen first): refresh that row
        return machineChanged(systemId);
    auto machine = store_.get(systemId);
    if (!machine) {
        // Gone again before this queued call ran; its removal follows and finds nothing to do.
        qCDebug(lcMachineModel) << "added machine not readable:" << systemId << machine.errorMessage();
        return;
    }
    const int row = int(machines_.size());
    beginInsertRows({}, row, row);
    nameKeys_ << naturalKey(machine->hostname);
    searchTexts_ << MachineFilter::searchText(*machine);
    ++statusCounts_[int(machine->status)];
    nameRanks_.clear();
    machines_.append(std::move(*machine));
    rows_.insert(systemId, row);
    endInsertRows();
    emit statusCountsChanged();
}

void MachineTableModel::machineChanged(const QString &systemId)
{
    const int row = rowOf(systemId);
    if (row < 0) // a change to a machine this model never saw added: it exists, so show it
        return machineAdded(systemId);
    auto machine = store_.get(systemId);
    if (!machine) {
        qCDebug(lcMachineModel) << "changed machine not readable:" << systemId << machine.errorMessage();
        return;
    }
    if (machine->hostname != machines_[row].hostname) {
        nameKeys_[row] = naturalKey(machine->hostname);
        nameRanks_.clear();
    }
    searchTexts_[row] = MachineFilter::searchText(*machine);
    const bool moved = machine->status != machines_[row].status;
    if (moved) {
        --statusCounts_[int(machines_[row].status)];
        ++statusCounts_[int(machine->status)];
        // Addresses change with the status (a lease while commissioning, the static one deployed).
        readIpAddresses(systemId);
    }
    machines_[row] = std::move(*machine);
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    if (moved)
        emit statusCountsChanged();
}

void MachineTableModel::machineRemoved(const QString &systemId)
{
    const int row = rowOf(systemId);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    --statusCounts_[int(machines_.at(row).status)];
    machines_.removeAt(row);
    nameKeys_.removeAt(row);
    searchTexts_.removeAt(row);
    nameRanks_.clear();
    rows_.remove(systemId);
    ipAddresses_.remove(systemId);
    lastEvents_.remove(systemId);
    for (int r = row; r < machines_.size(); ++r)
        rows_[machines_[r].systemId] = r;
    endRemoveRows();
    emit statusCountsChanged();
}

} // namespace metaldesk
