#pragma once

#include "servers/http/httprequest.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <optional>
#include <variant>

namespace metaldesk::metadata {

// An HTTP/1.1 request to the metadata service, head and body (RFC 9112), parsed by a pure function
// over the bytes received so far. Unlike the boot server's parser (http::parse, GET and HEAD only,
// no bodies) it takes any method and a body of Content-Length bytes: machines POST their reports.
struct Request {
    QByteArray method;    // as sent: "GET", "POST", ...
    QByteArray target;    // "/MAAS/metadata/latest/user-data?op=x"
    int minorVersion = 1; // HTTP/1.<minorVersion>
    QList<http::Header> headers;
    QByteArray body;
    qsizetype length = 0; // bytes consumed: head and body

    std::optional<QByteArray> header(QByteArrayView name) const;
    bool keepAlive() const;
};

// Not all there yet. `continueWanted`: the head is complete, the body is not, and the client waits
// for "100 Continue" before sending it (Expect: 100-continue, as curl sends for larger bodies).
struct NeedMore {
    bool continueWanted = false;
};

// A request that cannot be served; answered with `status` and the connection closed.
struct Failure {
    int status = 400;  // 400, 411, 413, 431, 501, 505
    QByteArray reason; // for the answer's body and the log (client bytes made printable)
};

using ParseResult = std::variant<Request, NeedMore, Failure>;

struct Limits {
    qsizetype maxHeadBytes = 16384;
    int maxHeaders = 100;
    qsizetype maxBodyBytes = 1 << 20; // 1 MiB: an inventory is a few KiB
};

// Parses the first request in `bytes`. A body needs Content-Length (chunked transfer coding is
// refused with 411: no metadata client uses it); one over the limit is refused (413) as soon as the
// head says so, before it is read.
ParseResult parseRequest(QByteArrayView bytes, const Limits &limits = {});

} // namespace metaldesk::metadata
