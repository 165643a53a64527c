#pragma once

#include "app/cli/commandline.h"

namespace metaldesk {

// `metaldesk apikey --username NAME`: prints a new API key for the user, once (as
// `maas apikey --generate`). Returns the process exit status.
int runApiKeyCommand(const CommandLine &cl);

} // namespace metaldesk
