// Images of one's own (issue 13, "Custom images"): what a file is, told by its first bytes (an ISO,
// an uncompressed tar, zstd or text refused with the reason); a gzipped raw disk copied into the
// store with its SHA-256 and progress, then in the catalogue; a wrong checksum or a user without
// the right refused with nothing left behind; a qcow2 converted by qemu-img into the same raw
// bytes; a root filesystem .tar.gz with the kernel in its /boot; the command line's `images add`
// through the same job.
#include "core/images/blockmap.h"
#include "core/images/imageupload.h"
#include "core/runtime/coreservices.h"
#include "core/storage/settings.h"

#include "skip.h"
#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <sys/stat.h>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A small raw disk: an MBR with one partition, then bytes that differ from place to place.
QByteArray rawDisk(qint64 size)
{
    QByteArray disk(size, '\0');
    disk[446 + 4] = char(0x83);
    disk[510] = char(0x55);
    disk[511] = char(0xaa);
    for (qint64 i = 4096; i < size; i += 4096)
        disk[i] = char(i / 4096);
    return disk;
}

// A disk with data where a deployment must write it and zeros elsewhere: an MBR, 8 KiB at 2 MiB,
// 512 KiB of zeros (too short a gap: it travels inside the range), 4 KiB, 3 MiB of zeros (a gap),
// then 5,000 bytes that end the image mid-block. Its map: three ranges.
QByteArray sparseDisk()
{
    QByteArray disk = rawDisk(512);
    disk.resize(2 << 20, '\0');
    disk += QByteArray(8192, 'a');
    disk += QByteArray(512 << 10, '\0');
    disk += QByteArray(4096, 'b');
    disk += QByteArray(3 << 20, '\0');
    disk += QByteArray(5000, 'c');
    return disk;
}

QString sha256Of(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

// Bytes the file takes on disk: less than its size when it has holes.
qint64 allocatedBytes(const QString &path)
{
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? qint64(st.st_blocks) * 512 : -1;
}

int run(const QString &program, const QStringList &args, QString *output = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(60000))
        return -1;
    if (output)
        *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

} // namespace

