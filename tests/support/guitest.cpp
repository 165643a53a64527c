#include "guitest.h"

#include "core/runtime/coreservices.h"

#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QLocale>
#include <QLoggingCategory>
#include <QSettings>
#include <QStandardPaths>

namespace metaldesk::guitest {

QString PseudoKorean::translate(const char *, const char *sourceText, const char *, int) const
{
    if (!sourceText || !*sourceText)
        return {};
    return QStringLiteral("한국어 ") + QString::fromUtf8(sourceText) + QStringLiteral(" 번역");
}

bool loadShippedKorean(QTranslator &metaldesk, QTranslator &qt)
{
    const QLocale korean(QLocale::Korean, QLocale::SouthKorea);
    return metaldesk.load(korean, QStringLiteral("metaldesk"), QStringLiteral("_"), QStringLiteral(":/i18n")) &&
           qt.load(korean, QStringLiteral("qtbase"), QStringLiteral("_"),
                   QLibraryInfo::path(QLibraryInfo::TranslationsPath));
}

bool setUpGuiTest(const QString &applicationName, const QString &settingsDir, bool quietWarnings)
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("MetalDesk"));
    QCoreApplication::setApplicationName(applicationName);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QLoggingCategory::setFilterRules(quietWarnings ? QStringLiteral("metaldesk.*.info=false\nmetaldesk.*.warning=false")
                                                   : QStringLiteral("metaldesk.*.info=false"));
    return QDir().mkpath(QStringLiteral(SCREENSHOT_DIR));
}

QString startFresh(std::unique_ptr<QTemporaryDir> &dir, std::unique_ptr<CoreServices> &core)
{
    QSettings().clear();
    dir = std::make_unique<QTemporaryDir>();
    if (!dir->isValid())
        return QStringLiteral("cannot make a temporary folder: ") + dir->errorString();
    auto opened = CoreServices::open(DatabaseSpec::sqlite(dir->filePath(QStringLiteral("md.db"))));
    if (!opened)
        return opened.errorMessage();
    core = std::move(*opened);
    return {};
}

} // namespace metaldesk::guitest
