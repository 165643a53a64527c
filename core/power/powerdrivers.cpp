#include "core/power/powerdrivers.h"

#include <QCoreApplication>

#include "core/power/ipmipowerdriver.h"
#include "core/power/libvirtpowerdriver.h"
#include "core/power/manualpowerdriver.h"
#include "core/power/vmwarepowerdriver.h"
#include "core/power/wakeonlanpowerdriver.h"

#include <algorithm>

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
    drivers->add(std::make_unique<VmwarePowerDriver>());
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
    for (auto it = parameters.constBegin(); it != parameters.constEnd(); ++it) {
        const auto &all = driver->parameters();
        const auto p =
            std::find_if(all.cbegin(), all.cend(), [&](const PowerParameter &q) { return q.name == it.key(); });
        if (p == all.cend())
            return PowerText::tr("the power driver %1 has no setting '%2'").arg(driver->label().translated(), it.key());
        if (!p->choices.isEmpty() && !p->choices.contains(it.value().toString(), Qt::CaseInsensitive))
            return PowerText::tr("%1 cannot be '%2' (it takes %3)")
                .arg(QCoreApplication::translate("PowerParameter", p->label), it.value().toString(),
                     p->choices.join(QStringLiteral(", ")));
    }
    return missingPowerParameters(*driver, parameters);
}

} // namespace metaldesk
