// Users, password hashes and API keys.
#include "core/runtime/coreservices.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;

class TestUsers : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void verifiesHashesMadeByPythonHashlib();
    void hashesInDjangoFormatWithTheDefaultIterations();
    void refusesWrongPasswordWithoutSayingWhichPartWasWrong();
    void refusesDuplicateAndInvalidUsers();
    void createsApiKeysInMaasForm();
    void refusesApiKeysWithAnyPartWrongOrRevoked();

private:
    QTemporaryDir dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<UserStore> users_;
};

void TestUsers::init()
{
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
    users_ = std::make_unique<UserStore>(core_->db, 1000); // few iterations: fast tests
}

void TestUsers::cleanup()
{
    users_.reset();
    core_.reset();
    QFile::remove(dir_.filePath(QStringLiteral("md.db")));
}

void TestUsers::verifiesHashesMadeByPythonHashlib()
{
    // Expected values from /usr/bin/python3: base64(hashlib.pbkdf2_hmac('sha256', password, salt, n)).
    QVERIFY(UserStore::verifyPassword(
        QStringLiteral("correct horse"),
        QStringLiteral("pbkdf2_sha256$1000$NaClNaClNaCl$uXisDtkZ3O8GJUTqimErIL5F7hM1q1d5W8GLpdBWUDw=")));
    QVERIFY(UserStore::verifyPassword(
        QStringLiteral("sésame 열려라"),
        QStringLiteral("pbkdf2_sha256$2000$salt$rOBnNchaIkNJrmqNZ10VDJTZ6YGfXn3lv3YFfv+feQ0=")));
    QVERIFY(!UserStore::verifyPassword(
        QStringLiteral("correct horse!"),
        QStringLiteral("pbkdf2_sha256$1000$NaClNaClNaCl$uXisDtkZ3O8GJUTqimErIL5F7hM1q1d5W8GLpdBWUDw=")));
    QVERIFY(!UserStore::verifyPassword(QStringLiteral("x"), QStringLiteral("md5$whatever")));
    QVERIFY(!UserStore::verifyPassword(QStringLiteral("x"), QStringLiteral("pbkdf2_sha256$0$s$h")));
}

void TestUsers::hashesInDjangoFormatWithTheDefaultIterations()
{
    const QString encoded = UserStore::hashPassword(QStringLiteral("pw"), UserStore::kDefaultIterations);
    const QStringList parts = encoded.split(QLatin1Char('$'));
    QCOMPARE(parts.size(), 4);
    QCOMPARE(parts[0], QStringLiteral("pbkdf2_sha256"));
    QCOMPARE(parts[1].toInt(), UserStore::kDefaultIterations);
    QVERIFY(parts[2].size() >= 16);
    QCOMPARE(QByteArray::fromBase64(parts[3].toLatin1()).size(), 32);
    QVERIFY(UserStore::verifyPassword(QStringLiteral("pw"), encoded));
    // Two hashes of one password differ: each has its own salt.
    QVERIFY(UserStore::hashPassword(QStringLiteral("pw"), 1000) != UserStore::hashPassword(QStringLiteral("pw"), 1000));
}

void TestUsers::refusesWrongPasswordWithoutSayingWhichPartWasWrong()
{
    QVERIFY(
        users_->createUser(QStringLiteral("alice"), QStringLiteral("alice@example.com"), QStringLiteral("pw"), false));
    auto wrongPassword = users_->authenticate(QStringLiteral("alice"), QStringLiteral("nope"));
    auto wrongUser = users_->authenticate(QStringLiteral("bob"), QStringLiteral("pw"));
    QVERIFY(!wrongPassword && !wrongUser);
    QCOMPARE(wrongPassword.errorMessage(), wrongUser.errorMessage());
    auto ok = users_->authenticate(QStringLiteral("alice"), QStringLiteral("pw"));
    QVERIFY2(ok, qPrintable(ok.errorMessage()));
    QVERIFY(!ok->isAdmin);
}

void TestUsers::refusesDuplicateAndInvalidUsers()
{
    auto alice = users_->createUser(QStringLiteral("alice"), {}, QStringLiteral("pw"), false);
    QVERIFY2(alice, qPrintable(alice.errorMessage()));
    auto dup = users_->createUser(QStringLiteral("alice"), {}, QStringLiteral("pw2"), true);
    QVERIFY(!dup);
    QVERIFY(dup.errorMessage().contains(QLatin1String("already exists")));
    QVERIFY(!users_->createUser(QStringLiteral("has space"), {}, QStringLiteral("pw"), false));
    QVERIFY(!users_->createUser(QString(), {}, QStringLiteral("pw"), false));
    QVERIFY(!users_->createUser(QStringLiteral("carol"), {}, QString(), false));
    QVERIFY(!users_->createUser(QStringLiteral("carol"), QStringLiteral("not-an-email"), QStringLiteral("pw"), false));
    QCOMPARE(users_->list()->size(), 1);
}

void TestUsers::createsApiKeysInMaasForm()
{
    auto user = users_->createUser(QStringLiteral("juju"), {}, QStringLiteral("pw"), false);
    QVERIFY2(user, qPrintable(user.errorMessage()));
    auto token = users_->createToken(user->id, QStringLiteral("juju controller"));
    QVERIFY2(token, qPrintable(token.errorMessage()));
    const QStringList parts = token->apiKey().split(QLatin1Char(':'));
    QCOMPARE(parts.size(), 3);
    QCOMPARE(parts[0].size(), 18);
    QCOMPARE(parts[1].size(), 18);
    QCOMPARE(parts[2].size(), 32);
    auto second = users_->createToken(user->id);
    QVERIFY(second && second->apiKey() != token->apiKey());
    QCOMPARE(users_->tokens(user->id)->size(), 2);
    auto who = users_->authenticateToken(parts[0], parts[1], parts[2]);
    QVERIFY2(who, qPrintable(who.errorMessage()));
    QCOMPARE(who->username, QStringLiteral("juju"));
}

void TestUsers::refusesApiKeysWithAnyPartWrongOrRevoked()
{
    auto user = users_->createUser(QStringLiteral("juju"), {}, QStringLiteral("pw"), false);
    QVERIFY2(user, qPrintable(user.errorMessage()));
    auto token = users_->createToken(user->id);
    QVERIFY(token);
    QVERIFY(!users_->authenticateToken(QStringLiteral("x"), token->tokenKey, token->tokenSecret));
    QVERIFY(!users_->authenticateToken(token->consumerKey, QStringLiteral("x"), token->tokenSecret));
    QVERIFY(!users_->authenticateToken(token->consumerKey, token->tokenKey, token->tokenSecret + QLatin1Char('x')));
    QVERIFY(users_->revokeToken(token->tokenKey));
    QVERIFY(!users_->authenticateToken(token->consumerKey, token->tokenKey, token->tokenSecret));
    QVERIFY(!users_->revokeToken(token->tokenKey));
}

QTEST_GUILESS_MAIN(TestUsers)
#include "tst_users.moc"
