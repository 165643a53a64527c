#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QString>
#include <optional>

// The desktop session's keyring (the Secret Service of GNOME Keyring and others, or KWallet),
// through QtKeychain, under the service name "MetalDesk". Each call waits for the keyring's answer
// (at most 30 s: a locked keyring asks the user to unlock it).
namespace metaldesk::keyring {

// Whether this process belongs to a desktop session (a session D-Bus), where a keyring can be.
// Without one nothing is asked, so that a headless start never waits on a bus that is not there.
bool sessionHasOne();
// The entry's bytes; nullopt when the keyring has no such entry; an error when there is no
// keyring or it refused.
Expected<std::optional<QByteArray>> read(const QString &entry);
Expected<void> write(const QString &entry, const QByteArray &secret);
// Removing an entry that is not there succeeds.
Expected<void> remove(const QString &entry);

} // namespace metaldesk::keyring
