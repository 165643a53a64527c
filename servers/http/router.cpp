#include "servers/http/router.h"

#include "core/base/percentencoding.h"

#include <QSet>

namespace metaldesk::http {

namespace {

// Path segments without the empty ones a leading or trailing slash makes ("/a/b/" → a, b). Empty
// segments inside ("/a//b") are kept, so that they match nothing.
QList<QByteArray> segmentsOf(QByteArrayView path)
{
    QList<QByteArray> parts = path.toByteArray().split('/');
    if (!parts.isEmpty() && parts.front().isEmpty())
        parts.removeFirst();
    if (!parts.isEmpty() && parts.back().isEmpty())
        parts.removeLast();
    return parts;
}

bool isCapture(const QByteArray &segment) { return segment.startsWith('{') && segment.endsWith('}'); }

} // namespace

std::optional<QByteArray> formValue(QByteArrayView form, QByteArrayView name)
{
    while (!form.isEmpty()) {
        const qsizetype amp = form.indexOf('&');
        const QByteArrayView pair = amp < 0 ? form : form.first(amp);
        form = amp < 0 ? QByteArrayView() : form.sliced(amp + 1);
        const qsizetype equals = pair.indexOf('=');
        const auto key = formDecode(equals < 0 ? pair : pair.first(equals));
        if (key && *key == name)
            return formDecode(equals < 0 ? QByteArrayView() : pair.sliced(equals + 1));
    }
    return std::nullopt;
}

void Router::add(QByteArrayView method, QByteArrayView pattern, Handler handler, QByteArrayView op)
{
    routes_.push_back(
        Route{method.toByteArray(), pattern.toByteArray(), segmentsOf(pattern), op.toByteArray(), std::move(handler)});
}

bool Router::matches(const Route &route, const QList<QByteArray> &segments, QHash<QByteArray, QByteArray> *params)
{
    if (route.segments.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QByteArray &want = route.segments[i];
        if (isCapture(want)) {
            if (segments[i].isEmpty())
                return false;
            if (params)
                params->insert(want.mid(1, want.size() - 2), segments[i]);
        } else if (want != segments[i]) {
            return false;
        }
    }
    return true;
}

Response Router::route(const Request &request, const Peer &peer) const
{
    const std::optional<QByteArray> path = decodedPath(request.target);
    if (!path)
        return Response::text(400, QStringLiteral("malformed request target"));
    const QList<QByteArray> segments = segmentsOf(*path);
    const QByteArray method = request.isHead() ? QByteArray("GET") : request.method;
    const std::optional<QByteArray> op = formValue(query(request.target), "op");

    QList<QByteArray> allowed; // methods this path has
    QList<QByteArray> ops;     // ops this path and method have
    bool methodServed = false;
    for (const Route &r : routes_) {
        if (!matches(r, segments, nullptr))
            continue;
        if (!allowed.contains(r.method))
            allowed << r.method;
        if (r.method != method)
            continue;
        methodServed = true;
        if (!r.op.isEmpty())
            ops << r.op;
        if (r.op != op.value_or(QByteArray()))
            continue;
        Call call{request, peer, *path, {}};
        matches(r, segments, &call.params);
        return r.handler(call);
    }
    if (allowed.isEmpty())
        return Response::text(404, QStringLiteral("not found: %1").arg(QString::fromUtf8(*path)));
    if (!methodServed) {
        if (allowed.contains("GET"))
            allowed.insert(allowed.indexOf("GET") + 1, "HEAD");
        return Response::methodNotAllowed(allowed.join(", "));
    }
    if (op)
        return Response::text(400, QStringLiteral("unknown op '%1' for %2 %3; this takes: %4")
                                       .arg(QString::fromUtf8(*op), QString::fromLatin1(method),
                                            QString::fromUtf8(*path), QString::fromLatin1(ops.join(", "))));
    return Response::text(
        400, QStringLiteral("%1 %2 needs an op: %3")
                 .arg(QString::fromLatin1(method), QString::fromUtf8(*path), QString::fromLatin1(ops.join(", "))));
}

QStringList Router::describe() const
{
    QStringList lines;
    for (const Route &r : routes_)
        lines << QString::fromLatin1(r.method + ' ' + r.pattern + (r.op.isEmpty() ? QByteArray() : "?op=" + r.op));
    return lines;
}

} // namespace metaldesk::http
