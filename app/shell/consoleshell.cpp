#include "app/shell/consoleshell.h"

#include "app/shell/language.h"
#include "app/shell/mainwindow.h"

#include <QCoreApplication>

namespace metaldesk {

ConsoleShell::ConsoleShell(CoreServices &core, ServiceHost &host, QObject *parent)
    : QObject(parent), core_(core), host_(host)
{
}

ConsoleShell::~ConsoleShell() = default;

void ConsoleShell::show(const std::optional<Actor> &user)
{
    window_ = std::make_unique<MainWindow>(core_, host_);
    window_->setUser(user);
    connect(window_.get(), &MainWindow::languageChosen, this, &ConsoleShell::rebuild, Qt::QueuedConnection);
    window_->show();
}

void ConsoleShell::rebuild()
{
    if (!window_)
        return;
    // Queued: the old window's menu, which asked for this, has returned before the window goes.
    const std::optional<Actor> user = window_->user();
    window_->saveSettings();
    if (QCoreApplication::instance())
        language::install(*QCoreApplication::instance());
    std::unique_ptr<MainWindow> old = std::move(window_);
    show(user);
    old->hide();
    old.reset();
    emit windowReplaced(window_.get());
}

} // namespace metaldesk
