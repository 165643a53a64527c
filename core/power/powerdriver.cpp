#include "core/power/powerdriver.h"

#include <QCoreApplication>

namespace metaldesk {

QString powerStateName(PowerState state)
{
    switch (state) {
    case PowerState::On: return QStringLiteral("on");
    case PowerState::Off: return QStringLiteral("off");
    case PowerState::Unknown: break;
    }
    return QStringLiteral("unknown");
}

QString missingPowerParameters(const PowerDriver &driver, const QJsonObject &parameters)
{
    QStringList missing;
    for (const PowerParameter &p : driver.parameters())
        if (p.required && powerParameter(driver, parameters, p.name).trimmed().isEmpty())
            missing << QCoreApplication::translate("PowerParameter", p.label);
    if (missing.isEmpty())
        return {};
    return QCoreApplication::translate("Power", "%1 power needs: %2")
        .arg(driver.label().translated(), missing.join(QLatin1String(", ")));
}

QString powerParameter(const PowerDriver &driver, const QJsonObject &parameters, const QString &name)
{
    const QString value = parameters.value(name).toVariant().toString();
    if (!value.isEmpty())
        return value;
    for (const PowerParameter &p : driver.parameters())
        if (p.name == name)
            return p.defaultValue;
    return {};
}

} // namespace metaldesk
