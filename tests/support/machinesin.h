#pragma once

#include "core/runtime/coreservices.h"

namespace metaldesk::testing {

// A new machine brought to `status` the way it gets there in use: an administrator commissions
// it, the machine reports back (Ready), `owner` acquires or deploys it, the installed system
// reports (Deployed), or it fails or is marked broken. Statuses it cannot reach say so.
Expected<Machine> machineIn(CoreServices &core, const NewMachine &spec, NodeStatus status, const Actor &admin,
                            const Actor &owner);

} // namespace metaldesk::testing
