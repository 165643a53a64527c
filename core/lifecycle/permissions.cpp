#include "core/lifecycle/permissions.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {
struct PermissionText {
    Q_DECLARE_TR_FUNCTIONS(Permissions)
};
} // namespace

bool isAllowed(Capability capability, const Actor &actor)
{
    switch (capability) {
    case Capability::ManageOwnApiKeys: return true;
    case Capability::AddMachine:
    case Capability::EditPowerSettings:
    case Capability::AddUser:
    case Capability::SeeOtherUsers:
    case Capability::ChangeSettings:
    case Capability::EditMachineLabels:
    case Capability::ManageImages: return actor.isAdmin; // MetalDesk itself acts as an administrator
    }
    return false;
}

QString capabilityRefusal(Capability capability, const Actor &actor)
{
    if (isAllowed(capability, actor))
        return {};
    switch (capability) {
    case Capability::AddMachine: return PermissionText::tr("only administrators can add machines");
    case Capability::EditPowerSettings: return PermissionText::tr("only administrators can change the power settings");
    case Capability::AddUser: return PermissionText::tr("only administrators can add users");
    case Capability::SeeOtherUsers: return PermissionText::tr("only administrators can see other users");
    case Capability::ChangeSettings: return PermissionText::tr("only administrators can change MetalDesk's settings");
    case Capability::EditMachineLabels:
        return PermissionText::tr("only administrators can change zones, resource pools and tags");
    case Capability::ManageImages: return PermissionText::tr("only administrators can add or remove images");
    case Capability::ManageOwnApiKeys: break;
    }
    return PermissionText::tr("this is not allowed");
}

Expected<void> requireCapability(Capability capability, const Actor &actor)
{
    if (QString refusal = capabilityRefusal(capability, actor); !refusal.isEmpty())
        return Error{refusal};
    return {};
}

} // namespace metaldesk
