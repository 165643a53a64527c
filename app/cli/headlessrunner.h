#pragma once

#include "app/cli/commandline.h"

#include <QStringList>

namespace metaldesk {

class ServiceHost;
struct CoreServices;

// The services every MetalDesk process runs, with or without a window. Returns what could not be
// started and why (a DHCP setting that is wrong, say); the rest runs regardless. The TCP servers
// bind to `listenAddress` (--listen).
QStringList addServices(ServiceHost &host, CoreServices &core, const QString &listenAddress);

// `metaldesk --headless`: opens the database, runs the services until SIGINT or SIGTERM, and says
// where it listens and how to stop it. Returns the process exit status.
int runHeadless(const CommandLine &cl, bool becauseNoDisplay);

} // namespace metaldesk
