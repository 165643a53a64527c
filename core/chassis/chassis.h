#pragma once

#include "core/power/powerdriver.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace metaldesk {

// A host whose VMs MetalDesk discovers and powers (MAAS's "add chassis"): a libvirt host or a
// vCenter/ESXi host. Its type is the power type its machines get ("virsh", "vmware").
struct Chassis {
    qint64 id = 0;
    QString name;                   // unique, shown in the Machines list's Chassis column
    QString type;                   // "virsh", "vmware"
    QString address;                // the libvirt URI; the vSphere host's name or address
    QJsonObject parameters;         // vmware: power_user, power_pass, power_port, power_fingerprint
    QString prefixFilter;           // only VMs whose name starts with it ("" = all)
    std::optional<qint64> lastSync; // ms since epoch
    QString lastError;              // why the last sync failed, "" when it worked
    int machineCount = 0;
};

// One VM as its chassis lists it.
struct ChassisVm {
    QString name;
    QString uuid;
    QString architecture; // MAAS's form, "amd64/generic"
    QString firmware;     // "bios", "uefi"
    QStringList macAddresses;
    PowerState power = PowerState::Unknown;
    // False when the host lists the VM but refuses to switch it (the free ESXi licence): its
    // machine gets manual power.
    bool powerAllowed = true;
};

// The chassis types MetalDesk can discover, for the wizard's first page.
QStringList chassisTypes();
QString chassisTypeLabel(const QString &type);
// The power type and parameters a machine of this chassis gets for one of its VMs.
QString chassisPowerType(const Chassis &chassis, const ChassisVm &vm);
QJsonObject chassisPowerParameters(const Chassis &chassis, const ChassisVm &vm);
// The VM's name as its machine's power parameters hold it.
QString chassisVmName(const QJsonObject &powerParameters);

} // namespace metaldesk
