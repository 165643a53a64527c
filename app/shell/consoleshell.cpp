#include "app/shell/consoleshell.h"

#include "app/shell/desktoptray.h"
#include "app/shell/language.h"
#include "app/shell/mainwindow.h"

#include <QCloseEvent>
#include <QCoreApplication>

namespace metaldesk {

ConsoleShell::ConsoleShell(CoreServices &core, ServiceHost &host, QObject *parent)
    : QObject(parent), core_(core), host_(host), tray_(new DesktopTray(core, host, this))
{
    connect(tray_, &DesktopTray::quitRequested, this, &ConsoleShell::quitRequested);
}

ConsoleShell::~ConsoleShell() = default;

void ConsoleShell::show(const std::optional<Actor> &user)
{
    window_ = std::make_unique<MainWindow>(core_, host_);
    window_->setUser(user);
    connect(window_.get(), &MainWindow::languageChosen, this, &ConsoleShell::rebuild, Qt::QueuedConnection);
    window_->installEventFilter(this);
    tray_->attach(window_.get());
    window_->show();
}

bool ConsoleShell::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != window_.get() || event->type() != QEvent::Close)
        return QObject::eventFilter(watched, event);
    switch (tray_->askOnClose(window_.get())) {
    case DesktopTray::CloseChoice::Stay: event->ignore(); return true;
    case DesktopTray::CloseChoice::KeepInTray:
        window_->saveSettings();
        window_->hide();
        event->ignore();
        return true;
    case DesktopTray::CloseChoice::Close:
    case DesktopTray::CloseChoice::Quit:
        // The window closes (saving its settings) and the program ends with it.
        QMetaObject::invokeMethod(this, &ConsoleShell::quitRequested, Qt::QueuedConnection);
        return false;
    }
    return false;
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
