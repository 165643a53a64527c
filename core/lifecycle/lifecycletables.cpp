#include "core/lifecycle/lifecycletables.h"

#include <QCoreApplication>
#include <array>

namespace metaldesk {

using S = NodeStatus;

StatusSet::StatusSet(std::initializer_list<NodeStatus> statuses)
{
    for (NodeStatus s : statuses)
        insert(s);
}

StatusSet StatusSet::all()
{
    StatusSet set;
    for (NodeStatus s : allNodeStatuses())
        set.insert(s);
    return set;
}

namespace {

// MAAS's NODE_TRANSITIONS (src/maasserver/node_status.py), one row per source status.
const std::array<StatusSet, NodeStatusCount> &transitionTable()
{
    // One row per source status, laid out like MAAS's table.
    // clang-format off
    static const std::array<StatusSet, NodeStatusCount> table = [] {
        const StatusSet testingResetReady = {S::New, S::Commissioning, S::FailedDeployment, S::Missing, S::Retired,
                                             S::Broken, S::FailedReleasing, S::FailedDiskErasing,
                                             S::FailedEnteringRescueMode, S::FailedExitingRescueMode,
                                             S::FailedTesting};
        std::array<StatusSet, NodeStatusCount> t{};
        auto row = [&t](S from) -> StatusSet & { return t[std::size_t(from)]; };
        row(S::New) = {S::Commissioning, S::Testing, S::Missing, S::Ready, S::Retired, S::Broken,
                       S::EnteringRescueMode};
        row(S::Commissioning) = {S::FailedCommissioning, S::Ready, S::Retired, S::Missing, S::New, S::Broken,
                                 S::Testing};
        row(S::FailedCommissioning) = {S::Commissioning, S::Missing, S::Retired, S::Broken, S::EnteringRescueMode,
                                       S::Testing};
        row(S::Ready) = {S::EnteringRescueMode, S::Commissioning, S::Allocated, S::Reserved, S::Retired, S::Missing,
                         S::Broken, S::Testing};
        row(S::Reserved) = {S::Ready, S::Allocated, S::Retired, S::Missing, S::Broken, S::DiskErasing,
                            S::Releasing, S::EnteringRescueMode, S::Testing};
        row(S::Allocated) = {S::Ready, S::Retired, S::Missing, S::Broken, S::Deploying, S::DiskErasing,
                             S::Releasing, S::EnteringRescueMode, S::Testing};
        row(S::Releasing) = {S::New, S::Allocated, S::Reserved, S::Deployed, S::Ready, S::Broken, S::Missing,
                             S::FailedDeployment, S::FailedDiskErasing, S::FailedReleasing};
        row(S::Deploying) = {S::Allocated, S::Missing, S::Broken, S::FailedDeployment, S::Deployed, S::Ready,
                             S::DiskErasing, S::Releasing};
        row(S::FailedDeployment) = {S::Allocated, S::Missing, S::Broken, S::Ready, S::DiskErasing, S::Releasing,
                                    S::EnteringRescueMode, S::Testing};
        row(S::Deployed) = {S::Allocated, S::Missing, S::Broken, S::Ready, S::DiskErasing, S::Releasing,
                            S::EnteringRescueMode, S::Testing};
        row(S::Missing) = {S::New, S::Ready, S::Allocated, S::Commissioning, S::Broken, S::EnteringRescueMode,
                           S::Testing};
        row(S::Retired) = {S::New, S::Ready, S::Missing, S::Broken, S::EnteringRescueMode, S::Testing};
        row(S::Broken) = {S::Commissioning, S::Ready, S::DiskErasing, S::Releasing, S::EnteringRescueMode,
                          S::Testing, S::Deployed};
        row(S::FailedReleasing) = {S::Releasing, S::DiskErasing, S::Ready, S::Broken, S::Testing};
        row(S::DiskErasing) = {S::Broken, S::DiskErasing, S::FailedDiskErasing, S::Ready, S::Releasing};
        row(S::FailedDiskErasing) = {S::DiskErasing, S::Releasing, S::Broken, S::Allocated, S::Ready,
                                     S::EnteringRescueMode, S::Testing};
        row(S::EnteringRescueMode) = {S::Ready, S::Broken, S::Deployed, S::RescueMode, S::FailedEnteringRescueMode,
                                      S::ExitingRescueMode};
        row(S::FailedEnteringRescueMode) = {S::Broken, S::EnteringRescueMode, S::ExitingRescueMode, S::Testing};
        row(S::RescueMode) = {S::Broken, S::ExitingRescueMode, S::Testing};
        row(S::ExitingRescueMode) = {S::New, S::Broken, S::FailedCommissioning, S::Ready, S::Reserved, S::Allocated,
                                     S::FailedDeployment, S::Deployed, S::Missing, S::Retired, S::FailedReleasing,
                                     S::FailedDiskErasing, S::RescueMode, S::FailedEnteringRescueMode,
                                     S::FailedExitingRescueMode, S::FailedTesting};
        row(S::FailedExitingRescueMode) = {S::Broken, S::ExitingRescueMode, S::Testing};
        row(S::Testing) = testingResetReady;
        row(S::Testing).insert(S::Broken).insert(S::New).insert(S::Ready).insert(S::Reserved)
            .insert(S::Allocated).insert(S::Deployed);
        row(S::FailedTesting) = {S::Commissioning, S::Broken, S::Missing, S::EnteringRescueMode, S::Testing,
                                 S::Ready, S::Deployed};
        return t;
    }();
    // clang-format on
    return table;
}

StatusSet failedStatuses()
{
    StatusSet failed;
    for (NodeStatus s : allNodeStatuses())
        if (isFailedStatus(s))
            failed.insert(s);
    return failed;
}

StatusSet unite(StatusSet a, const StatusSet &b)
{
    for (NodeStatus s : allNodeStatuses())
        if (b.contains(s))
            a.insert(s);
    return a;
}

} // namespace

bool isAllowedTransition(NodeStatus from, NodeStatus to)
{
    return from == to || transitionTable()[std::size_t(from)].contains(to);
}

StatusSet allowedTransitionsFrom(NodeStatus from) { return transitionTable()[std::size_t(from)]; }

StatusSet allowedInitialStatuses() { return {S::New, S::Missing, S::Retired}; }

Role roleFor(bool isAdmin, qint64 userId, std::optional<qint64> ownerId)
{
    if (isAdmin)
        return Role::Admin;
    if (!ownerId)
        return Role::User;
    return *ownerId == userId ? Role::Owner : Role::OtherUser;
}

const char *roleName(Role role)
{
    switch (role) {
    case Role::Admin: return "admin";
    case Role::Owner: return "owner";
    case Role::User: return "user";
    case Role::OtherUser: return "other user";
    }
    return "?";
}

bool roleHas(Role role, Permission permission)
{
    switch (permission) {
    case Permission::Edit: return role != Role::OtherUser;
    case Permission::Admin: return role == Role::Admin;
    case Permission::OwnerOrAdmin: return role == Role::Admin || role == Role::Owner;
    }
    return false;
}

const QList<NodeActionSpec> &nodeActionTable()
{
    // Offered statuses follow MAAS's node_action.py, with two deliberate differences:
    // - power on/off are offered in every status whenever a power driver is set (MAAS offers them
    //   in a few states only; its users could not switch off a machine stuck in a monitored state);
    // - rescue mode is not offered from "Failed to exit rescue mode": MAAS offers it there but its
    //   own transition table refuses the move (a test checks every target against the table).
    // clang-format off
    static const QList<NodeActionSpec> table = [] {
        const StatusSet markBroken = unite({S::New, S::Commissioning, S::Ready, S::Allocated, S::Releasing,
                                            S::Deploying, S::Deployed, S::DiskErasing, S::Testing},
                                           failedStatuses());
        return QList<NodeActionSpec>{
            {NodeAction::Commission, "commission", QT_TRANSLATE_NOOP("NodeAction", "Commission..."),
             QT_TRANSLATE_NOOP("Events", "Commission by %1"),
             {S::New, S::FailedCommissioning, S::Ready, S::Broken}, Permission::Admin, false},
            {NodeAction::Acquire, "acquire", QT_TRANSLATE_NOOP("NodeAction", "Acquire..."),
             QT_TRANSLATE_NOOP("Events", "Acquire by %1"), {S::Ready},
             Permission::Edit, false},
            {NodeAction::Deploy, "deploy", QT_TRANSLATE_NOOP("NodeAction", "Deploy..."),
             QT_TRANSLATE_NOOP("Events", "Deploy by %1"), {S::Ready, S::Allocated},
             Permission::Edit, false},
            {NodeAction::PowerOn, "on", QT_TRANSLATE_NOOP("NodeAction", "Power on..."),
             QT_TRANSLATE_NOOP("Events", "Power on by %1"), StatusSet::all(),
             Permission::Edit, true},
            {NodeAction::PowerOff, "off", QT_TRANSLATE_NOOP("NodeAction", "Power off..."),
             QT_TRANSLATE_NOOP("Events", "Power off by %1"), StatusSet::all(),
             Permission::Edit, true},
            {NodeAction::Release, "release", QT_TRANSLATE_NOOP("NodeAction", "Release..."),
             QT_TRANSLATE_NOOP("Events", "Release by %1"),
             {S::Allocated, S::Deployed, S::Deploying, S::FailedDeployment, S::FailedReleasing,
              S::FailedDiskErasing},
             Permission::Edit, false},
            // Edit, as MAAS's REST op=abort (its web UI's action needs admin): an owner stops what they started.
            {NodeAction::Abort, "abort", QT_TRANSLATE_NOOP("NodeAction", "Abort..."),
             QT_TRANSLATE_NOOP("Events", "Abort by %1"),
             {S::Commissioning, S::DiskErasing, S::Deploying, S::Testing}, Permission::Edit, false},
            {NodeAction::Test, "test", QT_TRANSLATE_NOOP("NodeAction", "Test..."),
             QT_TRANSLATE_NOOP("Events", "Test by %1"),
             {S::FailedCommissioning, S::New, S::Ready, S::Reserved, S::Allocated, S::FailedDeployment, S::Deployed,
              S::Missing, S::Retired, S::Broken, S::RescueMode, S::FailedReleasing, S::FailedDiskErasing,
              S::FailedEnteringRescueMode, S::FailedExitingRescueMode, S::FailedTesting},
             Permission::Admin, false},
            {NodeAction::RescueMode, "rescue-mode", QT_TRANSLATE_NOOP("NodeAction", "Enter rescue mode..."),
             QT_TRANSLATE_NOOP("Events", "Enter rescue mode by %1"),
             {S::New, S::FailedCommissioning, S::Ready, S::Reserved, S::Allocated, S::FailedDeployment, S::Deployed,
              S::Missing, S::Retired, S::Broken, S::FailedDiskErasing, S::FailedEnteringRescueMode,
              S::FailedTesting},
             Permission::Admin, false},
            {NodeAction::ExitRescueMode, "exit-rescue-mode", QT_TRANSLATE_NOOP("NodeAction", "Exit rescue mode..."),
             QT_TRANSLATE_NOOP("Events", "Exit rescue mode by %1"),
             {S::RescueMode, S::EnteringRescueMode, S::FailedEnteringRescueMode, S::FailedExitingRescueMode},
             Permission::Admin, false},
            {NodeAction::MarkBroken, "mark-broken", QT_TRANSLATE_NOOP("NodeAction", "Mark broken..."),
             QT_TRANSLATE_NOOP("Events", "Mark broken by %1"), markBroken,
             Permission::OwnerOrAdmin, false},
            {NodeAction::MarkFixed, "mark-fixed", QT_TRANSLATE_NOOP("NodeAction", "Mark fixed..."),
             QT_TRANSLATE_NOOP("Events", "Mark fixed by %1"), {S::Broken},
             Permission::Admin, false},
            {NodeAction::OverrideFailedTesting, "override-failed-testing",
             QT_TRANSLATE_NOOP("NodeAction", "Override failed testing..."),
             QT_TRANSLATE_NOOP("Events", "Override failed testing by %1"), {S::FailedTesting}, Permission::Admin,
             false},
            {NodeAction::Delete, "delete", QT_TRANSLATE_NOOP("NodeAction", "Delete..."),
             QT_TRANSLATE_NOOP("Events", "Delete by %1"), StatusSet::all(),
             Permission::Admin, false},
        };
    }();
    // clang-format on
    return table;
}

const NodeActionSpec &nodeActionSpec(NodeAction action)
{
    for (const NodeActionSpec &spec : nodeActionTable())
        if (spec.action == action)
            return spec;
    Q_UNREACHABLE();
}

std::optional<NodeAction> nodeActionFromName(QStringView name)
{
    for (const NodeActionSpec &spec : nodeActionTable())
        if (name == QLatin1String(spec.name))
            return spec.action;
    return std::nullopt;
}

static QString translated(const char *context, const char *text) { return QCoreApplication::translate(context, text); }

bool isActionOffered(NodeAction action, const ActionContext &context)
{
    const NodeActionSpec &spec = nodeActionSpec(action);
    return spec.statuses.contains(context.status) && roleHas(context.role, spec.permission) &&
           (!spec.needsPowerType || context.hasPowerType);
}

QString actionRefusal(NodeAction action, const ActionContext &context)
{
    const NodeActionSpec &spec = nodeActionSpec(action);
    QString verb = translated("NodeAction", spec.label);
    verb.remove(QLatin1String("..."));
    verb = verb.toLower();
    if (!spec.statuses.contains(context.status))
        return QCoreApplication::translate("Lifecycle", "cannot %1: machine is %2")
            .arg(verb, translated("NodeStatus", nodeStatusLabel(context.status)));
    if (!roleHas(context.role, spec.permission)) {
        switch (spec.permission) {
        case Permission::Admin:
            return QCoreApplication::translate("Lifecycle", "cannot %1: only an administrator may").arg(verb);
        case Permission::OwnerOrAdmin:
            return QCoreApplication::translate("Lifecycle",
                                               "cannot %1: only the machine's owner or an administrator may")
                .arg(verb);
        case Permission::Edit:
            return QCoreApplication::translate("Lifecycle", "cannot %1: the machine belongs to another user").arg(verb);
        }
    }
    if (spec.needsPowerType && !context.hasPowerType)
        return QCoreApplication::translate("Lifecycle", "cannot %1: the machine has no power driver set").arg(verb);
    return {};
}

QList<NodeStatus> actionPath(NodeAction action, NodeStatus current, std::optional<NodeStatus> previous,
                             const ActionOptions &options)
{
    // Go back to where the machine was when that is a legal move, else to the failure status.
    auto backTo = [&](NodeStatus fallback) -> QList<NodeStatus> {
        if (previous && *previous != current && isAllowedTransition(current, *previous))
            return {*previous};
        return {fallback};
    };
    switch (action) {
    case NodeAction::Commission: return {S::Commissioning};
    case NodeAction::Acquire: return {S::Allocated};
    case NodeAction::Deploy:
        if (current == S::Ready)
            return {S::Allocated, S::Deploying};
        return {S::Deploying};
    case NodeAction::Release: return {options.erase ? S::DiskErasing : S::Releasing};
    case NodeAction::Abort:
        switch (current) {
        case S::Deploying: return {S::Allocated};
        case S::DiskErasing: return {S::FailedDiskErasing};
        case S::Commissioning: return backTo(S::FailedCommissioning);
        case S::Testing: return backTo(S::FailedTesting);
        default: return {};
        }
    case NodeAction::Test: return {S::Testing};
    case NodeAction::RescueMode: return {S::EnteringRescueMode};
    case NodeAction::ExitRescueMode: return {S::ExitingRescueMode};
    case NodeAction::MarkBroken: return {S::Broken};
    case NodeAction::MarkFixed:
    case NodeAction::OverrideFailedTesting: return {S::Ready};
    case NodeAction::PowerOn:
    case NodeAction::PowerOff:
    case NodeAction::Delete: return {};
    }
    return {};
}

std::optional<PowerCommand> powerAfter(NodeAction action)
{
    switch (action) {
    case NodeAction::PowerOn: return PowerCommand::On;
    case NodeAction::PowerOff:
    case NodeAction::Abort: return PowerCommand::Off;
    case NodeAction::Commission:
    case NodeAction::Deploy:
    case NodeAction::Release:
    case NodeAction::Test:
    case NodeAction::RescueMode:
    case NodeAction::ExitRescueMode: return PowerCommand::Cycle;
    case NodeAction::Acquire:
    case NodeAction::MarkBroken:
    case NodeAction::MarkFixed:
    case NodeAction::OverrideFailedTesting:
    case NodeAction::Delete: return std::nullopt;
    }
    return std::nullopt;
}

} // namespace metaldesk
