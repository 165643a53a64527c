#pragma once

#include "core/power/powerdriver.h"

namespace metaldesk {

// Power by hand (MAAS's "manual"): nothing to call. The service tells the user what to switch.
class ManualPowerDriver : public PowerDriver {
public:
    QString type() const override { return QStringLiteral("manual"); }
    Text label() const override;
    QList<PowerParameter> parameters() const override { return {}; }
    bool canQuery() const override { return false; }
    Expected<void> setPower(const PowerTarget &, bool) const override { return {}; }
    Expected<PowerState> queryPower(const PowerTarget &) const override { return PowerState::Unknown; }
    Text unconfirmedText(PowerCommand command, const QString &hostname) const override;
};

} // namespace metaldesk
