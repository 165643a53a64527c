#include "core/images/imageupload.h"

#include "core/base/sha256.h"
#include "core/images/blockmap.h"
#include "core/lifecycle/permissions.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>

namespace metaldesk {

namespace {

struct UploadText {
    Q_DECLARE_TR_FUNCTIONS(ImageUpload)
};

constexpr qint64 kChunk = 4 << 20;

bool startsWith(const QByteArray &head, qsizetype offset, QByteArrayView magic)
{
    return head.size() >= offset + magic.size() && QByteArrayView(head).sliced(offset, magic.size()) == magic;
}

// The first `bytes` of a gzip file's content (gzip -dc, stopped once they came); empty when gzip
// cannot read it.
QByteArray gunzippedHead(const QString &path, qint64 bytes)
{
    QProcess gzip;
    gzip.setStandardErrorFile(QProcess::nullDevice());
    gzip.start(QStringLiteral("gzip"), {QStringLiteral("-dc"), path});
    QByteArray head;
    while (head.size() < bytes && (gzip.bytesAvailable() > 0 || gzip.waitForReadyRead(5000)))
        head += gzip.read(bytes - head.size());
    gzip.kill();
    gzip.waitForFinished();
    return head;
}

// Runs a program to its end; cancelling stops it. Its output, or why it failed.
Expected<QByteArray> runTool(const QString &program, const QStringList &args, JobContext &context)
{
    QProcess tool;
    tool.setProcessChannelMode(QProcess::MergedChannels);
    tool.start(program, args);
    if (!tool.waitForStarted())
        return Error{UploadText::tr("%1 did not start: %2").arg(program, tool.errorString())};
    while (!tool.waitForFinished(200)) {
        if (context.isCancelled()) {
            tool.kill();
            tool.waitForFinished();
            return Error{UploadText::tr("cancelled")};
        }
    }
    const QByteArray output = tool.readAll();
    if (tool.exitStatus() != QProcess::NormalExit || tool.exitCode() != 0)
        return Error{UploadText::tr("%1 failed: %2")
                         .arg(QFileInfo(program).fileName(), QString::fromLocal8Bit(output).trimmed().right(300))};
    return output;
}

// qemu-img converts a qcow2 into `target` (raw); cancelling stops it.
Expected<void> convertQcow2(const QString &source, const QString &target, JobContext &context)
{
    const QString qemuImg = QStandardPaths::findExecutable(QStringLiteral("qemu-img"));
    if (qemuImg.isEmpty())
        return Error{UploadText::tr("a qcow2 image is converted with qemu-img, which is not installed (Debian package "
                                    "qemu-utils)")};
    context.setMessage(UploadText::tr("Converting the qcow2 image to raw with qemu-img"));
    auto converted = runTool(qemuImg,
                             {QStringLiteral("convert"), QStringLiteral("-f"), QStringLiteral("qcow2"),
                              QStringLiteral("-O"), QStringLiteral("raw"), source, target},
                             context);
    if (!converted)
        return converted.error();
    return {};
}

// Moves `path` into the image store under its SHA-256 (images/sha256/<hex>), as imported files are
// kept; the entry for the catalogue.
Expected<BootImageFile> storeBySha256(const QString &path, const QString &ftype, const QString &bootRoot)
{
    QFile file(path);
    Sha256 hash;
    if (!file.open(QIODevice::ReadOnly) || !hash.addData(file))
        return Error{UploadText::tr("cannot read %1: %2").arg(path, file.errorString())};
    file.close();
    const QString sha = QString::fromLatin1(hash.hexResult());
    const QString dir = bootRoot + QStringLiteral("/images/sha256");
    if (!QDir().mkpath(dir))
        return Error{UploadText::tr("cannot make %1").arg(dir)};
    const QString target = dir + QLatin1Char('/') + sha;
    if (QFileInfo(target).size() != file.size()) { // the same bytes are kept once
        QFile::remove(target);
        if (!QFile::rename(path, target))
            return Error{UploadText::tr("cannot move %1 into place").arg(target)};
    }
    return BootImageFile{ftype, QStringLiteral("images/sha256/") + sha, sha, file.size()};
}

// Whether kernel version `a` comes before `b`, runs of digits compared as numbers ("6.1.0-9" before
// "6.1.0-10"). QCollator's numeric mode needs ICU, which not every Qt has.
bool kernelVersionLess(const QString &a, const QString &b)
{
    static const QRegularExpression runs(QStringLiteral("\\d+|\\D+"));
    auto x = runs.globalMatch(a), y = runs.globalMatch(b);
    while (x.hasNext() && y.hasNext()) {
        const QString p = x.next().captured(), q = y.next().captured();
        const bool numbers = p.at(0).isDigit() && q.at(0).isDigit();
        if (numbers && p.toULongLong() != q.toULongLong())
            return p.toULongLong() < q.toULongLong();
        if (!numbers && p != q)
            return p < q;
    }
    return !x.hasNext() && y.hasNext();
}

// The kernel and initrd a root tarball carries (/boot/vmlinuz-<version> with its
// /boot/initrd.img-<version>, the newest when there are several), put in the store as an
// imported image's boot-kernel and boot-initrd: the environment installs them as it does a
// squashfs's.
Expected<QList<BootImageFile>> kernelOf(const QString &tarball, const QString &name, const QString &bootRoot,
                                        JobContext &context)
{
    QTemporaryDir out(bootRoot + QStringLiteral("/images/.kernel-XXXXXX")); // beside the store: moved, not copied
    if (!out.isValid())
        return Error{UploadText::tr("cannot make a folder under %1").arg(bootRoot)};
    context.setMessage(UploadText::tr("Taking the kernel and initrd out of %1").arg(name));
    // Either spelling ("boot/…", "./boot/…"); a pattern that matches nothing makes tar fail, so
    // what came out decides.
    auto extracted =
        runTool(QStringLiteral("tar"),
                {QStringLiteral("-xzf"), tarball, QStringLiteral("-C"), out.path(), QStringLiteral("--wildcards"),
                 QStringLiteral("--no-anchored"), QStringLiteral("--no-same-owner"), QStringLiteral("boot/vmlinuz-*"),
                 QStringLiteral("boot/initrd.img-*")},
                context);
    if (context.isCancelled())
        return Error{UploadText::tr("cancelled")};
    QStringList versions;
    const QDir boot(out.filePath(QStringLiteral("boot")));
    // Files only: a symbolic link in the tarball would name a file of this computer.
    for (const QFileInfo &kernel : boot.entryInfoList({QStringLiteral("vmlinuz-*")}, QDir::Files | QDir::NoSymLinks)) {
        const QString version = kernel.fileName().mid(8);
        const QFileInfo initrd(boot.filePath(QStringLiteral("initrd.img-") + version));
        if (initrd.isFile() && !initrd.isSymLink())
            versions << version;
    }
    if (versions.isEmpty())
        return Error{UploadText::tr("%1 has no /boot/vmlinuz-<version> with its /boot/initrd.img-<version>: "
                                    "MetalDesk installs the kernel the root filesystem carries, so install a kernel "
                                    "package in it before making the tarball%2")
                         .arg(name, extracted ? QString() : QStringLiteral(" (%1)").arg(extracted.errorMessage()))};
    std::sort(versions.begin(), versions.end(), kernelVersionLess);
    QList<BootImageFile> files;
    for (const auto &[ftype, prefix] :
         {std::pair{"boot-kernel", "vmlinuz-"}, std::pair{"boot-initrd", "initrd.img-"}}) {
        auto stored =
            storeBySha256(boot.filePath(QLatin1String(prefix) + versions.last()), QLatin1String(ftype), bootRoot);
        if (!stored)
            return stored.error();
        files << *stored;
    }
    return files;
}

// Copies `source` to `partial`, hashing and counting as it goes.
Expected<QByteArray> copyHashing(const QString &source, const QString &partial, JobContext &context)
{
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly))
        return Error{UploadText::tr("cannot read %1: %2").arg(source, in.errorString())};
    QFile out(partial);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{UploadText::tr("cannot write %1: %2").arg(partial, out.errorString())};
    context.setTotal(in.size());
    context.setMessage(UploadText::tr("Copying %1 into the image store").arg(QFileInfo(source).fileName()));
    Sha256 hash;
    QByteArray chunk;
    while (!(chunk = in.read(kChunk)).isEmpty()) {
        if (context.isCancelled())
            return Error{UploadText::tr("cancelled")};
        hash.addData(chunk);
        if (out.write(chunk) != chunk.size())
            return Error{UploadText::tr("cannot write %1: %2").arg(partial, out.errorString())};
        context.addDone(chunk.size());
    }
    if (in.error() != QFileDevice::NoError)
        return Error{UploadText::tr("reading %1 failed: %2").arg(source, in.errorString())};
    if (!out.flush())
        return Error{UploadText::tr("cannot write %1: %2").arg(partial, out.errorString())};
    return hash.hexResult();
}

