#include "bootdecision.h"

#include "machinestore.h"

namespace metaldesk {

BootPurpose bootPurposeFor(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Commissioning:
    case NodeStatus::Testing: return BootPurpose::Commission;
    case NodeStatus::Deploying: return BootPurpose::Deploy;
    case NodeStatus::Releasing:
    case NodeStatus::DiskErasing: return BootPurpose::Release;
    case NodeStatus::EnteringRescueMode:
    case NodeStatus::RescueMode: return BootPurpose::Rescue;
    case NodeStatus::Deployed: return BootPurpose::LocalDisk;
    default: return BootPurpose::PowerOff;
    }
}

Expected<BootDecision> BootDecider::decide(const QString &macAddress) const
{
    auto machine = machines_.findByMac(macAddress);
    if (!machine)
        return machine.error();
    if (!*machine)
        return BootDecision{BootPurpose::Enlist, std::nullopt};
    return BootDecision{bootPurposeFor((*machine)->status), std::move(**machine)};
}

} // namespace metaldesk
