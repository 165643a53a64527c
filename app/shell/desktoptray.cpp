#include "app/shell/desktoptray.h"

#include "app/machines/machinespage.h"
#include "app/machines/machinetablemodel.h"
#include "app/shell/appicon.h"
#include "app/shell/mainwindow.h"
#include "app/shell/notificationmodel.h"
#include "core/lifecycle/nodestatus.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/storage/changefeed.h"

#include <QAction>
#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLoggingCategory>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSystemTrayIcon>
#include <QTimer>

Q_LOGGING_CATEGORY(lcDesktop, "metaldesk.desktop")

namespace metaldesk {

namespace {
const QString kNotificationsKey = QStringLiteral("desktop/notifications");

// The application icon with the number of open problems on a red disc in its corner.
QIcon badgedIcon(int problems)
{
    if (problems == 0)
        return appIcon();
    QIcon icon;
    for (int size : {16, 22, 24, 32, 48, 64}) {
        QImage image = appIconImage(size);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        const qreal disc = size * 0.6;
        const QRectF where(size - disc, size - disc, disc, disc);
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0xc0, 0x10, 0x20));
        painter.drawEllipse(where);
        QFont font = painter.font();
        font.setBold(true);
        font.setPixelSize(qMax(6, int(disc * 0.7)));
        painter.setFont(font);
        painter.setPen(Qt::white);
        painter.drawText(where, Qt::AlignCenter, problems > 9 ? QStringLiteral("9+") : QString::number(problems));
        painter.end();
        icon.addPixmap(QPixmap::fromImage(image));
    }
    return icon;
}
} // namespace

DesktopTray::DesktopTray(CoreServices &core, ServiceHost &host, QObject *parent)
    : QObject(parent), host_(host), updateDue_(new QTimer(this))
{
    updateDue_->setSingleShot(true);
    updateDue_->setInterval(200);
    connect(updateDue_, &QTimer::timeout, this, &DesktopTray::updateIcon);
    // Queued onto this thread when recorded on another (the metadata service's).
    connect(core.feed.get(), &ChangeFeed::eventRecorded, this, &DesktopTray::eventRecorded);
    // The notification server says which notification was clicked, and which closed (forgotten then).
    if (QDBusConnection bus = QDBusConnection::sessionBus(); bus.isConnected()) {
        const QString service = QStringLiteral("org.freedesktop.Notifications");
        const QString path = QStringLiteral("/org/freedesktop/Notifications");
        bus.connect(service, path, service, QStringLiteral("ActionInvoked"), this, SLOT(actionInvoked(uint, QString)));
        bus.connect(service, path, service, QStringLiteral("NotificationClosed"), this,
                    SLOT(notificationClosed(uint, uint)));
    }
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        qCInfo(lcDesktop) << "this desktop has no system tray: closing the window asks whether to quit";
        return;
    }
    icon_ = new QSystemTrayIcon(appIcon(), this);
    icon_->setObjectName(QStringLiteral("trayIcon"));
    menu_ = new QMenu;
    menu_->addAction(tr("&Show MetalDesk"), this, &DesktopTray::showWindow);
    menu_->addSeparator();
    notificationsAction_ = menu_->addAction(tr("Desktop &notifications"));
    notificationsAction_->setCheckable(true);
    connect(notificationsAction_, &QAction::toggled, this, &DesktopTray::setNotificationsOn);
    connect(menu_, &QMenu::aboutToShow, this, [this] { notificationsAction_->setChecked(notificationsOn()); });
    menu_->addSeparator();
    menu_->addAction(tr("&Quit MetalDesk"), this, &DesktopTray::quitRequested);
    icon_->setContextMenu(menu_);
    connect(icon_, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            showWindow();
    });
    updateIcon();
    icon_->show();
}

DesktopTray::~DesktopTray() { delete menu_; }

void DesktopTray::attach(MainWindow *window)
{
    window_ = window;
    MachineTableModel *machines = window->machinesPage()->model();
    NotificationModel *problems = window->notifications();
    // A burst of changes redraws once: the timer is started only when it is not running already.
    auto due = [this] {
        if (!updateDue_->isActive())
            updateDue_->start();
    };
    connect(machines, &MachineTableModel::statusCountsChanged, updateDue_, due);
    connect(problems, &QAbstractItemModel::rowsInserted, updateDue_, due);
    connect(problems, &QAbstractItemModel::rowsRemoved, updateDue_, due);
    connect(problems, &NotificationModel::notified, this, &DesktopTray::notifyNewestProblem);
    updateIcon();
}

bool DesktopTray::notificationsOn() { return QSettings().value(kNotificationsKey, true).toBool(); }

void DesktopTray::setNotificationsOn(bool on) { QSettings().setValue(kNotificationsKey, on); }

bool DesktopTray::iconShown() const { return icon_ && icon_->isVisible(); }

QString DesktopTray::toolTip() const
{
    // Whole sentences per count: "%n machine(s)" would need an English translation file to read well.
    const QString busy = busy_ == 0   ? tr("No machine at work")
                         : busy_ == 1 ? tr("1 machine at work")
                                      : tr("%1 machines at work").arg(busy_);
    return QStringLiteral("MetalDesk\n") + busy + QLatin1Char('\n') + NotificationModel::countText(problems_);
}

void DesktopTray::updateIcon()
{
    if (window_) {
        MachineTableModel *machines = window_->machinesPage()->model();
        busy_ = 0;
        for (NodeStatus status : allNodeStatuses())
            if (isMonitoredStatus(status))
                busy_ += machines->countIn(status);
        problems_ = window_->notifications()->rowCount();
    }
    if (!icon_)
        return;
    icon_->setIcon(badgedIcon(problems_));
    icon_->setToolTip(toolTip());
}

