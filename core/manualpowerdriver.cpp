#include "manualpowerdriver.h"

#include <QCoreApplication>

namespace metaldesk {

QString ManualPowerDriver::label() const { return QCoreApplication::translate("Power", "Manual"); }

} // namespace metaldesk
