#pragma once

#include "core/power/powerdriver.h"

namespace metaldesk {

// A libvirt domain (MAAS's "virsh" power type), through libvirt's C library: any URI libvirt
// opens (qemu:///system, qemu+ssh://host/system, test:///default).
class LibvirtPowerDriver : public PowerDriver {
public:
    QString type() const override { return QStringLiteral("virsh"); }
    Text label() const override;
    QList<PowerParameter> parameters() const override;
    bool canQuery() const override { return true; }
    // MAAS's configure_pxe_boot: the network first, the disk second, in the domain's definition.
    Expected<void> setNetworkBoot(const PowerTarget &target) const override;
    Expected<void> setPower(const PowerTarget &target, bool on) const override;
    Expected<PowerState> queryPower(const PowerTarget &target) const override;
};

} // namespace metaldesk