void DesktopTray::eventRecorded(const Event &event)
{
    // A long action that ended well: the user may have gone elsewhere meanwhile. Failures come
    // through the problems list (notifyNewestProblem), which also has the services'.
    if (!event.fromStatus || !event.toStatus || !isMonitoredStatus(*event.fromStatus) ||
        isFailedStatus(*event.toStatus) || isMonitoredStatus(*event.toStatus))
        return;
    const QString machine = event.hostname.isEmpty() ? event.systemId : event.hostname;
    QString body;
    switch (*event.fromStatus) {
    case NodeStatus::Commissioning: body = tr("Commissioning finished: the machine is Ready."); break;
    case NodeStatus::Deploying: body = tr("Deployed: the machine is yours to use."); break;
    case NodeStatus::Releasing:
    case NodeStatus::DiskErasing: body = tr("Released: the machine is Ready."); break;
    default:
        body =
            tr("%1 finished: the machine is %2.")
                .arg(MachineTableModel::statusText(*event.fromStatus), MachineTableModel::statusText(*event.toStatus));
    }
    notify(machine, body, false, event.systemId);
}

void DesktopTray::notifyNewestProblem()
{
    if (!window_ || window_->notifications()->rowCount() == 0)
        return;
    const QModelIndex newest = window_->notifications()->index(0, 0);
    notify(tr("Problem: %1").arg(newest.data(NotificationModel::SourceRole).toString()),
           newest.data(NotificationModel::TextRole).toString(), true,
           newest.data(NotificationModel::SystemIdRole).toString());
}

void DesktopTray::notify(const QString &summary, const QString &body, bool urgent, const QString &target)
{
    if (!notificationsOn())
        return;
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return; // no desktop session (SSH): the window's problems list has it all the same
    QDBusMessage call = QDBusMessage::createMethodCall(
        QStringLiteral("org.freedesktop.Notifications"), QStringLiteral("/org/freedesktop/Notifications"),
        QStringLiteral("org.freedesktop.Notifications"), QStringLiteral("Notify"));
    QVariantMap hints;
    hints.insert(QStringLiteral("urgency"), QVariant::fromValue(uchar(urgent ? 2 : 1)));
    hints.insert(QStringLiteral("desktop-entry"), QStringLiteral("org.metaldesk.MetalDesk"));
    // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
    call << QStringLiteral("MetalDesk") << uint(0) << QStringLiteral("org.metaldesk.MetalDesk") << summary << body
         << QStringList{QStringLiteral("default"), tr("Open")} << hints << int(-1);
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, target](QDBusPendingCallWatcher *w) {
        QDBusPendingReply<uint> reply = *w;
        if (reply.isError()) {
            qCInfo(lcDesktop).noquote() << "desktop notification not shown:" << reply.error().message();
        } else {
            if (targets_.size() >= 64) // a server that never says a notification closed: forget one
                targets_.erase(targets_.begin());
            targets_.insert(reply.value(), target);
        }
        w->deleteLater();
    });
    emit notificationSent(summary, body);
}

void DesktopTray::actionInvoked(uint id, const QString &action)
{
    const auto target = targets_.constFind(id);
    if (target == targets_.cend() || !window_)
        return; // another program's notification, or one from before this window
    qCInfo(lcDesktop).noquote() << "notification" << id << action << "opens"
                                << (target->isEmpty() ? QStringLiteral("the Services page") : *target);
    showWindow();
    window_->openProblem(*target);
}

void DesktopTray::notificationClosed(uint id, uint) { targets_.remove(id); }

void DesktopTray::showWindow()
{
    if (!window_)
        return;
    window_->show();
    window_->setWindowState((window_->windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    window_->raise();
    window_->activateWindow();
}

QStringList DesktopTray::runningServices() const
{
    QStringList names;
    for (const ServiceHost::Entry &e : host_.services())
        if (e.state == QLatin1String("running"))
            names << e.thread->objectName();
    return names;
}

DesktopTray::CloseChoice DesktopTray::askOnClose(QWidget *window)
{
    const QStringList running = runningServices();
    if (running.isEmpty())
        return CloseChoice::Close;
    QMessageBox box(window);
    box.setObjectName(QStringLiteral("closeQuestion"));
    box.setIcon(QMessageBox::Question);
    box.setWindowTitle(tr("Close MetalDesk"));
    const QString services = running.join(QStringLiteral(", "));
    QPushButton *keep = nullptr;
    if (icon_) {
        box.setText(tr("Keep MetalDesk running in the tray?"));
        box.setInformativeText(tr("These services are running: %1. Machines that start from the network need "
                                  "them. In the tray they run on, and its icon brings this window back.")
                                   .arg(services));
        keep = box.addButton(tr("&Keep running in the tray"), QMessageBox::AcceptRole);
        keep->setObjectName(QStringLiteral("keepInTray"));
    } else {
        box.setText(tr("Quit MetalDesk?"));
        box.setInformativeText(tr("These services are running: %1. Quitting stops them: machines that start from "
                                  "the network then find no boot server until MetalDesk runs again. (This desktop "
                                  "has no system tray to keep MetalDesk in.)")
                                   .arg(services));
    }
    QPushButton *quit = box.addButton(tr("&Quit"), QMessageBox::DestructiveRole);
    quit->setObjectName(QStringLiteral("quit"));
    QPushButton *cancel = box.addButton(QMessageBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancel"));
    box.setDefaultButton(keep ? keep : cancel);
    box.exec();
    if (keep && box.clickedButton() == keep)
        return CloseChoice::KeepInTray;
    if (box.clickedButton() == quit)
        return CloseChoice::Quit;
    return CloseChoice::Stay;
}

} // namespace metaldesk
