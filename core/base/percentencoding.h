#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <optional>

namespace metaldesk {

// RFC 3986 §2.1 percent-decoding, strict: a '%' not followed by two hex digits gives nullopt
// (QByteArray::fromPercentEncoding passes it through, which would let two spellings of one path or
// secret through a check). '+' is left alone: it means a space only in form data (see formDecode).
std::optional<QByteArray> percentDecode(QByteArrayView text);

// application/x-www-form-urlencoded values (HTML's URL-encoded form data): '+' is a space, then
// percent-decoding as above.
std::optional<QByteArray> formDecode(QByteArrayView text);

} // namespace metaldesk
