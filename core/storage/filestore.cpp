#include "core/storage/filestore.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {
struct FileText {
    Q_DECLARE_TR_FUNCTIONS(Files)
};
} // namespace

QString FileStore::nameProblem(const QString &filename)
{
    if (filename.isEmpty() || filename.size() > 255)
        return FileText::tr("a file name has 1 to 255 characters");
    for (QChar c : filename)
        if (c.category() == QChar::Other_Control)
            return FileText::tr("a file name has no control characters");
    return {};
}

Expected<QList<StoredFile>> FileStore::list(qint64 ownerId, const QString &prefix, bool withContent) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      // Not LIKE, which would take % and _ in a prefix as patterns: the start of the name.
                      QStringLiteral("SELECT filename, %1, created FROM files WHERE owner_id = ? AND "
                                     "substr(filename, 1, length(?)) = ? ORDER BY filename")
                          .arg(withContent ? QStringLiteral("content") : QStringLiteral("NULL")),
                      {ownerId, prefix, prefix});
    if (!q)
        return q.error();
    QList<StoredFile> files;
    while (q->next()) {
        StoredFile f;
        f.filename = q->value(0).toString();
        f.content = q->value(1).toByteArray();
        f.size = f.content.size();
        f.created = q->value(2).toLongLong();
        files << f;
    }
    return files;
}

Expected<std::optional<StoredFile>> FileStore::get(qint64 ownerId, const QString &filename) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT filename, content, created FROM files WHERE owner_id = ? AND "
                                     "filename = ?"),
                      {ownerId, filename});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<StoredFile>();
    StoredFile f{q->value(0).toString(), q->value(1).toByteArray(), 0, q->value(2).toLongLong()};
    f.size = f.content.size();
    return std::optional<StoredFile>(f);
}

Expected<void> FileStore::put(qint64 ownerId, const QString &filename, const QByteArray &content)
{
    if (QString problem = nameProblem(filename); !problem.isEmpty())
        return Error{problem};
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    if (auto gone =
            runQuery(*db, QStringLiteral("DELETE FROM files WHERE owner_id = ? AND filename = ?"), {ownerId, filename});
        !gone)
        return gone.error();
    if (auto added = runQuery(
            *db, QStringLiteral("INSERT INTO files (owner_id, filename, content, created) VALUES (?, ?, ?, ?)"),
            {ownerId, filename, content, nowMs()});
        !added)
        return added.error();
    return txn.commit();
}

Expected<bool> FileStore::remove(qint64 ownerId, const QString &filename)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q =
        runQuery(*db, QStringLiteral("DELETE FROM files WHERE owner_id = ? AND filename = ?"), {ownerId, filename});
    if (!q)
        return q.error();
    return q->numRowsAffected() > 0;
}

} // namespace metaldesk
