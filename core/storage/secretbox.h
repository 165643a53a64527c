#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <memory>

namespace metaldesk {

// Secrets at rest (BMC and vSphere passwords, node credentials): sealed with libsodium's secretbox (XSalsa20-Poly1305)
// under a 32-byte key kept in a file of its own (0600), beside the SQLite file or in the data
// directory for PostgreSQL. A copy of the database alone (a backup, a file attached to a bug
// report) holds no password and no node's credential; the key file and the database together do.
class SecretBox {
public:
    // Reads the key, or makes one (random, 0600) when the file does not exist yet.
    static Expected<std::shared_ptr<const SecretBox>> openKeyFile(const QString &path);
    // "sealed:v1:" and base64 of a random nonce and the ciphertext.
    QString seal(const QString &plain) const;
    // The plain text of a sealed value; a value stored before secrets were sealed passes as it is.
    // Refused when it was sealed under another key or changed since.
    Expected<QString> open(const QString &stored) const;
    static bool isSealed(const QString &stored);
    const QString &keyPath() const { return path_; }

private:
    QByteArray key_;
    QString path_;
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
