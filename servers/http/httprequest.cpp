#include "servers/http/httprequest.h"

#include "core/base/percentencoding.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace metaldesk::http {

namespace {

// RFC 9110 §5.6.2: the characters of a token (methods, field names).
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text)
        if (!isTokenChar(c))
            return false;
    return true;
}

bool isWhitespace(char c) { return c == ' ' || c == '\t'; }

QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && isWhitespace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isWhitespace(text.back()))
        text.chop(1);
    return text;
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b) { return a.compare(b, Qt::CaseInsensitive) == 0; }

// The request-target forms a GET can have (RFC 9112 §3.2): origin-form or absolute-form.
bool isAcceptableTarget(QByteArrayView target)
{
    if (target.isEmpty())
        return false;
    for (char c : target)
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
            return false;
    if (target.front() == '/')
        return true;
    return target.startsWith("http://") || target.startsWith("HTTP://") || target.startsWith("https://") ||
           target.startsWith("HTTPS://");
}

// Client bytes for a log line or an error body: printable ASCII, short.
QByteArray printable(QByteArrayView bytes)
{
    QByteArray out;
    for (char c : bytes.first(std::min<qsizetype>(bytes.size(), 120)))
        out += (uchar(c) >= 0x20 && uchar(c) < 0x7f) ? c : '?';
    return out;
}

ParseFailure fail(ParseError error, const QByteArray &reason, QByteArrayView bytes = {})
{
    return ParseFailure{error, bytes.isEmpty() ? reason : reason + ": " + printable(bytes)};
}

// The elements of a comma-separated list (RFC 9110 §5.6.1), trimmed; empty ones included.
QList<QByteArrayView> listElements(QByteArrayView list)
{
    QList<QByteArrayView> elements;
    for (;;) {
        const qsizetype comma = list.indexOf(',');
        elements.append(trimmed(comma < 0 ? list : list.first(comma)));
        if (comma < 0)
            return elements;
        list = list.sliced(comma + 1);
    }
}

// A decimal number, saturating instead of overflowing; nullopt if not only digits.
std::optional<qint64> number(QByteArrayView text)
{
    if (text.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    constexpr qint64 max = std::numeric_limits<qint64>::max();
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const int digit = c - '0';
        value = value > (max - digit) / 10 ? max : value * 10 + digit;
    }
    return value;
}

} // namespace

const char *parseErrorName(ParseError error)
{
    switch (error) {
    case ParseError::BadRequestLine: return "bad request line";
    case ParseError::BadHeader: return "bad header";
    case ParseError::TooLarge: return "head too large";
    case ParseError::UnsupportedVersion: return "unsupported version";
    case ParseError::UnsupportedMethod: return "unsupported method";
    case ParseError::LengthRequired: return "length required";
    case ParseError::BodyTooLarge: return "body too large";
    case ParseError::UnsupportedExpectation: return "unsupported expectation";
    }
    return "?";
}

int statusFor(ParseError error)
{
    switch (error) {
    case ParseError::BadRequestLine:
    case ParseError::BadHeader: return 400;
    case ParseError::TooLarge: return 431;
    case ParseError::UnsupportedVersion: return 505;
    case ParseError::UnsupportedMethod: return 405;
    case ParseError::LengthRequired: return 411;
    case ParseError::BodyTooLarge: return 413;
    case ParseError::UnsupportedExpectation: return 417;
    }
    return 400;
}

std::optional<QByteArray> Request::header(QByteArrayView name) const
{
    for (const Header &h : headers)
        if (equalsIgnoringCase(h.name, name))
            return h.value;
    return std::nullopt;
}

bool Request::keepAlive() const
{
    bool close = false;
    bool keepAlive = false;
    for (const Header &h : headers) {
        if (!equalsIgnoringCase(h.name, "connection"))
            continue;
        for (QByteArrayView option : listElements(h.value)) {
            close = close || equalsIgnoringCase(option, "close");
            keepAlive = keepAlive || equalsIgnoringCase(option, "keep-alive");
        }
    }
    if (close)
        return false;
    return minorVersion >= 1 || keepAlive;
}