// The block map of a whole-disk image (and, for a compressed one, its raw form with holes where it
// is all zeros, from which deployments fetch the map's ranges), made once as the image enters the
// catalogue: a deployment then writes only the image's data, without decompressing it on the
// machine. `source` is the image as copied, `target` where it goes next ("<name>.<format>"); the
// raw form and the map are put in place beside it, so that a failure leaves the catalogue's image
// of that name as it was.
Expected<QList<BootImageFile>> mapWholeDisk(const QString &source, const QString &target, const QString &format,
                                            JobContext &context)
{
    const bool compressed = format != QLatin1String("raw");
    const QString rawPath = target.chopped(format.size() - 3); // "x.raw.xz" -> "x.raw"
    const QString mapPath = rawPath + QStringLiteral(".bmap");
    context.setMessage(UploadText::tr("Mapping where the image holds data, for faster deployments"));
    context.setDone(0);
    context.setTotal(compressed ? 0 : QFileInfo(source).size());

    QProcess unpack;
    QFile rawIn(source);
    QFile sparse(rawPath + QStringLiteral(".part"));
    QIODevice *in = &rawIn;
    if (compressed) {
        const QString tool = format.endsWith(QLatin1String(".gz"))   ? QStringLiteral("gzip")
                             : format.endsWith(QLatin1String(".xz")) ? QStringLiteral("xz")
                                                                     : QStringLiteral("bzip2");
        unpack.setStandardErrorFile(QProcess::nullDevice());
        unpack.start(tool, {QStringLiteral("-dc"), source}, QIODevice::ReadOnly);
        if (!unpack.waitForStarted())
            return Error{UploadText::tr("%1 did not start: %2").arg(tool, unpack.errorString())};
        if (!sparse.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return Error{UploadText::tr("cannot write %1: %2").arg(sparse.fileName(), sparse.errorString())};
        in = &unpack;
    } else if (!rawIn.open(QIODevice::ReadOnly)) {
        return Error{UploadText::tr("cannot read %1: %2").arg(source, rawIn.errorString())};
    }
    auto map = mapDiskImage(*in, compressed ? &sparse : nullptr, context);
    if (compressed) {
        unpack.kill();
        unpack.waitForFinished();
        sparse.close();
        if (map && (unpack.exitStatus() != QProcess::NormalExit || unpack.exitCode() != 0))
            map = Error{UploadText::tr("%1 could not be decompressed").arg(QFileInfo(target).fileName())};
        if (map) {
            QFile::remove(rawPath);
            if (!QFile::rename(sparse.fileName(), rawPath))
                map = Error{UploadText::tr("cannot move %1 into place").arg(rawPath)};
        }
        if (!map)
            QFile::remove(sparse.fileName());
    }
    if (!map)
        return map.error();
    const QByteArray text = map->text();
    QFile out(mapPath + QStringLiteral(".part"));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text) != text.size() || !out.flush()) {
        out.remove();
        return Error{UploadText::tr("cannot write %1: %2").arg(out.fileName(), out.errorString())};
    }
    out.close();
    QFile::remove(mapPath);
    if (!QFile::rename(out.fileName(), mapPath)) {
        out.remove();
        return Error{UploadText::tr("cannot move %1 into place").arg(mapPath)};
    }
    Sha256 hash;
    hash.addData(text);
    const QString dir = QStringLiteral("images/");
    return QList<BootImageFile>{
        {QStringLiteral("raw"), dir + QFileInfo(rawPath).fileName(), QString::fromLatin1(map->imageSha256), map->size},
        {QStringLiteral("block-map"), dir + QFileInfo(mapPath).fileName(), QString::fromLatin1(hash.hexResult()),
         qint64(text.size())}};
}

} // namespace

