// The Images page as an administrator uses it, against a simplestreams mirror in MAAS's layout,
// signed with a throwaway key and served by nginx at a limited rate: with no source it says what
// to do; Add source shows the key's fingerprint once a key file is given; Import now shows the
// file being fetched with a moving bar; Cancel leaves the catalogue as it was and throws away what
// was half-fetched; Pause keeps it, and Resume import goes on with HTTP ranges and ends with the
// image in the catalogue; Add image refuses an ISO with the reason and adds a gzipped raw disk.
// Screenshots in English and Korean.
#include "app/images/imagesourcedialog.h"
#include "app/images/imagespage.h"
#include "app/images/imageuploaddialog.h"
#include "core/images/bootimagestore.h"
#include "core/images/signedcontent.h"
#include "core/machines/nodesettings.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "guitest.h"
#include "machinesin.h"
#include "skip.h"
#include "streamsmirror.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QTableWidget>
#include <QTest>
#include <QTimer>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestImagesPage : public QObject {
    Q_OBJECT

    QTemporaryDir settingsDir_;
    QTemporaryDir mirrorDir_;
    std::unique_ptr<testing::StreamsMirror> mirror_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    const Actor admin_{1, u"admin"_s, true};

    template <typename T>
    static T *child(QWidget *w, const QString &name)
    {
        T *found = w->findChild<T *>(name);
        if (!found)
            qFatal("no %s", qPrintable(name));
        return found;
    }
    static void shoot(QWidget *w, const QString &name, const QString &suffix)
    {
        QTest::qWait(50); // the layout of a label that just got its text
        QVERIFY(w->grab().save(u"%1/%2-%3.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), name, suffix)));
    }

    void walk(const QString &suffix)
    {
        ImagesPage page(*core_, dir_->filePath(u"boot"_s));
        page.setUser(admin_);
        page.resize(1100, 650);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(child<QLabel>(&page, u"noImageSource"_s)->isVisible());
        QVERIFY(!child<QPushButton>(&page, u"importImages"_s)->isEnabled());
        shoot(&page, u"images-empty"_s, suffix);

        // The dialog, driven while it is open (exec blocks); closed whatever happens.
        bool dialogSeen = false;
        std::function<void()> drive = [&] {
            auto *dialog = qobject_cast<ImageSourceDialog *>(QApplication::activeModalWidget());
            if (!dialog) {
                QTimer::singleShot(20, this, drive);
                return;
            }
            dialogSeen = true;
            auto closeAnyway = qScopeGuard([dialog] {
                if (dialog->isVisible())
                    dialog->reject();
            });
            auto *info = child<QLabel>(dialog, u"sourceKeyInfo"_s);
            // MAAS's mirror, no key: the fingerprint to look for, and no way on without a key.
            QTRY_VERIFY(info->text().contains(u"4A3C\u00a0E3CD"_s)); // one unbreakable fingerprint
            auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
            QTRY_VERIFY(!ok->isEnabled());
            shoot(dialog, u"image-source-maas"_s, suffix);
            child<QLineEdit>(dialog, u"sourceUrl"_s)->setText(mirror_->url());
            child<QLineEdit>(dialog, u"sourceKeyFile"_s)->setText(mirror_->keyringPath());
            QTRY_VERIFY(info->text().contains(mirror_->fingerprint().left(4)));
            QTRY_VERIFY(ok->isEnabled());
            shoot(dialog, u"image-source-key"_s, suffix);
            ok->click();
        };
        QTimer::singleShot(0, this, drive);
        page.addSource();
        QVERIFY(dialogSeen);
        auto *sources = child<QTableWidget>(&page, u"imageSources"_s);
        QCOMPARE(sources->rowCount(), 1);
        QCOMPARE(sources->item(0, 0)->text(), mirror_->url());
        QVERIFY(!child<QLabel>(&page, u"noImageSource"_s)->isVisible());

        auto *import = child<QPushButton>(&page, u"importImages"_s);
        QVERIFY(import->isEnabled());
        auto *bar = page.findChild<QProgressBar *>();
        QVERIFY(bar);
        QSet<int> values;
        connect(bar, &QProgressBar::valueChanged, this, [&values](int v) { values.insert(v); });
        import->click();
        QTRY_VERIFY_WITH_TIMEOUT(bar->value() > 10, 20000);
        // Each file with its own row and bar: the squashfs still coming, the small ones verified.
        auto *files = child<QTableWidget>(&page, u"importFiles"_s);
        QTRY_VERIFY(files->isVisible() && files->rowCount() == 4);
        auto rowOf = [files](const QString &end) {
            for (int row = 0; row < files->rowCount(); ++row)
                if (files->item(row, 0) && files->item(row, 0)->text().endsWith(end))
                    return row;
            return -1;
        };
        const int squashfsRow = rowOf(u": squashfs"_s), kernelRow = rowOf(u": boot-kernel"_s);
        QVERIFY(squashfsRow >= 0 && kernelRow >= 0);
        QTRY_VERIFY(files->item(kernelRow, 5)->text().startsWith(u'✓'));
        auto *squashfsBar = qobject_cast<QProgressBar *>(files->cellWidget(squashfsRow, 2));
        QVERIFY(squashfsBar);
        QTRY_VERIFY(squashfsBar->value() > 0 && squashfsBar->value() < 1000);
        QTRY_VERIFY(!files->item(squashfsRow, 3)->text().isEmpty()); // its speed
        shoot(&page, u"images-importing"_s, suffix);
        // Cancel from the bar: nothing in the catalogue, and what was half-fetched is thrown away.
        const QDir store(dir_->filePath(u"boot/images/sha256"_s));
        const QStringList parts{u"*.part"_s};
        QPushButton *cancel = nullptr;
        for (QPushButton *b : bar->parentWidget()->findChildren<QPushButton *>())
            if (b->isVisible() && b != import)
                cancel = b;
        QVERIFY(cancel);
        QTRY_VERIFY_WITH_TIMEOUT(!store.entryList(parts, QDir::Files).isEmpty(), 20000);
        cancel->click();
        auto *result = child<QLabel>(&page, u"importResult"_s);
        // The page says how the import ended (the job's end arrives queued, after isFinished).
        QTRY_VERIFY_WITH_TIMEOUT(!page.isImporting() && !result->text().isEmpty(), 20000);
        QCOMPARE(child<QTableWidget>(&page, u"imageCatalogue"_s)->rowCount(), 0);
        QVERIFY2(store.entryList(parts, QDir::Files).isEmpty(), qPrintable(result->text()));

        // Pause: stopped with the part kept; Resume fetches only the rest (nginx logs a 206).
        const qsizetype rangesBefore = mirror_->accessLog().count(" 206 ");
        auto *pause = child<QPushButton>(&page, u"pauseImport"_s);
        QVERIFY(!pause->isVisible());
        import->click();
        QVERIFY(result->text().isEmpty());
        QVERIFY(pause->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(bar->value() > 20, 20000);
        pause->click();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isImporting() && !result->text().isEmpty(), 20000);
        QVERIFY(!pause->isVisible());
        QCOMPARE(child<QTableWidget>(&page, u"imageCatalogue"_s)->rowCount(), 0);
        QVERIFY2(!store.entryList(parts, QDir::Files).isEmpty(), qPrintable(result->text()));
        QVERIFY(import->isEnabled());
        // The paused file's row keeps what it has: that is where Resume goes on from.
        const int pausedRow = rowOf(u": squashfs"_s);
        QVERIFY(pausedRow >= 0);
        QVERIFY(qobject_cast<QProgressBar *>(files->cellWidget(pausedRow, 2))->value() > 0);
        shoot(&page, u"images-paused"_s, suffix);

        import->click(); // Resume import
        QVERIFY(result->text().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!page.isImporting() && !result->text().isEmpty(), 60000);
        QVERIFY2(mirror_->accessLog().count(" 206 ") > rangesBefore, mirror_->accessLog().right(600).constData());
        QVERIFY2(values.size() >= 3, qPrintable(QString::number(values.size())));
        for (int row = 0; row < files->rowCount(); ++row)
            QVERIFY2(files->item(row, 5)->text().startsWith(u'✓'), qPrintable(files->item(row, 5)->text()));
        auto *catalogue = child<QTableWidget>(&page, u"imageCatalogue"_s);
        QVERIFY2(catalogue->rowCount() == 1, qPrintable(result->text()));
        QVERIFY(catalogue->item(0, 0)->text().startsWith(u"ubuntu/noble"_s));
        QCOMPARE(catalogue->item(0, 2)->text(), u"20261201"_s);
        QVERIFY2(result->text().contains(u"ubuntu/noble"_s), qPrintable(result->text()));
        // What was checked: the signature, by the mirror's key, and every file's SHA-256.
        QVERIFY2(result->text().contains(u"✓ "_s + spacedFingerprint(mirror_->fingerprint())),
                 qPrintable(result->text()));
        QCOMPARE(result->text().count(u'✓'), 2);
        QCOMPARE(catalogue->item(0, 7)->text(), u"—"_s);
        // Which machines use it: those deployed with it, by name, more than three summed up.
        auto listed = BootImageStore(core_->db).list();
        QVERIFY(listed && listed->size() == 1);
        const QString nobleAt = listed->first().location;
        auto owner = UserStore(core_->db, 1000).createUser(u"ops"_s, {}, u"a long password"_s, true);
        QVERIFY2(owner, qPrintable(owner.errorMessage()));
        const Actor ops{owner->id, owner->username, true};
        for (const QString &name : {u"kind-sparrow"_s, u"bold-otter"_s, u"calm-heron"_s, u"dry-finch"_s}) {
            NewMachine spec;
            spec.hostname = name;
            auto m = testing::machineIn(*core_, spec, NodeStatus::Deployed, ops, ops);
            QVERIFY2(m, qPrintable(m.errorMessage()));
            DeploySettings deploy;
            deploy.imageUrl = nobleAt;
            deploy.image = u"ubuntu/noble"_s;
            QVERIFY(NodeSettingsStore(core_->db).setDeploySettings(m->systemId, deploy));
        }
        page.refresh();
        const QTableWidgetItem *usedBy = catalogue->item(0, 7);
        QVERIFY2(usedBy->text().startsWith(u"bold-otter, calm-heron"_s) && usedBy->text().contains(u'2'),
                 qPrintable(usedBy->text()));
        QCOMPARE(usedBy->toolTip(), u"bold-otter\ncalm-heron\ndry-finch\nkind-sparrow"_s);
        shoot(&page, u"images-imported"_s, suffix);

        // Add image: an ISO is refused beside the file with the reason; a gzipped raw disk goes in
        // with the progress bar and is deployable.
        QByteArray iso(0x9000, '\0');
        iso.replace(0x8001, 5, "CD001");
        QByteArray disk(4 << 20, '\0');
        disk[510] = char(0x55);
        disk[511] = char(0xaa);
        const QString isoPath = dir_->filePath(u"debian-12.iso"_s), diskPath = dir_->filePath(u"tools.img"_s);
        for (const auto &[path, bytes] : {std::pair{isoPath, iso}, std::pair{diskPath, disk}}) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size());
        }
        QProcess gzip;
        gzip.start(u"gzip"_s, {u"-f"_s, diskPath});
        QVERIFY(gzip.waitForFinished() && gzip.exitCode() == 0);
        bool uploadSeen = false;
        std::function<void()> fill = [&] {
            auto *dialog = qobject_cast<ImageUploadDialog *>(QApplication::activeModalWidget());
            if (!dialog) {
                QTimer::singleShot(20, this, fill);
                return;
            }
            uploadSeen = true;
            auto closeAnyway = qScopeGuard([dialog] {
                if (dialog->isVisible())
                    dialog->reject();
            });
            auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
            child<QLineEdit>(dialog, u"uploadFile"_s)->setText(isoPath);
            child<QLineEdit>(dialog, u"uploadName"_s)->setText(u"debian/bookworm"_s);
            child<QLineEdit>(dialog, u"uploadTitle"_s)->setText(u"Debian 12 with our tools"_s);
            auto *info = child<QLabel>(dialog, u"uploadFileInfo"_s);
            QVERIFY2(info->text().contains(u"ISO"_s), qPrintable(info->text()));
            QVERIFY(!ok->isEnabled());
            shoot(dialog, u"image-upload-iso"_s, suffix);
            child<QLineEdit>(dialog, u"uploadFile"_s)->setText(diskPath + u".gz"_s);
            QVERIFY2(info->text().contains(u"raw.gz"_s), qPrintable(info->text()));
            QVERIFY(ok->isEnabled());
            shoot(dialog, u"image-upload"_s, suffix);
            ok->click();
        };
        QTimer::singleShot(0, this, fill);
        auto *addImage = child<QPushButton>(&page, u"addImage"_s);
        QVERIFY(addImage->isVisible() && addImage->isEnabled());
        addImage->click();
        QVERIFY(uploadSeen);
        QTRY_VERIFY_WITH_TIMEOUT(!page.isUploading() && !result->text().isEmpty(), 20000);
        QVERIFY2(catalogue->rowCount() == 2, qPrintable(result->text()));
        QVERIFY2(result->text().contains(u"debian/bookworm"_s), qPrintable(result->text()));
        QVERIFY(catalogue->item(0, 0)->text().startsWith(u"debian/bookworm"_s));
        QCOMPARE(catalogue->item(0, 3)->text(), u"raw.gz"_s);
        QVERIFY2(catalogue->item(0, 8)->text().contains(u"admin"_s), qPrintable(catalogue->item(0, 8)->text()));
        QCOMPARE(catalogue->item(0, 4)->text(), u"BIOS, UEFI"_s);
        shoot(&page, u"images-uploaded"_s, suffix);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(guitest::setUpGuiTest(u"tst_imagespage"_s, settingsDir_.path(), false));
        mirror_ = std::make_unique<testing::StreamsMirror>(mirrorDir_.path());
        QCOMPARE(mirror_->addVersion(u"noble"_s, u"24.04"_s, u"amd64"_s, u"20261201"_s, 12 << 20).size(), 4);
        if (const QString why = mirror_->write(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"cannot build a signed mirror: "_s + why));
        // 3 MB/s: the import takes a few seconds, long enough to watch and cancel.
        if (const QString why = mirror_->start(3 << 20); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"nginx does not serve the mirror: "_s + why));
    }
    void init()
    {
        const QString fresh = guitest::startFresh(dir_, core_);
        QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    }
    void cleanup()
    {
        core_.reset();
        dir_.reset();
    }
    void cleanupTestCase() { mirror_.reset(); }

    void importsWithProgress() { walk(u"en"_s); }

    void speaksKorean()
    {
        QTranslator korean, koreanQt;
        QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
        QCoreApplication::installTranslator(&korean);
        QCoreApplication::installTranslator(&koreanQt);
        walk(u"ko"_s);
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
    }
};

QTEST_MAIN(TestImagesPage)
#include "tst_imagespage.moc"
