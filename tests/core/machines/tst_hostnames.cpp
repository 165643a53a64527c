// Random two-word hostnames for enlisted machines.
#include "core/machines/hostnamegenerator.h"
#include "core/machines/machine.h"

#include <QSet>
#include <QtTest>

using namespace metaldesk;

class TestHostnames : public QObject {
    Q_OBJECT
private slots:
    void builtInListsGiveThousandsOfValidNames();
    void uniqueNamesNeverRepeat();
    void fallsBackToNumberedNamesWhenTheSpaceIsFull();
    void validatesDnsLabels_data();
    void validatesDnsLabels();
    void normalisesMacAddresses();
};

void TestHostnames::builtInListsGiveThousandsOfValidNames()
{
    auto gen = HostnameGenerator::builtIn();
    QVERIFY2(gen, qPrintable(gen.errorMessage()));
    QVERIFY(gen->combinations() >= 10000);
    QRandomGenerator rng(42);
    for (int i = 0; i < 2000; ++i) {
        const QString name = gen->random(rng);
        QVERIFY2(isValidHostname(name), qPrintable(name));
        QCOMPARE(name.count(QLatin1Char('-')), 1);
    }
}

void TestHostnames::uniqueNamesNeverRepeat()
{
    auto gen = HostnameGenerator::builtIn();
    QVERIFY(gen);
    QRandomGenerator rng(7);
    QSet<QString> taken;
    for (int i = 0; i < 3000; ++i) {
        const QString name = gen->unique(rng, [&](const QString &n) { return taken.contains(n); });
        QVERIFY(!taken.contains(name));
        QVERIFY(isValidHostname(name));
        taken.insert(name);
    }
}

void TestHostnames::fallsBackToNumberedNamesWhenTheSpaceIsFull()
{
    const HostnameGenerator gen({QStringLiteral("calm")}, {QStringLiteral("otter")});
    QRandomGenerator rng(1);
    QSet<QString> taken;
    for (int i = 0; i < 5; ++i)
        taken.insert(gen.unique(rng, [&](const QString &n) { return taken.contains(n); }));
    QCOMPARE(taken, (QSet<QString>{QStringLiteral("calm-otter"), QStringLiteral("calm-otter-2"),
                                   QStringLiteral("calm-otter-3"), QStringLiteral("calm-otter-4"),
                                   QStringLiteral("calm-otter-5")}));
}

void TestHostnames::validatesDnsLabels_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("two words") << QStringLiteral("amber-falcon") << true;
    QTest::newRow("digits") << QStringLiteral("node01") << true;
    QTest::newRow("63 chars") << QString(63, QLatin1Char('a')) << true;
    QTest::newRow("64 chars") << QString(64, QLatin1Char('a')) << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("leading hyphen") << QStringLiteral("-node") << false;
    QTest::newRow("trailing hyphen") << QStringLiteral("node-") << false;
    QTest::newRow("upper case") << QStringLiteral("Node") << false;
    QTest::newRow("underscore") << QStringLiteral("my_node") << false;
    QTest::newRow("dot") << QStringLiteral("node.lab") << false;
    QTest::newRow("korean") << QStringLiteral("노드") << false;
}

void TestHostnames::validatesDnsLabels()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(isValidHostname(name), valid);
}

void TestHostnames::normalisesMacAddresses()
{
    QCOMPARE(normaliseMacAddress(QStringLiteral("52-54-00-AB-CD-EF")), QStringLiteral("52:54:00:ab:cd:ef"));
    QCOMPARE(normaliseMacAddress(QStringLiteral("5254.00ab.cdef")), QStringLiteral("52:54:00:ab:cd:ef"));
    QCOMPARE(normaliseMacAddress(QStringLiteral("525400abcdef")), QStringLiteral("52:54:00:ab:cd:ef"));
    QCOMPARE(normaliseMacAddress(QStringLiteral("52:54:00:ab:cd")), QString());
    QCOMPARE(normaliseMacAddress(QStringLiteral("52:54:00:ab:cd:eg")), QString());
    QCOMPARE(normaliseMacAddress(QStringLiteral("52:54:00:ab:cd:éé")), QString());
}

QTEST_GUILESS_MAIN(TestHostnames)
#include "tst_hostnames.moc"
