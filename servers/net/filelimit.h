#pragma once

#include <sys/resource.h>

namespace metaldesk::net {

// Raises this process's soft limit on open files to its hard limit (at most 65536). The boot
// servers may hold about 2,300 descriptors at their caps (TFTP and HTTP: a socket and a file per
// transfer), while a desktop session usually starts programs with a soft limit of 1024 (security
// review M4). Returns the soft limit now in force.
rlim_t raiseOpenFileLimit();

} // namespace metaldesk::net
