#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <memory>

namespace metaldesk {

// Secrets at rest (BMC and vSphere passwords, node credentials): sealed with libsodium's secretbox (XSalsa20-Poly1305)
// under a 32-byte key kept in the desktop keyring when the session has one, else in a file of its
// own (0600), beside the SQLite file or in the data directory for PostgreSQL (Database decides
// which). A copy of the database alone (a backup, a file attached to a bug report) holds no
// password and no node's credential; the key and the database together do.
class SecretBox {
public:
    static constexpr int kKeyBytes = 32;
    // Reads the key, or makes one (random, 0600) when the file does not exist yet.
    static Expected<std::shared_ptr<const SecretBox>> openKeyFile(const QString &path);
    // A key from elsewhere (the keyring); `where` names it in messages.
    static Expected<std::shared_ptr<const SecretBox>> fromKey(const QByteArray &key, const QString &where);
    // Writes the key to a new file (0600, synced); refused when the file exists.
    static Expected<void> writeKeyFile(const QString &path, const QByteArray &key);
    // "sealed:v1:" and base64 of a random nonce and the ciphertext.
    QString seal(const QString &plain) const;
    // The plain text of a sealed value; a value stored before secrets were sealed passes as it is.
    // Refused when it was sealed under another key or changed since.
    Expected<QString> open(const QString &stored) const;
    static bool isSealed(const QString &stored);
    // "the key file PATH" or "the desktop keyring's entry ...", for messages.
    const QString &where() const { return where_; }
    const QByteArray &key() const { return key_; }

private:
    QByteArray key_;
    QString where_;
};

// Whether a power or chassis parameter is a secret (its value is sealed when stored).
bool isSecretParameter(const QString &name);
// Parameters as stored: JSON with every secret sealed.
QString storedParameters(const SecretBox &box, const QJsonObject &parameters);
// Parameters as stored, opened. A secret that does not open (another key file) is left out and
// said once in the log: a power call then says the password is missing, and nothing is lost.
QJsonObject openParameters(const SecretBox &box, const QString &stored);
// Whether stored parameters still hold a secret in plain text (written before sealing existed).
bool holdsPlainSecret(const QString &stored);

} // namespace metaldesk
