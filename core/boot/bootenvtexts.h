#pragma once

#include "core/base/text.h"

#include <QList>

namespace metaldesk {

// What the boot environment (bootenv/, shell scripts on the machine) reports when it fails: an
// English sentence with its variable parts filled in. A known sentence becomes its Text, shown in
// the window's language; one this list lacks (a newer environment's) stays as the machine sent it.
Text bootEnvironmentText(const QString &reason);

// Every sentence, as the scripts' `fail` calls write it with %1, %2, ... for the parts they fill in
// (tst_bootenvtexts holds the scripts to this list).
QList<QByteArray> bootEnvironmentSentences();

} // namespace metaldesk
