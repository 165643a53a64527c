#include "core/power/manualpowerdriver.h"

#include <QCoreApplication>

namespace metaldesk {

Text ManualPowerDriver::label() const { return Text("Power", QT_TRANSLATE_NOOP("Power", "Manual")); }

Text ManualPowerDriver::unconfirmedText(PowerCommand command, const QString &hostname) const
{
    switch (command) {
    case PowerCommand::On:
        return Text::event(QT_TRANSLATE_NOOP("Events", "Power is manual: switch %1 on by hand")).arg(hostname);
    case PowerCommand::Off:
        return Text::event(QT_TRANSLATE_NOOP("Events", "Power is manual: switch %1 off by hand")).arg(hostname);
    case PowerCommand::Cycle: break;
    }
    return Text::event(QT_TRANSLATE_NOOP("Events", "Power is manual: restart %1 by hand (or switch it on)"))
        .arg(hostname);
}

} // namespace metaldesk
