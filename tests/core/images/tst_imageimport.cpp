// Imports from a simplestreams mirror in MAAS's v3 layout, built at test time, clear-signed with a
// throwaway GPG key and served by nginx on loopback: a full import into the image store and the
// catalogue; the version before stays while a new one imports and after one fails; a transfer
// cut when nginx stops is resumed (nginx logs 206 for the Range request); a file corrupted in the
// store is fetched again, one corrupted on the mirror refused; a changed products file and a key
// that is not the source's refused; an unsigned source refused unless marked; an unreachable
// mirror fails within seconds. Whatever fails publishes nothing, also when `metaldesk images
// import` is killed with SIGKILL half-way; run again, it resumes and logs its progress.
#include "core/images/imageimport.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "skip.h"
#include "streamsmirror.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QLockFile>
#include <QProcess>
#include <QTcpServer>

#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <csignal>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestImageImport : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<testing::StreamsMirror> mirror_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;
    QThreadPool pool_;
    QList<testing::StreamsMirror::File> first_;  // version 20261201
    QList<testing::StreamsMirror::File> second_; // version 20261202

    QString store() const { return dir_.filePath(u"boot/images/sha256"_s); }

    ImageSource signedSource() const
    {
        ImageSource s;
        s.url = mirror_->url();
        s.keyring = fileBytes(mirror_->keyringPath());
        s.selections = {u"ubuntu/noble/amd64"_s};
        return s;
    }

    std::unique_ptr<ResultJob<ImportOutcome>> startImport(const ImageSource &source)
    {
        ImportSettings settings;
        settings.storeDir = store();
        auto job = makeImageImportJob(core_->db, {source}, settings, admin_);
        job->start(&pool_);
        return job;
    }

    // Runs an import to its end: its error, empty when it succeeded.
    QString import(const ImageSource &source)
    {
        auto job = startImport(source);
        if (!job->waitForFinished(120000))
            return u"the import did not end within 2 minutes"_s;
        return job->state() == JobState::Succeeded ? QString() : job->errorMessage();
    }

    std::optional<BootImage> catalogued()
    {
        auto all = BootImageStore(core_->db).list();
        if (!all)
            return std::nullopt;
        for (const BootImage &i : *all)
            if (i.name == u"ubuntu/noble"_s && !i.isPrevious())
                return i;
        return std::nullopt;
    }

    QStringList partFiles() const
    {
        QStringList parts;
        QDirIterator it(store(), {u"*.part"_s}, QDir::Files);
        while (it.hasNext())
            parts << it.next();
        return parts;
    }

