#pragma once

#include "core/base/expected.h"
#include "core/machines/machine.h"

#include <array>

namespace metaldesk {

// What a signed-in user may do outside the lifecycle actions (which the action table decides per
// status and role, lifecycletables.h). One place decides, so that the window and the API agree:
// the widgets only hide what these would refuse, and core's writers refuse it regardless.
enum class Capability {
    AddMachine,        // Add machine, Add chassis (MAAS: administrators)
    EditPowerSettings, // a machine's power driver and its settings, passwords included
    AddUser,           // create accounts, administrators or not
    SeeOtherUsers,     // the list of every account
    ChangeSettings,    // the boot network, the servers' settings
    ManageOwnApiKeys,  // everyone, for their own account
    EditMachineLabels, // a machine's zone, pool and tags; new zones, pools and tags (MAAS: administrators)
    ManageImages,      // add and remove images in the catalogue
};
inline constexpr std::array<Capability, 8> kAllCapabilities = {
    Capability::AddMachine,     Capability::EditPowerSettings, Capability::AddUser,           Capability::SeeOtherUsers,
    Capability::ChangeSettings, Capability::ManageOwnApiKeys,  Capability::EditMachineLabels, Capability::ManageImages};

bool isAllowed(Capability capability, const Actor &actor);
// Empty when allowed; otherwise why not, in words a user can act on.
QString capabilityRefusal(Capability capability, const Actor &actor);
// For core's writers: an Error with the refusal when not allowed.
Expected<void> requireCapability(Capability capability, const Actor &actor);

} // namespace metaldesk
