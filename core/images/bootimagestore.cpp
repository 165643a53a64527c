#include "core/images/bootimagestore.h"

#include "core/lifecycle/permissions.h"
#include "core/machines/inventory.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace metaldesk {

namespace {

struct ImageText {
    Q_DECLARE_TR_FUNCTIONS(Images)
};

const char *kColumns = "id, name, title, architecture, firmware, image_format, location, size, sha256, origin, state, "
                       "created, version, files";

BootImage imageFrom(const QSqlQuery &q)
{
    BootImage i;
    i.id = q.value(0).toLongLong();
    i.name = q.value(1).toString();
    i.title = q.value(2).toString();
    i.architecture = q.value(3).toString();
    i.firmware = q.value(4).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
    i.format = q.value(5).toString();
    i.location = q.value(6).toString();
    i.size = q.value(7).toLongLong();
    i.sha256 = q.value(8).toString();
    i.origin = q.value(9).toString();
    i.state = q.value(10).toString();
    i.created = q.value(11).toLongLong();
    i.version = q.value(12).toString();
    const QJsonArray files = QJsonDocument::fromJson(q.value(13).toString().toUtf8()).array();
    for (const QJsonValue &v : files) {
        const QJsonObject o = v.toObject();
        i.files << BootImageFile{
            o.value(QLatin1String("ftype")).toString(), o.value(QLatin1String("location")).toString(),
            o.value(QLatin1String("sha256")).toString(), qint64(o.value(QLatin1String("size")).toDouble())};
    }
    return i;
}

QString filesJson(const QList<BootImageFile> &files)
{
    if (files.isEmpty())
        return {};
    QJsonArray array;
    for (const BootImageFile &f : files)
        array.append(QJsonObject{{QStringLiteral("ftype"), f.ftype},
                                 {QStringLiteral("location"), f.location},
                                 {QStringLiteral("sha256"), f.sha256},
                                 {QStringLiteral("size"), double(f.size)}});
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

// Makes `image` the current one of its name and architecture, inside the caller's transaction.
// With `keepPrevious`, the current one, when deployable and of another version, becomes the
// previous version (replacing an older previous one); otherwise it goes.
Expected<qint64> replaceImage(QSqlDatabase &db, const BootImage &image, bool keepPrevious)
{
    const QVariantList key{image.name, image.architecture};
    if (keepPrevious) {
        auto current = runQuery(db,
                                QStringLiteral("SELECT version, location FROM boot_images WHERE name = ? AND "
                                               "architecture = ? AND state = 'deployable'"),
                                key);
        if (!current)
            return current.error();
        // Another version with other files: the same root file (only the kernel changed) would make
        // the two rows one location, which deployments name.
        const bool rolls = current->next() && current->value(0).toString() != image.version &&
                           current->value(1).toString() != image.location;
        current->finish();
        if (rolls) {
            if (auto old = runQuery(db,
                                    QStringLiteral("DELETE FROM boot_images WHERE name = ? AND architecture = ? AND "
                                                   "state = 'previous'"),
                                    key);
                !old)
                return old.error();
            if (auto kept = runQuery(db,
                                     QStringLiteral("UPDATE boot_images SET state = 'previous' WHERE name = ? AND "
                                                    "architecture = ? AND state = 'deployable'"),
                                     key);
                !kept)
                return kept.error();
        }
    }
    if (auto gone = runQuery(
            db, QStringLiteral("DELETE FROM boot_images WHERE name = ? AND architecture = ? AND state <> 'previous'"),
            key);
        !gone)
        return gone.error();
    return insertReturningId(db,
                             QStringLiteral("INSERT INTO boot_images (name, title, architecture, firmware, "
                                            "image_format, location, size, sha256, origin, state, created, version, "
                                            "files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                             {image.name, image.title, image.architecture, image.firmware.join(QLatin1Char(',')),
                              image.format, image.location, image.size, image.sha256, image.origin, image.state,
                              image.created, image.version, filesJson(image.files)});
}

} // namespace

bool BootImage::runsOn(const QString &machineArchitecture) const
{
    const QString machine = supportedArchitecture(machineArchitecture);
    if (machineArchitecture.isEmpty() || architecture == machine)
        return true;
    return machine.endsWith(QLatin1String("/generic")) &&
           architecture.section(QLatin1Char('/'), 0, 0) == machine.section(QLatin1Char('/'), 0, 0);
}

QString BootImageStore::formatOf(const QString &fileName)
{
    for (const auto &[suffix, format] :
         {std::pair{".gz", "raw.gz"}, std::pair{".xz", "raw.xz"}, std::pair{".bz2", "raw.bz2"},
          std::pair{".img", "raw"}, std::pair{".raw", "raw"}})
        if (fileName.endsWith(QLatin1String(suffix)))
            return QLatin1String(format);
    return {};
}

QString BootImageStore::problem(const BootImage &image)
{
    static const QRegularExpression name(QStringLiteral("^[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9._-]*$"));
    if (!name.match(image.name).hasMatch())
        return ImageText::tr("'%1' is not an image name: use os/release, such as debian/bookworm").arg(image.name);
    if (supportedArchitecture(image.architecture).isEmpty())
        return ImageText::tr("the architecture '%1' is not one MetalDesk deploys (%2)")
            .arg(image.architecture, supportedArchitectures().join(QLatin1String(", ")));
    if (image.firmware.isEmpty())
        return ImageText::tr("say which firmware the image boots on: bios, uefi or both");
    for (const QString &f : image.firmware)
        if (f != QLatin1String("bios") && f != QLatin1String("uefi"))
            return ImageText::tr("'%1' is not a firmware: use bios or uefi").arg(f);
    if (!QStringList{QStringLiteral("raw"), QStringLiteral("raw.gz"), QStringLiteral("raw.xz"),
                     QStringLiteral("raw.bz2"), QStringLiteral("root-tgz")}
             .contains(image.format))
        return ImageText::tr("'%1' is not an image format MetalDesk deploys (raw, raw.gz, raw.xz, raw.bz2, root-tgz)")
            .arg(image.format);
    if (image.location.isEmpty())
        return ImageText::tr("the image has no location");
    return {};
}

Expected<QList<BootImage>> BootImageStore::list() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT %1 FROM boot_images ORDER BY name, architecture, "
                                          "CASE WHEN state = 'previous' THEN 1 ELSE 0 END") // the current one first
                               .arg(QLatin1String(kColumns)));
    if (!q)
        return q.error();
    QList<BootImage> images;
    while (q->next())
        images << imageFrom(*q);
    return images;
}

