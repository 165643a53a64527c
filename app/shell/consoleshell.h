#pragma once

#include "core/machines/machine.h"

#include <QObject>
#include <memory>
#include <optional>

namespace metaldesk {

struct CoreServices;
class MainWindow;
class ServiceHost;

// Owns the main window for the program's run. A language chosen in the window applies at once:
// the translators are replaced and the window is built again in the new language, with the same
// user, page, size and columns (the widgets take their texts when built, as Qt's do).
class ConsoleShell : public QObject {
    Q_OBJECT
public:
    ConsoleShell(CoreServices &core, ServiceHost &host, QObject *parent = nullptr);
    ~ConsoleShell() override;

    // Shows the window for this user.
    void show(const std::optional<Actor> &user);
    MainWindow *window() const { return window_.get(); }

signals:
    // A new window replaced the old one (a language change).
    void windowReplaced(metaldesk::MainWindow *window);

private:
    void rebuild();

    CoreServices &core_;
    ServiceHost &host_;
    std::unique_ptr<MainWindow> window_;
};

} // namespace metaldesk
