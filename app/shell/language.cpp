#include "app/shell/language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QSettings>
#include <QTranslator>

namespace metaldesk::language {

namespace {
const QString kKey = QStringLiteral("interface/language");
}

QString chosen() { return QSettings().value(kKey).toString(); }

void choose(const QString &code)
{
    QSettings settings;
    if (code.isEmpty())
        settings.remove(kKey);
    else
        settings.setValue(kKey, code);
}

QLocale locale()
{
    const QString code = chosen();
    if (code == QLatin1String("ko"))
        return QLocale(QLocale::Korean, QLocale::SouthKorea);
    if (code == QLatin1String("en"))
        return QLocale(QLocale::English, QLocale::UnitedStates);
    return QLocale::system();
}

void install(QCoreApplication &app)
{
    const QString name = QStringLiteral("metaldesk-translator");
    for (QTranslator *old : app.findChildren<QTranslator *>(name, Qt::FindDirectChildrenOnly)) {
        QCoreApplication::removeTranslator(old);
        delete old;
    }
    const QLocale ui = locale();
    // Dates and numbers in the window's language, not the system's, when a language was chosen.
    QLocale::setDefault(ui);
    auto *ours = new QTranslator(&app);
    ours->setObjectName(name);
    if (ours->load(ui, QStringLiteral("metaldesk"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(ours);
    auto *qt = new QTranslator(&app);
    qt->setObjectName(name);
    if (qt->load(ui, QStringLiteral("qtbase"), QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
}

} // namespace metaldesk::language
