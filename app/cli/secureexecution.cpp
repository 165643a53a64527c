#include "app/cli/secureexecution.h"

#include <cstdlib>
#include <initializer_list>
#include <sys/auxv.h>

namespace metaldesk {

void forgetPluginPathsWhenPrivileged()
{
    // AT_SECURE: set-user-ID, set-group-ID or file capabilities (the kernel's test, as glibc's
    // for LD_PRELOAD).
    if (::getauxval(AT_SECURE) == 0)
        return;
    // Qt's plugin paths; the platform theme, which can load GTK, and GTK's and GIO's module paths.
    for (const char *name :
         {"QT_PLUGIN_PATH", "QT_QPA_PLATFORM_PLUGIN_PATH", "QML2_IMPORT_PATH", "QML_IMPORT_PATH",
          "QT_QPA_PLATFORMTHEME", "GTK_MODULES", "GTK3_MODULES", "GTK_PATH", "GIO_EXTRA_MODULES", "GIO_MODULE_DIR"})
        ::unsetenv(name);
}

} // namespace metaldesk
