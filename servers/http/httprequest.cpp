#include "servers/http/httprequest.h"

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

ParseFailure fail(ParseError error, QByteArrayView detail)
{
    return ParseFailure{error, detail.first(std::min<qsizetype>(detail.size(), 200)).toByteArray()};
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

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
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
    }
    return "?";
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
            return fail(ParseError::TooLarge, "no end of head within the limit");
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
            return fail(ParseError::BadRequestLine, partial);
        return incomplete();
    }
    if (pos > limits.maxHeadBytes)
        return fail(ParseError::TooLarge, "request line longer than the limit");
    if (line.contains('\r'))
        return fail(ParseError::BadRequestLine, line);
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype secondSpace = firstSpace < 0 ? -1 : line.indexOf(' ', firstSpace + 1);
    if (firstSpace < 0 || secondSpace < 0 || line.indexOf(' ', secondSpace + 1) >= 0)
        return fail(ParseError::BadRequestLine, line);
    const QByteArrayView method = line.first(firstSpace);
    const QByteArrayView target = line.sliced(firstSpace + 1, secondSpace - firstSpace - 1);
    const QByteArrayView version = line.sliced(secondSpace + 1);
    if (!isToken(method) || !isAcceptableTarget(target))
        return fail(ParseError::BadRequestLine, line);
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[5] < '0' || version[5] > '9' ||
        version[6] != '.' || version[7] < '0' || version[7] > '9')
        return fail(ParseError::BadRequestLine, line);
    if (version[5] != '1')
        return fail(ParseError::UnsupportedVersion, version);
    // HTTP/1.2 and later minor versions are answered as 1.1 (RFC 9110 §2.5).
    request.minorVersion = version[7] == '0' ? 0 : 1;
    request.target = target.toByteArray();
    if (method == "GET")
        request.method = Method::Get;
    else if (method == "HEAD")
        request.method = Method::Head;
    else
        return fail(ParseError::UnsupportedMethod, method);

    int hosts = 0;
    for (;;) {
        if (!nextLine(line))
            return incomplete();
        if (pos > limits.maxHeadBytes)
            return fail(ParseError::TooLarge, "head longer than the limit");
        if (line.isEmpty())
            break;
        if (isWhitespace(line.front())) // obsolete line folding (RFC 9112 §5.2)
            return fail(ParseError::BadHeader, line);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(ParseError::BadHeader, line);
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        for (char c : value)
            if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f)
                return fail(ParseError::BadHeader, line);
        if (request.headers.size() >= limits.maxHeaders)
            return fail(ParseError::TooLarge, "too many header fields");
        Header header{line.first(colon).toByteArray(), value.toByteArray()};
        if (equalsIgnoringCase(header.name, "host"))
            ++hosts;
        // The boot server takes no request bodies; refusing them keeps the next request's start
        // unambiguous (no request smuggling between us and a proxy).
        if (equalsIgnoringCase(header.name, "transfer-encoding") ||
            (equalsIgnoringCase(header.name, "content-length") && number(value).value_or(1) != 0))
            return fail(ParseError::BadHeader, line);
        request.headers.append(std::move(header));
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one before.
    if (hosts > 1 || (request.minorVersion == 1 && hosts == 0))
        return fail(ParseError::BadHeader, hosts ? "several Host fields" : "no Host field");
    request.headLength = pos;
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
    const qsizetype end = [&] {
        for (qsizetype i = 0; i < target.size(); ++i)
            if (target[i] == '?' || target[i] == '#')
                return i;
        return target.size();
    }();
    QByteArray path;
    path.reserve(end);
    for (qsizetype i = 0; i < end; ++i) {
        if (target[i] != '%') {
            path.append(target[i]);
            continue;
        }
        if (i + 2 >= end)
            return std::nullopt;
        const int high = hexValue(target[i + 1]);
        const int low = hexValue(target[i + 2]);
        if (high < 0 || low < 0)
            return std::nullopt;
        path.append(char(high * 16 + low));
        i += 2;
    }
    return path;
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
