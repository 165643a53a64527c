#pragma once

#include "core/power/powerdriver.h"

#include <QByteArray>

namespace metaldesk {

// Wake-on-LAN: the magic packet a NIC wakes its machine for, sent as a UDP broadcast. For home-lab
// machines without a BMC. It can switch a machine on, not off, and cannot tell its state: the
// service records "unknown", and Power off says to switch it off by hand.
class WakeOnLanPowerDriver : public PowerDriver {
public:
    QString type() const override { return QStringLiteral("wakeonlan"); }
    Text label() const override;
    QList<PowerParameter> parameters() const override;
    bool canQuery() const override { return false; }
    Expected<void> setPower(const PowerTarget &target, bool on) const override;
    Expected<PowerState> queryPower(const PowerTarget &) const override { return PowerState::Unknown; }
    Text unconfirmedText(PowerCommand command, const QString &hostname) const override;

    // Six 0xff bytes, then the MAC sixteen times (AMD's Magic Packet); empty for a MAC that is not one.
    static QByteArray magicPacket(const QString &macAddress);
};

} // namespace metaldesk
