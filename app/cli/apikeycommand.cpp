#include "app/cli/apikeycommand.h"

#include "core/runtime/coreservices.h"

#include <QCoreApplication>
#include <QTextStream>

namespace metaldesk {

namespace {
struct ApiKeyText {
    Q_DECLARE_TR_FUNCTIONS(ApiKeyCommand)
};
} // namespace

int runApiKeyCommand(const CommandLine &cl)
{
    QTextStream err(stderr);
    auto core = CoreServices::open(cl.database);
    if (!core) {
        err << QStringLiteral("metaldesk: ") << core.errorMessage() << Qt::endl;
        return 1;
    }
    auto user = (*core)->users->find(cl.username);
    if (!user) {
        err << QStringLiteral("metaldesk: ") << user.errorMessage() << Qt::endl;
        return 1;
    }
    auto token = (*core)->users->createToken(user->id, cl.title.isEmpty() ? QStringLiteral("command line") : cl.title);
    if (!token) {
        err << QStringLiteral("metaldesk: ") << token.errorMessage() << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << token->apiKey() << Qt::endl;
    err << ApiKeyText::tr("A new API key for %1: keep it, it is not shown again. Revoke it on the Users page.")
               .arg(user->username)
        << Qt::endl;
    return 0;
}

} // namespace metaldesk
