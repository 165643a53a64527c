#include "core/images/imagesources.h"

#include "core/images/signedcontent.h"
#include "core/lifecycle/permissions.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QUrl>

namespace metaldesk {

namespace {

struct SourceText {
    Q_DECLARE_TR_FUNCTIONS(ImageSources)
};

bool matches(const QString &pattern, const QString &value) { return pattern == QLatin1String("*") || pattern == value; }

} // namespace

bool ImageSource::selects(const StreamsProduct &product) const
{
    for (const QString &s : selections) {
        const QStringList parts = s.split(QLatin1Char('/'));
        if (parts.size() == 3 && matches(parts[0], product.os) && matches(parts[1], product.release) &&
            matches(parts[2], product.arch))
            return true;
    }
    return false;
}

QString ImageSourceStore::normalisedUrl(const QString &url)
{
    QString u = url.trimmed();
    if (!u.isEmpty() && !u.endsWith(QLatin1Char('/')))
        u += QLatin1Char('/');
    return u;
}

QString ImageSourceStore::problem(const ImageSource &source, bool readKeyring)
{
    const QUrl url(source.url, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return SourceText::tr("'%1' is not an http:// or https:// address of a mirror").arg(source.url.left(200));
    const bool isJson =
        source.indexPath.endsWith(QLatin1String(".json")) || source.indexPath.endsWith(QLatin1String(".sjson"));
    if (!isSafeMirrorPath(source.indexPath) || !isJson)
        return SourceText::tr("'%1' is not an index path inside the mirror (such as %2)")
            .arg(source.indexPath.left(200), QLatin1String(kDefaultIndexPath));
    static const QRegularExpression selection(
        QStringLiteral("^(\\*|[a-z0-9][a-z0-9._-]*)/(\\*|[a-z0-9][a-z0-9._-]*)/(\\*|[a-z0-9][a-z0-9._-]*)$"));
    if (source.selections.isEmpty())
        return SourceText::tr("choose what to import, such as ubuntu/noble/amd64");
    for (const QString &s : source.selections)
        if (!selection.match(s).hasMatch())
            return SourceText::tr("'%1' is not a selection: use os/release/architecture, such as ubuntu/noble/amd64 "
                                  "(* for any)")
                .arg(s.left(100));
    if (source.keyring.isEmpty()) {
        if (!source.allowUnsigned)
            return SourceText::tr("the source has no keyring to check its signatures with; give the mirror's public "
                                  "key (for images.maas.io, the key %1), or mark the source unsigned")
                .arg(spacedFingerprint(QLatin1String(kMaasKeyFingerprint)));
    } else if (readKeyring) {
        if (auto keys = keyringFingerprints(source.keyring); !keys)
            return SourceText::tr("the keyring cannot be used: %1").arg(keys.errorMessage());
    }
    return {};
}

Expected<QList<ImageSource>> ImageSourceStore::list() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT id, url, index_path, keyring, allow_unsigned, selections, created, "
                                          "key_fingerprints FROM image_sources ORDER BY id"));
    if (!q)
        return q.error();
    QList<ImageSource> sources;
    while (q->next()) {
        ImageSource s;
        s.id = q->value(0).toLongLong();
        s.url = q->value(1).toString();
        s.indexPath = q->value(2).toString();
        s.keyring = q->value(3).toByteArray();
        s.allowUnsigned = q->value(4).toBool();
        s.selections = q->value(5).toString().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        s.created = q->value(6).toLongLong();
        s.fingerprints = q->value(7).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
        sources << s;
    }
    return sources;
}

Expected<ImageSource> ImageSourceStore::save(const Actor &actor, ImageSource source)
{
    if (auto allowed = requireCapability(Capability::ManageImages, actor); !allowed)
        return allowed.error();
    source.url = normalisedUrl(source.url);
    if (QString wrong = problem(source, false); !wrong.isEmpty())
        return Error{wrong};
    source.fingerprints.clear();
    if (!source.keyring.isEmpty()) {
        auto keys = keyringFingerprints(source.keyring);
        if (!keys)
            return Error{SourceText::tr("the keyring cannot be used: %1").arg(keys.errorMessage())};
        source.fingerprints = *keys;
    }
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    if (auto gone = runQuery(*db, QStringLiteral("DELETE FROM image_sources WHERE url = ?"), {source.url}); !gone)
        return gone.error();
    source.created = nowMs();
    auto id =
        insertReturningId(*db,
                          QStringLiteral("INSERT INTO image_sources (url, index_path, keyring, key_fingerprints, "
                                         "allow_unsigned, selections, created) VALUES (?, ?, ?, ?, ?, ?, ?) "
                                         "RETURNING id"),
                          {source.url, source.indexPath, source.keyring, source.fingerprints.join(QLatin1Char(',')),
                           int(source.allowUnsigned), source.selections.join(QLatin1Char('\n')), source.created});
    if (!id)
        return id.error();
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    source.id = *id;
    return source;
}

Expected<void> ImageSourceStore::remove(const Actor &actor, const QString &url)
{
    if (auto allowed = requireCapability(Capability::ManageImages, actor); !allowed)
        return allowed.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("DELETE FROM image_sources WHERE url = ?"), {normalisedUrl(url)});
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{SourceText::tr("there is no image source %1").arg(url)};
    return {};
}

} // namespace metaldesk