Expected<QString> diskImageFormat(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{UploadText::tr("cannot read %1: %2").arg(path, file.errorString())};
    const QByteArray head = file.read(64 << 10);
    const QString name = QFileInfo(path).fileName();
    if (startsWith(head, 0, "\x1f\x8b"))
        return startsWith(gunzippedHead(path, 512), 257, "ustar") ? QStringLiteral("root-tgz")
                                                                  : QStringLiteral("raw.gz");
    static const QByteArray xzMagic = QByteArray::fromHex("fd377a585a00");
    if (startsWith(head, 0, xzMagic))
        return QStringLiteral("raw.xz");
    if (startsWith(head, 0, "BZh"))
        return QStringLiteral("raw.bz2");
    if (startsWith(head, 0, "QFI\xfb"))
        return QStringLiteral("qcow2");
    if (startsWith(head, 0, "\x28\xb5\x2f\xfd"))
        return Error{UploadText::tr("%1 is compressed with zstd, which the boot environment does not unpack: "
                                    "decompress it, or compress it with xz or gzip")
                         .arg(name)};
    if (startsWith(head, 0x8001, "CD001"))
        return Error{UploadText::tr("%1 is an installer ISO, not a disk image: MetalDesk writes disk images with "
                                    "cloud-init")
                         .arg(name)};
    if (startsWith(head, 257, "ustar"))
        return Error{UploadText::tr("%1 is a tar archive that is not compressed: compress it with gzip (a .tar.gz, "
                                    "as MAAS takes root tarballs) to add it as a root filesystem")
                         .arg(name)};
    const bool mbr = startsWith(head, 510, "\x55\xaa");
    const bool gpt = startsWith(head, 512, "EFI PART");
    const bool ext = startsWith(head, 1080, "\x53\xef");
    if (mbr || gpt || ext)
        return QStringLiteral("raw");
    return Error{UploadText::tr("%1 is not an image MetalDesk can deploy: a raw disk (with a partition table, "
                                "or one ext4 filesystem), gzip, xz or bzip2 compressed, qcow2, or a root filesystem "
                                "as a .tar.gz")
                     .arg(name)};
}

