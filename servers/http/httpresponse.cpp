#include "servers/http/httpresponse.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <cstdio>
#include <ctime>

namespace metaldesk::http {

Q_DECLARE_LOGGING_CATEGORY(lcRequests) // requestserver.cpp: the services that answer with a Response

const char *reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

QByteArray httpDate(qint64 secondsSinceEpoch)
{
    static constexpr const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const time_t t = time_t(secondsSinceEpoch);
    tm utc{};
    gmtime_r(&t, &utc);
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[utc.tm_wday], utc.tm_mday,
                  months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return QByteArray(text);
}

QByteArray writeHead(int status, const HeadFields &f)
{
    QByteArray h;
    h.reserve(160 + f.contentType.size() + f.extra.size());
    h += "HTTP/1.1 ";
    h += QByteArray::number(status);
    h += ' ';
    h += reasonPhrase(status);
    h += "\r\nServer: MetalDesk\r\nDate: ";
    h += f.date;
    h += "\r\n";
    if (status >= 200 && status != 204 && status != 304) {
        h += "Content-Type: ";
        h += f.contentType;
        h += "\r\nContent-Length: ";
        h += QByteArray::number(f.contentLength);
        h += "\r\n";
    }
    h += f.extra;
    if (f.close)
        h += "Connection: close\r\n";
    else if (f.http10)
        h += "Connection: keep-alive\r\n";
    h += "\r\n";
    return h;
}

Response Response::unavailable(const QString &why)
{
    qCWarning(lcRequests).noquote() << "answered 503:" << why;
    return text(503, QStringLiteral("MetalDesk cannot answer this now (its log says why); try again"));
}

Response Response::text(int status, const QString &body)
{
    Response r;
    r.status = status;
    r.body = body.toUtf8();
    if (!r.body.endsWith('\n'))
        r.body += '\n';
    return r;
}

Response Response::json(const QJsonDocument &document, int status)
{
    Response r;
    r.status = status;
    r.contentType = "application/json";
    r.body = document.toJson(QJsonDocument::Compact) + '\n';
    return r;
}

Response Response::empty(int status)
{
    Response r;
    r.status = status;
    return r;
}

Response Response::methodNotAllowed(QByteArrayView allow)
{
    Response r = text(405, QStringLiteral("method not allowed here; use %1").arg(QString::fromLatin1(allow)));
    r.fields = "Allow: " + allow.toByteArray() + "\r\n";
    return r;
}

} // namespace metaldesk::http
