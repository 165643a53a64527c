#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QByteArrayView>
#include <QList>
#include <optional>
#include <variant>

namespace metaldesk::http {

// An HTTP/1.1 request (RFC 9112 §2-6), head and body, parsed by a pure function over the bytes
// received so far. The one parser of every HTTP service here: the boot server (GET and HEAD, no
// bodies), the metadata service and the API (bodies up to a limit).

struct Header {
    QByteArray name;  // as sent; compare case-insensitively
    QByteArray value; // without leading and trailing whitespace
};

struct Request {
    QByteArray method;    // as sent, case-sensitive (RFC 9110 §9.1): "GET", "POST", ...
    QByteArray target;    // as sent: "/boot/x.ipxe?a=b" or "http://host/boot/x.ipxe"
    int minorVersion = 1; // HTTP/1.<minorVersion>; 0 or 1
    QList<Header> headers;
    QByteArray body;
    qsizetype headLength = 0; // bytes of the head, up to and including the empty line
    qsizetype length = 0;     // bytes of the whole request: head and body

    // The first header named `name` (case-insensitive), or nullopt.
    std::optional<QByteArray> header(QByteArrayView name) const;
    // Whether the connection stays open after the answer: HTTP/1.1 unless "Connection: close",
    // HTTP/1.0 only with "Connection: keep-alive".
    bool keepAlive() const;
    bool isHead() const { return method == "HEAD"; }
};

// Not all there yet: read more and call parse again with everything received. `continueWanted`:
// the head is complete, the body is not, and the client waits for "100 Continue" before sending
// it (Expect: 100-continue, as curl sends for larger bodies).
struct NeedMore {
    bool continueWanted = false;
};

enum class ParseError {
    BadRequestLine,         // 400
    BadHeader,              // 400: a malformed field, a missing or repeated Host, a body where none is taken
    TooLarge,               // 431: the head is longer than the limit, or has too many fields
    UnsupportedVersion,     // 505: HTTP/2 in clear text, HTTP/3.0, ...
    UnsupportedMethod,      // 405: a well-formed method the service does not take
    LengthRequired,         // 411: a chunked body (no client of ours sends one)
    BodyTooLarge,           // 413: refused as soon as the head says so, before the body is read
    UnsupportedExpectation, // 417: an Expect other than 100-continue
};
inline constexpr int ParseErrorCount = 8;
const char *parseErrorName(ParseError error);
int statusFor(ParseError error);

struct ParseFailure {
    ParseError error;
    QByteArray detail; // a reason with the client's bytes made printable: for the log and the answer's body
};

using ParseResult = std::variant<Request, NeedMore, ParseFailure>;

struct Limits {
    qsizetype maxHeadBytes = 8192; // nginx's large_client_header_buffers is 8k per line
    int maxHeaders = 100;
    // 0: no request bodies at all (a Content-Length other than 0 is a bad header), which keeps the
    // next request's start unambiguous (no request smuggling between us and a proxy).
    qsizetype maxBodyBytes = 0;
    // The methods served; any other well-formed one is UnsupportedMethod. Empty: any method.
    QByteArrayList methods{"GET", "HEAD"};
};

// Parses the first request in `bytes`. Empty lines before the request line are skipped (RFC 9112
// §2.2), and a bare LF ends a line as well as CRLF does. A body needs Content-Length.
ParseResult parse(QByteArrayView bytes, const Limits &limits = {});

// The path of a request target, percent-decoded, without query and fragment: "/boot/a b.ipxe".
// An absolute-form target ("http://host/x") gives its path. nullopt: not a path, or a bad '%'.
std::optional<QByteArray> decodedPath(QByteArrayView target);

// The query of a request target (after '?', before '#'), still encoded; empty when there is none.
QByteArrayView query(QByteArrayView target);

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
