#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <optional>
#include <variant>

namespace metaldesk::http {

// The HTTP/1.1 request head (RFC 9112 §2-5), parsed by a pure function over the bytes received so
// far. Bodies are not part of it: the boot server serves GET and HEAD only.

enum class Method {
    Get,
    Head,
};

struct Header {
    QByteArray name;  // as sent; compare case-insensitively
    QByteArray value; // without leading and trailing whitespace
};

struct Request {
    Method method = Method::Get;
    QByteArray target;    // as sent: "/boot/x.ipxe?a=b" or "http://host/boot/x.ipxe"
    int minorVersion = 1; // HTTP/1.<minorVersion>; 0 or 1
    QList<Header> headers;
    qsizetype headLength = 0; // bytes of the head, up to and including the empty line

    // The first header named `name` (case-insensitive), or nullopt.
    std::optional<QByteArray> header(QByteArrayView name) const;
    // Whether the connection stays open after the answer: HTTP/1.1 unless "Connection: close",
    // HTTP/1.0 only with "Connection: keep-alive".
    bool keepAlive() const;
};

// Not a whole head yet: read more (and call parse again with everything received).
struct NeedMore {};

enum class ParseError {
    BadRequestLine,     // 400
    BadHeader,          // 400: a malformed field, a missing or repeated Host, a request body
    TooLarge,           // 431: the head is longer than the limit, or has too many fields
    UnsupportedVersion, // 505: HTTP/2 in clear text, HTTP/3.0, ...
    UnsupportedMethod,  // 405: a well-formed method other than GET and HEAD
};
inline constexpr int ParseErrorCount = 5;
const char *parseErrorName(ParseError error);

struct ParseFailure {
    ParseError error;
    QByteArray detail; // for the log, never sent back as is
};

using ParseResult = std::variant<Request, NeedMore, ParseFailure>;

struct Limits {
    qsizetype maxHeadBytes = 8192; // nginx's large_client_header_buffers is 8k per line
    int maxHeaders = 100;
};

// Parses the first request head in `bytes`. Empty lines before the request line are skipped (RFC
// 9112 §2.2), and a bare LF ends a line as well as CRLF does.
ParseResult parse(QByteArrayView bytes, const Limits &limits = {});

// The path of a request target, percent-decoded, without query and fragment: "/boot/a b.ipxe".
// An absolute-form target ("http://host/x") gives its path. nullopt: not a path, or a bad '%'.
std::optional<QByteArray> decodedPath(QByteArrayView target);

// The answer to a Range header (RFC 9110 §14) for a representation of `size` bytes.
struct ByteRange {
    qint64 first = 0;
    qint64 length = 0; // at least 1
};
// No Range, another unit, or a malformed header: RFC 9110 says to ignore it and send it all (200).
struct WholeRepresentation {};
// No range overlaps the representation: 416 with "Content-Range: bytes */size".
struct NotSatisfiable {};
using RangeAnswer = std::variant<WholeRepresentation, ByteRange, NotSatisfiable>;

// Accepts "bytes=a-b", "bytes=a-" and "bytes=-n". Of several ranges, the first satisfiable one is
// answered (a single-part 206 whose Content-Range says which); multipart/byteranges is not
// implemented, as no boot client asks for more than one range. An empty representation is always
// sent whole.
RangeAnswer parseRange(QByteArrayView value, qint64 size);

} // namespace metaldesk::http
