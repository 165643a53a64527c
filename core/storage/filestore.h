#pragma once

#include "core/storage/database.h"

#include <optional>

namespace metaldesk {

// A file an API client keeps with MetalDesk (MAAS's file storage: juju keeps its provider state
// there), per owner.
struct StoredFile {
    QString filename;
    QByteArray content;
    qint64 size = 0;
    qint64 created = 0;
};

class FileStore {
public:
    explicit FileStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // The owner's files whose names start with `prefix`, by name; content only when asked.
    Expected<QList<StoredFile>> list(qint64 ownerId, const QString &prefix, bool withContent) const;
    Expected<std::optional<StoredFile>> get(qint64 ownerId, const QString &filename) const;
    // Stores it, replacing a file of that name.
    Expected<void> put(qint64 ownerId, const QString &filename, const QByteArray &content);
    // False when there was no such file.
    Expected<bool> remove(qint64 ownerId, const QString &filename);

    // Empty when `filename` can name a file (1 to 255 characters, no control characters).
    static QString nameProblem(const QString &filename);

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
