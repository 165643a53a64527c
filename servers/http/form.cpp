#include "servers/http/form.h"

#include "core/base/percentencoding.h"

namespace metaldesk::http {

namespace {

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

// The value of `parameter` in a header value such as `form-data; name="file"; filename="a b"`.
std::optional<QByteArray> headerParameter(QByteArrayView value, QByteArrayView parameter)
{
    for (QByteArrayView piece : QByteArray(value.toByteArray()).split(';')) {
        piece = trimmed(piece);
        const qsizetype eq = piece.indexOf('=');
        if (eq < 0 || trimmed(piece.first(eq)).compare(parameter, Qt::CaseInsensitive) != 0)
            continue;
        QByteArrayView v = trimmed(piece.sliced(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
            v = v.sliced(1, v.size() - 2);
        return v.toByteArray();
    }
    return std::nullopt;
}

} // namespace

bool Form::has(QByteArrayView name) const
{
    for (const auto &[k, v] : fields)
        if (k == name)
            return true;
    return false;
}

QByteArray Form::value(QByteArrayView name, const QByteArray &fallback) const
{
    for (auto it = fields.crbegin(); it != fields.crend(); ++it)
        if (it->first == name)
            return it->second;
    return fallback;
}

QByteArrayList Form::values(QByteArrayView name) const
{
    QByteArrayList list;
    for (const auto &[k, v] : fields)
        if (k == name)
            list << v;
    return list;
}

QStringList Form::texts(QByteArrayView name) const
{
    QStringList list;
    for (const QByteArray &v : values(name))
        list << QString::fromUtf8(v);
    return list;
}

Expected<QList<std::pair<QByteArray, QByteArray>>> parseUrlEncoded(QByteArrayView text)
{
    QList<std::pair<QByteArray, QByteArray>> fields;
    for (QByteArrayView pair : QByteArray(text.toByteArray()).split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype eq = pair.indexOf('=');
        const auto key = formDecode(eq < 0 ? pair : pair.first(eq));
        const auto value = formDecode(eq < 0 ? QByteArrayView() : pair.sliced(eq + 1));
        if (!key || !value)
            return Error{QStringLiteral("malformed form data: a bad %-escape in '%1'")
                             .arg(QString::fromUtf8(pair.first(std::min<qsizetype>(pair.size(), 60))))};
        fields.append({*key, *value});
    }
    return fields;
}

Expected<Form> parseMultipart(QByteArrayView body, QByteArrayView boundary)
{
    if (boundary.isEmpty() || boundary.size() > 70)
        return Error{QStringLiteral("malformed multipart body: no usable boundary")};
    const QByteArray delimiter = "--" + boundary.toByteArray();
    Form form;
    qsizetype pos = body.indexOf(delimiter);
    if (pos < 0)
        return Error{QStringLiteral("malformed multipart body: the boundary never appears")};
    for (;;) {
        pos += delimiter.size();
        if (body.sliced(pos).startsWith("--"))
            return form; // the closing delimiter
        if (!body.sliced(pos).startsWith("\r\n"))
            return Error{QStringLiteral("malformed multipart body: a delimiter is not followed by a line end")};
        pos += 2;
        const qsizetype headEnd = body.indexOf("\r\n\r\n", pos);
        if (headEnd < 0)
            return Error{QStringLiteral("malformed multipart body: a part has no end to its head")};
        QByteArray name, filename;
        bool isFile = false;
        for (QByteArrayView line : body.sliced(pos, headEnd - pos).toByteArray().split('\n')) {
            if (line.endsWith('\r'))
                line.chop(1);
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0 || trimmed(line.first(colon)).compare("content-disposition", Qt::CaseInsensitive) != 0)
                continue;
            name = headerParameter(line.sliced(colon + 1), "name").value_or(QByteArray());
            if (const auto f = headerParameter(line.sliced(colon + 1), "filename")) {
                filename = *f;
                isFile = true;
            }
        }
        const qsizetype contentStart = headEnd + 4;
        const qsizetype next = body.indexOf("\r\n" + delimiter, contentStart);
        if (next < 0)
            return Error{QStringLiteral("malformed multipart body: a part never ends")};
        if (name.isEmpty())
            return Error{QStringLiteral("malformed multipart body: a part has no name")};
        const QByteArray content = body.sliced(contentStart, next - contentStart).toByteArray();
        if (isFile)
            form.files.append({name, filename, content});
        else
            form.fields.append({name, content});
        pos = next + 2;
    }
}

Expected<Form> parseForm(const Request &request)
{
    Form form;
    auto fromQuery = parseUrlEncoded(query(request.target));
    if (!fromQuery)
        return fromQuery.error();
    form.fields = *fromQuery;
    if (request.body.isEmpty())
        return form;
    const QByteArray type = request.header("content-type").value_or(QByteArray());
    const QByteArray mediaType = type.left(type.indexOf(';') < 0 ? type.size() : type.indexOf(';')).trimmed().toLower();
    if (mediaType == "application/x-www-form-urlencoded" || mediaType.isEmpty()) {
        auto fields = parseUrlEncoded(request.body);
        if (!fields)
            return fields.error();
        form.fields += *fields;
        return form;
    }
    if (mediaType == "multipart/form-data") {
        auto multipart = parseMultipart(request.body, headerParameter(type, "boundary").value_or(QByteArray()));
        if (!multipart)
            return multipart.error();
        form.fields += multipart->fields;
        form.files = multipart->files;
        return form;
    }
    return Error{QStringLiteral("the body is %1: send application/x-www-form-urlencoded or multipart/form-data")
                     .arg(QString::fromLatin1(mediaType.left(60)))};
}

} // namespace metaldesk::http
