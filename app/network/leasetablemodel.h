#pragma once

#include "core/addresses/leasestore.h"

#include <QAbstractTableModel>
#include <vector>

namespace metaldesk {

// DHCP leases as a table: MAC, IP, hostname, state, expiry (local time). Holds a copy the page
// reloads off the GUI thread; setLeases() changes nothing when the leases are the same.
class LeaseTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        MacColumn,
        IpColumn,
        HostnameColumn,
        StateColumn,
        ExpiresColumn,
        ColumnCount
    };
    // For sorting: the address and the expiry as numbers, not as text.
    static constexpr int SortRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;
    void setLeases(std::vector<Lease> leases, qint64 nowMs);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString stateText(const Lease &lease) const;
    std::vector<Lease> leases_;
    qint64 now_ = 0; // when they were read: "expired" is judged against it
};

} // namespace metaldesk
