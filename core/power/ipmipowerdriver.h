#pragma once

#include "core/power/powerdriver.h"

#include <QByteArrayView>

namespace metaldesk {

// A BMC over IPMI (MAAS's "ipmi"), through Debian's ipmitool. The password travels in ipmitool's
// environment (-E), never on its command line where `ps` would show it.
class IpmiPowerDriver : public PowerDriver {
public:
    explicit IpmiPowerDriver(QString ipmitool = QStringLiteral("ipmitool")) : ipmitool_(std::move(ipmitool)) {}
    QString type() const override { return QStringLiteral("ipmi"); }
    Text label() const override;
    QList<PowerParameter> parameters() const override;
    bool canQuery() const override { return true; }
    Expected<void> setNetworkBoot(const PowerTarget &target) const override;
    Expected<void> setPower(const PowerTarget &target, bool on) const override;
    Expected<PowerState> queryPower(const PowerTarget &target) const override;

    // ipmitool's "chassis power status" output ("Chassis Power is on").
    static Expected<PowerState> parsePowerStatus(QByteArrayView output);
    // ipmitool's complaint, as a sentence a user can act on; retryable when the BMC did not answer.
    static Error classifyFailure(const QString &address, QByteArrayView stderrText);
    // ipmitool's arguments for `command` on this BMC: the interface (lan for IPMI 1.5, lanplus for
    // 2.0), address, port, privilege, cipher suite, user, and -E when there is a password (which
    // goes in the environment, never here).
    QStringList ipmitoolArguments(const PowerTarget &target, const QStringList &command) const;

private:
    Expected<QByteArray> run(const PowerTarget &target, const QStringList &command) const;
    QString ipmitool_;
};

} // namespace metaldesk
