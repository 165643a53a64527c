#include "core/power/powerdrivers.h"

#include <QCoreApplication>

#include "core/power/ipmipowerdriver.h"
#include "core/power/libvirtpowerdriver.h"
#include "core/power/manualpowerdriver.h"
#include "core/power/wakeonlanpowerdriver.h"

namespace metaldesk {

namespace {
struct PowerText {
    Q_DECLARE_TR_FUNCTIONS(Power)
};
} // namespace

std::shared_ptr<const PowerDrivers> PowerDrivers::builtIn()
{
    auto drivers = std::make_shared<PowerDrivers>();
    drivers->add(std::make_unique<IpmiPowerDriver>());
    drivers->add(std::make_unique<LibvirtPowerDriver>());
    drivers->add(std::make_unique<WakeOnLanPowerDriver>());
    drivers->add(std::make_unique<ManualPowerDriver>());
    return drivers;
}

const PowerDriver *PowerDrivers::find(const QString &type) const
{
    for (const auto &d : drivers_)
        if (d->type() == type)
            return d.get();
    return nullptr;
}

QList<const PowerDriver *> PowerDrivers::all() const
{
    QList<const PowerDriver *> list;
    for (const auto &d : drivers_)
        list << d.get();
    return list;
}

QString powerSettingsProblem(const PowerDrivers &drivers, const QString &powerType, const QJsonObject &parameters)
{
    if (powerType.isEmpty())
        return parameters.isEmpty() ? QString() : PowerText::tr("power settings need a power driver");
    const PowerDriver *driver = drivers.find(powerType);
    if (!driver)
        return PowerText::tr("there is no power driver '%1'").arg(powerType);
    QStringList known;
    for (const PowerParameter &p : driver->parameters())
        known << p.name;
    for (auto it = parameters.constBegin(); it != parameters.constEnd(); ++it)
        if (!known.contains(it.key()))
            return PowerText::tr("the power driver %1 has no setting '%2'").arg(driver->label(), it.key());
    return missingPowerParameters(*driver, parameters);
}

} // namespace metaldesk
