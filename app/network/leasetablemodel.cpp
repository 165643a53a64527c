#include "app/network/leasetablemodel.h"

#include "app/shell/textstyle.h"

#include <QDateTime>
#include <QHostAddress>
#include <QLocale>

namespace metaldesk {

namespace {
bool sameLease(const Lease &a, const Lease &b)
{
    return a.ip == b.ip && a.mac == b.mac && a.hostname == b.hostname && a.state == b.state && a.expires == b.expires;
}
} // namespace

void LeaseTableModel::setLeases(std::vector<Lease> leases, qint64 nowMs)
{
    const bool sameRows =
        leases.size() == leases_.size() && std::equal(leases.cbegin(), leases.cend(), leases_.cbegin(), sameLease);
    const qint64 before = now_;
    now_ = nowMs;
    if (sameRows) {
        // Only "expired" can have changed, and only for leases that ran out since the last read.
        for (size_t row = 0; row < leases_.size(); ++row) {
            const qint64 expires = leases_[row].expires;
            if (expires > before && expires <= nowMs) {
                const QModelIndex cell = index(int(row), StateColumn);
                emit dataChanged(cell, cell);
            }
        }
        return;
    }
    beginResetModel();
    leases_ = std::move(leases);
    endResetModel();
}

int LeaseTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(leases_.size()); }

int LeaseTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString LeaseTableModel::stateText(const Lease &lease) const
{
    switch (lease.state) {
    case Lease::State::Offered: return lease.expires > now_ ? tr("offered") : tr("expired");
    case Lease::State::Bound: return lease.expires > now_ ? tr("bound") : tr("expired");
    case Lease::State::Released: return tr("released");
    case Lease::State::Declined: return tr("declined");
    }
    return {};
}

QVariant LeaseTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Lease &lease = leases_[size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case MacColumn: return lease.mac;
        case IpColumn: return QHostAddress(lease.ip).toString();
        case HostnameColumn: return lease.hostname;
        case StateColumn: return stateText(lease);
        case ExpiresColumn: return dateTimeText(lease.expires);
        default: return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case IpColumn: return lease.ip;
        case ExpiresColumn: return lease.expires;
        default: return data(index, Qt::DisplayRole);
        }
    }
    return {};
}

QVariant LeaseTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case MacColumn: return tr("MAC address");
    case IpColumn: return tr("IP address");
    case HostnameColumn: return tr("Hostname");
    case StateColumn: return tr("State");
    case ExpiresColumn: return tr("Expires");
    default: return {};
    }
}

} // namespace metaldesk
