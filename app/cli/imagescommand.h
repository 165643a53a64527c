#pragma once

#include "app/cli/commandline.h"

namespace metaldesk {

// `metaldesk images list|add|remove`: the image catalogue from the command line. Returns the
// process exit status.
int runImagesCommand(const CommandLine &cl);

} // namespace metaldesk
