// Node credentials: the OAuth 1.0 PLAINTEXT header as MAAS's metadata clients send it, and the
// per-machine token store behind it, over a real database.
#include "core/runtime/coreservices.h"
#include "core/users/nodetokens.h"
#include "core/users/oauthheader.h"
#include "core/users/userstore.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;

class TestNodeTokens : public QObject {
    Q_OBJECT
private slots:
    void readsTheAgentsHeader();
    void readsOauthlibsPercentEncodedHeader();
    void decodesEveryValue();
    void refusesMalformedHeaders_data();
    void refusesMalformedHeaders();
    void makesMaasShapedRandomTokens();
    void givesEachMachineOneLastingToken();
    void authenticatesOnlyTheExactCredential();
    void lastsOneBootPurposeOfOneOwner();
    void forgetsTheTokenWithTheMachine();

private:
    std::unique_ptr<CoreServices> open()
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md-%1.db").arg(++n_))));
        return core ? std::move(*core) : nullptr;
    }
    QString newMachine(CoreServices &core, const QString &mac)
    {
        NewMachine spec;
        spec.macAddresses = {mac};
        auto m = core.engine->createMachine(spec, Actor::system(QStringLiteral("test")));
        return m ? m->systemId : QString();
    }
    QTemporaryDir dir_;
    int n_ = 0;
};

void TestNodeTokens::readsTheAgentsHeader()
{
    // Byte for byte what bootenv/common.sh's oauth_header prints.
    auto c = parseOAuthHeader("OAuth oauth_version=\"1.0\", oauth_signature_method=\"PLAINTEXT\", "
                              "oauth_consumer_key=\"CK123\", oauth_token=\"TK456\", oauth_signature=\"&TS789\", "
                              "oauth_nonce=\"0123456789abcdef0123456789abcdef\", oauth_timestamp=\"1764340000\"");
    QVERIFY2(c, qPrintable(c.errorMessage()));
    QCOMPARE(c->consumerKey, QStringLiteral("CK123"));
    QCOMPARE(c->tokenKey, QStringLiteral("TK456"));
    QCOMPARE(c->consumerSecret, QString());
    QCOMPARE(c->tokenSecret, QStringLiteral("TS789"));
    QCOMPARE(c->nonce, QStringLiteral("0123456789abcdef0123456789abcdef"));
    QCOMPARE(c->timestamp, QStringLiteral("1764340000"));
}

void TestNodeTokens::readsOauthlibsPercentEncodedHeader()
{
    // What oauthlib (cloud-init's MAAS datasource) sends: a realm, parameters in its own order, the
    // signature's '&' percent-encoded, no spaces after the commas.
    auto c = parseOAuthHeader("oauth realm=\"\",oauth_nonce=\"105954417632839357911701178218\","
                              "oauth_timestamp=\"1764340000\",oauth_version=\"1.0\","
                              "oauth_signature_method=\"PLAINTEXT\",oauth_consumer_key=\"CK123\","
                              "oauth_token=\"TK456\",oauth_signature=\"%26TS789\"");
    QVERIFY2(c, qPrintable(c.errorMessage()));
    QCOMPARE(c->consumerKey, QStringLiteral("CK123"));
    QCOMPARE(c->tokenKey, QStringLiteral("TK456"));
    QCOMPARE(c->consumerSecret, QString());
    QCOMPARE(c->tokenSecret, QStringLiteral("TS789"));
}

void TestNodeTokens::decodesEveryValue()
{
    // Keys and secrets with reserved characters: encoded once in the signature base (RFC 5849
    // §3.4.4) and once more in the header.
    auto c = parseOAuthHeader("OAuth oauth_consumer_key=\"a%2Fb\" , oauth_token=\"t%20k\",\t"
                              "oauth_signature_method=\"PLAINTEXT\", oauth_signature=\"c%2526s%26t%2526s\"");
    QVERIFY2(c, qPrintable(c.errorMessage()));
    QCOMPARE(c->consumerKey, QStringLiteral("a/b"));
    QCOMPARE(c->tokenKey, QStringLiteral("t k"));
    QCOMPARE(c->consumerSecret, QStringLiteral("c&s"));
    QCOMPARE(c->tokenSecret, QStringLiteral("t&s"));
    QCOMPARE(percentDecoded("%e2%82%ac"), std::optional<QString>(QStringLiteral("€")));
    QVERIFY(!percentDecoded("%zz"));
    QVERIFY(!percentDecoded("ab%4"));
}

