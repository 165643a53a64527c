#pragma once

#include <QString>
#include <array>
#include <optional>

namespace metaldesk {

// MAAS's node statuses with MAAS's numbers: they are stored in the database and sent by the API,
// so API clients (juju) read them as they read MAAS's.
enum class NodeStatus : int {
    New = 0,
    Commissioning = 1,
    FailedCommissioning = 2,
    Missing = 3,
    Ready = 4,
    Reserved = 5,
    Deployed = 6,
    Retired = 7,
    Broken = 8,
    Deploying = 9,
    Allocated = 10,
    FailedDeployment = 11,
    Releasing = 12,
    FailedReleasing = 13,
    DiskErasing = 14,
    FailedDiskErasing = 15,
    RescueMode = 16,
    EnteringRescueMode = 17,
    FailedEnteringRescueMode = 18,
    ExitingRescueMode = 19,
    FailedExitingRescueMode = 20,
    Testing = 21,
    FailedTesting = 22,
};

inline constexpr int NodeStatusCount = 23;

// Every status in numeric order, for loops and exhaustive tests.
const std::array<NodeStatus, NodeStatusCount> &allNodeStatuses();

std::optional<NodeStatus> nodeStatusFromInt(int value);

// MAAS's `status_name` label ("Failed deployment"), untranslated: the API sends it as is.
// The GUI translates it in the "NodeStatus" context (the labels are marked with QT_TRANSLATE_NOOP).
const char *nodeStatusLabel(NodeStatus status);
QString nodeStatusName(NodeStatus status);
// MAAS's NODE_STATUS key ("FAILED_DEPLOYMENT"): what MAAS users and API clients type.
const char *nodeStatusKey(NodeStatus status);

// Statuses that something is actively doing: they time out to their failed status.
bool isMonitoredStatus(NodeStatus status);

// COMMISSIONING → FAILED_COMMISSIONING and so on; nothing for statuses that cannot fail.
std::optional<NodeStatus> failureStatusFor(NodeStatus status);

// Failed commissioning, failed deployment, ...: the statuses a monitored status fails to. The one
// place that says which statuses are failures (the action table, event levels and the window ask).
bool isFailedStatus(NodeStatus status);

} // namespace metaldesk
