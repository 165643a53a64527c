#pragma once

#include "core/machines/machine.h"

#include <QHash>
#include <QObject>
#include <QPointer>

class QAction;
class QMenu;
class QSystemTrayIcon;
class QTimer;

namespace metaldesk {

struct CoreServices;
class MainWindow;
class ServiceHost;

// MetalDesk beside the desktop's clock, for the hours when its window is not looked at: a tray icon
// that says how many machines are at work and how many problems are open and brings the window
// back; desktop notifications (the freedesktop.org Notify call, which GNOME, KDE and dunst answer)
// for a failure and for a long action that finished; and what closing the window does while the
// boot services run (machines that network-boot need them).
class DesktopTray : public QObject {
    Q_OBJECT
public:
    DesktopTray(CoreServices &core, ServiceHost &host, QObject *parent = nullptr);
    ~DesktopTray() override;

    // The window shown now (a new one after a language change): its counts and its failures.
    void attach(MainWindow *window);

    // Whether desktop notifications are sent: a setting of this user's desktop (on by default).
    static bool notificationsOn();
    static void setNotificationsOn(bool on);

    enum class CloseChoice {
        Close,      // nothing runs that a machine needs: the window closes and MetalDesk quits
        KeepInTray, // the window hides; the services run on, the tray icon brings it back
        Quit,
        Stay // the user changed their mind
    };
    // Asks, when services run, whether to keep them running in the tray; where the desktop has no
    // tray, whether to quit (a hidden MetalDesk without a tray icon could not be found again).
    CloseChoice askOnClose(QWidget *window);

    bool iconShown() const;
    QString toolTip() const;

signals:
    void quitRequested();
    // A desktop notification was handed to the session bus.
    void notificationSent(const QString &summary, const QString &body);

private slots:
    // The desktop's notification server: the user clicked one (its default action) or its Open.
    void actionInvoked(uint id, const QString &action);
    void notificationClosed(uint id, uint reason);

private:
    void updateIcon();
    void eventRecorded(const Event &event);
    void notifyNewestProblem();
    // target: what its Open action shows (a machine's system id; empty for the Services page).
    void notify(const QString &summary, const QString &body, bool urgent, const QString &target);
    void showWindow();
    QStringList runningServices() const;

    ServiceHost &host_;
    QPointer<MainWindow> window_;
    QSystemTrayIcon *icon_ = nullptr; // none where the desktop has no tray
    QMenu *menu_ = nullptr;
    QAction *notificationsAction_ = nullptr;
    QTimer *updateDue_;            // counts change in bursts: the icon is redrawn at most 5 times a second
    QHash<uint, QString> targets_; // notification id → what it opens (the newest few)
    int busy_ = 0;
    int problems_ = 0;
};

} // namespace metaldesk
