#pragma once

#include "core/lifecycle/nodestatus.h"

#include <QColor>
#include <QIcon>
#include <QPalette>

namespace metaldesk {

// How a status or power state looks at a glance. Each kind has its own shape as well as its own
// colour, so that it reads in a dark theme, in grey scale and for colour-blind users alike.
enum class StateKind {
    Idle,      // New, Retired, power unknown: a hollow circle
    Busy,      // something is being done (Commissioning, Deploying, ...): a ring with a gap
    Good,      // Ready: a check mark
    Held,      // Allocated, Reserved: a half-filled circle
    Running,   // Deployed, Rescue mode, power on: a filled circle
    Off,       // power off: a small hollow square
    Failed,    // Failed ..., power error: a cross in a disc
    Attention, // Broken, Missing: a triangle with an exclamation mark
};

StateKind stateKindOf(NodeStatus status);
// "on", "off", "error", anything else (unknown).
StateKind stateKindOfPower(const QString &powerState);

// The kind's colour, readable on `palette`'s base (list) background: lighter tones on a dark one.
QColor stateColor(StateKind kind, const QPalette &palette);
// The kind's icon, drawn at the sizes a list and a header use, in the palette's tones.
QIcon stateIcon(StateKind kind, const QPalette &palette);

} // namespace metaldesk
