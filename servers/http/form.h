#pragma once

#include "core/base/expected.h"
#include "servers/http/httprequest.h"

#include <QByteArray>
#include <QList>

namespace metaldesk::http {

// A file sent in multipart/form-data.
struct FormFile {
    QByteArray field;    // the part's name ("file")
    QByteArray filename; // as the client named it
    QByteArray content;
};

// The parameters of a request, as MAAS's API clients send them: the query string, and for POST and
// PUT an application/x-www-form-urlencoded or multipart/form-data body. Repeated keys are kept in
// order (gomaasapi sends lists so: mac_addresses, machines, tags).
struct Form {
    QList<std::pair<QByteArray, QByteArray>> fields;
    QList<FormFile> files;

    bool has(QByteArrayView name) const;
    // The last value of `name` (MAAS's QueryDict.get), or `fallback`.
    QByteArray value(QByteArrayView name, const QByteArray &fallback = {}) const;
    QByteArrayList values(QByteArrayView name) const;
    QString text(QByteArrayView name) const { return QString::fromUtf8(value(name)); }
    QStringList texts(QByteArrayView name) const;
};

// "a=1&b=x+y" (URL-encoded form) → fields; refused on a bad '%' escape.
Expected<QList<std::pair<QByteArray, QByteArray>>> parseUrlEncoded(QByteArrayView text);
// A multipart/form-data body (RFC 7578) with the boundary from its Content-Type.
Expected<Form> parseMultipart(QByteArrayView body, QByteArrayView boundary);
// The request's form: its query and, by Content-Type, its body. Another body type is refused.
Expected<Form> parseForm(const Request &request);

} // namespace metaldesk::http
