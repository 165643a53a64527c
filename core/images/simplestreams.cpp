#include "core/images/simplestreams.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace metaldesk {

namespace {

struct StreamsText {
    Q_DECLARE_TR_FUNCTIONS(Simplestreams)
};

// Larger than any image MAAS publishes (a squashfs is under 2 GiB), small enough that sums of a
// few hundred files cannot overflow.
constexpr qint64 kMaxItemSize = qint64(1) << 40;

Expected<QJsonObject> objectFrom(const QByteArray &json, const QString &what)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Error{
            StreamsText::tr("the %1 is not JSON (%2 at byte %3)").arg(what, error.errorString()).arg(error.offset)};
    if (!doc.isObject())
        return Error{StreamsText::tr("the %1 is not a JSON object").arg(what)};
    return doc.object();
}

bool isSha256(const QString &hex)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9a-f]{64}$"));
    return pattern.match(hex).hasMatch();
}

// One item, or why it cannot be used.
Expected<StreamsItem> itemFrom(const QString &name, const QJsonValue &value)
{
    if (!value.isObject())
        return Error{StreamsText::tr("item %1 is not an object").arg(name)};
    const QJsonObject o = value.toObject();
    StreamsItem item;
    item.name = name;
    item.ftype = o.value(QLatin1String("ftype")).toString();
    item.path = o.value(QLatin1String("path")).toString();
    const QString sha = o.value(QLatin1String("sha256")).toString().toLower();
    const QJsonValue size = o.value(QLatin1String("size"));
    if (item.ftype.isEmpty())
        return Error{StreamsText::tr("item %1 has no ftype").arg(name)};
    if (!isSafeMirrorPath(item.path))
        return Error{StreamsText::tr("item %1's path '%2' leaves the mirror").arg(name, item.path.left(200))};
    if (!isSha256(sha))
        return Error{StreamsText::tr("item %1 has no SHA-256").arg(name)};
    // JSON numbers are doubles: a size must be a whole number in range to be exact.
    const double bytes = size.toDouble(-1);
    if (!size.isDouble() || bytes < 0 || bytes > double(kMaxItemSize) || bytes != double(qint64(bytes)))
        return Error{StreamsText::tr("item %1 has no usable size").arg(name)};
    item.sha256 = sha.toLatin1();
    item.size = qint64(bytes);
    return item;
}

} // namespace

QString StreamsProduct::architecture() const
{
    QString a = arch + QLatin1Char('/') + (subarch.isEmpty() ? QStringLiteral("generic") : subarch);
    if (!kflavor.isEmpty() && kflavor != QLatin1String("generic"))
        a += QLatin1Char('-') + kflavor;
    return a;
}

bool isSafeMirrorPath(const QString &path)
{
    if (path.isEmpty() || path.size() > 1024 || path.startsWith(QLatin1Char('/')) || path.contains(QLatin1Char('\\')) ||
        path.contains(QLatin1String("://")))
        return false;
    for (const QChar c : path)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
    const QStringList segments = path.split(QLatin1Char('/'));
    return std::none_of(segments.begin(), segments.end(), [](const QString &s) {
        return s.isEmpty() || s == QLatin1String(".") || s == QLatin1String("..");
    });
}

Expected<QList<StreamsIndexEntry>> parseStreamsIndex(const QByteArray &json)
{
    auto root = objectFrom(json, StreamsText::tr("mirror's index"));
    if (!root)
        return root.error();
    if (!root->value(QLatin1String("format")).toString().startsWith(QLatin1String("index:1.")))
        return Error{StreamsText::tr("the mirror's index is not a simplestreams index (format %1)")
                         .arg(root->value(QLatin1String("format")).toString().left(40))};
    const QJsonObject index = root->value(QLatin1String("index")).toObject();
    QList<StreamsIndexEntry> entries;
    for (auto it = index.begin(); it != index.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        StreamsIndexEntry e;
        e.contentId = it.key();
        e.datatype = o.value(QLatin1String("datatype")).toString();
        e.path = o.value(QLatin1String("path")).toString();
        if (!isSafeMirrorPath(e.path))
            continue; // no file MetalDesk could fetch safely: as if it were not listed
        const QJsonArray products = o.value(QLatin1String("products")).toArray();
        for (const QJsonValue &p : products)
            if (p.isString())
                e.products << p.toString();
        entries << e;
    }
    return entries;
}

Expected<QList<StreamsProduct>> parseStreamsProducts(const QByteArray &json, QStringList *skipped)
{
    auto root = objectFrom(json, StreamsText::tr("products file"));
    if (!root)
        return root.error();
    if (!root->value(QLatin1String("format")).toString().startsWith(QLatin1String("products:1.")))
        return Error{StreamsText::tr("the products file is not in simplestreams' products format (format %1)")
                         .arg(root->value(QLatin1String("format")).toString().left(40))};
    auto skip = [skipped](const QString &product, const QString &why) {
        if (skipped)
            skipped->append(product.left(200) + QStringLiteral(": ") + why);
    };
    const QJsonObject products = root->value(QLatin1String("products")).toObject();
    QList<StreamsProduct> result;
    for (auto it = products.begin(); it != products.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        StreamsProduct p;
        p.id = it.key();
        auto text = [&o](const char *key) { return o.value(QLatin1String(key)).toString(); };
        p.os = text("os");
        p.release = text("release");
        p.title = text("release_title");
        p.arch = text("arch");
        p.subarch = text("subarch");
        p.kflavor = text("kflavor");
        p.label = text("label");
        static const QRegularExpression word(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,63}$"));
        if (!word.match(p.os).hasMatch() || !word.match(p.release).hasMatch() || !word.match(p.arch).hasMatch() ||
            (!p.subarch.isEmpty() && !word.match(p.subarch).hasMatch()) ||
            (!p.kflavor.isEmpty() && !word.match(p.kflavor).hasMatch())) {
            skip(p.id, StreamsText::tr("its os, release or architecture is not a plain name"));
            continue;
        }
        const QJsonObject versions = o.value(QLatin1String("versions")).toObject();
        for (auto v = versions.begin(); v != versions.end(); ++v) {
            StreamsVersion version;
            version.name = v.key();
            const QJsonObject items = v.value().toObject().value(QLatin1String("items")).toObject();
            QString wrong;
            for (auto i = items.begin(); i != items.end() && wrong.isEmpty(); ++i) {
                auto item = itemFrom(i.key(), i.value());
                if (item)
                    version.items << *item;
                else
                    wrong = item.errorMessage();
            }
            if (!wrong.isEmpty())
                skip(p.id + QLatin1Char(' ') + version.name, wrong);
            else if (!version.items.isEmpty())
                p.versions << version;
        }
        // QJsonObject keeps keys sorted, and version names are dates: oldest first already.
        if (p.versions.isEmpty())
            skip(p.id, StreamsText::tr("no version with usable files"));
        else
            result << p;
    }
    return result;
}

} // namespace metaldesk
