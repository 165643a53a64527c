// Every page of the window, in English and in Korean, at 1280×720 and at 1920×1080, over a real
// database with machines in the statuses people meet (one failed, one deploying, one new): the
// window keeps the size it is given (no page's minimum pushes it larger), and in Korean no visible
// text holds an English sentence. Each page's screenshot is saved to be looked at.
#include "app/images/imagespage.h"
#include "app/machines/chassispage.h"
#include "app/machines/machinedetails.h"
#include "app/machines/machinespage.h"
#include "app/network/networkpage.h"
#include "app/network/servicespage.h"
#include "app/shell/mainwindow.h"
#include "app/users/userspage.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/users/userstore.h"
#include "machinesin.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTabBar>
#include <QTemporaryDir>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

// Names that stay as they are in a Korean window: products, protocols, MetalDesk's own; and a
// tool's own message inside a sentence of the boot environment (testing::machineIn's failure).
const QStringList kNames{u"MetalDesk"_s,
                         u"VMware vSphere"_s,
                         u"libvirt (virsh)"_s,
                         u"Wake-on-LAN"_s,
                         u"Debian"_s,
                         u"Ubuntu"_s,
                         u"MAAS"_s,
                         u"vCenter"_s,
                         u"ESXi"_s,
                         u"libvirt"_s,
                         u"No space left on device"_s};

// Two English words in a row: a phrase, or a sentence.
QStringList englishSentences(const QString &page, QString text)
{
    for (const QString &name : kNames)
        text.remove(name);
    static const QRegularExpression sentence(u"\\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,})+"_s);
    QStringList found;
    for (auto it = sentence.globalMatch(text); it.hasNext();)
        found << u"%1: \"%2\""_s.arg(page, it.next().captured());
    return found;
}

// What a person reads on the page as it is shown: labels, buttons, group titles, tabs, column
// headers and the cells of the visible rows.
QStringList visibleTexts(QWidget *page)
{
    QStringList texts;
    for (auto *label : page->findChildren<QLabel *>())
        if (label->isVisibleTo(page))
            texts << label->text();
    for (auto *button : page->findChildren<QAbstractButton *>())
        if (button->isVisibleTo(page))
            texts << button->text();
    for (auto *box : page->findChildren<QGroupBox *>())
        if (box->isVisibleTo(page))
            texts << box->title();
    for (auto *tabs : page->findChildren<QTabBar *>())
        for (int i = 0; tabs->isVisibleTo(page) && i < tabs->count(); ++i)
            texts << tabs->tabText(i);
    for (auto *view : page->findChildren<QAbstractItemView *>()) {
        if (!view->isVisibleTo(page) || !view->model())
            continue;
        QAbstractItemModel *model = view->model();
        for (int column = 0; column < model->columnCount(); ++column)
            texts << model->headerData(column, Qt::Horizontal).toString();
        for (int row = 0; row < qMin(model->rowCount(), 20); ++row)
            for (int column = 0; column < model->columnCount(); ++column)
                texts << model->index(row, column).data().toString();
    }
    return texts;
}

} // namespace

class TestEveryPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(guitest::setUpGuiTest(u"tst_everypage"_s, settingsDir_.path(), true)); }

    void init()
    {
        const QString fresh = guitest::startFresh(dir_, core_);
        QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY2(admin, qPrintable(admin.errorMessage()));
        admin_ = Actor{admin->id, admin->username, true};
        const QList<QPair<QString, NodeStatus>> machines{{u"amber-falcon"_s, NodeStatus::New},
                                                         {u"calm-heron"_s, NodeStatus::Ready},
                                                         {u"brisk-otter"_s, NodeStatus::Deploying},
                                                         {u"tidy-lemur"_s, NodeStatus::FailedDeployment},
                                                         {u"quiet-wren"_s, NodeStatus::Deployed}};
        for (const auto &[name, status] : machines) {
            NewMachine spec;
            spec.hostname = name;
            auto m = testing::machineIn(*core_, spec, status, admin_, admin_);
            QVERIFY2(m, qPrintable(m.errorMessage()));
            if (status == NodeStatus::FailedDeployment)
                failed_ = m->systemId;
        }
    }

    void cleanup() { core_.reset(); }

    void everyPageFitsAndReads_data()
    {
        QTest::addColumn<bool>("korean");
        QTest::addColumn<QSize>("size");
        for (bool korean : {false, true})
            for (QSize size : {QSize(1280, 720), QSize(1920, 1080)})
                QTest::addRow("%s-%dx%d", korean ? "ko" : "en", size.width(), size.height()) << korean << size;
    }

    void everyPageFitsAndReads()
    {
        QFETCH(bool, korean);
        QFETCH(QSize, size);
        QTranslator metaldesk, qt;
        const QFont original = QApplication::font();
        auto restore = qScopeGuard([&] {
            QCoreApplication::removeTranslator(&metaldesk);
            QCoreApplication::removeTranslator(&qt);
            QApplication::setFont(original);
            QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); // as guitest set it
        });
        if (korean) {
            QVERIFY(guitest::loadShippedKorean(metaldesk, qt));
            QCoreApplication::installTranslator(&metaldesk);
            QCoreApplication::installTranslator(&qt);
            QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
            QLocale::setDefault(QLocale::Korean); // as choosing Korean does: its dates and numbers
        }
        ServiceHost host;
        MainWindow window(*core_, host);
        window.setUser(admin_);
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString suffix = u"%1-%2x%3"_s.arg(korean ? u"ko"_s : u"en"_s).arg(size.width()).arg(size.height());
        const QList<QPair<QString, QWidget *>> pages{
            {u"machines"_s, window.machinesPage()}, {u"chassis"_s, window.chassisPage()},
            {u"images"_s, window.imagesPage()},     {u"network"_s, window.networkPage()},
            {u"services"_s, window.servicesPage()}, {u"users"_s, window.usersPage()}};
        QStringList english;
        auto look = [&](const QString &name, QWidget *page) {
            QCoreApplication::processEvents(); // layout requests are events
            QCOMPARE(window.size(), size);
            QVERIFY(window.grab().save(QStringLiteral(SCREENSHOT_DIR "/page-%1-%2.png").arg(name, suffix)));
            if (korean)
                for (const QString &text : visibleTexts(page))
                    english << englishSentences(name, text);
        };
        for (const auto &[name, page] : pages) {
            window.showPage(page);
            look(name, page);
        }
        // A failed machine's details, where the reason and the way forward are.
        window.openProblem(failed_);
        QTRY_VERIFY(window.machinesPage()->isShowingDetails());
        look(u"machine-failed"_s, window.machinesPage()->details());
        QVERIFY2(english.isEmpty(), qPrintable(english.join(u'\n')));
    }

private:
    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;
    QString failed_;
};

QTEST_MAIN(TestEveryPage)
#include "tst_everypage.moc"
