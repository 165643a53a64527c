#include "core/chassis/chassis.h"

#include <QCoreApplication>

namespace metaldesk {

QStringList chassisTypes() { return {QStringLiteral("virsh"), QStringLiteral("vmware")}; }

QString chassisTypeLabel(const QString &type)
{
    if (type == QLatin1String("virsh"))
        return QCoreApplication::translate("Chassis", "libvirt host (KVM/QEMU)");
    if (type == QLatin1String("vmware"))
        return QCoreApplication::translate("Chassis", "VMware vCenter or ESXi host");
    return type;
}

QString chassisPowerType(const Chassis &chassis, const ChassisVm &vm)
{
    return vm.powerAllowed ? chassis.type : QStringLiteral("manual");
}

QJsonObject chassisPowerParameters(const Chassis &chassis, const ChassisVm &vm)
{
    if (!vm.powerAllowed)
        return {};
    if (chassis.type == QLatin1String("vmware")) {
        // MAAS's vmware parameters: the host's credentials, the VM by name and by UUID.
        QJsonObject parameters = chassis.parameters;
        parameters.insert(QStringLiteral("power_address"), chassis.address);
        parameters.insert(QStringLiteral("power_vm_name"), vm.name);
        parameters.insert(QStringLiteral("power_uuid"), vm.uuid);
        return parameters;
    }
    return {{QStringLiteral("power_address"), chassis.address}, {QStringLiteral("power_id"), vm.name}};
}

QString chassisVmName(const QJsonObject &powerParameters)
{
    const QString virsh = powerParameters.value(QLatin1String("power_id")).toString();
    return virsh.isEmpty() ? powerParameters.value(QLatin1String("power_vm_name")).toString() : virsh;
}

} // namespace metaldesk