ParseResult parse(QByteArrayView bytes, const Limits &limits)
{
    qsizetype pos = 0;
    // Empty lines before the request line are tolerated (RFC 9112 §2.2), within the size limit.
    while (pos < bytes.size() && (bytes[pos] == '\r' || bytes[pos] == '\n') && pos < limits.maxHeadBytes)
        ++pos;

    // The next line from `pos` without its CR LF (or LF); false when it is not complete yet.
    auto nextLine = [&](QByteArrayView &line) {
        const qsizetype end = bytes.indexOf('\n', pos);
        if (end < 0)
            return false;
        line = bytes.sliced(pos, end - pos);
        if (line.endsWith('\r'))
            line.chop(1);
        pos = end + 1;
        return true;
    };
    auto incomplete = [&]() -> ParseResult {
        if (bytes.size() >= limits.maxHeadBytes)
            return fail(ParseError::TooLarge, "the request head is longer than the limit");
        return NeedMore{};
    };

    Request request;
    QByteArrayView line;
    if (!nextLine(line)) {
        // Not a whole line yet, but a client that does not start with a method (TLS, binary
        // noise) is told at once instead of when the timeout cuts it off.
        const QByteArrayView partial = bytes.sliced(pos);
        const qsizetype space = partial.indexOf(' ');
        const QByteArrayView method = space < 0 ? partial : partial.first(space);
        if (!method.isEmpty() && !isToken(method))
            return fail(ParseError::BadRequestLine, "not an HTTP request", partial);
        return incomplete();
    }
    if (pos > limits.maxHeadBytes)
        return fail(ParseError::TooLarge, "the request line is longer than the limit");
    if (line.contains('\r'))
        return fail(ParseError::BadRequestLine, "malformed request line", line);
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype secondSpace = firstSpace < 0 ? -1 : line.indexOf(' ', firstSpace + 1);
    if (firstSpace < 0 || secondSpace < 0 || line.indexOf(' ', secondSpace + 1) >= 0)
        return fail(ParseError::BadRequestLine, "malformed request line", line);
    const QByteArrayView method = line.first(firstSpace);
    const QByteArrayView target = line.sliced(firstSpace + 1, secondSpace - firstSpace - 1);
    const QByteArrayView version = line.sliced(secondSpace + 1);
    if (!isToken(method) || !isAcceptableTarget(target))
        return fail(ParseError::BadRequestLine, "malformed request line", line);
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[5] < '0' || version[5] > '9' ||
        version[6] != '.' || version[7] < '0' || version[7] > '9')
        return fail(ParseError::BadRequestLine, "malformed HTTP version", version);
    if (version[5] != '1')
        return fail(ParseError::UnsupportedVersion, "only HTTP/1.x is served", version);
    // HTTP/1.2 and later minor versions are answered as 1.1 (RFC 9110 §2.5).
    request.minorVersion = version[7] == '0' ? 0 : 1;
    if (!limits.methods.isEmpty() && !limits.methods.contains(method))
        return fail(ParseError::UnsupportedMethod, "method not served", method);
    request.method = method.toByteArray();
    request.target = target.toByteArray();

    std::optional<qint64> contentLength;
    bool expectContinue = false;
    int hosts = 0;
    for (;;) {
        if (!nextLine(line))
            return incomplete();
        if (pos > limits.maxHeadBytes)
            return fail(ParseError::TooLarge, "the request head is longer than the limit");
        if (line.isEmpty())
            break;
        if (isWhitespace(line.front())) // obsolete line folding (RFC 9112 §5.2)
            return fail(ParseError::BadHeader, "obsolete header line folding", line);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(ParseError::BadHeader, "malformed header", line);
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        for (char c : value)
            if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f)
                return fail(ParseError::BadHeader, "control character in header", name);
        if (request.headers.size() >= limits.maxHeaders)
            return fail(ParseError::TooLarge, "too many header fields");
        if (equalsIgnoringCase(name, "host"))
            ++hosts;
        if (equalsIgnoringCase(name, "transfer-encoding"))
            return fail(ParseError::LengthRequired, "chunked bodies are not accepted: send Content-Length");
        if (equalsIgnoringCase(name, "content-length")) {
            const auto n = number(value);
            // Several Content-Length fields must agree (RFC 9112 §6.3): anything else could smuggle.
            if (!n || (contentLength && *contentLength != *n))
                return fail(ParseError::BadHeader, "malformed Content-Length", value);
            contentLength = n;
        }
        if (equalsIgnoringCase(name, "expect")) {
            if (!equalsIgnoringCase(value, "100-continue"))
                return fail(ParseError::UnsupportedExpectation, "unsupported expectation", value);
            expectContinue = true;
        }
        request.headers.append(Header{name.toByteArray(), value.toByteArray()});
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one before.
    if (hosts > 1 || (request.minorVersion == 1 && hosts == 0))
        return fail(ParseError::BadHeader, hosts ? "several Host fields" : "no Host field");
    request.headLength = pos;
    const qint64 bodyLength = contentLength.value_or(0);
    if (bodyLength > 0 && limits.maxBodyBytes == 0)
        return fail(ParseError::BadHeader, "this service takes no request bodies");
    if (bodyLength > limits.maxBodyBytes)
        return fail(ParseError::BodyTooLarge,
                    "the request body is larger than " + QByteArray::number(limits.maxBodyBytes) + " bytes");
    if (bytes.size() - pos < bodyLength)
        return NeedMore{expectContinue};
    request.body = bytes.sliced(pos, bodyLength).toByteArray();
    request.length = pos + bodyLength;
    return request;
}

