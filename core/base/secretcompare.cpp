#include "core/base/secretcompare.h"

#include <QCryptographicHash>

#include <algorithm>

namespace metaldesk {

bool sameSecret(QByteArrayView a, QByteArrayView b)
{
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const qsizetype n = std::min(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

namespace {
constexpr QLatin1StringView kHashPrefix{"sha256$"};
}

QString hashedSecret(const QString &secret)
{
    return kHashPrefix +
           QString::fromLatin1(QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256).toHex());
}

bool isHashedSecret(const QString &stored) { return stored.startsWith(kHashPrefix); }

bool matchesHashedSecret(const QString &secret, const QString &stored)
{
    return sameSecret(hashedSecret(secret).toLatin1(), stored.toLatin1());
}

} // namespace metaldesk
