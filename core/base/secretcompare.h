#pragma once

#include <QByteArrayView>
#include <QString>

namespace metaldesk {

// Whether two secrets are equal, compared without stopping at the first difference, so that the
// time taken does not tell an attacker how much of a guess was right. The lengths may differ (a
// length is not a secret here: every token and key has a fixed one).
bool sameSecret(QByteArrayView a, QByteArrayView b);

// What is stored of a random secret (an API key's): "sha256$<hex>", so that a copy of the database
// does not hand out working keys. A fast hash is enough for a 32-character random secret (unlike a
// password, it cannot be guessed from a list).
QString hashedSecret(const QString &secret);
bool isHashedSecret(const QString &stored);
// Whether `secret` is the one `stored` (from hashedSecret) was made from, in constant time.
bool matchesHashedSecret(const QString &secret, const QString &stored);

} // namespace metaldesk
