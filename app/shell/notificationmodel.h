#pragma once

#include "core/machines/machine.h"

#include <QAbstractListModel>

namespace metaldesk {

class ChangeFeed;
class ServiceHost;

// Every failure, the moment it happens, until the user dismisses it: a machine's error event (a
// deployment or commissioning that failed, a timeout, a power call refused) from the change feed,
// and a service that stopped or could not start (a port it cannot bind), from the service host.
// Newest first.
class NotificationModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        SystemIdRole = Qt::UserRole + 1,
        SourceRole, // the machine's name, or the service's
        TextRole    // what happened, without the time and the source
    };

    // `keep`: the newest this many are kept (a flood of failures must not grow the window without
    // bound: review L12); every one is in the Events log all the same.
    NotificationModel(const ChangeFeed &feed, const ServiceHost &host, QObject *parent = nullptr, int keep = 500);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void dismissAll();

    // "No problems", "1 problem", "%1 problems": the status bar's and the tray's words.
    static QString countText(int count);
    void dismiss(int row);

signals:
    // A new failure is in the list (after the rows were inserted).
    void notified();

private:
    struct Notification {
        qint64 when = 0;  // ms since the epoch
        QString systemId; // empty for a service
        QString source;   // the machine's name, or the service's
        Text text;        // shown in the language of the moment
    };
    void add(Notification notification);
    void eventRecorded(const Event &event);

    QList<Notification> notifications_;
    int keep_;
};

} // namespace metaldesk