class TestImageUpload : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<CoreServices> core_;
    const Actor admin_{1, u"admin"_s, true};

    QString path(const QString &name) const { return dir_.filePath(name); }
    QString bootRoot() const { return dir_.filePath(u"boot"_s); }
    static BootImage described(const QString &name)
    {
        BootImage i;
        i.name = name;
        i.title = u"Debian 12"_s;
        i.architecture = u"amd64"_s;
        i.firmware = {u"bios"_s, u"uefi"_s};
        i.origin = u"uploaded by admin"_s;
        return i;
    }
    std::unique_ptr<ResultJob<BootImage>> upload(const ImageUpload &u, const Actor &actor)
    {
        auto job = makeImageUploadJob(core_->db, u, bootRoot(), actor);
        job->start(QThreadPool::globalInstance());
        job->waitForFinished(60000);
        return job;
    }
    QStringList leftovers() const
    {
        return QDir(bootRoot() + u"/images"_s).entryList({u"*.part"_s, u"*.converting"_s}, QDir::Files);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        auto core = CoreServices::open(DatabaseSpec::sqlite(path(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        // The command line copies files under the configured boot root: this test's.
        QVERIFY(core_->config->setValue(QLatin1String(setting::BootRoot), bootRoot()));
    }

    void tellsWhatAFileIs()
    {
        QVERIFY(writeFile(path(u"disk.img"_s), rawDisk(1 << 20)));
        QCOMPARE(*diskImageFormat(path(u"disk.img"_s)), u"raw"_s);
        QByteArray gpt(4096, '\0');
        gpt.replace(512, 8, "EFI PART");
        QVERIFY(writeFile(path(u"gpt.img"_s), gpt));
        QCOMPARE(*diskImageFormat(path(u"gpt.img"_s)), u"raw"_s);
        for (const auto &[name, head, format] : {std::tuple{"a.gz", QByteArray("\x1f\x8b\x08\x00", 4), "raw.gz"},
                                                 std::tuple{"a.xz",
                                                            QByteArray("\xfd"
                                                                       "7zXZ\x00\x00",
                                                                       7),
                                                            "raw.xz"},
                                                 std::tuple{"a.bz2", QByteArray("BZh91AY"), "raw.bz2"},
                                                 std::tuple{"a.qcow2", QByteArray("QFI\xfb\x00"), "qcow2"}}) {
            QVERIFY(writeFile(path(QLatin1String(name)), head + QByteArray(1024, 'x')));
            QCOMPARE(*diskImageFormat(path(QLatin1String(name))), QLatin1String(format));
        }
        // Refused, saying what it is and what would do.
        QByteArray iso(0x9000, '\0');
        iso.replace(0x8001, 5, "CD001");
        QByteArray tar(1024, '\0');
        tar.replace(257, 5, "ustar");
        for (const auto &[name, bytes, says] :
             {std::tuple{"debian.iso", iso, "installer ISO"}, std::tuple{"root.tar", tar, "tar archive"},
              std::tuple{"disk.zst", QByteArray("\x28\xb5\x2f\xfd\x00\x00", 6) + QByteArray(2048, 'z'), "zstd"},
              std::tuple{"notes.txt", QByteArray(4096, 'a'), "not an image MetalDesk can deploy"}}) {
            QVERIFY(writeFile(path(QLatin1String(name)), bytes));
            auto format = diskImageFormat(path(QLatin1String(name)));
            QVERIFY(!format);
            QVERIFY2(format.errorMessage().contains(QLatin1String(says)), qPrintable(format.errorMessage()));
        }
        QVERIFY(!diskImageFormat(path(u"absent.img"_s)));
    }

    void aGzippedDiskEntersTheCatalogueWithItsChecksum()
    {
        const QByteArray disk = rawDisk(8 << 20);
        QVERIFY(writeFile(path(u"bookworm.img"_s), disk));
        QVERIFY(run(u"gzip"_s, {u"-kf"_s, path(u"bookworm.img"_s)}) == 0);
        const QByteArray gz = fileBytes(path(u"bookworm.img.gz"_s));
        const QString sha = QString::fromLatin1(QCryptographicHash::hash(gz, QCryptographicHash::Sha256).toHex());

        auto job = upload({described(u"debian/bookworm"_s), path(u"bookworm.img.gz"_s), sha.toUpper()}, admin_);
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        QCOMPARE(job->progress().done, disk.size()); // the last step maps the decompressed disk
        auto images = BootImageStore(core_->db).list();
        QVERIFY(images && images->size() == 1);
        const BootImage &i = images->first();
        QCOMPARE(i.location, u"images/debian-bookworm-amd64.raw.gz"_s);
        QCOMPARE(i.format, u"raw.gz"_s);
        QCOMPARE(i.sha256, sha);
        QCOMPARE(i.size, gz.size());
        QVERIFY(i.deployable());
        QCOMPARE(fileBytes(bootRoot() + u"/"_s + i.location), gz);
        QVERIFY(leftovers().isEmpty());
    }

    void aWrongChecksumOrAUserWithoutTheRightLeavesNothing()
    {
        QVERIFY(writeFile(path(u"other.img"_s), rawDisk(2 << 20)));
        auto wrong = upload({described(u"debian/trixie"_s), path(u"other.img"_s), QString(64, u'0')}, admin_);
        QCOMPARE(wrong->state(), JobState::Failed);
        QVERIFY2(wrong->errorMessage().contains(u"does not match the SHA-256 given"_s),
                 qPrintable(wrong->errorMessage()));
        QVERIFY(leftovers().isEmpty());
        QVERIFY(!QFile::exists(bootRoot() + u"/images/debian-trixie-amd64.raw"_s));

        auto notHex = upload({described(u"debian/trixie"_s), path(u"other.img"_s), u"abc"_s}, admin_);
        QCOMPARE(notHex->state(), JobState::Failed);
        QVERIFY2(notHex->errorMessage().contains(u"64 hexadecimal digits"_s), qPrintable(notHex->errorMessage()));

        const Actor user{2, u"alice"_s, false};
        auto refused = upload({described(u"debian/trixie"_s), path(u"other.img"_s), {}}, user);
        QCOMPARE(refused->state(), JobState::Failed);
        QVERIFY(!QFile::exists(bootRoot() + u"/images/debian-trixie-amd64.raw"_s));

        auto iso = upload({described(u"debian/trixie"_s), path(u"debian.iso"_s), {}}, admin_);
        QCOMPARE(iso->state(), JobState::Failed);
        QVERIFY2(iso->errorMessage().contains(u"installer ISO"_s), qPrintable(iso->errorMessage()));
        QCOMPARE(BootImageStore(core_->db).list()->size(), 1); // only the one added before
    }

    void aQcow2IsConvertedToTheSameRawDisk()
    {
        const QString qemuImg = QStandardPaths::findExecutable(u"qemu-img"_s);
        if (qemuImg.isEmpty())
            METALDESK_SKIP("qemu-img is not installed: run tools/setup (package qemu-utils)");
        const QByteArray disk = rawDisk(6 << 20);
        QVERIFY(writeFile(path(u"vm.raw"_s), disk));
        QString output;
        QVERIFY2(run(qemuImg,
                     {u"convert"_s, u"-f"_s, u"raw"_s, u"-O"_s, u"qcow2"_s, path(u"vm.raw"_s), path(u"vm.qcow2"_s)},
                     &output) == 0,
                 qPrintable(output));
        const QString sha = QString::fromLatin1(
            QCryptographicHash::hash(fileBytes(path(u"vm.qcow2"_s)), QCryptographicHash::Sha256).toHex());
        auto job = upload({described(u"ubuntu/noble"_s), path(u"vm.qcow2"_s), sha}, admin_);
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        QCOMPARE(job->result()->format, u"raw"_s);
        QCOMPARE(job->result()->location, u"images/ubuntu-noble-amd64.raw"_s);
        QCOMPARE(fileBytes(bootRoot() + u"/images/ubuntu-noble-amd64.raw"_s), disk);
        QVERIFY(leftovers().isEmpty());
    }

    // A root filesystem as a .tar.gz (MAAS's custom "tgz"): deployable with the kernel and initrd
    // in its /boot, the newest when there are two, stored as an import's boot-kernel and
    // boot-initrd; one without a kernel is refused, saying what it needs, with nothing left.
    void aRootTarballIsDeployableWithTheKernelItCarries()
    {
        const QString tree = path(u"root-tree"_s);
        for (const char *d : {"etc", "boot", "usr/bin"})
            QVERIFY(QDir(tree).mkpath(QLatin1String(d)));
        QVERIFY(writeFile(tree + u"/etc/hostname"_s, "from-the-tarball\n"));
        QVERIFY(run(u"tar"_s, {u"-czf"_s, path(u"nokernel.tar.gz"_s), u"-C"_s, tree, u"."_s}) == 0);
        QCOMPARE(*diskImageFormat(path(u"nokernel.tar.gz"_s)), u"root-tgz"_s);
        auto refused = upload({described(u"debian/sid"_s), path(u"nokernel.tar.gz"_s), {}}, admin_);
        QCOMPARE(refused->state(), JobState::Failed);
        QVERIFY2(refused->errorMessage().contains(u"/boot/vmlinuz-<version>"_s), qPrintable(refused->errorMessage()));
        QVERIFY(!QFile::exists(bootRoot() + u"/images/debian-sid-amd64.root-tgz"_s));
        QVERIFY(leftovers().isEmpty());

        // 6.1.0-10 is the newest with both (by number: 10 after 9); -11 has no initrd, -12 is made
        // of symbolic links to this computer's files.
        const QByteArray kernel = "the kernel 6.1.0-10", initrd = "its initrd";
        QVERIFY(writeFile(tree + u"/boot/vmlinuz-6.1.0-10-amd64"_s, kernel));
        QVERIFY(writeFile(tree + u"/boot/initrd.img-6.1.0-10-amd64"_s, initrd));
        QVERIFY(writeFile(tree + u"/boot/vmlinuz-6.1.0-9-amd64"_s, "older"));
        QVERIFY(writeFile(tree + u"/boot/initrd.img-6.1.0-9-amd64"_s, "older initrd"));
        QVERIFY(writeFile(tree + u"/boot/vmlinuz-6.1.0-11-amd64"_s, "newer, without its initrd"));
        QVERIFY(QFile::link(u"/etc/hostname"_s, tree + u"/boot/vmlinuz-6.1.0-12-amd64"_s));
        QVERIFY(QFile::link(u"/etc/passwd"_s, tree + u"/boot/initrd.img-6.1.0-12-amd64"_s));
        QVERIFY(run(u"tar"_s, {u"-czf"_s, path(u"root.tar.gz"_s), u"-C"_s, tree, u"."_s}) == 0);
        auto job = upload({described(u"debian/sid"_s), path(u"root.tar.gz"_s), {}}, admin_);
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        const BootImage &image = *job->result();
        QCOMPARE(image.format, u"root-tgz"_s);
        QVERIFY(image.isRootFilesystem() && image.deployable());
        QCOMPARE(image.location, u"images/debian-sid-amd64.root-tgz"_s);
        QCOMPARE(fileBytes(bootRoot() + u'/' + image.location), fileBytes(path(u"root.tar.gz"_s)));
        for (const auto &[ftype, bytes] : {std::pair{"boot-kernel", kernel}, std::pair{"boot-initrd", initrd}}) {
            const BootImageFile *f = image.file(QLatin1String(ftype));
            QVERIFY2(f, ftype);
            QCOMPARE(f->sha256,
                     QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
            QCOMPARE(f->location, u"images/sha256/"_s + f->sha256);
            QCOMPARE(fileBytes(bootRoot() + u'/' + f->location), bytes);
        }
        QVERIFY(image.file(u"root-tgz"_s));
        QVERIFY(QDir(bootRoot() + u"/images"_s).entryList({u".kernel-*"_s}, QDir::Dirs | QDir::Hidden).isEmpty());
        auto stored = BootImageStore(core_->db).atLocation(image.location);
        QVERIFY(stored && stored->has_value());
        QCOMPARE((*stored)->files.size(), 3);

        // A tarball without a kernel under the same name leaves the image there as it was.
        auto again = upload({described(u"debian/sid"_s), path(u"nokernel.tar.gz"_s), {}}, admin_);
        QCOMPARE(again->state(), JobState::Failed);
        QCOMPARE(fileBytes(bootRoot() + u'/' + image.location), fileBytes(path(u"root.tar.gz"_s)));
        QVERIFY(leftovers().isEmpty());
    }

    void theCommandLineAddsAFileThroughTheSameJob()
    {
        QVERIFY(writeFile(path(u"cli.img"_s), rawDisk(1 << 20)));
        QVERIFY(run(u"xz"_s, {u"-kf"_s, u"-0"_s, path(u"cli.img"_s)}) == 0);
        const QString db = path(u"md.db"_s);
        QString output;
        QCOMPARE(run(QStringLiteral(METALDESK_BINARY),
                     {u"images"_s, u"add"_s, u"alpine/edge"_s, path(u"cli.img.xz"_s), u"--sha256"_s, QString(64, u'1'),
                      u"--database"_s, db},
                     &output),
                 1);
        QVERIFY2(output.contains(u"does not match the SHA-256 given"_s), qPrintable(output));
        QCOMPARE(run(QStringLiteral(METALDESK_BINARY),
                     {u"images"_s, u"add"_s, u"alpine/edge"_s, path(u"cli.img.xz"_s), u"--database"_s, db}, &output),
                 0);
        QVERIFY2(output.contains(u"images/alpine-edge-amd64.raw.xz"_s), qPrintable(output));
    }

    // The block map: the ranges that hold data (short zero runs inside them), their bytes' and the
    // whole image's SHA-256; the sparse copy holds the same bytes with holes in the gaps.
    void mapsWhereADiskHoldsData()
    {
        const QByteArray disk = sparseDisk();
        QBuffer in;
        in.setData(disk);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QFile copy(path(u"copy.raw"_s));
        QVERIFY(copy.open(QIODevice::WriteOnly | QIODevice::Truncate));
        JobContext context;
        auto map = mapDiskImage(in, &copy, context);
        QVERIFY2(map, qPrintable(map.errorMessage()));
        copy.close();
        const qint64 third = (2 << 20) + 8192 + (512 << 10) + 4096 + (3 << 20);
        QCOMPARE(map->size, disk.size());
        QCOMPARE(map->ranges.size(), 3);
        QCOMPARE(map->ranges[0].offset, 0);
        QCOMPARE(map->ranges[0].length, 4096); // the MBR's block, then almost 2 MiB of zeros: a gap
        QCOMPARE(map->ranges[1].offset, 2 << 20);
        QCOMPARE(map->ranges[1].length, 8192 + (512 << 10) + 4096);
        QCOMPARE(map->ranges[2].offset, third);
        QCOMPARE(map->ranges[2].length, 5000);
        QByteArray data;
        for (const BlockRange &r : map->ranges)
            data += disk.mid(r.offset, r.length);
        QCOMPARE(QString::fromLatin1(map->dataSha256), sha256Of(data));
        QCOMPARE(QString::fromLatin1(map->imageSha256), sha256Of(disk));
        qint64 dataBytes = 0;
        for (const BlockRange &r : map->ranges)
            dataBytes += r.length;
        QCOMPARE(dataBytes, data.size());
        QCOMPARE(fileBytes(copy.fileName()), disk);
        QVERIFY2(allocatedBytes(copy.fileName()) < 2 << 20,
                 qPrintable(QString::number(allocatedBytes(copy.fileName()))));
        QCOMPARE(map->text(), QByteArray("# MetalDesk block map 1\nsize ") + QByteArray::number(disk.size()) +
                                  "\nimage-sha256 " + map->imageSha256 + "\ndata-sha256 " + map->dataSha256 +
                                  "\nrange 0 4096\nrange 2097152 536576\nrange " + QByteArray::number(third) +
                                  " 5000\n");

        // All zeros: no range at all.
        QBuffer zeros;
        zeros.setData(QByteArray(3 << 20, '\0'));
        QVERIFY(zeros.open(QIODevice::ReadOnly));
        auto empty = mapDiskImage(zeros, nullptr, context);
        QVERIFY(empty && empty->ranges.isEmpty() && empty->size == 3 << 20);
    }

    // A whole disk enters the catalogue with its map and, when compressed, its raw form beside it;
    // a file that does not decompress is refused and leaves nothing.
    void aWholeDiskEntersTheCatalogueWithItsBlockMap()
    {
        const QByteArray disk = sparseDisk();
        QVERIFY(writeFile(path(u"mapped.img"_s), disk));
        QVERIFY(run(u"xz"_s, {u"-kf"_s, u"-0"_s, path(u"mapped.img"_s)}) == 0);
        auto job = upload({described(u"debian/mapped"_s), path(u"mapped.img.xz"_s), {}}, admin_);
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        const BootImage &image = *job->result();
        QCOMPARE(image.location, u"images/debian-mapped-amd64.raw.xz"_s);
        const BootImageFile *raw = image.file(u"raw"_s);
        const BootImageFile *map = image.file(u"block-map"_s);
        QVERIFY(raw && map);
        QCOMPARE(raw->location, u"images/debian-mapped-amd64.raw"_s);
        QCOMPARE(raw->sha256, sha256Of(disk));
        QCOMPARE(raw->size, disk.size());
        QCOMPARE(fileBytes(bootRoot() + u'/' + raw->location), disk);
        QVERIFY(allocatedBytes(bootRoot() + u'/' + raw->location) < 2 << 20);
        QCOMPARE(map->location, u"images/debian-mapped-amd64.raw.bmap"_s);
        const QByteArray text = fileBytes(bootRoot() + u'/' + map->location);
        QCOMPARE(map->sha256, sha256Of(text));
        QVERIFY2(text.contains("\nrange 2097152 536576\n"), text.constData());
        auto stored = BootImageStore(core_->db).atLocation(image.location);
        QVERIFY(stored && stored->has_value());
        QVERIFY((*stored)->file(u"block-map"_s) && (*stored)->file(u"raw"_s));
        QVERIFY(leftovers().isEmpty());

        // Uncompressed: the map's ranges come from the image itself.
        auto plain = upload({described(u"debian/plain"_s), path(u"mapped.img"_s), {}}, admin_);
        QVERIFY2(plain->state() == JobState::Succeeded, qPrintable(plain->errorMessage()));
        QCOMPARE(plain->result()->file(u"raw"_s)->location, plain->result()->location);
        QCOMPARE(plain->result()->file(u"block-map"_s)->sha256, map->sha256);

        // A gzip header over bytes that do not decompress.
        QByteArray broken = fileBytes(path(u"bookworm.img.gz"_s)).left(4096);
        QVERIFY(writeFile(path(u"broken.img.gz"_s), broken));
        auto refused = upload({described(u"debian/broken"_s), path(u"broken.img.gz"_s), {}}, admin_);
        QCOMPARE(refused->state(), JobState::Failed);
        QVERIFY2(refused->errorMessage().contains(u"could not be decompressed"_s), qPrintable(refused->errorMessage()));
        QVERIFY(leftovers().isEmpty());
        QVERIFY(!QFile::exists(bootRoot() + u"/images/debian-broken-amd64.raw.gz"_s));
        QVERIFY(!QFile::exists(bootRoot() + u"/images/debian-broken-amd64.raw"_s));
    }
};

QTEST_MAIN(TestImageUpload)
#include "tst_imageupload.moc"
