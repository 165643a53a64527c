#include "core/power/manualpowerdriver.h"

#include <QCoreApplication>

namespace metaldesk {

QString ManualPowerDriver::label() const { return QCoreApplication::translate("Power", "Manual"); }

QString ManualPowerDriver::unconfirmedText(PowerCommand command, const QString &hostname) const
{
    switch (command) {
    case PowerCommand::On:
        return QCoreApplication::translate("Power", "Power is manual: switch %1 on by hand").arg(hostname);
    case PowerCommand::Off:
        return QCoreApplication::translate("Power", "Power is manual: switch %1 off by hand").arg(hostname);
    case PowerCommand::Cycle: break;
    }
    return QCoreApplication::translate("Power", "Power is manual: restart %1 by hand (or switch it on)").arg(hostname);
}

} // namespace metaldesk
