#pragma once

#include "core/machines/machine.h"

#include <QObject>
#include <memory>
#include <optional>

namespace metaldesk {

struct CoreServices;
class DesktopTray;
class MainWindow;
class ServiceHost;

// Owns the main window for the program's run. A language chosen in the window applies at once:
// the translators are replaced and the window is built again in the new language, with the same
// user, page, size and columns (the widgets take their texts when built, as Qt's do). The tray icon
// outlives the windows.
class ConsoleShell : public QObject {
    Q_OBJECT
public:
    ConsoleShell(CoreServices &core, ServiceHost &host, QObject *parent = nullptr);
    ~ConsoleShell() override;

    // Shows the window for this user.
    void show(const std::optional<Actor> &user);
    MainWindow *window() const { return window_.get(); }
    DesktopTray *tray() const { return tray_; }

signals:
    // The user chose to quit (closing the window, or from the tray's menu).
    void quitRequested();
    // A new window replaced the old one (a language change).
    void windowReplaced(metaldesk::MainWindow *window);

protected:
    // Closing the window while the boot services run asks what to do (DesktopTray::askOnClose).
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void rebuild();

    CoreServices &core_;
    ServiceHost &host_;
    DesktopTray *tray_;
    std::unique_ptr<MainWindow> window_;
};

} // namespace metaldesk
