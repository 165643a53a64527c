#pragma once

#include "core/machines/machine.h"

#include <QAbstractTableModel>
#include <QList>
#include <QSet>

namespace metaldesk {

class ChangeFeed;
class EventStore;

// One machine's events, newest first: read from the EventStore when the machine is chosen, then
// kept current from the ChangeFeed (a new event is inserted as one row, in id order, once).
class MachineEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        LevelColumn,
        UserColumn,
        StatusColumn, // "Commissioning → Ready", for status changes
        DescriptionColumn,
        ColumnCount
    };

    MachineEventModel(const EventStore &store, const ChangeFeed &feed, QObject *parent = nullptr);

    // Shows this machine's events (the newest 200, then every new one).
    void setMachine(const QString &systemId);
    const QString &systemId() const { return systemId_; }
    // Why the events could not be read; empty when they were.
    const QString &loadError() const { return loadError_; }
    const Event &eventAt(int row) const { return events_.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Shared with the details view, so that every time there reads alike.
    static QString timeText(qint64 msSinceEpoch);
    static QString levelText(EventLevel level);
    static QString statusChangeText(const Event &event);

private:
    void eventRecorded(const Event &event);

    const EventStore &store_;
    QString systemId_;
    QList<Event> events_; // newest (highest id) first
    QSet<qint64> ids_;
    QString loadError_;
};

} // namespace metaldesk
