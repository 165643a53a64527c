#pragma once

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;
class QToolButton;

namespace metaldesk {

struct Actor;
struct CoreServices;
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
    NotificationPanel *notificationPanel() const { return notificationPanel_; }
    UsersPage *usersPage() const { return usersPage_; }
    // The signed-in user: who takes actions from this window (shown in the status bar).
    void setUser(const Actor &user);
    // Selects the page in the navigation, as a click on its title would.
    void showPage(QWidget *page);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void addPage(QWidget *page, const QIcon &icon, const QString &title);
    void saveSettings() const;
    void restoreSettings();
    void updateNotificationsButton();
    void buildSettingsMenu();

    QListWidget *navigation_;
    QStackedWidget *pages_;
    MachinesPage *machinesPage_;
    ServicesPage *servicesPage_;
    NetworkPage *networkPage_;
    UsersPage *usersPage_;
    QLabel *userLabel_;
    NotificationModel *notifications_;
    NotificationPanel *notificationPanel_;
    QToolButton *notificationsButton_;
};

} // namespace metaldesk
