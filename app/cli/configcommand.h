#pragma once

#include "app/cli/commandline.h"

namespace metaldesk {

// `metaldesk set-config NAME VALUE` and `get-config NAME`. Returns the process exit status.
int runConfigCommand(const CommandLine &cl);

} // namespace metaldesk
