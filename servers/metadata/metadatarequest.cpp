#include "servers/metadata/metadatarequest.h"

#include <cstring>
#include <limits>

namespace metaldesk::metadata {

namespace {

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

QByteArray printable(QByteArrayView bytes)
{
    QByteArray out;
    for (char c : bytes.first(std::min<qsizetype>(bytes.size(), 120)))
        out += (uchar(c) >= 0x20 && uchar(c) < 0x7f) ? c : '?';
    return out;
}

Failure fail(int status, const QByteArray &reason) { return Failure{status, reason}; }

std::optional<qint64> number(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18)
        return std::nullopt;
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

std::optional<QByteArray> Request::header(QByteArrayView name) const
{
    for (const http::Header &h : headers)
        if (equalsIgnoringCase(h.name, name))
            return h.value;
    return std::nullopt;
}

bool Request::keepAlive() const
{
    bool close = false;
    bool keep = false;
    for (const http::Header &h : headers) {
        if (!equalsIgnoringCase(h.name, "connection"))
            continue;
        for (const QByteArray &option : h.value.split(',')) {
            close = close || equalsIgnoringCase(trimmed(option), "close");
            keep = keep || equalsIgnoringCase(trimmed(option), "keep-alive");
        }
    }
    if (close)
        return false;
    return minorVersion >= 1 || keep;
}

ParseResult parseRequest(QByteArrayView bytes, const Limits &limits)
{
    qsizetype pos = 0;
    while (pos < bytes.size() && (bytes[pos] == '\r' || bytes[pos] == '\n') && pos < limits.maxHeadBytes)
        ++pos;
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
            return fail(431, "the request head is longer than the limit");
        return NeedMore{};
    };

    QByteArrayView line;
    if (!nextLine(line)) {
        const QByteArrayView partial = bytes.sliced(pos);
        const qsizetype space = partial.indexOf(' ');
        const QByteArrayView method = space < 0 ? partial : partial.first(space);
        if (!method.isEmpty() && !isToken(method))
            return fail(400, "not an HTTP request: " + printable(partial));
        return incomplete();
    }
    if (pos > limits.maxHeadBytes)
        return fail(431, "the request line is longer than the limit");
    const QList<QByteArray> parts = line.toByteArray().split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty() || line.contains('\r'))
        return fail(400, "malformed request line: " + printable(line));
    for (char c : parts[1])
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
            return fail(400, "malformed request target: " + printable(parts[1]));
    const QByteArray &version = parts[2];
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.' || version[5] < '0' ||
        version[5] > '9' || version[7] < '0' || version[7] > '9')
        return fail(400, "malformed HTTP version: " + printable(version));
    if (version[5] != '1')
        return fail(505, "only HTTP/1.x is served: " + printable(version));

    Request request;
    request.method = parts[0];
    request.target = parts[1];
    request.minorVersion = version[7] == '0' ? 0 : 1;

    std::optional<qint64> contentLength;
    bool expectContinue = false;
    int hosts = 0;
    for (;;) {
        if (!nextLine(line))
            return incomplete();
        if (pos > limits.maxHeadBytes)
            return fail(431, "the request head is longer than the limit");
        if (line.isEmpty())
            break;
        if (isWhitespace(line.front()))
            return fail(400, "obsolete header line folding");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(400, "malformed header: " + printable(line));
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        for (char c : value)
            if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f)
                return fail(400, "control character in header: " + printable(line.first(colon)));
        if (request.headers.size() >= limits.maxHeaders)
            return fail(431, "too many header fields");
        const QByteArrayView name = line.first(colon);
        if (equalsIgnoringCase(name, "host"))
            ++hosts;
        if (equalsIgnoringCase(name, "transfer-encoding"))
            return fail(411, "chunked bodies are not accepted: send Content-Length");
        if (equalsIgnoringCase(name, "content-length")) {
            const auto n = number(value);
            // Several Content-Length fields must agree (RFC 9112 §6.3): anything else could smuggle.
            if (!n || (contentLength && *contentLength != *n))
                return fail(400, "malformed Content-Length: " + printable(value));
            contentLength = n;
        }
        if (equalsIgnoringCase(name, "expect")) {
            if (!equalsIgnoringCase(value, "100-continue"))
                return fail(417, "unsupported expectation: " + printable(value));
            expectContinue = true;
        }
        request.headers.append({name.toByteArray(), value.toByteArray()});
    }
    if (hosts > 1 || (request.minorVersion == 1 && hosts == 0))
        return fail(400, hosts ? "several Host fields" : "no Host field");
    const qint64 bodyLength = contentLength.value_or(0);
    if (bodyLength > limits.maxBodyBytes)
        return fail(413, "the request body is larger than " + QByteArray::number(limits.maxBodyBytes) + " bytes");
    if (bytes.size() - pos < bodyLength)
        return NeedMore{expectContinue};
    request.body = bytes.sliced(pos, bodyLength).toByteArray();
    request.length = pos + bodyLength;
    return request;
}

} // namespace metaldesk::metadata
