#pragma once

#include "core/base/expected.h"
#include "core/machines/machine.h"
#include "core/machines/nodesettings.h"
#include "core/storage/configstore.h"
#include "core/users/nodetokens.h"

#include <optional>

namespace metaldesk {

class MachineStore;

// What a machine that network-boots is given. The DHCP, TFTP and HTTP servers ask; none decides.
enum class BootPurpose {
    Enlist,     // unknown MAC: the built-in environment reports the machine, then powers off
    Commission, // inventory (and testing) in the built-in environment
    Deploy,     // the environment writes the chosen image to disk
    Release,    // the environment erases disks as asked, then powers off
    Rescue,     // the environment stays up for the user
    LocalDisk,  // boot the installed OS from the local disk
    PowerOff,   // nothing to do: the environment powers the machine off
};

// MetalDesk's table, from MAAS's Node.get_boot_purpose with the choices of issue #5: a Ready or
// New machine that boots by itself is switched off again; a deployed one boots its disk.
BootPurpose bootPurposeFor(NodeStatus status);

struct BootDecision {
    BootPurpose purpose = BootPurpose::Enlist;
    std::optional<Machine> machine; // empty for Enlist
    // The machine's metadata credential ("<consumer_key>:<token_key>:<token_secret>") for the
    // purposes whose environment calls the metadata service: commission, deploy, release, rescue.
    // Empty for enlist, local disk and power off, which carry none.
    QString token;
    // Release only: how to erase the disks, "none", "quick" or "secure" (Disk erasing: the
    // machine's erase mode, else the setting disk_erase_mode, quick by default).
    QString erase;
};

class BootDecider {
public:
    // The node tokens and settings live in the machines' database.
    explicit BootDecider(const MachineStore &machines);
    // The decision for a MAC as a client sends it (any of the usual spellings). A Deploying machine
    // whose image is already on its disk (the environment said so) boots that disk.
    Expected<BootDecision> decide(const QString &macAddress) const;
    // The database the decision reads (the boot scripts read the DHCP mode from it).
    const std::shared_ptr<Database> &database() const;

private:
    const MachineStore &machines_;
    NodeTokenStore tokens_;
    NodeSettingsStore settings_;
    ConfigStore config_;
};

} // namespace metaldesk