private slots:
    void initTestCase()
    {
        QDir().mkpath(dir_.filePath(u"mirror-work"_s));
        mirror_ = std::make_unique<testing::StreamsMirror>(dir_.filePath(u"mirror-work"_s));
        first_ = mirror_->addVersion(u"noble"_s, u"24.04"_s, u"amd64"_s, u"20261201"_s, 3 << 20);
        QCOMPARE(first_.size(), 4);
        if (const QString why = mirror_->write(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"cannot build a signed mirror: "_s + why));
        if (const QString why = mirror_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"nginx does not serve the mirror: "_s + why));
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        admin_ = {admin->id, admin->username, true};
    }
    void cleanupTestCase()
    {
        core_.reset();
        mirror_.reset();
    }

    void anUnreachableMirrorFailsWithinSeconds()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 port = closed.serverPort();
        closed.close();
        ImageSource s = signedSource();
        s.url = u"http://127.0.0.1:%1/"_s.arg(port);
        QElapsedTimer clock;
        clock.start();
        const QString error = import(s);
        QVERIFY2(error.contains(u"cannot reach"_s), qPrintable(error));
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(!catalogued());
    }

    void anUnsignedSourceIsTakenOnlyWhenMarked()
    {
        ImageSource s = signedSource();
        s.keyring.clear();
        auto refused = ImageSourceStore(core_->db).save(admin_, s);
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"keyring"_s), qPrintable(refused.errorMessage()));
        // A signed source whose index is the plain one is not signed at all.
        ImageSource plain = signedSource();
        plain.indexPath = u"streams/v1/index.json"_s;
        const QString error = import(plain);
        QVERIFY2(error.contains(u"not signed"_s), qPrintable(error));
        QVERIFY(!catalogued());
        s.allowUnsigned = true;
        s.indexPath = u"streams/v1/index.json"_s;
        auto saved = ImageSourceStore(core_->db).save(admin_, s);
        QVERIFY2(saved, qPrintable(saved.errorMessage()));
        QVERIFY(ImageSourceStore(core_->db).remove(admin_, s.url));
        // A signed source keeps its keyring's fingerprints, read once when it was saved.
        QVERIFY(ImageSourceStore(core_->db).save(admin_, signedSource()));
        auto listed = ImageSourceStore(core_->db).list();
        QVERIFY(listed && listed->size() == 1);
        QCOMPARE(listed->first().fingerprints, QStringList{mirror_->fingerprint()});
        QVERIFY(ImageSourceStore(core_->db).remove(admin_, mirror_->url()));
    }

    void importsTheSelectedImages()
    {
        auto job = startImport(signedSource());
        QVERIFY(job->waitForFinished(60000));
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        auto image = catalogued();
        QVERIFY(image);
        QCOMPARE(image->architecture, u"amd64/ga-24.04"_s);
        QCOMPARE(image->version, u"20261201"_s);
        QCOMPARE(image->format, u"squashfs"_s);
        QCOMPARE(image->state, u"deployable"_s); // a squashfs with its kernel and initrd
        QCOMPARE(image->files.size(), 4);
        for (const testing::StreamsMirror::File &f : std::as_const(first_)) {
            const QString stored = store() + u'/' + QString::fromLatin1(f.sha256);
            QCOMPARE(QFileInfo(stored).size(), f.size);
            QCOMPARE(QCryptographicHash::hash(fileBytes(stored), QCryptographicHash::Sha256).toHex(), f.sha256);
        }
        QCOMPARE(job->result()->fetchedBytes, (3 << 20) + 2 * (64 << 10) + first_.at(3).size);
        QVERIFY(partFiles().isEmpty());
        // A generic machine runs the ga-24.04 kernel, as on MAAS.
        auto deployable = BootImageStore(core_->db).forDeployment(u"noble"_s, u"amd64/generic"_s, u"uefi"_s);
        QVERIFY(deployable);
        QVERIFY(deployable->has_value());
        QCOMPARE((*deployable)->location, image->location);
    }

    void aSecondImportFetchesNothing()
    {
        const qsizetype before = mirror_->accessLog().count("\n");
        auto job = startImport(signedSource());
        QVERIFY(job->waitForFinished(60000));
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        QCOMPARE(job->result()->fetchedBytes, 0);
        QCOMPARE(mirror_->accessLog().count("\n") - before, 2); // the index and the products file
    }

    void aCutTransferResumesAndTheOldVersionStaysMeanwhile()
    {
        second_ = mirror_->addVersion(u"noble"_s, u"24.04"_s, u"amd64"_s, u"20261202"_s, 24 << 20);
        QCOMPARE(mirror_->write(), QString());
        mirror_->stop();
        QCOMPARE(mirror_->start(4 << 20), QString()); // 4 MB/s: the squashfs takes seconds
        auto job = startImport(signedSource());
        QList<JobProgress> seen;
        QObject receiver; // its end drops what is still queued for it
        connect(job.get(), &Job::progressChanged, &receiver, [&seen](const JobProgress &p) { seen << p; });
        QElapsedTimer clock;
        clock.start();
        while (job->progress().done < (8 << 20) && !job->isFinished() && clock.elapsed() < 30000)
            QTest::qWait(50);
        QVERIFY2(!job->isFinished(), qPrintable(job->errorMessage()));
        QCOMPARE(catalogued()->version, u"20261201"_s); // still the one before, while the new one comes
        mirror_->stop();
        QVERIFY(job->waitForFinished(30000));
        QCOMPARE(job->state(), JobState::Failed);
        QVERIFY2(job->errorMessage().contains(u"127.0.0.1"_s), qPrintable(job->errorMessage()));
        QCOMPARE(catalogued()->version, u"20261201"_s);
        QVERIFY(!partFiles().isEmpty()); // what came is kept for the next attempt
        QVERIFY2(seen.size() >= 3, qPrintable(QString::number(seen.size())));
        QVERIFY(seen.last().total > 0);

        QCOMPARE(mirror_->start(), QString());
        QCOMPARE(import(signedSource()), QString());
        QCOMPARE(catalogued()->version, u"20261202"_s);
        QVERIFY(partFiles().isEmpty());
        // The version it replaced stays as the previous one, with its files, for Deploy to offer;
        // a deployment by name gets the new one.
        auto all = BootImageStore(core_->db).list();
        QVERIFY(all);
        QList<BootImage> previous;
        std::copy_if(all->cbegin(), all->cend(), std::back_inserter(previous),
                     [](const BootImage &i) { return i.name == u"ubuntu/noble"_s && i.isPrevious(); });
        QCOMPARE(previous.size(), 1);
        QCOMPARE(previous.first().version, u"20261201"_s);
        QVERIFY(previous.first().installable() && !previous.first().deployable());
        for (const BootImageFile &f : previous.first().files)
            QVERIFY2(QFile::exists(store() + u'/' + f.sha256), qPrintable(f.ftype));
        auto byName = BootImageStore(core_->db).forDeployment(u"noble"_s, u"amd64/generic"_s);
        QVERIFY(byName && byName->has_value());
        QCOMPARE((*byName)->version, u"20261202"_s);
        auto atPrevious = BootImageStore(core_->db).atLocation(previous.first().location);
        QVERIFY(atPrevious && atPrevious->has_value());
        QCOMPARE((*atPrevious)->version, u"20261201"_s);
        const QByteArray log = mirror_->accessLog();
        const QByteArray squashfs = second_.at(2).path.toLatin1();
        bool resumed = false;
        for (const QByteArray &line : log.split('\n'))
            resumed = resumed || (line.contains(squashfs) && line.contains("\" 206 \"bytes="));
        QVERIFY2(resumed, log.right(2000).constData());
    }

    // Two files at once, never more, each with its own progress (the Images page's rows): two
    // releases whose squashfs each take over a second from a throttled mirror (the limit is per
    // connection, so two connections fetch side by side).
    void filesComeTwoAtATimeEachWithItsProgress()
    {
        QSet<QByteArray> missing; // a file two products share, or the store holds, is not fetched again
        for (const QString &release : {u"jammy"_s, u"focal"_s}) {
            const auto files = mirror_->addVersion(release, release == u"jammy"_s ? u"22.04"_s : u"20.04"_s, u"amd64"_s,
                                                   u"20261201"_s, 3 << 20);
            QCOMPARE(files.size(), 4);
            for (const auto &f : files)
                if (!QFile::exists(store() + u'/' + QString::fromLatin1(f.sha256)))
                    missing.insert(f.sha256);
        }
        QCOMPARE(mirror_->write(), QString());
        mirror_->stop();
        QCOMPARE(mirror_->start(2 << 20), QString());
        ImageSource source = signedSource();
        source.selections = {u"ubuntu/jammy/amd64"_s, u"ubuntu/focal/amd64"_s};
        auto job = startImport(source);
        int mostAtOnce = 0;
        QElapsedTimer clock;
        clock.start();
        while (!job->isFinished() && clock.elapsed() < 60000) {
            int running = 0;
            for (const JobPart &part : job->progress().parts)
                running += part.state == JobPart::State::Running ? 1 : 0;
            mostAtOnce = qMax(mostAtOnce, running);
            QTest::qWait(20);
        }
        QVERIFY(job->waitForFinished(1000));
        QVERIFY2(job->state() == JobState::Succeeded, qPrintable(job->errorMessage()));
        QCOMPARE(mostAtOnce, 2);
        const JobProgress done = job->progress();
        QCOMPARE(done.parts.size(), missing.size());
        for (const JobPart &part : done.parts) {
            QCOMPARE(part.state, JobPart::State::Done);
            QCOMPARE(part.done, part.total);
        }
        QCOMPARE(done.done, done.total);
        QVERIFY(std::any_of(done.parts.cbegin(), done.parts.cend(), [](const JobPart &p) {
            return p.name.startsWith(u"ubuntu/focal"_s) && p.name.endsWith(u"squashfs"_s);
        }));
        mirror_->stop();
        QCOMPARE(mirror_->start(), QString());
    }

    // The previous version: one, of other files than the current one, and not lost to two
    // sources publishing the same image at once.
    void publishingKeepsOnePreviousVersion()
    {
        BootImageStore store(core_->db);
        auto version = [](const QString &name, const QString &location) {
            BootImage i;
            i.name = u"debian/trixie"_s;
            i.architecture = u"amd64/generic"_s;
            i.firmware = {u"bios"_s, u"uefi"_s};
            i.format = u"squashfs"_s;
            i.version = name;
            i.location = location;
            return i;
        };
        auto rows = [&] {
            QStringList seen; // "version state", current first
            const auto all = store.list();
            for (const BootImage &i : *all)
                if (i.name == u"debian/trixie"_s)
                    seen << i.version + u' ' + i.state;
            return seen;
        };
        QVERIFY(store.publish(admin_, {version(u"1"_s, u"images/sha256/a"_s)}));
        QVERIFY(store.publish(admin_, {version(u"2"_s, u"images/sha256/b"_s)}));
        QCOMPARE(rows(), (QStringList{u"2 deployable"_s, u"1 previous"_s}));
        // Only the kernel changed: the same root file, so version 1 stays the one to go back to.
        QVERIFY(store.publish(admin_, {version(u"3"_s, u"images/sha256/b"_s)}));
        QCOMPARE(rows(), (QStringList{u"3 deployable"_s, u"1 previous"_s}));
        QVERIFY(store.publish(admin_, {version(u"4"_s, u"images/sha256/c"_s), version(u"4"_s, u"images/sha256/d"_s)}));
        QCOMPARE(rows(), (QStringList{u"4 deployable"_s, u"3 previous"_s}));
        QCOMPARE(store.forDeployment(u"trixie"_s, u"amd64/generic"_s)->value().location, u"images/sha256/d"_s);
        QVERIFY(store.remove(admin_, u"debian/trixie"_s, u"amd64/generic"_s));
        QVERIFY(rows().isEmpty());
    }

    void theCommandLineImportsAndAKillPublishesNothing()
    {
        // Its own database and boot root: the command line as a user runs it.
        const QString db = dir_.filePath(u"cli.db"_s);
        const QString bootRoot = dir_.filePath(u"cli-boot"_s);
        auto metaldesk = [&](const QStringList &args) {
            QProcess p;
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(QStringLiteral(METALDESK_BINARY), args + QStringList{u"--database"_s, db});
            return p.waitForFinished(60000) && p.exitCode() == 0 ? QString() : QString::fromLocal8Bit(p.readAll());
        };
        QCOMPARE(metaldesk({u"set-config"_s, u"boot_root"_s, bootRoot}), QString());
        QCOMPARE(metaldesk({u"images"_s, u"source-add"_s, mirror_->url(), u"--keyring"_s, mirror_->keyringPath(),
                            u"--select"_s, u"ubuntu/noble/*"_s}),
                 QString());
        mirror_->stop();
        QCOMPARE(mirror_->start(2 << 20), QString()); // 2 MB/s: the 24 MiB squashfs takes seconds
        QProcess import;
        import.setProcessChannelMode(QProcess::MergedChannels);
        import.start(QStringLiteral(METALDESK_BINARY), {u"images"_s, u"import"_s, u"--database"_s, db});
        const QString parts = bootRoot + u"/images/sha256"_s;
        auto partSize = [&] {
            qint64 size = 0;
            QDirIterator it(parts, {u"*.part"_s}, QDir::Files);
            while (it.hasNext())
                size += QFileInfo(it.next()).size();
            return size;
        };
        QTRY_VERIFY_WITH_TIMEOUT(partSize() > (4 << 20), 30000);
        ::kill(pid_t(import.processId()), SIGKILL);
        QVERIFY(import.waitForFinished(5000));
        {
            auto core = CoreServices::open(DatabaseSpec::sqlite(db));
            QVERIFY2(core, qPrintable(core.errorMessage()));
            QVERIFY((*core)->db->connection());
            auto images = BootImageStore((*core)->db).list();
            QVERIFY(images);
            QVERIFY(images->isEmpty()); // nothing half-published
        }
        mirror_->stop();
        QCOMPARE(mirror_->start(), QString());
        QProcess again;
        again.setProcessChannelMode(QProcess::MergedChannels);
        again.start(QStringLiteral(METALDESK_BINARY), {u"images"_s, u"import"_s, u"--database"_s, db});
        QVERIFY(again.waitForFinished(60000));
        const QString said = QString::fromLocal8Bit(again.readAll());
        QVERIFY2(again.exitCode() == 0, qPrintable(said));
        QVERIFY2(said.contains(u"ubuntu/noble amd64/ga-24.04 version 20261202"_s), qPrintable(said));
        QVERIFY2(said.contains(u"Import images: done"_s), qPrintable(said));
        QCOMPARE(partSize(), 0);
    }

    void oneImportAtATimePerStore()
    {
        QLockFile other(store() + u"/.import.lock"_s);
        QVERIFY(other.tryLock(0));
        const QString error = import(signedSource());
        QVERIFY2(error.contains(u"another import"_s), qPrintable(error));
        other.unlock();
        QCOMPARE(import(signedSource()), QString());
    }

    void aFileCorruptedInTheStoreIsFetchedAgain()
    {
        const testing::StreamsMirror::File kernel = second_.at(0);
        const QString stored = store() + u'/' + QString::fromLatin1(kernel.sha256);
        QFile f(stored);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(100);
        f.write("garbage");
        f.close();
        const qsizetype before = mirror_->accessLog().count(kernel.path.toLatin1());
        QCOMPARE(import(signedSource()), QString());
        QCOMPARE(mirror_->accessLog().count(kernel.path.toLatin1()), before + 1);
        QCOMPARE(QCryptographicHash::hash(fileBytes(stored), QCryptographicHash::Sha256).toHex(), kernel.sha256);
    }

    void aFileCorruptedOnTheMirrorIsRefused()
    {
        const testing::StreamsMirror::File initrd = second_.at(1);
        QCOMPARE(mirror_->corruptFile(initrd.path), QString());
        QFile::remove(store() + u'/' + QString::fromLatin1(initrd.sha256));
        const QString error = import(signedSource());
        QVERIFY2(error.contains(u"SHA-256"_s), qPrintable(error));
        QVERIFY(partFiles().isEmpty()); // removed: nothing half-verified stays
        QVERIFY(!QFile::exists(store() + u'/' + QString::fromLatin1(initrd.sha256)));
        QCOMPARE(catalogued()->version, u"20261202"_s);
    }

    void aChangedProductsFileIsRefused()
    {
        QCOMPARE(mirror_->tamperProducts(), QString());
        const QString error = import(signedSource());
        QVERIFY2(error.contains(u"signature does not match"_s), qPrintable(error));
        QCOMPARE(catalogued()->version, u"20261202"_s);
    }

    void aKeyOutsideTheKeyringIsRefused()
    {
        QCOMPARE(mirror_->resignProductsWithOtherKey(), QString());
        const QString error = import(signedSource());
        // Names the key that signed, and the one the source expects.
        QVERIFY2(error.contains(mirror_->fingerprint()), qPrintable(error));
        QVERIFY2(error.contains(u"not in the source's keyring"_s), qPrintable(error));
        QCOMPARE(catalogued()->version, u"20261202"_s);
    }
};

QTEST_GUILESS_MAIN(TestImageImport)
#include "tst_imageimport.moc"
