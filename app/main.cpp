#include "app/cli/apikeycommand.h"
#include "app/cli/commandline.h"
#include "app/cli/configcommand.h"
#include "app/cli/createadmin.h"
#include "app/cli/headlessrunner.h"
#include "app/cli/imagescommand.h"
#include "app/cli/secureexecution.h"
#include "app/cli/unixsignalwatcher.h"
#include "app/shell/appicon.h"
#include "app/shell/consoleshell.h"
#include "app/shell/firstrunwizard.h"
#include "app/shell/language.h"
#include "app/shell/signindialog.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/runtime/services.h"

#include <QApplication>
#include <QMessageBox>
#include <QTextStream>

using namespace metaldesk;

namespace {

int runWindow(const CommandLine &cl)
{
    auto core = CoreServices::open(cl.database);
    if (!core) {
        QTextStream(stderr) << QStringLiteral("metaldesk: ") << core.errorMessage() << Qt::endl;
        QMessageBox::critical(nullptr, QObject::tr("MetalDesk cannot start"), core.errorMessage());
        return 1;
    }
    ServiceHost host;
    for (const QString &problem : addServices(host, **core, cl.listen))
        QTextStream(stderr) << QStringLiteral("metaldesk: ") << problem << Qt::endl;
    host.start();
    UnixSignalWatcher watcher;
    QObject::connect(&watcher, &UnixSignalWatcher::terminationRequested, qApp, &QCoreApplication::quit);

    // Who uses the window: on a fresh installation the first-run wizard creates the administrator.
    auto users = (*core)->users->list();
    if (!users) {
        QMessageBox::critical(nullptr, QObject::tr("MetalDesk cannot start"), users.errorMessage());
        host.stop();
        return 1;
    }
    Actor user;
    if (users->isEmpty()) {
        FirstRunWizard wizard(**core, host);
        if (wizard.exec() != QDialog::Accepted && wizard.user().username.isEmpty()) {
            host.stop();
            return 0;
        }
        user = wizard.user(); // closed after the account was made: signed in all the same
    } else {
        SignInDialog signIn(*(*core)->users);
        if (signIn.exec() != QDialog::Accepted) {
            host.stop();
            return 0;
        }
        user = signIn.user();
    }
    ConsoleShell shell(**core, host);
    // The window may hide in the tray while the services run: the shell says when to quit.
    QApplication::setQuitOnLastWindowClosed(false);
    QObject::connect(&shell, &ConsoleShell::quitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    shell.show(user);
    const int status = QApplication::exec();
    host.stop();
    return status;
}

} // namespace

int main(int argc, char **argv)
{
    forgetPluginPathsWhenPrivileged(); // before Qt looks for any plugin
    QCoreApplication::setApplicationName(QStringLiteral("metaldesk"));
    QCoreApplication::setOrganizationName(QStringLiteral("MetalDesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(METALDESK_VERSION));
    // One line per log record, with time and subsystem (metaldesk.lifecycle, metaldesk.db, ...).
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-dd hh:mm:ss.zzz} %{category} %{type}: %{message}"));

    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    const auto cl = parseCommandLine(args);
    if (!cl) {
        QTextStream(stderr) << QStringLiteral("metaldesk: ") << cl.errorMessage() << Qt::endl
                            << QObject::tr("Try 'metaldesk --help'.") << Qt::endl;
        return 2;
    }

    switch (cl->mode) {
    case CommandLine::Mode::Help: QTextStream(stdout) << cl->helpText; return 0;
    case CommandLine::Mode::Version:
        QTextStream(stdout) << QStringLiteral("metaldesk %1").arg(QLatin1String(METALDESK_VERSION)) << Qt::endl;
        return 0;
    case CommandLine::Mode::CreateAdmin: {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runCreateAdmin(*cl);
    }
    case CommandLine::Mode::SetConfig:
    case CommandLine::Mode::GetConfig: {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runConfigCommand(*cl);
    }
    case CommandLine::Mode::SecretKey: {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runSecretKeyCommand(*cl);
    }
    case CommandLine::Mode::ApiKey: {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runApiKeyCommand(*cl);
    }
    case CommandLine::Mode::Images: {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runImagesCommand(*cl);
    }
    case CommandLine::Mode::Headless: {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runHeadless(*cl, false);
    }
    case CommandLine::Mode::Gui: break;
    }
    if (!displayAvailable()) {
        QCoreApplication app(argc, argv);
        language::install(app);
        return runHeadless(*cl, true);
    }
    QApplication app(argc, argv);
    language::install(app);
    // The icon and the desktop entry's name: the task bar groups the window under the entry.
    QApplication::setWindowIcon(appIcon());
    QGuiApplication::setDesktopFileName(QStringLiteral("org.metaldesk.MetalDesk"));
    return runWindow(*cl);
}
