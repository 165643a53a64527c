#include "app/machines/machineeventmodel.h"

#include "app/machines/machinetablemodel.h"
#include "app/shell/textstyle.h"
#include "core/storage/changefeed.h"
#include "core/storage/eventstore.h"

#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QFont>
#include <QLoggingCategory>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcMachineEvents, "metaldesk.gui.events")

MachineEventModel::MachineEventModel(const EventStore &store, const ChangeFeed &feed, QObject *parent)
    : QAbstractTableModel(parent), store_(store)
{
    // Queued onto the GUI thread when the event was recorded elsewhere; dropped once the model is gone.
    connect(&feed, &ChangeFeed::eventRecorded, this, &MachineEventModel::eventRecorded);
}

void MachineEventModel::setMachine(const QString &systemId)
{
    beginResetModel();
    systemId_ = systemId;
    events_.clear();
    ids_.clear();
    loadError_.clear();
    if (!systemId.isEmpty()) {
        if (auto events = store_.forMachine(systemId)) {
            events_ = std::move(*events);
            for (const Event &e : std::as_const(events_))
                ids_.insert(e.id);
        } else {
            loadError_ = events.errorMessage();
            qCWarning(lcMachineEvents) << "cannot read the events of" << systemId << ":" << loadError_;
        }
    }
    endResetModel();
}

void MachineEventModel::eventRecorded(const Event &event)
{
    // Events read with the list arrive again from the feed when they were queued before it.
    if (systemId_.isEmpty() || event.systemId != systemId_ || ids_.contains(event.id))
        return;
    // Threads may deliver events out of order: each goes where its id puts it.
    int row = 0;
    while (row < events_.size() && events_.at(row).id > event.id)
        ++row;
    beginInsertRows({}, row, row);
    events_.insert(row, event);
    ids_.insert(event.id);
    endInsertRows();
}

int MachineEventModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(events_.size()); }

int MachineEventModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString MachineEventModel::timeText(qint64 msSinceEpoch)
{
    return dateTimeText(msSinceEpoch); // the window's one format, seconds included
}

QString MachineEventModel::levelText(EventLevel level)
{
    switch (level) {
    case EventLevel::Info: return tr("Info");
    case EventLevel::Warning: return tr("Warning");
    case EventLevel::Error: return tr("Error");
    }
    return {};
}

QString MachineEventModel::statusChangeText(const Event &event)
{
    if (event.fromStatus && event.toStatus)
        return tr("%1 → %2").arg(MachineTableModel::statusText(*event.fromStatus),
                                 MachineTableModel::statusText(*event.toStatus));
    if (event.toStatus)
        return MachineTableModel::statusText(*event.toStatus);
    return {};
}

QVariant MachineEventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Event &e = events_.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case TimeColumn: return timeText(e.created);
        case LevelColumn: return levelText(e.level);
        case UserColumn: {
            const char *component = systemActorLabel(e.username);
            return component ? QCoreApplication::translate("Actor", component) : e.username;
        }
        case StatusColumn: return statusChangeText(e);
        case DescriptionColumn: return e.text();
        case ColumnCount: break;
        }
        return {};
    case Qt::ToolTipRole: {
        // The description may be longer than the column (an inventory's summary).
        if (index.column() != DescriptionColumn || e.description.isEmpty())
            return {};
        if (e.isAsRecorded())
            return tr("%1\n\nRecorded by an earlier MetalDesk in one language only: shown as it was recorded.")
                .arg(e.description);
        return e.text();
    }
    case Qt::FontRole: { // an event shown as recorded, perhaps not in the window's language, looks apart
        if (index.column() != DescriptionColumn || !e.isAsRecorded())
            return {};
        QFont italic;
        italic.setItalic(true);
        return italic;
    }
    case Qt::ForegroundRole:
        if (index.column() != LevelColumn)
            return {};
        if (e.level == EventLevel::Error)
            return QColor(0xb0, 0x00, 0x20);
        if (e.level == EventLevel::Warning)
            return QColor(0x8a, 0x4b, 0x00);
        return {};
    default: return {};
    }
}

QVariant MachineEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case TimeColumn: return tr("Time");
    case LevelColumn: return tr("Level");
    case UserColumn: return tr("By");
    case StatusColumn: return tr("Status change");
    case DescriptionColumn: return tr("Description");
    case ColumnCount: break;
    }
    return {};
}

} // namespace metaldesk
