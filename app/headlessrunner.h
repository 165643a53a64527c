#pragma once

#include "commandline.h"

namespace metaldesk {

class ServiceHost;
struct CoreServices;

// The services every MetalDesk process runs, with or without a window.
void addServices(ServiceHost &host, CoreServices &core);

// `metaldesk --headless`: opens the database, runs the services until SIGINT or SIGTERM, and says
// where it listens and how to stop it. Returns the process exit status.
int runHeadless(const CommandLine &cl, bool becauseNoDisplay);

} // namespace metaldesk
