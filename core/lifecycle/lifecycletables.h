#pragma once

#include "core/lifecycle/nodestatus.h"

#include <QList>
#include <QString>
#include <bitset>
#include <initializer_list>
#include <optional>

namespace metaldesk {

// A set of statuses, small enough to copy and compare.
class StatusSet {
public:
    constexpr StatusSet() = default;
    StatusSet(std::initializer_list<NodeStatus> statuses);
    static StatusSet all();
    bool contains(NodeStatus s) const { return bits_.test(std::size_t(s)); }
    StatusSet &insert(NodeStatus s)
    {
        bits_.set(std::size_t(s));
        return *this;
    }
    bool operator==(const StatusSet &) const = default;

private:
    std::bitset<NodeStatusCount> bits_;
};

// The transition table (MAAS's NODE_TRANSITIONS): which status may follow which.
// A status may always "move" to itself.
bool isAllowedTransition(NodeStatus from, NodeStatus to);
StatusSet allowedTransitionsFrom(NodeStatus from);
// The statuses a brand-new machine record may start in.
StatusSet allowedInitialStatuses();

// Who asks, relative to the machine: decides the permission check of an action.
enum class Role {
    Admin,     // a superuser: every action on every machine
    Owner,     // a plain user who owns the machine
    User,      // a plain user, the machine has no owner
    OtherUser, // a plain user, the machine belongs to somebody else
};
inline constexpr std::array<Role, 4> kAllRoles = {Role::Admin, Role::Owner, Role::User, Role::OtherUser};
Role roleFor(bool isAdmin, qint64 userId, std::optional<qint64> ownerId);
const char *roleName(Role role);

enum class Permission {
    Edit,        // admin, the owner, or anyone when the machine is unowned
    Admin,       // admins only
    OwnerOrAdmin // the owner or an admin (mark broken)
};
bool roleHas(Role role, Permission permission);

enum class NodeAction {
    Commission,
    Acquire,
    Deploy,
    PowerOn,
    PowerOff,
    Release,
    Abort,
    Test,
    RescueMode,
    ExitRescueMode,
    MarkBroken,
    MarkFixed,
    OverrideFailedTesting,
    Delete,
};

struct NodeActionSpec {
    NodeAction action;
    const char *name;      // MAAS's action name, also used on the command line and in events
    const char *label;     // "Commission..." (translate in the "NodeAction" context)
    const char *eventText; // "Commission by %1": its event, %1 who asked (an event text, Text::event)
    StatusSet statuses;    // where the action is offered
    Permission permission;
    bool needsPowerType; // power actions need a configured power driver
};

// The action table. Data, read by the menus, the API and the engine alike.
const QList<NodeActionSpec> &nodeActionTable();
const NodeActionSpec &nodeActionSpec(NodeAction action);
std::optional<NodeAction> nodeActionFromName(QStringView name);

// What the engine needs to know about a machine to decide whether an action is offered.
struct ActionContext {
    NodeStatus status = NodeStatus::New;
    Role role = Role::Admin;
    bool hasPowerType = false;
};

// Empty when the action is offered; otherwise why not, in words a user can act on.
QString actionRefusal(NodeAction action, const ActionContext &context);
// The same decision without the words: cheap enough to ask for every action and 100,000 machines.
bool isActionOffered(NodeAction action, const ActionContext &context);

// The statuses an action walks the machine through, in order (deploy from Ready is Ready →
// Allocated → Deploying). Empty for actions that do not change the status (power, delete).
struct ActionOptions {
    bool erase = false; // release: erase disks first
    QString image;      // deploy: the catalogue image's name ("debian/bookworm"), the machine's OS
};
QList<NodeStatus> actionPath(NodeAction action, NodeStatus current, std::optional<NodeStatus> previous,
                             const ActionOptions &options = {});

enum class PowerCommand {
    On,
    Off,
    Cycle
};
// What the power driver does once the action is taken, for a machine with a power driver: the
// actions that boot the machine into the environment cycle it (MAAS's _start), abort switches it
// off; the rest leave the power alone.
std::optional<PowerCommand> powerAfter(NodeAction action);

} // namespace metaldesk
