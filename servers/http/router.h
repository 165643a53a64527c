#pragma once

#include "servers/http/httprequest.h"
#include "servers/http/httpresponse.h"

#include <QHash>
#include <QHostAddress>
#include <functional>
#include <vector>

namespace metaldesk::http {

// Where a request came from and reached us.
struct Peer {
    QHostAddress address;  // the client's
    QString serverAddress; // ours, as a URL host: "10.0.0.1", "[fd00::1]"
    quint16 serverPort = 0;
};

// A request as a handler sees it: the request, the parameters its pattern captured, and the peer.
struct Call {
    const Request &request;
    const Peer &peer;
    QByteArray path;                      // decoded, without query
    QHash<QByteArray, QByteArray> params; // {name} segments of the pattern, decoded
    QByteArray param(QByteArrayView name) const { return params.value(name.toByteArray()); }
};

using Handler = std::function<Response(const Call &)>;

// Method and path pattern → handler: the one way the request/response services (metadata, API)
// say what they serve. A pattern is a path whose segments are literals or "{name}" (one non-empty
// segment, captured); a trailing slash is optional on both sides, as MAAS's URLs are written both
// ways by its clients. MAAS's operations ("?op=allocate") are part of a route: the same path and
// method can have several, and a route without op serves requests that name none.
class Router {
public:
    // GET routes answer HEAD too (without the body).
    void add(QByteArrayView method, QByteArrayView pattern, Handler handler, QByteArrayView op = {});

    // The handler's answer; otherwise 404 (no pattern matches the path), 405 with Allow (the path
    // is served, not with this method) or 400 (an op this path and method do not have, naming the
    // ones they have; or a target that is not a path).
    Response route(const Request &request, const Peer &peer) const;

    // "GET /MAAS/metadata/{version}/" lines, one per route, for documentation and tests.
    QStringList describe() const;

private:
    struct Route {
        QByteArray method;
        QByteArray pattern;
        QList<QByteArray> segments;
        QByteArray op;
        Handler handler;
    };
    static bool matches(const Route &route, const QList<QByteArray> &segments, QHash<QByteArray, QByteArray> *params);
    std::vector<Route> routes_;
};

// The value of `name` in a query string or URL-encoded form ("a=1&op=x"), decoded; nullopt when
// absent (or not decodable).
std::optional<QByteArray> formValue(QByteArrayView form, QByteArrayView name);

} // namespace metaldesk::http
