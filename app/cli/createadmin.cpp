#include "app/cli/createadmin.h"

#include "core/runtime/coreservices.h"

#include <QCoreApplication>
#include <QTextStream>
#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace metaldesk {

namespace {

// Gives lupdate and the runtime one translation context for this file.
struct CreateAdminText {
    Q_DECLARE_TR_FUNCTIONS(CreateAdmin)
};

// Shows the prompt and reads a line. For a secret the terminal's echo goes off *before* the prompt
// appears, so not even a reply typed or pasted at once can show on screen.
QString prompted(QTextStream &in, QTextStream &out, const QString &prompt, bool secret)
{
    termios old{};
    const bool quiet = secret && tcgetattr(STDIN_FILENO, &old) == 0;
    if (quiet) {
        termios noEcho = old;
        noEcho.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &noEcho);
    }
    out << prompt << Qt::flush;
    const QString line = in.readLine();
    if (quiet) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        out << Qt::endl; // the Enter the user typed was not echoed either
    }
    return secret ? line : line.trimmed();
}

} // namespace

int runCreateAdmin(CommandLine cl)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QTextStream in(stdin);
    const bool interactive = isatty(STDIN_FILENO);

    auto ask = [&](QString &value, const QString &prompt, const char *option, bool secret) -> bool {
        if (!value.isEmpty())
            return true;
        if (!interactive && secret) {
            // A script gives the password on standard input, never on the command line.
            value = in.readLine();
            if (value.endsWith(QLatin1Char('\r')))
                value.chop(1);
            if (value.isEmpty()) {
                err << CreateAdminText::tr("metaldesk createadmin: no password: give it as the first line of "
                                           "standard input (there is no terminal to ask on)")
                    << Qt::endl;
                return false;
            }
            return true;
        }
        if (!interactive) {
            err << CreateAdminText::tr("metaldesk createadmin: missing --%1 (no terminal to ask on)")
                       .arg(QLatin1String(option))
                << Qt::endl;
            return false;
        }
        value = prompted(in, out, prompt, secret);
        if (secret && !value.isEmpty()) {
            if (prompted(in, out, CreateAdminText::tr("Again: "), true) != value) {
                err << CreateAdminText::tr("metaldesk createadmin: the passwords differ") << Qt::endl;
                return false;
            }
        }
        if (value.isEmpty()) {
            err << CreateAdminText::tr("metaldesk createadmin: --%1 may not be empty").arg(QLatin1String(option))
                << Qt::endl;
            return false;
        }
        return true;
    };
    if (!ask(cl.username, CreateAdminText::tr("Username: "), "username", false) ||
        !ask(cl.password, CreateAdminText::tr("Password: "), "password", true) ||
        !ask(cl.email, CreateAdminText::tr("Email: "), "email", false))
        return 2;
    if (QString why = UserStore::validateUsername(cl.username); !why.isEmpty()) {
        err << QStringLiteral("metaldesk createadmin: ") << why << Qt::endl;
        return 2;
    }

    auto core = CoreServices::open(cl.database);
    if (!core) {
        err << QStringLiteral("metaldesk createadmin: ") << core.errorMessage() << Qt::endl;
        return 1;
    }
    auto user =
        (*core)->users->addUser(Actor::system(QStringLiteral("createadmin")), cl.username, cl.email, cl.password, true);
    if (!user) {
        err << QStringLiteral("metaldesk createadmin: ") << user.errorMessage() << Qt::endl;
        return 1;
    }
    auto token = (*core)->users->createToken(user->id, QStringLiteral("createadmin"));
    if (!token) {
        err << QStringLiteral("metaldesk createadmin: ") << token.errorMessage() << Qt::endl;
        return 1;
    }
    out << CreateAdminText::tr("Created administrator %1 in %2.").arg(user->username, (*core)->db->spec().displayName())
        << Qt::endl
        << CreateAdminText::tr("API key (for juju and other MAAS clients; keep it secret): %1").arg(token->apiKey())
        << Qt::endl;
    return 0;
}

} // namespace metaldesk
