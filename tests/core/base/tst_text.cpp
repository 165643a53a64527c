// Text: a sentence kept as context, source and arguments. Its English rendering, arguments that hold
// "%2" left as they are, nesting, plurals, the JSON it is stored as and what that JSON refuses.
#include "core/base/text.h"

#include <QJsonArray>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestText : public QObject {
    Q_OBJECT
private slots:
    void rendersItsArgumentsInOnePass()
    {
        const Text t = Text::event("Chassis %1: VM %2 changed (%3)").arg(u"rack %2"_s).arg(u"web"_s).arg(7);
        QCOMPARE(t.english(), u"Chassis rack %2: VM web changed (7)"_s);
        // No translator for this test's sources: the translation is the source.
        QCOMPARE(t.translated(), t.english());
    }

    void keepsAMarkerWithoutItsArgument()
    {
        QCOMPARE(Text::event("%1 of %2").arg(u"one"_s).english(), u"one of %2"_s);
        QCOMPARE(Text::event("100%").english(), u"100%"_s);
    }

    void nestsTextsAndCounts()
    {
        const Text status("NodeStatus", "Deploying");
        const Text t = Text::event("Timed out: %1 took longer than %2 minutes").arg(status).arg(30);
        QCOMPARE(t.english(), u"Timed out: Deploying took longer than 30 minutes"_s);
        const Text counted = Text::event("%n reports were not recorded: more than %1", 3).arg(60);
        QCOMPARE(counted.english(), u"3 reports were not recorded: more than 60"_s);
    }

    void aPlainTextIsNeverFilledIn()
    {
        const Text peer = Text::plain(u"ipmitool: 100% %1 failed"_s);
        QVERIFY(peer.isPlain());
        QCOMPARE(peer.english(), u"ipmitool: 100% %1 failed"_s);
        QCOMPARE(Text::event("Power on failed: %1").arg(peer).english(),
                 u"Power on failed: ipmitool: 100% %1 failed"_s);
    }

    void roundTripsThroughJson()
    {
        const Text t = Text::event("%1; %2", 2)
                           .arg(Text("Chassis", "renamed to %1").arg(u"db"_s))
                           .arg(Text("Chassis", "found again"));
        auto back = Text::fromJsonBytes(t.toJsonBytes());
        QVERIFY(back);
        QVERIFY(*back == t);
        QCOMPARE(back->english(), t.english());
        auto plain = Text::fromJsonBytes(Text::plain(u"as typed"_s).toJsonBytes());
        QVERIFY(plain && plain->isPlain());
        QCOMPARE(plain->english(), u"as typed"_s);
    }

    void refusesJsonItCannotHaveWritten_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("not json") << "{"_ba;
        QTest::newRow("an array") << "[]"_ba;
        QTest::newRow("no source") << "{\"c\":\"Events\"}"_ba;
        QTest::newRow("a number for a source") << "{\"c\":\"Events\",\"s\":3}"_ba;
        QTest::newRow("a negative count") << "{\"c\":\"Events\",\"s\":\"x\",\"n\":-2}"_ba;
        QTest::newRow("an argument that is a number") << "{\"c\":\"Events\",\"s\":\"%1\",\"a\":[1]}"_ba;
        QTest::newRow("plain with more") << "{\"p\":\"x\",\"c\":\"Events\"}"_ba;
        QByteArray deep = "{\"p\":\"end\"}"_ba;
        for (int i = 0; i < 6; ++i)
            deep = "{\"c\":\"Events\",\"s\":\"%1\",\"a\":["_ba + deep + "]}";
        QTest::newRow("nested too deep") << deep;
        QByteArray many = "{\"c\":\"Events\",\"s\":\"%1\",\"a\":["_ba;
        for (int i = 0; i < 17; ++i)
            many += i ? ",\"x\"" : "\"x\"";
        QTest::newRow("too many arguments") << many + "]}";
    }

    void refusesJsonItCannotHaveWritten()
    {
        QFETCH(QByteArray, json);
        QVERIFY(!Text::fromJsonBytes(json));
    }
};

QTEST_GUILESS_MAIN(TestText)
#include "tst_text.moc"
