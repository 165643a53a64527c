#include "core/users/oauthheader.h"

#include "core/base/percentencoding.h"

#include <QHash>

namespace metaldesk {

// The reasons below are answered to the machine (HTTP 401) and logged; they are protocol text for
// the people debugging a client, like HTTP's own reason phrases, and are not translated.

namespace {

constexpr qsizetype kMaxHeaderBytes = 4096;

bool isSpace(char c) { return c == ' ' || c == '\t'; }

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

} // namespace

std::optional<QString> percentDecoded(QByteArrayView text)
{
    const auto bytes = percentDecode(text);
    if (!bytes)
        return std::nullopt;
    return QString::fromUtf8(*bytes);
}

Expected<OAuthCredentials> parseOAuthHeader(QByteArrayView value)
{
    if (value.size() > kMaxHeaderBytes)
        return Error{QStringLiteral("the Authorization header is longer than %1 bytes").arg(kMaxHeaderBytes)};
    qsizetype pos = 0;
    auto skipSpace = [&] {
        while (pos < value.size() && isSpace(value[pos]))
            ++pos;
    };
    skipSpace();
    const qsizetype schemeStart = pos;
    while (pos < value.size() && !isSpace(value[pos]))
        ++pos;
    if (value.sliced(schemeStart, pos - schemeStart).compare("OAuth", Qt::CaseInsensitive) != 0)
        return Error{QStringLiteral("the Authorization header is not OAuth (MAAS's metadata clients sign with "
                                    "OAuth 1.0 PLAINTEXT)")};

    QHash<QByteArray, QByteArray> raw; // name → value as sent (still percent-encoded)
    for (;;) {
        skipSpace();
        while (pos < value.size() && (value[pos] == ',' || isSpace(value[pos])))
            ++pos; // empty list elements are allowed (RFC 9110 §5.6.1)
        if (pos >= value.size())
            break;
        const qsizetype nameStart = pos;
        while (pos < value.size() && isNameChar(value[pos]))
            ++pos;
        const QByteArray name = value.sliced(nameStart, pos - nameStart).toByteArray();
        if (name.isEmpty())
            return Error{QStringLiteral("the OAuth header has a malformed parameter at byte %1").arg(pos)};
        skipSpace();
        if (pos >= value.size() || value[pos] != '=')
            return Error{QStringLiteral("the OAuth parameter %1 has no value").arg(QString::fromLatin1(name))};
        ++pos;
        skipSpace();
        if (pos >= value.size() || value[pos] != '"')
            return Error{QStringLiteral("the OAuth parameter %1 is not quoted").arg(QString::fromLatin1(name))};
        const qsizetype valueStart = ++pos;
        while (pos < value.size() && value[pos] != '"')
            ++pos;
        if (pos >= value.size())
            return Error{QStringLiteral("the OAuth parameter %1 has no closing quote").arg(QString::fromLatin1(name))};
        if (raw.contains(name))
            return Error{QStringLiteral("the OAuth parameter %1 is given twice").arg(QString::fromLatin1(name))};
        raw.insert(name, value.sliced(valueStart, pos - valueStart).toByteArray());
        ++pos; // the closing quote
        skipSpace();
        if (pos < value.size() && value[pos] != ',')
            return Error{QStringLiteral("the OAuth parameters must be separated by commas (after %1)")
                             .arg(QString::fromLatin1(name))};
    }

    QHash<QByteArray, QString> params;
    for (auto it = raw.cbegin(); it != raw.cend(); ++it) {
        if (it.key() == "realm") // not percent-encoded (RFC 5849 §3.5.1) and not used
            continue;
        auto decoded = percentDecoded(it.value());
        if (!decoded)
            return Error{QStringLiteral("the OAuth parameter %1 is not percent-encoded correctly")
                             .arg(QString::fromLatin1(it.key()))};
        params.insert(it.key(), *decoded);
    }
    for (const char *required : {"oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_signature"})
        if (params.value(required).isEmpty())
            return Error{QStringLiteral("the OAuth header has no %1").arg(QLatin1String(required))};
    if (params.value("oauth_signature_method") != QLatin1String("PLAINTEXT"))
        return Error{QStringLiteral("the OAuth signature method %1 is not supported: use PLAINTEXT, as MAAS's "
                                    "metadata clients do")
                         .arg(params.value("oauth_signature_method"))};
    if (params.contains("oauth_version") && params.value("oauth_version") != QLatin1String("1.0"))
        return Error{
            QStringLiteral("the OAuth version %1 is not supported: use 1.0").arg(params.value("oauth_version"))};

    // PLAINTEXT (RFC 5849 §3.4.4): the signature is encode(consumer secret) "&" encode(token secret),
    // and the header encodes it once more; the first decoding was done above.
    const QString signature = params.value("oauth_signature");
    const qsizetype amp = signature.indexOf(QLatin1Char('&'));
    if (amp < 0)
        return Error{QStringLiteral("the PLAINTEXT signature is not \"<consumer secret>&<token secret>\"")};
    auto consumerSecret = percentDecoded(signature.left(amp).toUtf8());
    auto tokenSecret = percentDecoded(signature.mid(amp + 1).toUtf8());
    if (!consumerSecret || !tokenSecret)
        return Error{QStringLiteral("the PLAINTEXT signature is not percent-encoded correctly")};

    OAuthCredentials c;
    c.consumerKey = params.value("oauth_consumer_key");
    c.tokenKey = params.value("oauth_token");
    c.consumerSecret = *consumerSecret;
    c.tokenSecret = *tokenSecret;
    c.nonce = params.value("oauth_nonce");
    c.timestamp = params.value("oauth_timestamp");
    return c;
}

} // namespace metaldesk
