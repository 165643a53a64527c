#include "core/power/powerdrivers.h"

#include "core/power/ipmipowerdriver.h"
#include "core/power/libvirtpowerdriver.h"
#include "core/power/manualpowerdriver.h"
#include "core/power/wakeonlanpowerdriver.h"

namespace metaldesk {

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

} // namespace metaldesk
