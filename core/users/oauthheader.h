#pragma once

#include "core/base/expected.h"

#include <QByteArrayView>
#include <QString>
#include <optional>

namespace metaldesk {

// The OAuth 1.0 parameters of an HTTP Authorization header (RFC 5849 §3.5.1), as MAAS's metadata
// clients send them: cloud-init's MAAS datasource (oauthlib), maas-run-remote-scripts and the
// built-in environment's agent. Only the PLAINTEXT method is accepted: MAAS's clients sign with it,
// and its signature is the secret itself, "<consumer secret>&<token secret>".
struct OAuthCredentials {
    QString consumerKey;
    QString tokenKey;       // oauth_token
    QString consumerSecret; // from the signature; MAAS's node tokens have an empty one
    QString tokenSecret;    // from the signature
    QString nonce;          // as sent; not checked (a PLAINTEXT secret gains nothing from it)
    QString timestamp;
};

// Parses `OAuth realm="", oauth_consumer_key="ck", oauth_token="tk", oauth_signature="%26ts", ...`:
// the scheme (any case), then comma-separated name="value" pairs whose values are percent-encoded.
// Refused with the reason: another scheme, a parameter given twice, an unquoted or badly encoded
// value, a missing key, token or signature, a signature method other than PLAINTEXT, a version other
// than 1.0, a header longer than 4 KiB.
Expected<OAuthCredentials> parseOAuthHeader(QByteArrayView value);

// RFC 3986 percent-decoding of `text` as UTF-8; nullopt on a '%' not followed by two hex digits.
std::optional<QString> percentDecoded(QByteArrayView text);

} // namespace metaldesk
