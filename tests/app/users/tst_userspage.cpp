// The Users page, offscreen, over a real database: an administrator adds users (refused with the
// reason when the name or passwords are wrong), creates an API key that is shown whole once and
// copied, and that a MAAS client can then use; revoking it stops it at once. A plain user sees
// only their own account. Screenshots in English and Korean.
#include "app/shell/mainwindow.h"
#include "app/users/userspage.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "core/users/userstore.h"

#include <QCheckBox>
#include <QClipboard>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <functional>

#include "guitest.h"

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestUsersPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void anAdministratorAddsUsers();
    void createsAKeyShownOnceThatAClientCanUseAndRevokes();
    void aPlainUserSeesOnlyTheirOwnAccount();
    void speaksKoreanWithTheShippedTranslation();

private:
    void showWindow(const QString &username);
    // Runs `work` on the next modal dialog (the page's dialogs are modal) once it is shown.
    void onNextDialog(const std::function<void(QDialog *)> &work, const QString &objectName = {});
    QStringList column(const char *table, int column) const;
    QPushButton *button(const char *name) const;

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    ServiceHost host_;
    std::unique_ptr<MainWindow> window_;
    QHash<QString, User> users_;
    bool dialogSeen_ = false;
};

void TestUsersPage::initTestCase() { QVERIFY(guitest::setUpGuiTest(u"tst_userspage"_s, settingsDir_.path(), true)); }

void TestUsersPage::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    UserStore users(core_->db, 1000);
    for (const auto &[name, admin] : {std::pair{"admin", true}, {"alice", false}}) {
        auto user = users.createUser(QLatin1String(name), QLatin1String(name) + u"@example.org"_s, u"pw"_s, admin);
        QVERIFY2(user, qPrintable(user.errorMessage()));
        users_.insert(user->username, *user);
    }
}

void TestUsersPage::cleanup()
{
    window_.reset();
    core_.reset();
    dir_.reset();
    users_.clear();
}

void TestUsersPage::showWindow(const QString &username)
{
    window_ = std::make_unique<MainWindow>(*core_, host_);
    const User &u = users_[username];
    window_->setUser(Actor{u.id, u.username, u.isAdmin});
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    window_->showPage(window_->usersPage());
    QVERIFY(window_->usersPage()->isVisible());
}

void TestUsersPage::onNextDialog(const std::function<void(QDialog *)> &work, const QString &objectName)
{
    dialogSeen_ = false;
    // Polls: the dialog opens once the click's handler has run, inside the dialog's own loop.
    auto *poll = new QTimer(this);
    poll->setInterval(10);
    connect(poll, &QTimer::timeout, this, [this, poll, work, objectName] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog || !dialog->isVisible() || (!objectName.isEmpty() && dialog->objectName() != objectName))
            return;
        poll->deleteLater();
        poll->stop();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        dialogSeen_ = true;
        work(dialog);
        if (dialog->isVisible())
            dialog->reject(); // a failed check left it open
    });
    poll->start();
}

QStringList TestUsersPage::column(const char *table, int column) const
{
    QStringList texts;
    auto *t = window_->findChild<QTableWidget *>(QLatin1String(table));
    for (int row = 0; t && row < t->rowCount(); ++row)
        texts << t->item(row, column)->text();
    return texts;
}

QPushButton *TestUsersPage::button(const char *name) const
{
    return window_->findChild<QPushButton *>(QLatin1String(name));
}

void TestUsersPage::anAdministratorAddsUsers()
{
    showWindow(u"admin"_s);
    QCOMPARE(column("userTable", 0), QStringList({u"admin"_s, u"alice"_s}));
    QCOMPARE(column("userTable", 2), QStringList({u"Administrator"_s, u"User"_s}));
    QVERIFY(button("addUser")->isVisible());

    onNextDialog([&](QDialog *dialog) {
        auto *confirm = dialog->findChild<QPushButton *>(u"addUserConfirm"_s);
        QVERIFY(!confirm->isEnabled()); // nothing typed yet
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"newUsername"_s), u"bad name"_s);
        // Said as typed, and Add user waits.
        QVERIFY(!confirm->isEnabled());
        auto *problem = dialog->findChild<QLabel *>(u"accountProblem"_s);
        QVERIFY(problem->isVisible());
        QVERIFY2(problem->text().startsWith(u"'bad name' is not a valid user name"_s), qPrintable(problem->text()));
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/users-add-refused-en.png")));
        auto *name = dialog->findChild<QLineEdit *>(u"newUsername"_s);
        name->clear();
        QTest::keyClicks(name, u"carol"_s);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"newEmail"_s), u"carol@example.org"_s);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"newPassword"_s), u"s3cret"_s);
        QTest::keyClicks(dialog->findChild<QLineEdit *>(u"newRepeat"_s), u"s3cret"_s);
        QTest::mouseClick(dialog->findChild<QCheckBox *>(u"newIsAdmin"_s), Qt::LeftButton, {}, QPoint(5, 5));
        QVERIFY(!problem->isVisible()); // gone once it no longer holds
        QVERIFY(confirm->isEnabled());
        QTest::mouseClick(confirm, Qt::LeftButton);
    });
    QTest::mouseClick(button("addUser"), Qt::LeftButton);
    QVERIFY(dialogSeen_);
    QCOMPARE(column("userTable", 0), QStringList({u"admin"_s, u"alice"_s, u"carol"_s}));
    QCOMPARE(column("userTable", 2).last(), u"Administrator"_s);
    auto carol = core_->users->find(u"carol"_s);
    QVERIFY(carol && carol->isAdmin && carol->email == u"carol@example.org"_s);
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/users-en.png")));
}

