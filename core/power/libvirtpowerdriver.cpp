#include "core/power/libvirtpowerdriver.h"

#include "core/libvirt/libvirtconnection.h"

#include <QCoreApplication>

namespace metaldesk {

Text LibvirtPowerDriver::label() const { return Text("Power", QT_TRANSLATE_NOOP("Power", "libvirt (virsh)")); }

QList<PowerParameter> LibvirtPowerDriver::parameters() const
{
    return {
        {QStringLiteral("power_address"),
         QT_TRANSLATE_NOOP("PowerParameter", "libvirt URI"),
         true,
         false,
         QStringLiteral("qemu:///system"),
         {}},
        {QStringLiteral("power_id"), QT_TRANSLATE_NOOP("PowerParameter", "VM name"), true, false, {}, {}},
    };
}

Expected<void> LibvirtPowerDriver::setNetworkBoot(const PowerTarget &target) const
{
    auto connection =
        LibvirtConnection::open(powerParameter(*this, target.parameters, QStringLiteral("power_address")));
    if (!connection)
        return connection.error();
    return connection->setNetworkBootFirst(powerParameter(*this, target.parameters, QStringLiteral("power_id")));
}

Expected<void> LibvirtPowerDriver::setPower(const PowerTarget &target, bool on) const
{
    auto connection =
        LibvirtConnection::open(powerParameter(*this, target.parameters, QStringLiteral("power_address")));
    if (!connection)
        return connection.error();
    return connection->setPower(powerParameter(*this, target.parameters, QStringLiteral("power_id")), on);
}

Expected<PowerState> LibvirtPowerDriver::queryPower(const PowerTarget &target) const
{
    auto connection =
        LibvirtConnection::open(powerParameter(*this, target.parameters, QStringLiteral("power_address")));
    if (!connection)
        return connection.error();
    return connection->powerState(powerParameter(*this, target.parameters, QStringLiteral("power_id")));
}

} // namespace metaldesk
