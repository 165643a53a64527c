#pragma once

#include <QLocale>
#include <QString>

class QCoreApplication;

namespace metaldesk::language {

// The interface's language: the system's (LANG=ko_KR.UTF-8 → Korean) unless one is chosen in the
// window's Settings menu; the choice is kept with QSettings and applies at once (ConsoleShell
// builds the window again in it).
QString chosen(); // "" (the system's), "en" or "ko"
void choose(const QString &code);
QLocale locale();
// Installs MetalDesk's translation and Qt's own (its buttons and dialogs) for locale(), in place
// of those an earlier call installed.
void install(QCoreApplication &app);

} // namespace metaldesk::language
