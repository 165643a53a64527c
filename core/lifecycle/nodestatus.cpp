#include "core/lifecycle/nodestatus.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {
constexpr std::array<NodeStatus, NodeStatusCount> kAllStatuses = [] {
    std::array<NodeStatus, NodeStatusCount> all{};
    for (int i = 0; i < NodeStatusCount; ++i)
        all[std::size_t(i)] = NodeStatus(i);
    return all;
}();

constexpr std::array<const char *, NodeStatusCount> kLabels = {
    QT_TRANSLATE_NOOP("NodeStatus", "New"),
    QT_TRANSLATE_NOOP("NodeStatus", "Commissioning"),
    QT_TRANSLATE_NOOP("NodeStatus", "Failed commissioning"),
    QT_TRANSLATE_NOOP("NodeStatus", "Missing"),
    QT_TRANSLATE_NOOP("NodeStatus", "Ready"),
    QT_TRANSLATE_NOOP("NodeStatus", "Reserved"),
    QT_TRANSLATE_NOOP("NodeStatus", "Deployed"),
    QT_TRANSLATE_NOOP("NodeStatus", "Retired"),
    QT_TRANSLATE_NOOP("NodeStatus", "Broken"),
    QT_TRANSLATE_NOOP("NodeStatus", "Deploying"),
    QT_TRANSLATE_NOOP("NodeStatus", "Allocated"),
    QT_TRANSLATE_NOOP("NodeStatus", "Failed deployment"),
    QT_TRANSLATE_NOOP("NodeStatus", "Releasing"),
    QT_TRANSLATE_NOOP("NodeStatus", "Releasing failed"),
    QT_TRANSLATE_NOOP("NodeStatus", "Disk erasing"),
    QT_TRANSLATE_NOOP("NodeStatus", "Failed disk erasing"),
    QT_TRANSLATE_NOOP("NodeStatus", "Rescue mode"),
    QT_TRANSLATE_NOOP("NodeStatus", "Entering rescue mode"),
    QT_TRANSLATE_NOOP("NodeStatus", "Failed to enter rescue mode"),
    QT_TRANSLATE_NOOP("NodeStatus", "Exiting rescue mode"),
    QT_TRANSLATE_NOOP("NodeStatus", "Failed to exit rescue mode"),
    QT_TRANSLATE_NOOP("NodeStatus", "Testing"),
    QT_TRANSLATE_NOOP("NodeStatus", "Failed testing"),
};
constexpr std::array<const char *, NodeStatusCount> kKeys = {
    "NEW",
    "COMMISSIONING",
    "FAILED_COMMISSIONING",
    "MISSING",
    "READY",
    "RESERVED",
    "DEPLOYED",
    "RETIRED",
    "BROKEN",
    "DEPLOYING",
    "ALLOCATED",
    "FAILED_DEPLOYMENT",
    "RELEASING",
    "FAILED_RELEASING",
    "DISK_ERASING",
    "FAILED_DISK_ERASING",
    "RESCUE_MODE",
    "ENTERING_RESCUE_MODE",
    "FAILED_ENTERING_RESCUE_MODE",
    "EXITING_RESCUE_MODE",
    "FAILED_EXITING_RESCUE_MODE",
    "TESTING",
    "FAILED_TESTING",
};
} // namespace

const char *nodeStatusKey(NodeStatus status) { return kKeys[std::size_t(status)]; }

const std::array<NodeStatus, NodeStatusCount> &allNodeStatuses() { return kAllStatuses; }

std::optional<NodeStatus> nodeStatusFromInt(int value)
{
    if (value < 0 || value >= NodeStatusCount)
        return std::nullopt;
    return NodeStatus(value);
}

const char *nodeStatusLabel(NodeStatus status) { return kLabels[std::size_t(status)]; }

QString nodeStatusName(NodeStatus status) { return QString::fromLatin1(nodeStatusLabel(status)); }

bool isMonitoredStatus(NodeStatus status) { return failureStatusFor(status).has_value(); }

bool isFailedStatus(NodeStatus status)
{
    for (NodeStatus s : allNodeStatuses())
        if (failureStatusFor(s) == status)
            return true;
    return false;
}

std::optional<NodeStatus> failureStatusFor(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Commissioning: return NodeStatus::FailedCommissioning;
    case NodeStatus::Deploying: return NodeStatus::FailedDeployment;
    case NodeStatus::Releasing: return NodeStatus::FailedReleasing;
    case NodeStatus::DiskErasing: return NodeStatus::FailedDiskErasing;
    case NodeStatus::EnteringRescueMode: return NodeStatus::FailedEnteringRescueMode;
    case NodeStatus::ExitingRescueMode: return NodeStatus::FailedExitingRescueMode;
    case NodeStatus::Testing: return NodeStatus::FailedTesting;
    default: return std::nullopt;
    }
}

} // namespace metaldesk
