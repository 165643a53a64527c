#pragma once

#include "core/base/expected.h"
#include "core/machines/machine.h"

#include <QAbstractTableModel>
#include <QFutureWatcher>
#include <QHash>
#include <QIcon>
#include <QList>
#include <QTimer>

namespace metaldesk {

class ChangeFeed;
class MachineStore;
enum class StateKind;

// The machines as a table, read from the MachineStore once and then kept current row by row from
// the ChangeFeed: a change to one machine touches one row, so selections, scroll position and the
// proxy's sorting survive live updates.
class MachineTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StatusColumn,
        PowerColumn,
        OwnerColumn,
        ArchitectureColumn,
        CpuColumn,
        MemoryColumn,
        StorageColumn,
        IpColumn,
        ChassisColumn,
        ZoneColumn,
        TagsColumn,
        MacColumn,
        SystemIdColumn,
        LastEventColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value (numbers as numbers), for sorting
        SystemIdRole,                // the row's system id, whatever the column
    };

    MachineTableModel(const MachineStore &store, const ChangeFeed &feed, QObject *parent = nullptr);
    ~MachineTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const Machine &machineAt(int row) const { return machines_.at(row); }
    // MachineFilter::searchText of the row's machine, kept with it.
    const QString &searchTextAt(int row) const { return searchTexts_.at(row); }
    // Orders two rows by a column as the list sorts it: numbers as numbers, texts without regard
    // to case and with numbers in them by value (node-2 before node-10), ties by name and then
    // system id. No QVariant and cached name keys: sorting 100,000 rows stays fast.
    int compareRows(int left, int right, int column) const;
    // A text's key for that order, compared with plain string comparison.
    static QString naturalKey(QStringView text);
    // How many machines are in a status, kept as rows come, change and go.
    int countIn(NodeStatus status) const { return statusCounts_.value(int(status)); }

    int rowOf(const QString &systemId) const { return rows_.value(systemId, -1); }
    // Why the initial list could not be read; empty when it was.
    const QString &loadError() const { return loadError_; }
    // The IP addresses, chassis names and last events are read after the list is shown (they cost a second scan
    // of the events); false until they are in.
    bool activityLoaded() const { return activityLoaded_; }

    // The cell texts, shared with the page, which sizes columns from them.
    static QString statusText(NodeStatus status);
    // The Status column's text: a machine at work says how long it has left before it times out
    // ("Deploying · 27 min left").
    static QString statusWithTimeLeft(const Machine &m, qint64 nowMs);
    static QString powerStateText(const QString &powerState);
    static QString memoryText(qint64 mebibytes);
    static QString storageText(qint64 bytes);
    // The first MAC address, and how many more: "52:54:00:12:34:56 (+1)".
    static QString macText(const QStringList &macAddresses);
    // What hardware the machine has is learnt by commissioning it; until then, this says so.
    static QString notCommissionedText();

signals:
    void activityLoadedChanged();
    // Some machine's status changed, or machines came or went: countIn() may differ.
    void statusCountsChanged();

private:
    void machineAdded(const QString &systemId);
    void machineChanged(const QString &systemId);
    void machineRemoved(const QString &systemId);
    void eventRecorded(const metaldesk::Event &event);
    void activityRead();
    void readIpAddresses(const QString &systemId);
    QVariant displayValue(const Machine &m, int column) const;
    QVariant sortValue(const Machine &m, int column) const;
    QVariant toolTip(const Machine &m, int column) const;
    QString chassisText(const Machine &m) const;
    QIcon icon(StateKind kind) const;

    const MachineStore &store_;
    QList<Machine> machines_;
    QList<QString> nameKeys_;      // naturalKey(hostname), row by row
    QList<QString> searchTexts_;   // MachineFilter::searchText, row by row
    QHash<int, int> statusCounts_; // status → machines in it
    // Each row's place in name order, worked out again (once) after rows or names changed: sorting
    // compares two integers instead of two names.
    const QList<int> &nameRanks() const;
    mutable QList<int> nameRanks_;
    QHash<QString, int> rows_; // system id → row in machines_
    QString loadError_;
    // By system id, not by row: rows move as machines come and go.
    QHash<QString, QStringList> ipAddresses_;
    QHash<QString, QString> lastEvents_; // rendered once: a new language builds a new window
    QHash<qint64, QString> chassisNames_;
    struct Activity {
        Expected<QHash<QString, QStringList>> ipAddresses = QHash<QString, QStringList>();
        Expected<QHash<QString, QString>> lastEvents = QHash<QString, QString>();
        Expected<QHash<qint64, QString>> chassisNames = QHash<qint64, QString>();
    };
    QFutureWatcher<Activity> activity_;
    bool activityLoaded_ = false;
    mutable QHash<int, QIcon> icons_; // by StateKind: drawn once
    QTimer timeLeftTick_;
};

} // namespace metaldesk