Expected<QHash<QString, QStringList>> BootImageStore::machinesUsing() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT s.image_url, m.hostname FROM node_settings s JOIN machines m ON "
                                     "m.id = s.machine_id WHERE m.status IN (?, ?) AND s.image_url <> '' "
                                     "ORDER BY m.hostname"),
                      {int(NodeStatus::Deploying), int(NodeStatus::Deployed)});
    if (!q)
        return q.error();
    QHash<QString, QStringList> machines;
    while (q->next())
        machines[q->value(0).toString()] << q->value(1).toString();
    return machines;
}

Expected<std::optional<BootImage>>
BootImageStore::forDeployment(const QString &nameOrRelease, const QString &architecture, const QString &firmware) const
{
    auto all = list();
    if (!all)
        return all.error();
    for (const BootImage &i : std::as_const(*all)) {
        const bool named = i.name == nameOrRelease || i.release() == nameOrRelease;
        const bool fits = i.runsOn(architecture);
        const bool boots = firmware.isEmpty() || i.firmware.contains(firmware);
        if (named && fits && boots && i.deployable())
            return std::optional<BootImage>(i);
    }
    return std::optional<BootImage>();
}

Expected<std::optional<BootImage>> BootImageStore::atLocation(const QString &location) const
{
    auto all = list();
    if (!all)
        return all.error();
    for (const BootImage &i : std::as_const(*all))
        if (i.location == location)
            return std::optional<BootImage>(i);
    return std::optional<BootImage>();
}

Expected<BootImage> BootImageStore::add(const Actor &actor, BootImage image)
{
    if (auto allowed = requireCapability(Capability::ManageImages, actor); !allowed)
        return allowed.error();
    image.architecture = supportedArchitecture(image.architecture).isEmpty()
                             ? image.architecture
                             : supportedArchitecture(image.architecture);
    if (QString wrong = problem(image); !wrong.isEmpty())
        return Error{wrong};
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    image.created = nowMs();
    auto id = replaceImage(*db, image, false);
    if (!id)
        return id.error();
    if (auto committed = txn.commit(); !committed)
        return committed.error();
    image.id = *id;
    return image;
}

Expected<void> BootImageStore::remove(const Actor &actor, const QString &name, const QString &architecture)
{
    if (auto allowed = requireCapability(Capability::ManageImages, actor); !allowed)
        return allowed.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("DELETE FROM boot_images WHERE name = ? AND architecture = ?"),
                      {name, supportedArchitecture(architecture)});
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{ImageText::tr("there is no image %1 for %2").arg(name, architecture)};
    return {};
}

Expected<void> BootImageStore::publish(const Actor &actor, const QList<BootImage> &images)
{
    if (auto allowed = requireCapability(Capability::ManageImages, actor); !allowed)
        return allowed.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    QSet<std::pair<QString, QString>> published; // two sources with one image: the last one wins
    for (BootImage image : images) {
        image.created = nowMs();
        const std::pair key{image.name, image.architecture};
        if (auto id = replaceImage(*db, image, !published.contains(key)); !id)
            return id.error();
        published.insert(key);
    }
    return txn.commit();
}

} // namespace metaldesk