void TestNodeTokens::refusesMalformedHeaders_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("reason");
    const QByteArray ok = "oauth_consumer_key=\"ck\", oauth_token=\"tk\", oauth_signature=\"&ts\"";
    QTest::newRow("basic") << QByteArray("Basic YWxhZGRpbjpvcGVuc2VzYW1l") << QStringLiteral("not OAuth");
    QTest::newRow("empty") << QByteArray("") << QStringLiteral("not OAuth");
    QTest::newRow("no method") << "OAuth " + ok << QStringLiteral("oauth_signature_method");
    QTest::newRow("hmac") << "OAuth oauth_signature_method=\"HMAC-SHA1\", " + ok << QStringLiteral("HMAC-SHA1");
    QTest::newRow("no token") << QByteArray("OAuth oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key=\"ck\", "
                                            "oauth_signature=\"&ts\"")
                              << QStringLiteral("oauth_token");
    QTest::newRow("unquoted") << QByteArray("OAuth oauth_signature_method=PLAINTEXT, ") + ok
                              << QStringLiteral("not quoted");
    QTest::newRow("unterminated") << "OAuth " + ok + ", oauth_signature_method=\"PLAINTEXT"
                                  << QStringLiteral("no closing quote");
    QTest::newRow("twice") << "OAuth oauth_signature_method=\"PLAINTEXT\", oauth_token=\"x\", " + ok
                           << QStringLiteral("twice");
    QTest::newRow("no comma") << QByteArray("OAuth oauth_signature_method=\"PLAINTEXT\" oauth_token=\"tk\"")
                              << QStringLiteral("commas");
    QTest::newRow("bad percent") << QByteArray("OAuth oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key="
                                               "\"c%g1\", oauth_token=\"tk\", oauth_signature=\"&ts\"")
                                 << QStringLiteral("percent-encoded");
    QTest::newRow("no ampersand") << QByteArray("OAuth oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key="
                                                "\"ck\", oauth_token=\"tk\", oauth_signature=\"ts\"")
                                  << QStringLiteral("<consumer secret>&<token secret>");
    QTest::newRow("version 2") << "OAuth oauth_version=\"2.0\", oauth_signature_method=\"PLAINTEXT\", " + ok
                               << QStringLiteral("version 2.0");
    QTest::newRow("huge") << "OAuth oauth_signature_method=\"PLAINTEXT\", " + ok + ", x=\"" + QByteArray(5000, 'a') +
                                 '"'
                          << QStringLiteral("longer than");
}

void TestNodeTokens::refusesMalformedHeaders()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, reason);
    auto c = parseOAuthHeader(header);
    QVERIFY(!c);
    QVERIFY2(c.errorMessage().contains(reason), qPrintable(c.errorMessage()));
}

void TestNodeTokens::makesMaasShapedRandomTokens()
{
    const QRegularExpression alnum(QStringLiteral("^[A-Za-z0-9]+$"));
    QSet<QString> seen;
    for (int i = 0; i < 200; ++i) {
        const NodeToken t = NodeToken::generate();
        QCOMPARE(t.consumerKey.size(), 18);
        QCOMPARE(t.tokenKey.size(), 18);
        QCOMPARE(t.tokenSecret.size(), 32);
        for (const QString &part : {t.consumerKey, t.tokenKey, t.tokenSecret})
            QVERIFY(alnum.match(part).hasMatch());
        QCOMPARE(t.toString(), t.consumerKey + QLatin1Char(':') + t.tokenKey + QLatin1Char(':') + t.tokenSecret);
        seen.insert(t.tokenSecret);
    }
    QCOMPARE(seen.size(), 200);
}

void TestNodeTokens::givesEachMachineOneLastingToken()
{
    auto core = open();
    QVERIFY(core);
    const QString a = newMachine(*core, QStringLiteral("52:54:00:00:10:01"));
    const QString b = newMachine(*core, QStringLiteral("52:54:00:00:10:02"));
    QVERIFY(!a.isEmpty() && !b.isEmpty());
    NodeTokenStore store(core->db);
    auto ta = store.tokenFor(a);
    QVERIFY2(ta, qPrintable(ta.errorMessage()));
    auto again = NodeTokenStore(core->db).tokenFor(a);
    QVERIFY(again);
    QCOMPARE(again->toString(), ta->toString());
    auto tb = store.tokenFor(b);
    QVERIFY(tb);
    QVERIFY(tb->tokenKey != ta->tokenKey && tb->tokenSecret != ta->tokenSecret);
    auto none = store.tokenFor(QStringLiteral("nosuch"));
    QVERIFY(!none);
    QVERIFY(none.errorMessage().contains(QLatin1String("nosuch")));
}

