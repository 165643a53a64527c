#include "core/boot/bootdecision.h"

#include "core/machines/machinestore.h"

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

BootDecider::BootDecider(const MachineStore &machines)
    : machines_(machines), tokens_(machines.database()), settings_(machines.database()), config_(machines.database())
{
}

const std::shared_ptr<Database> &BootDecider::database() const { return machines_.database(); }

Expected<BootDecision> BootDecider::decide(const QString &macAddress) const
{
    auto machine = machines_.findByMac(macAddress);
    if (!machine)
        return machine.error();
    if (!*machine)
        return BootDecision{BootPurpose::Enlist, std::nullopt, {}, {}};
    BootDecision d{bootPurposeFor((*machine)->status), std::move(**machine), {}, {}};
    const QString &systemId = d.machine->systemId;
    if (d.purpose == BootPurpose::Deploy) {
        auto installed = settings_.isInstalled(systemId);
        if (!installed)
            return installed.error();
        if (*installed)
            d.purpose = BootPurpose::LocalDisk;
    }
    if (d.purpose == BootPurpose::Commission || d.purpose == BootPurpose::Deploy || d.purpose == BootPurpose::Release ||
        d.purpose == BootPurpose::Rescue) {
        auto token = tokens_.tokenFor(systemId);
        if (!token)
            return token.error();
        d.token = token->toString();
    }
    if (d.purpose == BootPurpose::Release) {
        d.erase = QStringLiteral("none");
        if (d.machine->status == NodeStatus::DiskErasing) {
            auto settings = settings_.get(systemId);
            if (!settings)
                return settings.error();
            QString mode = settings->eraseMode;
            if (mode.isEmpty()) {
                auto configured = config_.value(setting::DiskEraseMode);
                if (!configured)
                    return configured.error();
                mode = configured->trimmed();
            }
            d.erase = mode == QLatin1String("secure") ? QStringLiteral("secure") : QStringLiteral("quick");
        }
    }
    return d;
}

} // namespace metaldesk
