#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <optional>

class QJsonDocument;

namespace metaldesk::http {

// The reason phrase of a status code (RFC 9110 §15), "Error" for codes we never send.
const char *reasonPhrase(int status);

// An IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". Written by hand: strftime
// follows the user's locale. cloud-init reads it to correct its OAuth timestamps when its clock is off.
QByteArray httpDate(qint64 secondsSinceEpoch);

// What goes into a response head besides the status.
struct HeadFields {
    QByteArrayView date;        // httpDate(now)
    bool close = false;         // "Connection: close": the connection ends after this answer
    bool http10 = false;        // an HTTP/1.0 client kept alive is told so ("Connection: keep-alive")
    qint64 contentLength = 0;   // of what a GET would send (also answering HEAD)
    QByteArrayView contentType; // "text/plain; charset=utf-8"
    QByteArrayView extra;       // further header lines, each ending in CRLF
};

// The head of a response: status line, Server, Date, Content-Type and Content-Length (none for 1xx,
// 204 and 304, which have no content), the extra fields, Connection, and the empty line.
QByteArray writeHead(int status, const HeadFields &fields);

// A response held in memory: what the request/response services (metadata, API) answer.
struct Response {
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;
    QByteArray fields; // extra header lines, each ending in CRLF

    // A plain-text answer; the body ends with a newline.
    static Response text(int status, const QString &body);
    static Response json(const QJsonDocument &document, int status = 200);
    static Response empty(int status = 204);
    // 503 when the database (or another part of MetalDesk) failed: `why` goes to the log only, since
    // it can hold SQL and the client may be anyone on the boot network (security review L5).
    static Response unavailable(const QString &why);
    // 405 with the methods that are allowed, as RFC 9110 §15.5.6 asks.
    static Response methodNotAllowed(QByteArrayView allow);
};

} // namespace metaldesk::http