void TestNodeTokens::authenticatesOnlyTheExactCredential()
{
    auto core = open();
    QVERIFY(core);
    const QString a = newMachine(*core, QStringLiteral("52:54:00:00:11:01"));
    const QString b = newMachine(*core, QStringLiteral("52:54:00:00:11:02"));
    NodeTokenStore store(core->db);
    const NodeToken ta = *store.tokenFor(a);
    const NodeToken tb = *store.tokenFor(b);
    auto who = [&](const QString &ck, const QString &tk, const QString &cs, const QString &ts) {
        auto r = store.authenticate({ck, tk, cs, ts, {}, {}});
        return r && *r ? **r : QString();
    };
    QCOMPARE(who(ta.consumerKey, ta.tokenKey, {}, ta.tokenSecret), a);
    QCOMPARE(who(tb.consumerKey, tb.tokenKey, {}, tb.tokenSecret), b);
    QCOMPARE(who(ta.consumerKey, ta.tokenKey, {}, tb.tokenSecret), QString()); // another's secret
    QCOMPARE(who(tb.consumerKey, ta.tokenKey, {}, ta.tokenSecret), QString()); // another's consumer key
    QCOMPARE(who(ta.consumerKey, ta.tokenKey, {}, ta.tokenSecret.left(31)), QString());
    QCOMPARE(who(ta.consumerKey, ta.tokenKey, QStringLiteral("x"), ta.tokenSecret), QString()); // consumer secret
    QCOMPARE(who(ta.consumerKey, QStringLiteral("unknown"), {}, ta.tokenSecret), QString());
    QCOMPARE(who({}, {}, {}, {}), QString());
}

void TestNodeTokens::lastsOneBootPurposeOfOneOwner()
{
    // Security review H2: a token that outlived Release let whoever was root on the machine act as
    // it during the next user's deployment. It now ends with each new boot purpose and owner.
    auto core = open();
    QVERIFY(core);
    UserStore users(core->db, 1000); // few PBKDF2 rounds: these users never sign in
    auto alice = users.createUser(QStringLiteral("alice"), {}, QStringLiteral("pw"), false);
    auto bob = users.createUser(QStringLiteral("bob"), {}, QStringLiteral("pw"), false);
    QVERIFY(alice && bob);
    const Actor asAlice{alice->id, alice->username, false};
    const Actor asBob{bob->id, bob->username, false};
    const Actor system = Actor::system(QStringLiteral("test"));
    const QString a = newMachine(*core, QStringLiteral("52:54:00:00:12:01"));
    NodeTokenStore store(core->db);
    auto works = [&store, &a](const NodeToken &t) {
        auto r = store.authenticate({t.consumerKey, t.tokenKey, {}, t.tokenSecret, {}, {}});
        return r && *r && **r == a;
    };
    auto step = [&](const char *what, const std::function<Expected<void>()> &change, bool rotates) {
        const NodeToken before = *store.tokenFor(a);
        const auto done = change();
        QVERIFY2(done, qPrintable(QLatin1String(what) + QLatin1String(": ") + done.errorMessage()));
        QVERIFY2(works(before) != rotates, what);
        const NodeToken after = *store.tokenFor(a);
        QVERIFY2((after.tokenKey != before.tokenKey) == rotates, what);
        QVERIFY2(works(after), what);
    };
    auto status = [&](NodeStatus s) {
        return [&core, &a, &system, s] {
            return core->engine->changeStatus(a, s, system, Text::plain(QStringLiteral("test")));
        };
    };
    auto action = [&](NodeAction n, const Actor &by) {
        return [&core, &a, n, by] { return core->engine->performAction(a, n, by); };
    };
    step("commission", action(NodeAction::Commission, system), true);
    step("commissioned", status(NodeStatus::Ready), false);
    step("allocated to alice", action(NodeAction::Acquire, asAlice), true);
    step("deploy", action(NodeAction::Deploy, asAlice), true);
    step("deployed", status(NodeStatus::Deployed), false);
    step("rescue", action(NodeAction::RescueMode, system), true); // administrators only
    step("in rescue", status(NodeStatus::RescueMode), false);
    step("exit rescue", action(NodeAction::ExitRescueMode, system), false);
    step("back", status(NodeStatus::Deployed), false);
    step("release", action(NodeAction::Release, asAlice), true);
    if (core->machines->get(a)->status != NodeStatus::Ready)
        step("released", status(NodeStatus::Ready), true); // nobody owns it any more
    step("allocated to bob", action(NodeAction::Acquire, asBob), true);
}

void TestNodeTokens::forgetsTheTokenWithTheMachine()
{
    auto core = open();
    QVERIFY(core);
    const QString a = newMachine(*core, QStringLiteral("52:54:00:00:13:01"));
    NodeTokenStore store(core->db);
    const NodeToken t = *store.tokenFor(a);
    QVERIFY(core->engine->performAction(a, NodeAction::Delete, Actor::system(QStringLiteral("test"))));
    auto r = store.authenticate({t.consumerKey, t.tokenKey, {}, t.tokenSecret, {}, {}});
    QVERIFY(r);
    QVERIFY(!*r);
}

QTEST_GUILESS_MAIN(TestNodeTokens)
#include "tst_nodetokens.moc"
