#include "core/images/imageimport.h"

#include "core/base/sha256.h"
#include "core/images/httpfetch.h"
#include "core/images/signedcontent.h"
#include "core/storage/configstore.h"
#include "core/storage/settings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QLockFile>
#include <QMutex>
#include <QSet>
#include <QStorageInfo>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

namespace metaldesk {

namespace {

struct ImportText {
    Q_DECLARE_TR_FUNCTIONS(ImageImport)
};

// An index or a products file: MAAS's are a few MB.
constexpr qint64 kMaxDocument = 64 << 20;
// Left free on the store's disk after an import.
constexpr qint64 kDiskMargin = 256 << 20;

// The files an image of each format needs from its version's items.
const QStringList kSquashfsTypes = {QStringLiteral("boot-kernel"), QStringLiteral("boot-initrd"),
                                    QStringLiteral("squashfs")};

// A document of the mirror, checked as the source requires: clear-signed by one of its keys, or
// plain JSON where the source is marked unsigned.
Expected<QByteArray> fetchDocument(HttpFetch &http, const ImageSource &source, QString path, JobContext &context)
{
    const bool isSigned = !source.keyring.isEmpty();
    if (!isSigned && path.endsWith(QLatin1String(".sjson")))
        path.chop(6), path += QLatin1String(".json"); // an unsigned mirror's plain twin
    const QUrl url(source.url + path);
    auto body = http.get(url, kMaxDocument, &context);
    if (!body)
        return body.error();
    if (!isSigned) {
        if (body->trimmed().startsWith("-----BEGIN PGP"))
            return Error{ImportText::tr("%1 is signed, but the source has no keyring to check it with")
                             .arg(url.toDisplayString())};
        return body;
    }
    auto content = verifyClearSigned(*body, source.keyring);
    if (!content)
        return Error{ImportText::tr("%1 is refused: %2").arg(url.toDisplayString(), content.errorMessage())};
    return content;
}

QString titleOf(const StreamsProduct &p)
{
    const QString os = p.os.isEmpty() ? p.os : p.os.at(0).toUpper() + p.os.mid(1);
    return p.title.isEmpty() ? QStringLiteral("%1 %2").arg(os, p.release)
                             : QStringLiteral("%1 %2 (%3)").arg(os, p.title, p.release);
}

// The catalogue entry for a product's newest usable version, or why there is none.
Expected<BootImage> imageOf(const ImageSource &source, const StreamsProduct &p, const ImportSettings &settings)
{
    const StreamsVersion &v = p.versions.last();
    auto item = [&v](const QString &ftype) -> const StreamsItem * {
        for (const StreamsItem &i : v.items)
            if (i.ftype == ftype)
                return &i;
        return nullptr;
    };
    BootImage image;
    image.name = p.imageName();
    image.title = titleOf(p);
    image.architecture = p.architecture();
    image.firmware = {QStringLiteral("bios"), QStringLiteral("uefi")};
    image.version = v.name;
    image.origin = ImportText::tr("imported from %1").arg(source.url);
    const StreamsItem *main = nullptr;
    if (std::all_of(kSquashfsTypes.begin(), kSquashfsTypes.end(), [&](const QString &t) { return item(t); })) {
        image.format = QStringLiteral("squashfs");
        main = item(QStringLiteral("squashfs"));
    } else if ((main = item(QStringLiteral("root-tgz")))) {
        image.format = QStringLiteral("root-tgz");
    } else {
        return Error{ImportText::tr("%1 %2 has no files MetalDesk can deploy (a squashfs with its kernel and "
                                    "initrd, or a root-tgz)")
                         .arg(p.id, v.name)};
    }
    for (const StreamsItem &i : v.items) {
        image.files << BootImageFile{i.ftype, settings.locationPrefix + QString::fromLatin1(i.sha256),
                                     QString::fromLatin1(i.sha256), i.size};
        image.size += i.size;
    }
    // The built-in environment installs a root filesystem with the stream's kernel and initrd; a
    // root-tgz without them is kept, verified, but not offered.
    image.state = item(QStringLiteral("boot-kernel")) && item(QStringLiteral("boot-initrd"))
                      ? QStringLiteral("deployable")
                      : QStringLiteral("verified");
    image.location = settings.locationPrefix + QString::fromLatin1(main->sha256);
    image.sha256 = QString::fromLatin1(main->sha256);
    return image;
}

// One import per store: two (the window and the command line) would write the same parts. A
// lock left by a killed import is taken over (QLockFile checks its process is gone).
Expected<void> lockStore(QLockFile &lock, const ImportSettings &settings)
{
    lock.setStaleLockTime(0); // an import takes minutes: only a lock whose process is gone is stale
    if (lock.tryLock(0))
        return {};
    qint64 pid = 0;
    QString host, app;
    lock.getLockInfo(&pid, &host, &app);
    return Error{ImportText::tr("another import (process %1) is writing to %2: wait for it to end")
                     .arg(pid)
                     .arg(settings.storeDir)};
}

// Whether the store already holds this file whole: its size and SHA-256 match. One that does not
// is removed, so it is fetched again.
bool storedIntact(const QString &path, const BootImageFile &file, JobContext &context)
{
    QFile f(path);
    if (!f.exists())
        return false;
    if (f.size() == file.size && f.open(QIODevice::ReadOnly)) {
        Sha256 hash;
        QByteArray chunk;
        while (!(chunk = f.read(4 << 20)).isEmpty() && !context.isCancelled())
            hash.addData(chunk);
        if (hash.hexResult() == file.sha256.toLatin1())
            return true;
        if (context.isCancelled())
            return false; // not read to its end: say nothing of it, remove nothing
    }
    f.close();
    QFile::remove(path);
    return false;
}

// A file to fetch, from which source's mirror.
struct Wanted {
    BootImageFile file;
    QUrl url;
    QString what; // "ubuntu/noble amd64/ga-24.04: squashfs"
};

// Fetches one file into the store as job part `part`, resuming and retrying up to the settings'
// attempts; the part says how it ended.
Expected<void> fetchOne(HttpFetch &http, const Wanted &w, int part, const ImportSettings &settings, JobContext &context)
{
    const QString target = settings.storeDir + QLatin1Char('/') + w.file.sha256;
    context.setPartState(part, JobPart::State::Running);
    QString lastError;
    for (int attempt = 1; attempt <= settings.attempts; ++attempt) {
        if (context.isCancelled()) {
            context.setPartState(part, JobPart::State::Waiting); // kept for Resume
            return Error{ImportText::tr("cancelled")};
        }
        const qint64 before = context.progress().parts.at(part).done;
        auto fetched = http.download(w.url, target, w.file.size, w.file.sha256.toLatin1(), context, part);
        if (fetched) {
            context.setPartState(part, JobPart::State::Done);
            return {};
        }
        lastError = fetched.errorMessage();
        if (attempt == settings.attempts || context.isCancelled())
            break; // what came stays counted: it is kept for the next import to resume from
        // Not counted twice: the next attempt counts what it resumes from.
        context.addPartDone(part, before - context.progress().parts.at(part).done);
        QThread::msleep(500 * attempt);
    }
    context.setPartState(part, context.isCancelled() ? JobPart::State::Waiting : JobPart::State::Failed, lastError);
    return Error{context.isCancelled() ? ImportText::tr("cancelled") : lastError};
}

} // namespace

Expected<ImportSettings> importSettingsFor(const ConfigStore &config, const QString &bootRoot)
{
    ImportSettings settings;
    settings.storeDir = bootRoot + QStringLiteral("/images/sha256");
    auto proxy = config.value(QLatin1String(setting::ImageProxy));
    if (!proxy)
        return proxy.error();
    settings.proxy = proxy->trimmed();
    return settings;
}

Expected<ImportOutcome> importImages(const QList<ImageSource> &sources, const ImportSettings &settings,
                                     JobContext &context)
{
    ImportOutcome outcome;
    if (sources.isEmpty())
        return Error{ImportText::tr("there is no image source: add one (MAAS's is %1, signed with key %2)")
                         .arg(QLatin1String(kMaasImagesUrl), spacedFingerprint(QLatin1String(kMaasKeyFingerprint)))};
    HttpFetch http(settings.proxy);

    QList<Wanted> wanted;
    for (const ImageSource &source : sources) {
        context.setMessage(ImportText::tr("Reading %1").arg(source.url));
        auto indexText = fetchDocument(http, source, source.indexPath, context);
        if (!indexText)
            return indexText.error();
        auto index = parseStreamsIndex(*indexText);
        if (!index)
            return Error{ImportText::tr("%1: %2").arg(source.url, index.errorMessage())};
        int chosen = 0;
        for (const StreamsIndexEntry &entry : std::as_const(*index)) {
            if (entry.datatype != QLatin1String("image-ids"))
                continue;
            auto productsText = fetchDocument(http, source, entry.path, context);
            if (!productsText)
                return productsText.error();
            auto products = parseStreamsProducts(*productsText, &outcome.notes);
            if (!products)
                return Error{ImportText::tr("%1%2: %3").arg(source.url, entry.path, products.errorMessage())};
            for (const StreamsProduct &p : std::as_const(*products)) {
                if (!source.selects(p))
                    continue;
                auto image = imageOf(source, p, settings);
                if (!image) {
                    outcome.notes << image.errorMessage();
                    continue;
                }
                ++chosen;
                const StreamsVersion &v = p.versions.last();
                for (int i = 0; i < v.items.size(); ++i)
                    wanted.append(
                        {image->files.at(i), QUrl(source.url + v.items.at(i).path),
                         QStringLiteral("%1 %2: %3").arg(image->name, image->architecture, v.items.at(i).name)});
                outcome.images << *image;
            }
        }
        if (chosen == 0)
            outcome.notes << ImportText::tr("%1 has nothing that matches %2")
                                 .arg(source.url, source.selections.join(QStringLiteral(", ")));
    }
    if (outcome.images.isEmpty())
        return Error{ImportText::tr("nothing to import: %1").arg(outcome.notes.join(QStringLiteral("; ")))};

    if (!QDir().mkpath(settings.storeDir))
        return Error{ImportText::tr("cannot make the image store %1").arg(settings.storeDir)};
    QLockFile lock(settings.storeDir + QStringLiteral("/.import.lock"));
    if (auto locked = lockStore(lock, settings); !locked)
        return locked.error();
    // Each file once, and only those the store does not hold whole.
    QSet<QString> seen;
    QList<Wanted> missing;
    qint64 total = 0;
    context.setMessage(ImportText::tr("Checking the files already in the image store"));
    for (const Wanted &w : std::as_const(wanted)) {
        if (seen.contains(w.file.sha256))
            continue;
        seen.insert(w.file.sha256);
        if (storedIntact(settings.storeDir + QLatin1Char('/') + w.file.sha256, w.file, context))
            continue;
        missing << w;
        total += w.file.size;
    }
    const qint64 partial = [&] {
        qint64 have = 0;
        for (const Wanted &w : std::as_const(missing))
            have += QFileInfo(settings.storeDir + QLatin1Char('/') + w.file.sha256 + QStringLiteral(".part")).size();
        return have;
    }();
    const QStorageInfo disk(settings.storeDir);
    if (disk.isValid() && disk.bytesAvailable() < total - partial + kDiskMargin)
        return Error{ImportText::tr("the import needs %1 on %2, which has %3 free")
                         .arg(QLocale().formattedDataSize(total - partial + kDiskMargin), disk.rootPath(),
                              QLocale().formattedDataSize(disk.bytesAvailable()))};

    context.setTotal(total);
    context.setDone(0);
    QList<int> parts;
    for (const Wanted &w : std::as_const(missing))
        parts << context.addPart(w.what, w.file.size);
    // Bounded parallelism: a few files at once, each worker with its own connection (HttpFetch)
    // on its own thread, this one included. After a file fails all its attempts, the others take
    // no new file (the ones under way finish, and are kept).
    const int workers = std::clamp(settings.parallelDownloads, 1, int(qMax<qsizetype>(1, missing.size())));
    context.setMessage(missing.isEmpty() ? ImportText::tr("Every file is in the image store already")
                       : missing.size() == 1
                           ? ImportText::tr("Fetching 1 file")
                           : ImportText::tr("Fetching %1 files, %2 at a time").arg(missing.size()).arg(workers));
    std::atomic<int> next{0};
    QMutex failureMutex;
    QString failure;
    auto fetchAll = [&] {
        HttpFetch worker(settings.proxy);
        for (int i = next++; i < missing.size(); i = next++) {
            {
                QMutexLocker locked(&failureMutex);
                if (!failure.isEmpty())
                    return;
            }
            if (auto fetched = fetchOne(worker, missing.at(i), parts.at(i), settings, context); !fetched) {
                QMutexLocker locked(&failureMutex);
                if (failure.isEmpty())
                    failure = fetched.errorMessage();
                return;
            }
        }
    };
    std::vector<std::unique_ptr<QThread>> threads;
    for (int i = 1; i < workers; ++i) {
        threads.emplace_back(QThread::create(fetchAll));
        threads.back()->start();
    }
    fetchAll();
    for (const auto &thread : threads)
        thread->wait();
    if (!failure.isEmpty())
        return Error{failure};
    for (const Wanted &w : std::as_const(missing))
        outcome.fetchedBytes += w.file.size;
    return outcome;
}

Expected<qint64> discardPartialDownloads(const ImportSettings &settings)
{
    QDir store(settings.storeDir);
    if (!store.exists())
        return 0;
    QLockFile lock(store.filePath(QStringLiteral(".import.lock")));
    if (auto locked = lockStore(lock, settings); !locked)
        return locked.error();
    qint64 removed = 0;
    for (const QFileInfo &part : store.entryInfoList({QStringLiteral("*.part")}, QDir::Files)) {
        if (!QFile::remove(part.filePath()))
            return Error{ImportText::tr("cannot remove %1").arg(part.filePath())};
        removed += part.size();
    }
    return removed;
}

std::unique_ptr<ResultJob<ImportOutcome>> makeImageImportJob(std::shared_ptr<Database> db, QList<ImageSource> sources,
                                                             ImportSettings settings, Actor actor)
{
    auto work = [sources = std::move(sources), settings = std::move(settings)](JobContext &context) {
        return importImages(sources, settings, context);
    };
    auto commit = [db = std::move(db), actor = std::move(actor)](const ImportOutcome &outcome) {
        return BootImageStore(db).publish(actor, outcome.images);
    };
    return std::make_unique<ResultJob<ImportOutcome>>(ImportText::tr("Import images"), std::move(work),
                                                      std::move(commit));
}

} // namespace metaldesk
