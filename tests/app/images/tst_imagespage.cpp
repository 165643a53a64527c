// The Images page as an administrator uses it, against a simplestreams mirror in MAAS's layout,
// signed with a throwaway key and served by nginx at a limited rate: with no source it says what
// to do; Add source shows the key's fingerprint once a key file is given; Import now shows the
// file being fetched with a moving bar; Cancel leaves the catalogue as it was; a second Import now
// resumes and ends with the image verified in the catalogue. Screenshots in English and Korean.
#include "app/images/imagesourcedialog.h"
#include "app/images/imagespage.h"
#include "core/runtime/coreservices.h"
#include "guitest.h"
#include "skip.h"
#include "streamsmirror.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
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
        shoot(&page, u"images-importing"_s, suffix);
        // Cancel from the bar: nothing in the catalogue, the fetched part kept.
        QPushButton *cancel = nullptr;
        for (QPushButton *b : bar->parentWidget()->findChildren<QPushButton *>())
            if (b->isVisible() && b != import)
                cancel = b;
        QVERIFY(cancel);
        cancel->click();
        auto *result = child<QLabel>(&page, u"importResult"_s);
        // The page says how the import ended (the job's end arrives queued, after isFinished).
        QTRY_VERIFY_WITH_TIMEOUT(!page.isImporting() && !result->text().isEmpty(), 20000);
        QCOMPARE(child<QTableWidget>(&page, u"imageCatalogue"_s)->rowCount(), 0);

        import->click();
        QVERIFY(result->text().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!page.isImporting() && !result->text().isEmpty(), 60000);
        QVERIFY2(values.size() >= 3, qPrintable(QString::number(values.size())));
        auto *catalogue = child<QTableWidget>(&page, u"imageCatalogue"_s);
        QVERIFY2(catalogue->rowCount() == 1, qPrintable(result->text()));
        QVERIFY(catalogue->item(0, 0)->text().startsWith(u"ubuntu/noble"_s));
        QCOMPARE(catalogue->item(0, 2)->text(), u"20261201"_s);
        QVERIFY2(result->text().contains(u"ubuntu/noble"_s), qPrintable(result->text()));
        shoot(&page, u"images-imported"_s, suffix);
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
