// Every dialog with the keyboard alone, as a new user tries it (GUI review, keyboard): it opens
// with a field focused (typing goes somewhere, and Return does not press the default button
// unseen), Tab reaches every field before the dialog's own buttons and comes back round, Shift+Tab
// walks back, and Escape closes it without doing anything.
#include "app/images/imagesourcedialog.h"
#include "app/images/imageuploaddialog.h"
#include "app/machines/actiondialog.h"
#include "app/machines/addchassiswizard.h"
#include "app/machines/addmachinedialog.h"
#include "app/machines/placementdialog.h"
#include "app/shell/signindialog.h"
#include "app/users/userspage.h"
#include "core/machines/labelstore.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "machinesin.h"

#include <QAbstractButton>
#include <QDialogButtonBox>
#include <QWizard>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestKeyboard : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void walksEveryDialog_data();
    void walksEveryDialog();

private:
    std::unique_ptr<QDialog> make(const QString &which);

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<LabelStore> labels_;
    Actor admin_;
};

void TestKeyboard::initTestCase() { QVERIFY(guitest::setUpGuiTest(u"tst_keyboard"_s, settingsDir_.path(), true)); }

void TestKeyboard::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
    QVERIFY2(admin, qPrintable(admin.errorMessage()));
    admin_ = Actor{admin->id, admin->username, true};
    labels_ = std::make_unique<LabelStore>(core_->db, core_->feed.get());
}

void TestKeyboard::cleanup()
{
    labels_.reset();
    core_.reset();
    dir_.reset();
}

std::unique_ptr<QDialog> TestKeyboard::make(const QString &which)
{
    auto machine = [this](NodeStatus status) {
        NewMachine spec;
        spec.hostname = u"tidy-lemur"_s;
        spec.macAddresses = {u"52:54:00:12:34:56"_s};
        auto m = testing::machineIn(*core_, spec, status, admin_, admin_);
        return m ? QList<Machine>{*m} : QList<Machine>{};
    };
    if (which == u"add machine"_s)
        return std::make_unique<AddMachineDialog>(*core_, admin_);
    if (which == u"add chassis"_s)
        return std::make_unique<AddChassisWizard>(*core_, admin_);
    if (which == u"commission"_s)
        return std::make_unique<ActionDialog>(NodeAction::Commission, machine(NodeStatus::Ready), admin_);
    if (which == u"deploy"_s) {
        ActionDialog::Defaults defaults;
        BootImage image;
        image.name = u"debian/bookworm"_s;
        image.title = u"Debian 12 (bookworm)"_s;
        image.architecture = u"amd64/generic"_s;
        image.firmware = {u"bios"_s, u"uefi"_s};
        defaults.images = {image};
        return std::make_unique<ActionDialog>(NodeAction::Deploy, machine(NodeStatus::Ready), admin_, defaults);
    }
    if (which == u"release"_s)
        return std::make_unique<ActionDialog>(NodeAction::Release, machine(NodeStatus::Deployed), admin_);
    if (which == u"placement"_s) {
        const QList<Machine> m = machine(NodeStatus::Ready);
        return m.isEmpty() ? nullptr : std::make_unique<PlacementDialog>(*labels_, admin_, m.first());
    }
    if (which == u"add user"_s)
        return std::make_unique<AddUserDialog>(*core_->users, admin_);
    if (which == u"sign in"_s)
        return std::make_unique<SignInDialog>(*core_->users);
    if (which == u"image source"_s)
        return std::make_unique<ImageSourceDialog>();
    if (which == u"image upload"_s)
        return std::make_unique<ImageUploadDialog>();
    return nullptr;
}

void TestKeyboard::walksEveryDialog_data()
{
    QTest::addColumn<QString>("which");
    for (const char *name : {"add machine", "add chassis", "commission", "deploy", "release", "placement", "add user",
                             "sign in", "image source", "image upload"})
        QTest::newRow(name) << QString::fromLatin1(name);
}

void TestKeyboard::walksEveryDialog()
{
    QFETCH(QString, which);
    std::unique_ptr<QDialog> dialog = make(which);
    QVERIFY2(dialog, "the dialog could not be made");
    dialog->show();
    QVERIFY(QTest::qWaitForWindowExposed(dialog.get()));
    dialog->activateWindow();
    QTRY_VERIFY(dialog->isActiveWindow());

    // The dialog's own buttons: its button box, or a wizard's Back, Next, Finish and Cancel.
    QList<QWidget *> dialogButtons;
    for (QDialogButtonBox *box : dialog->findChildren<QDialogButtonBox *>())
        for (QAbstractButton *b : box->buttons())
            dialogButtons << b;
    if (auto *wizard = qobject_cast<QWizard *>(dialog.get()))
        for (auto which : {QWizard::BackButton, QWizard::NextButton, QWizard::FinishButton, QWizard::CancelButton})
            dialogButtons << wizard->button(which);

    QWidget *first = QApplication::focusWidget();
    QVERIFY2(first && dialog->isAncestorOf(first), "nothing has the focus: typing goes nowhere");
    QVERIFY2(!dialogButtons.contains(first),
             qPrintable(u"opens with a button focused ("_s + first->objectName() + u"): Return would press it"_s));

    // Tab round the dialog: every field is reached, each before the dialog's buttons.
    QList<QWidget *> visited{first};
    for (int press = 0; press < 60; ++press) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QWidget *now = QApplication::focusWidget();
        QVERIFY2(now && dialog->isAncestorOf(now), "Tab left the dialog");
        if (now == first)
            break;
        visited << now;
    }
    QVERIFY2(QApplication::focusWidget() == first, "Tab does not come back round");
    qsizetype firstButton = visited.size();
    for (qsizetype i = 0; i < visited.size(); ++i)
        if (dialogButtons.contains(visited.at(i))) {
            firstButton = i;
            break;
        }
    for (qsizetype i = firstButton; i < visited.size(); ++i)
        QVERIFY2(dialogButtons.contains(visited.at(i)),
                 qPrintable(u"Tab reaches "_s + QString::fromLatin1(visited.at(i)->metaObject()->className()) + u" "_s +
                            visited.at(i)->objectName() + u" only after the dialog's buttons"_s));
    // Every field a person can use is in the walk.
    for (QWidget *w : dialog->findChildren<QWidget *>())
        if (w->isVisibleTo(dialog.get()) && w->isEnabled() && (w->focusPolicy() & Qt::TabFocus) && !w->focusProxy() &&
            !qobject_cast<QAbstractButton *>(w) && w->inherits("QLineEdit"))
            QVERIFY2(visited.contains(w), qPrintable(u"Tab never reaches "_s + w->objectName()));

    // Shift+Tab walks back.
    if (visited.size() > 1) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), visited.at(1));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Backtab);
        QCOMPARE(QApplication::focusWidget(), first);
    }

    // Escape closes it, having done nothing.
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    QTRY_VERIFY(!dialog->isVisible());
    QCOMPARE(dialog->result(), int(QDialog::Rejected));
}

QTEST_MAIN(TestKeyboard)
#include "tst_keyboard.moc"
