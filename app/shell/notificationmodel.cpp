#include "app/shell/notificationmodel.h"

#include "app/shell/textstyle.h"

#include "core/runtime/servicehost.h"
#include "core/storage/changefeed.h"

#include <QApplication>
#include <QDateTime>
#include <QLocale>
#include <QStyle>

namespace metaldesk {

NotificationModel::NotificationModel(const ChangeFeed &feed, const ServiceHost &host, QObject *parent, int keep)
    : QAbstractListModel(parent), keep_(qMax(1, keep))
{
    // Services that failed before anyone listened (at start, before the window) are kept by the host.
    for (const ServiceHost::Entry &e : host.services())
        if (e.state == QLatin1String("failed"))
            add({QDateTime::currentMSecsSinceEpoch(), {}, e.thread->objectName(), Text::plain(e.detail)});
    connect(&host, &ServiceHost::serviceStateChanged, this,
            [this](const QString &name, const QString &state, const QString &detail) {
                if (state == QLatin1String("failed"))
                    add({QDateTime::currentMSecsSinceEpoch(), {}, name, Text::plain(detail)});
            });
    // Queued onto this thread when the event was recorded on another (the metadata service's).
    connect(&feed, &ChangeFeed::eventRecorded, this, &NotificationModel::eventRecorded);
}

void NotificationModel::eventRecorded(const Event &event)
{
    if (event.level == EventLevel::Error)
        add({event.created, event.systemId, event.hostname.isEmpty() ? event.systemId : event.hostname,
             event.message.isEmpty() ? Text::plain(event.description) : event.message});
}

void NotificationModel::add(Notification notification)
{
    if (notifications_.size() >= keep_) {
        beginRemoveRows({}, keep_ - 1, int(notifications_.size()) - 1);
        notifications_.resize(keep_ - 1);
        endRemoveRows();
    }
    beginInsertRows({}, 0, 0);
    notifications_.prepend(std::move(notification));
    endInsertRows();
    emit notified();
}

int NotificationModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(notifications_.size());
}

QVariant NotificationModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= notifications_.size())
        return {};
    const Notification &n = notifications_.at(index.row());
    const QString text = n.text.translated();
    const QString line = tr("%1  %2: %3").arg(dateTimeText(n.when), n.source, text);
    switch (role) {
    case Qt::DisplayRole: return line;
    case Qt::ToolTipRole: // the whole line, however long, and what to do next
        return line + QLatin1Char('\n') +
               (n.systemId.isEmpty() ? tr("A MetalDesk service: double-click to open the Services page")
                                     : tr("Double-click to open %1").arg(n.source));
    case Qt::DecorationRole: // a shape as well as the colour: a failure
        return QApplication::style()->standardIcon(QStyle::SP_MessageBoxCritical);
    case SystemIdRole: return n.systemId;
    case SourceRole: return n.source;
    case TextRole: return text;
    default: return {};
    }
}

QString NotificationModel::countText(int count)
{
    // Whole sentences per count: "%n problem(s)" would need an English translation file.
    return count == 0 ? tr("No problems") : count == 1 ? tr("1 problem") : tr("%1 problems").arg(count);
}

void NotificationModel::dismiss(int row)
{
    if (row < 0 || row >= notifications_.size())
        return;
    beginRemoveRows({}, row, row);
    notifications_.removeAt(row);
    endRemoveRows();
}

void NotificationModel::dismissAll()
{
    if (notifications_.isEmpty())
        return;
    beginRemoveRows({}, 0, int(notifications_.size()) - 1);
    notifications_.clear();
    endRemoveRows();
}

} // namespace metaldesk
