#pragma once

#include "core/base/text.h"

#include "core/base/expected.h"
#include "core/lifecycle/lifecycletables.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace metaldesk {

enum class PowerState {
    On,
    Off,
    Unknown
};
// "on", "off", "unknown": the names MAAS's API and our database use.
QString powerStateName(PowerState state);

// One setting a driver needs (MAAS's power parameters): declared as data, so that the Add machine
// dialog, the details page and validation all read the same list.
struct PowerParameter {
    QString name;      // as MAAS names it: "power_address"
    const char *label; // shown to users; translate in the "PowerParameter" context
    bool required = false;
    bool secret = false; // passwords: never in logs, events or screenshots
    QString defaultValue;
    QStringList choices; // when the driver takes only these values (IPMI's protocol): offered as a list
};

// What a driver acts on: the machine's power parameters, and its MACs for drivers that need them.
struct PowerTarget {
    QString hostname;
    QJsonObject parameters;
    QStringList macAddresses;
};

// A way of switching machines on and off (a BMC, a hypervisor, by hand). Calls block and are made
// on worker threads by the PowerService, which adds retries, confirmation and events; a driver is
// stateless and may be called from several threads at once. An Error marked retryable is one a
// later try may not meet (a timeout, an unreachable peer); the others are fatal (wrong password,
// unknown VM, a missing program).
class PowerDriver {
public:
    virtual ~PowerDriver() = default;
    virtual QString type() const = 0; // MAAS's power_type: "ipmi", "virsh", "manual"
    virtual Text label() const = 0;   // for menus and events
    virtual QList<PowerParameter> parameters() const = 0;
    // False where nobody can tell (manual): the service then records "unknown" after a call.
    virtual bool canQuery() const = 0;
    // Before switching on: make the machine boot from the network next (a BMC's boot device).
    virtual Expected<void> setNetworkBoot(const PowerTarget &) const { return {}; }
    virtual Expected<void> setPower(const PowerTarget &target, bool on) const = 0;
    virtual Expected<PowerState> queryPower(const PowerTarget &target) const = 0;
    // For drivers that cannot query: the event that says what was done and what the user still
    // has to do (switch it by hand, restart it).
    virtual Text unconfirmedText(PowerCommand, const QString &) const { return {}; }
};

// Empty when every required parameter is there; otherwise which is missing, in a sentence.
QString missingPowerParameters(const PowerDriver &driver, const QJsonObject &parameters);
// The parameter's value, or its default when unset.
QString powerParameter(const PowerDriver &driver, const QJsonObject &parameters, const QString &name);

} // namespace metaldesk
