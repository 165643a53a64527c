#pragma once

namespace metaldesk {

// Security review L8: a binary given file capabilities (the setcap that the listen errors suggest)
// runs in the kernel's secure-execution mode, yet Qt still loads plugins (SQL drivers, platforms)
// from the directories QT_PLUGIN_PATH and QT_QPA_PLATFORM_PLUGIN_PATH name (and a GTK platform
// theme loads GTK_MODULES): any local user could run code with MetalDesk's capabilities. In that
// mode those variables are removed, before any Qt object exists; only the installed plugins load.
// Outside it nothing changes.
void forgetPluginPathsWhenPrivileged();

} // namespace metaldesk
