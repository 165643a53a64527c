#pragma once

#include "app/cli/commandline.h"

namespace metaldesk {

// `metaldesk set-config NAME VALUE` and `get-config NAME`. Returns the process exit status.
int runConfigCommand(const CommandLine &cl);
// `metaldesk secret-key [file|keyring]`: says where the secret key is, or moves it.
int runSecretKeyCommand(const CommandLine &cl);

} // namespace metaldesk
