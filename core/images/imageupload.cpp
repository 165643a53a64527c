#include "core/images/imageupload.h"

#include "core/base/sha256.h"
#include "core/lifecycle/permissions.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

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

// qemu-img converts a qcow2 into `target` (raw); cancelling stops it.
Expected<void> convertQcow2(const QString &source, const QString &target, JobContext &context)
{
    const QString qemuImg = QStandardPaths::findExecutable(QStringLiteral("qemu-img"));
    if (qemuImg.isEmpty())
        return Error{UploadText::tr("a qcow2 image is converted with qemu-img, which is not installed (Debian package "
                                    "qemu-utils)")};
    context.setMessage(UploadText::tr("Converting the qcow2 image to raw with qemu-img"));
    QProcess convert;
    convert.setProcessChannelMode(QProcess::MergedChannels);
    convert.start(qemuImg, {QStringLiteral("convert"), QStringLiteral("-f"), QStringLiteral("qcow2"),
                            QStringLiteral("-O"), QStringLiteral("raw"), source, target});
    if (!convert.waitForStarted())
        return Error{UploadText::tr("qemu-img did not start: %1").arg(convert.errorString())};
    while (!convert.waitForFinished(200)) {
        if (context.isCancelled()) {
            convert.kill();
            convert.waitForFinished();
            return Error{UploadText::tr("cancelled")};
        }
    }
    if (convert.exitStatus() != QProcess::NormalExit || convert.exitCode() != 0)
        return Error{UploadText::tr("qemu-img could not convert %1: %2")
                         .arg(source, QString::fromLocal8Bit(convert.readAll()).trimmed())};
    return {};
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

} // namespace

Expected<QString> diskImageFormat(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{UploadText::tr("cannot read %1: %2").arg(path, file.errorString())};
    const QByteArray head = file.read(64 << 10);
    const QString name = QFileInfo(path).fileName();
    if (startsWith(head, 0, "\x1f\x8b"))
        return QStringLiteral("raw.gz");
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
        return Error{UploadText::tr("%1 is a tar archive, not a whole-disk image").arg(name)};
    const bool mbr = startsWith(head, 510, "\x55\xaa");
    const bool gpt = startsWith(head, 512, "EFI PART");
    const bool ext = startsWith(head, 1080, "\x53\xef");
    if (mbr || gpt || ext)
        return QStringLiteral("raw");
    return Error{UploadText::tr("%1 is not a disk image MetalDesk can deploy: a raw disk (with a partition table, "
                                "or one ext4 filesystem), gzip, xz or bzip2 compressed, or qcow2")
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
    QFile::remove(target);
    if (!QFile::rename(partial, target)) {
        cleanUp();
        return Error{UploadText::tr("cannot move %1 into place").arg(target)};
    }
    if (!converted.isEmpty())
        QFile::remove(converted);
    image.sha256 = QString::fromLatin1(*sha);
    image.size = QFileInfo(target).size();
    image.location = QStringLiteral("images/") + fileName; // served by the boot HTTP server
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