namespace {

// The entry an upload makes, and the file's own format ("qcow2" is stored as "raw").
struct Described {
    BootImage image;
    QString fileFormat;
};

Expected<Described> describe(const ImageUpload &upload)
{
    auto format = diskImageFormat(upload.sourcePath);
    if (!format)
        return format.error();
    BootImage image = upload.image;
    image.format = *format == QLatin1String("qcow2") ? QStringLiteral("raw") : *format;
    image.location = QStringLiteral("images/"); // checked now, set when stored
    if (QString wrong = BootImageStore::problem(image); !wrong.isEmpty())
        return Error{wrong};
    const QString expected = upload.expectedSha256.trimmed();
    if (!expected.isEmpty() && !QRegularExpression(QStringLiteral("^[0-9a-fA-F]{64}$")).match(expected).hasMatch())
        return Error{UploadText::tr("'%1' is not a SHA-256 (64 hexadecimal digits)").arg(upload.expectedSha256)};
    return Described{image, *format};
}

} // namespace

Expected<BootImage> checkUpload(const ImageUpload &upload)
{
    auto described = describe(upload);
    if (!described)
        return described.error();
    return described->image;
}

Expected<BootImage> storeUpload(const ImageUpload &upload, const QString &bootRoot, JobContext &context)
{
    auto described = describe(upload);
    if (!described)
        return described.error();
    BootImage image = described->image;
    const bool qcow2 = described->fileFormat == QLatin1String("qcow2");
    const QString expected = upload.expectedSha256.trimmed().toLower();

    const QString dir = bootRoot + QStringLiteral("/images");
    if (!QDir().mkpath(dir))
        return Error{UploadText::tr("cannot make %1").arg(dir)};
    // One file per name and architecture, as the catalogue has one entry: "debian-bookworm-amd64.raw.xz".
    const QString fileName = image.os() + QLatin1Char('-') + image.release() + QLatin1Char('-') +
                             image.architecture.section(QLatin1Char('/'), 0, 0) + QLatin1Char('.') + image.format;
    const QString target = dir + QLatin1Char('/') + fileName;
    const QString partial = target + QStringLiteral(".part");
    QString source = upload.sourcePath;
    QString converted; // a qcow2's raw form, removed once copied
    auto cleanUp = [&] {
        QFile::remove(partial);
        if (!converted.isEmpty())
            QFile::remove(converted);
    };
    if (qcow2) {
        converted = target + QStringLiteral(".converting");
        if (auto done = convertQcow2(upload.sourcePath, converted, context); !done) {
            cleanUp();
            return done.error();
        }
        source = converted;
    }
    auto sha = copyHashing(source, partial, context);
    if (!sha) {
        cleanUp();
        return sha.error();
    }
    // The checksum given is of the file given: a qcow2's is checked on the qcow2 itself.
    QByteArray given = *sha;
    if (qcow2 && !expected.isEmpty()) {
        QFile original(upload.sourcePath);
        Sha256 hash;
        if (!original.open(QIODevice::ReadOnly) || !hash.addData(original)) {
            cleanUp();
            return Error{UploadText::tr("cannot read %1: %2").arg(upload.sourcePath, original.errorString())};
        }
        given = hash.hexResult();
    }
    if (!expected.isEmpty() && QString::fromLatin1(given) != expected) {
        cleanUp();
        return Error{UploadText::tr("%1 does not match the SHA-256 given: it is %2")
                         .arg(QFileInfo(upload.sourcePath).fileName(), QString::fromLatin1(given))};
    }
    image.location = QStringLiteral("images/") + fileName; // served by the boot HTTP server
    // A root tarball's kernel comes out before it takes the place of an image of the same name: a
    // tarball without one leaves the catalogue's image as it was.
    if (image.isRootFilesystem()) {
        auto kernel = kernelOf(partial, QFileInfo(upload.sourcePath).fileName(), bootRoot, context);
        if (!kernel) {
            cleanUp();
            return kernel.error();
        }
        image.files = *kernel;
    }
    // A whole disk's map (and raw form) first, from the copy: a disk that does not decompress is
    // refused before it takes the place of an image of the same name.
    if (!image.isRootFilesystem()) {
        auto mapped = mapWholeDisk(partial, target, image.format, context);
        if (!mapped) {
            cleanUp();
            return mapped.error();
        }
        image.files = *mapped;
    }
    QFile::remove(target);
    if (!QFile::rename(partial, target)) {
        cleanUp();
        return Error{UploadText::tr("cannot move %1 into place").arg(target)};
    }
    if (!converted.isEmpty())
        QFile::remove(converted);
    image.sha256 = QString::fromLatin1(*sha);
    image.size = QFileInfo(target).size();
    if (image.isRootFilesystem())
        image.files.prepend({image.format, image.location, image.sha256, image.size});
    return image;
}

std::unique_ptr<ResultJob<BootImage>> makeImageUploadJob(std::shared_ptr<Database> db, ImageUpload upload,
                                                         QString bootRoot, Actor actor)
{
    const QString title = UploadText::tr("Add image %1").arg(upload.image.name);
    auto work = [upload, bootRoot, actor](JobContext &context) -> Expected<BootImage> {
        // Refused before anything is copied, not after.
        if (auto allowed = requireCapability(Capability::ManageImages, actor); !allowed)
            return allowed.error();
        return storeUpload(upload, bootRoot, context);
    };
    auto commit = [db, actor](const BootImage &image) -> Expected<void> {
        auto added = BootImageStore(db).add(actor, image);
        if (!added)
            return added.error();
        return {};
    };
    return std::make_unique<ResultJob<BootImage>>(title, std::move(work), std::move(commit));
}

} // namespace metaldesk
