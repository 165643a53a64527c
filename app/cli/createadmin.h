#pragma once

#include "app/cli/commandline.h"

namespace metaldesk {

// `metaldesk createadmin`: creates an administrator (as `maas createadmin`), asking on the terminal
// for what the options left out. Returns the process exit status.
int runCreateAdmin(CommandLine cl);

} // namespace metaldesk
