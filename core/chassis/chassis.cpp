#include "core/chassis/chassis.h"

#include <QCoreApplication>

namespace metaldesk {

QStringList chassisTypes() { return {QStringLiteral("virsh")}; }

QString chassisTypeLabel(const QString &type)
{
    if (type == QLatin1String("virsh"))
        return QCoreApplication::translate("Chassis", "libvirt host (KVM/QEMU)");
    return type;
}

QJsonObject chassisPowerParameters(const Chassis &chassis, const ChassisVm &vm)
{
    return {{QStringLiteral("power_address"), chassis.address}, {QStringLiteral("power_id"), vm.name}};
}

} // namespace metaldesk
