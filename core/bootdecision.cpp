#include "bootdecision.h"

#include "machinestore.h"

namespace metaldesk {

const char *bootPurposeName(BootPurpose purpose)
{
    switch (purpose) {
    case BootPurpose::Enlist: return "enlist";
    case BootPurpose::Commission: return "commission";
    case BootPurpose::Deploy: return "deploy";
    case BootPurpose::Release: return "release";
    case BootPurpose::Rescue: return "rescue";
    case BootPurpose::LocalDisk: return "local";
    case BootPurpose::PowerOff: return "poweroff";
    }
    return "?";
}

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
