#pragma once

#include "core/machines/machine.h"

#include <QMainWindow>
#include <optional>

class QLabel;
class QMenu;
class QListWidget;
class QStackedWidget;
class QToolButton;

namespace metaldesk {

struct CoreServices;
class ChassisPage;
class ImagesPage;
class MachinesPage;
class NetworkPage;
class NotificationModel;
class NotificationPanel;
class ServiceHost;
class ServicesPage;
class UsersPage;

// The console's frame: a navigation list on the left, the pages beside it, a status bar. It only
// wires pages together; each page is its own class over the services it is given.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(CoreServices &core, ServiceHost &host, QWidget *parent = nullptr);

    MachinesPage *machinesPage() const { return machinesPage_; }
    ServicesPage *servicesPage() const { return servicesPage_; }
    NetworkPage *networkPage() const { return networkPage_; }
    ChassisPage *chassisPage() const { return chassisPage_; }
    ImagesPage *imagesPage() const { return imagesPage_; }
    NotificationPanel *notificationPanel() const { return notificationPanel_; }
    NotificationModel *notifications() const { return notifications_; }
    UsersPage *usersPage() const { return usersPage_; }
    // The signed-in user: who takes actions from this window (shown in the status bar, with Sign in
    // and Sign out there and in the Account menu). None: the pages only show.
    void setUser(const std::optional<Actor> &user);
    const std::optional<Actor> &user() const { return user_; }
    // The sign-in dialog; a user who signs in replaces the one signed in.
    void signIn();
    void signOut();
    // Version, database and data folder: what support asks for.
    void showAbout();
    // Selects the page in the navigation, as a click on its title would.
    void showPage(QWidget *page);
    // Where a problem or a notification about it leads: the machine's details, or (no machine) the
    // Services page.
    void openProblem(const QString &systemId);

    // Size, page and columns, kept for the next window (QSettings).
    void saveSettings() const;

signals:
    // A language was chosen in the Settings menu (and saved): ConsoleShell builds the window again.
    void languageChosen();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void addPage(QWidget *page, const QIcon &icon, const QString &title);
    void restoreSettings();
    void updateNotificationsButton();
    void buildSettingsMenu();
    void buildAccountMenu();

    QListWidget *navigation_;
    QStackedWidget *pages_;
    MachinesPage *machinesPage_;
    ChassisPage *chassisPage_;
    ImagesPage *imagesPage_;
    ServicesPage *servicesPage_;
    NetworkPage *networkPage_;
    UsersPage *usersPage_;
    CoreServices &core_;
    std::optional<Actor> user_;
    QToolButton *accountButton_; // in the status bar: who is signed in; a click opens the Account menu
    QMenu *accountMenu_;
    QAction *signIn_;
    QAction *signOut_;
    NotificationModel *notifications_;
    NotificationPanel *notificationPanel_;
    QToolButton *notificationsButton_;
};

} // namespace metaldesk