void TestUsersPage::createsAKeyShownOnceThatAClientCanUseAndRevokes()
{
    showWindow(u"admin"_s);
    auto *users = window_->findChild<QTableWidget *>(u"userTable"_s);
    users->selectRow(1); // alice
    QCOMPARE(window_->findChild<QLabel *>(u"keysTitle"_s)->text(), u"API keys of alice"_s);
    QCOMPARE(column("keyTable", 0), QStringList());
    // No key: instead of an empty table, what a key is for and how to make one.
    auto *noKeys = window_->findChild<QLabel *>(u"noKeys"_s);
    QVERIFY(noKeys->isVisible());
    QVERIFY(!window_->findChild<QTableWidget *>(u"keyTable"_s)->isVisible());
    QCOMPARE(noKeys->text(), u"alice has no API key yet. Create API key makes one for juju or another MAAS client."_s);
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/users-no-keys-en.png")));

    QString shownKey;
    // First the key's name, then the key itself.
    onNextDialog([&](QDialog *dialog) {
        auto *input = qobject_cast<QInputDialog *>(dialog);
        QVERIFY(input);
        input->setTextValue(u"juju-lab"_s);
        onNextDialog(
            [&](QDialog *shown) {
                shownKey = shown->findChild<QLineEdit *>(u"newKey"_s)->text();
                QTest::mouseClick(shown->findChild<QPushButton *>(u"copyKey"_s), Qt::LeftButton);
                QCOMPARE(shown->findChild<QLabel *>(u"keyCopied"_s)->text(), u"Copied to the clipboard."_s);
                QVERIFY(shown->grab().save(QStringLiteral(SCREENSHOT_DIR "/users-new-key-en.png")));
                shown->reject();
            },
            u"newKeyDialog"_s);
        input->accept();
    });
    QTest::mouseClick(button("createKey"), Qt::LeftButton);
    QVERIFY(dialogSeen_);
    // MAAS's form: consumer key, token key, token secret.
    const QStringList parts = shownKey.split(u':');
    QCOMPARE(parts.size(), 3);
    QCOMPARE(QGuiApplication::clipboard()->text(), shownKey);
    auto who = core_->users->authenticateToken(parts[0], parts[1], parts[2]);
    QVERIFY2(who && who->username == u"alice"_s, qPrintable(who.errorMessage()));
    // Listed by name, never whole.
    QCOMPARE(column("keyTable", 0), QStringList{u"juju-lab"_s});
    QCOMPARE(column("keyTable", 2), QStringList{parts[0].left(6) + u"…"_s});
    QVERIFY(!noKeys->isVisible());
    QVERIFY(!window_->grab().toImage().isNull());

    // Revoked: the key stops working at once.
    QVERIFY(!button("revokeKey")->isEnabled());
    window_->findChild<QTableWidget *>(u"keyTable"_s)->selectRow(0);
    QVERIFY(button("revokeKey")->isEnabled());
    QTest::mouseClick(button("revokeKey"), Qt::LeftButton);
    QCOMPARE(column("keyTable", 0), QStringList());
    QVERIFY(noKeys->isVisible());
    QVERIFY(!core_->users->authenticateToken(parts[0], parts[1], parts[2]));
}

void TestUsersPage::aPlainUserSeesOnlyTheirOwnAccount()
{
    showWindow(u"alice"_s);
    QCOMPARE(column("userTable", 0), QStringList{u"alice"_s});
    QVERIFY(!button("addUser")->isVisible());
    QVERIFY(button("createKey")->isEnabled()); // her own keys are hers to make
}

void TestUsersPage::speaksKoreanWithTheShippedTranslation()
{
    QTranslator korean, koreanQt;
    QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QCoreApplication::installTranslator(&koreanQt);
    QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
        QApplication::setFont(original);
    });
    showWindow(u"admin"_s);
    QCOMPARE(button("addUser")->text(), u"사용자 추가(&A)…"_s);
    for (const char *name : {"addUser", "createKey", "revokeKey"})
        QVERIFY(button(name)->width() >= button(name)->sizeHint().width());
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/users-ko.png")));
}

QTEST_MAIN(TestUsersPage)
#include "tst_userspage.moc"