std::optional<QByteArray> decodedPath(QByteArrayView target)
{
    if (!target.startsWith('/')) {
        const qsizetype scheme = target.indexOf("://");
        if (scheme <= 0)
            return std::nullopt;
        const qsizetype slash = target.indexOf('/', scheme + 3);
        target = slash < 0 ? QByteArrayView("/") : target.sliced(slash);
    }
    for (qsizetype i = 0; i < target.size(); ++i)
        if (target[i] == '?' || target[i] == '#')
            return percentDecode(target.first(i));
    return percentDecode(target);
}

QByteArrayView query(QByteArrayView target)
{
    const qsizetype hash = target.indexOf('#');
    if (hash >= 0)
        target = target.first(hash);
    const qsizetype mark = target.indexOf('?');
    return mark < 0 ? QByteArrayView() : target.sliced(mark + 1);
}

RangeAnswer parseRange(QByteArrayView value, qint64 size)
{
    value = trimmed(value);
    const qsizetype equals = value.indexOf('=');
    if (equals < 0 || !equalsIgnoringCase(value.first(equals), "bytes") || size <= 0)
        return WholeRepresentation{};
    std::optional<ByteRange> chosen;
    int specs = 0;
    for (QByteArrayView spec : listElements(value.sliced(equals + 1))) {
        if (spec.isEmpty()) // RFC 9110 §5.6.1: empty list elements are allowed and ignored
            continue;
        ++specs;
        const qsizetype dash = spec.indexOf('-');
        if (dash < 0)
            return WholeRepresentation{};
        const QByteArrayView firstText = spec.first(dash);
        const QByteArrayView lastText = spec.sliced(dash + 1);
        ByteRange range;
        bool satisfiable = false;
        if (firstText.isEmpty()) { // "-n": the last n bytes
            const auto suffix = number(lastText);
            if (!suffix)
                return WholeRepresentation{};
            satisfiable = *suffix > 0;
            range.length = std::min(*suffix, size);
            range.first = size - range.length;
        } else {
            const auto first = number(firstText);
            const auto last =
                lastText.isEmpty() ? std::optional<qint64>(std::numeric_limits<qint64>::max()) : number(lastText);
            if (!first || !last || *last < *first)
                return WholeRepresentation{}; // a syntax error voids the whole header
            satisfiable = *first < size;
            range.first = *first;
            range.length = std::min(*last, size - 1) - *first + 1;
        }
        // Keep parsing after the first satisfiable range: a malformed later one still voids all.
        if (satisfiable && !chosen)
            chosen = range;
    }
    if (chosen)
        return *chosen;
    if (specs == 0)
        return WholeRepresentation{};
    return NotSatisfiable{};
}

} // namespace metaldesk::http
