#pragma once

#include "core/power/powerdriver.h"

namespace metaldesk {

struct VsphereEndpoint;

// A VM on a vCenter or an ESXi host (MAAS's "vmware" power type), through vSphere's SOAP API:
// found by UUID (instance, then BIOS) or by name, switched with power tasks waited to their end.
// A host whose certificate no authority vouches for is trusted only with its pinned fingerprint.
class VmwarePowerDriver : public PowerDriver {
public:
    QString type() const override { return QStringLiteral("vmware"); }
    Text label() const override;
    QList<PowerParameter> parameters() const override;
    bool canQuery() const override { return true; }
    // The VM's network cards first in its boot order (MAAS does it when it enlists the VM).
    Expected<void> setNetworkBoot(const PowerTarget &target) const override;
    Expected<void> setPower(const PowerTarget &target, bool on) const override;
    Expected<PowerState> queryPower(const PowerTarget &target) const override;
};

// The endpoint a machine's (or a chassis's) vmware power parameters describe.
VsphereEndpoint vsphereEndpoint(const QJsonObject &parameters);

} // namespace metaldesk
