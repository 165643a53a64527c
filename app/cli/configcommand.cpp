#include "app/cli/configcommand.h"

#include "core/runtime/coreservices.h"
#include "core/storage/configstore.h"
#include "core/storage/secretkey.h"
#include "core/storage/settings.h"

#include <QCoreApplication>
#include <QTextStream>

namespace metaldesk {

namespace {
struct ConfigCommandText {
    Q_DECLARE_TR_FUNCTIONS(ConfigCommand)
};
} // namespace

int runConfigCommand(const CommandLine &cl)
{
    QTextStream err(stderr);
    auto core = CoreServices::open(cl.database);
    if (!core) {
        err << QStringLiteral("metaldesk: ") << core.errorMessage() << Qt::endl;
        return 1;
    }
    ConfigStore &config = *(*core)->config;
    if (cl.mode == CommandLine::Mode::GetConfig) {
        auto value = config.value(cl.configName);
        if (!value) {
            err << QStringLiteral("metaldesk: ") << value.errorMessage() << Qt::endl;
            return 1;
        }
        QTextStream(stdout) << *value << Qt::endl;
        return 0;
    }
    if (auto saved = config.setValue(cl.configName, cl.configValue); !saved) {
        err << QStringLiteral("metaldesk: ") << saved.errorMessage() << Qt::endl;
        return 1;
    }
    const SettingSpec *spec = findSetting(cl.configName);
    if (spec && !spec->restarts.isEmpty())
        err << ConfigCommandText::tr("%1 set; running instances use it when these services next start: %2.")
                   .arg(cl.configName, spec->restarts.join(QLatin1String(", ")))
            << Qt::endl;
    else
        err << ConfigCommandText::tr("%1 set; running instances use it from now on.").arg(cl.configName) << Qt::endl;
    return 0;
}

int runSecretKeyCommand(const CommandLine &cl)
{
    QTextStream err(stderr);
    auto core = CoreServices::open(cl.database);
    if (!core) {
        err << QStringLiteral("metaldesk: ") << core.errorMessage() << Qt::endl;
        return 1;
    }
    Database &db = *(*core)->db;
    if (!cl.keyPlace.isEmpty()) {
        const auto place = cl.keyPlace == QLatin1String("file") ? secretkey::Place::File : secretkey::Place::Keyring;
        if (auto moved = secretkey::moveTo(db, place); !moved) {
            err << QStringLiteral("metaldesk: ") << moved.errorMessage() << Qt::endl;
            return 1;
        }
    }
    QTextStream(stdout)
        << ConfigCommandText::tr("The key that seals the stored passwords is in %1.").arg(secretkey::describePlace(db))
        << Qt::endl;
    return 0;
}

} // namespace metaldesk
