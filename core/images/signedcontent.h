#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QStringList>

namespace metaldesk {

// OpenPGP checks of what an image mirror serves, with GPGME (GnuPG underneath). Each call works in
// a GnuPG home of its own that holds only the given keyring and is removed afterwards: what
// verifies is exactly what the source trusts, never the user's own keys.

// The fingerprints (40 upper-case hex digits) of the public keys in `keyring`, binary (gpg
// --export, a .gpg keyring file) or ASCII-armoured; an error when it holds none.
Expected<QStringList> keyringFingerprints(const QByteArray &keyring);

// The content of the clear-signed `text` (-----BEGIN PGP SIGNED MESSAGE-----) when one of the
// keys of `keyring` made a good signature over it; otherwise why not: not signed, a signature
// that does not match, or signed by a key that is not in the keyring (naming that key and the
// ones expected).
Expected<QByteArray> verifyClearSigned(const QByteArray &text, const QByteArray &keyring);

// Groups of four hex digits, as gpg shows a fingerprint: "4A3C E3CD 565D …".
QString spacedFingerprint(const QString &fingerprint);

} // namespace metaldesk
