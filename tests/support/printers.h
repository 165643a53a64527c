#pragma once

#include "core/lifecycle/nodestatus.h"

#include <QTest>

namespace metaldesk {
// Readable QCOMPARE failures for statuses ("Failed deployment", not "11"); also prints values
// outside the enum, which some tests use as a sentinel.
inline char *toString(NodeStatus s)
{
    const auto known = nodeStatusFromInt(int(s));
    return QTest::toString(known ? nodeStatusName(*known) : QStringLiteral("(no status: %1)").arg(int(s)));
}
} // namespace metaldesk
