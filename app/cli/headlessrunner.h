#pragma once

#include "app/cli/commandline.h"

#include <QStringList>

namespace metaldesk {

// `metaldesk --headless`: opens the database, runs the services until SIGINT or SIGTERM, and says
// where it listens and how to stop it. Returns the process exit status.
int runHeadless(const CommandLine &cl, bool becauseNoDisplay);

} // namespace metaldesk
