// The machine filter: free words and MAAS-style key:value terms.
#include "app/machines/machinefilterproxy.h"

#include <QtTest>

using namespace metaldesk;

class TestMachineFilter : public QObject {
    Q_OBJECT
private slots:
    void matchesFreeWordsAndTerms_data();
    void matchesFreeWordsAndTerms();
    void matchesStatusesWhoseLabelAndKeyDiffer();
    void acceptsEverythingWhenEmptyOrIncomplete();
};

namespace {
Machine failedDeployment()
{
    Machine m;
    m.systemId = QStringLiteral("xy7abc");
    m.hostname = QStringLiteral("node-10");
    m.status = NodeStatus::FailedDeployment;
    m.owner = QStringLiteral("alice");
    m.architecture = QStringLiteral("amd64/generic");
    m.powerState = QStringLiteral("on");
    m.interfaces = {{1, QStringLiteral("eth0"), QStringLiteral("52:54:00:12:34:56")},
                    {2, QStringLiteral("eth1"), QStringLiteral("52:54:00:aa:bb:cc")}};
    return m;
}
} // namespace

void TestMachineFilter::matchesFreeWordsAndTerms_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<bool>("matches");
    // Free words: each must appear somewhere, case-insensitively.
    QTest::newRow("name") << "node" << true;
    QTest::newRow("name upper case") << "NODE-1" << true;
    QTest::newRow("nothing") << "zebra" << false;
    QTest::newRow("mac part, colons are not a term") << "52:54:00:aa" << true;
    QTest::newRow("system id") << "XY7" << true;
    QTest::newRow("owner") << "alice" << true;
    QTest::newRow("architecture") << "amd64" << true;
    QTest::newRow("status words") << "failed deployment" << true;
    QTest::newRow("every word must match") << "failed zebra" << false;
    QTest::newRow("unknown key stays a word") << "colour:red" << false;
    // Status terms: the name without spaces, or MAAS's key, by prefix.
    QTest::newRow("status dashed") << "status:failed-deployment" << true;
    QTest::newRow("status squeezed") << "status:faileddeployment" << true;
    QTest::newRow("status MAAS key") << "STATUS:FAILED_DEPLOYMENT" << true;
    QTest::newRow("status prefix") << "status:failed" << true;
    QTest::newRow("other status") << "status:ready" << false;
    QTest::newRow("no substring for status") << "status:deployment" << false;
    QTest::newRow("deployed is not failed deployment") << "status:deployed" << false;
    QTest::newRow("status alternatives") << "status:ready,failed-deployment" << true;
    QTest::newRow("status negated") << "status:!ready" << true;
    QTest::newRow("status negated match") << "status:!failed" << false;
    QTest::newRow("status exact") << "status:=failed" << false;
    QTest::newRow("status exact full") << "status:=failed_deployment" << true;
    // Other terms.
    QTest::newRow("owner") << "owner:alice" << true;
    QTest::newRow("owner prefix") << "owner:ALI" << true;
    QTest::newRow("owner exact") << "owner:=ali" << false;
    QTest::newRow("other owner") << "owner:bob" << false;
    QTest::newRow("arch") << "arch:amd64" << true;
    QTest::newRow("other arch") << "arch:arm64" << false;
    QTest::newRow("power") << "power:on" << true;
    QTest::newRow("power off") << "power:off" << false;
    QTest::newRow("mac with dashes") << "mac:aa-bb" << true;
    QTest::newRow("id") << "id:7ab" << true;
    QTest::newRow("name substring") << "name:de-1" << true;
    // Terms and words are ANDed.
    QTest::newRow("status and owner") << "status:failed-deployment owner:alice" << true;
    QTest::newRow("status and other owner") << "status:failed-deployment owner:bob" << false;
    QTest::newRow("term and word") << "owner:alice node" << true;
    QTest::newRow("term and missing word") << "owner:alice zebra" << false;
}

void TestMachineFilter::matchesFreeWordsAndTerms()
{
    QFETCH(QString, filter);
    QFETCH(bool, matches);
    QCOMPARE(MachineFilter::parse(filter).matches(failedDeployment()), matches);
}

void TestMachineFilter::matchesStatusesWhoseLabelAndKeyDiffer()
{
    // MAAS labels FAILED_RELEASING "Releasing failed": both spellings must find it.
    Machine m = failedDeployment();
    m.status = NodeStatus::FailedReleasing;
    QVERIFY(MachineFilter::parse(u"status:releasing-failed").matches(m));
    QVERIFY(MachineFilter::parse(u"status:failed_releasing").matches(m));
    QVERIFY(MachineFilter::parse(u"status:failed").matches(m));
    QVERIFY(!MachineFilter::parse(u"status:=releasing").matches(m));
    m.status = NodeStatus::FailedEnteringRescueMode;
    QVERIFY(MachineFilter::parse(u"status:failed-to-enter-rescue-mode").matches(m));
    QVERIFY(MachineFilter::parse(u"status:failed_entering_rescue_mode").matches(m));
}

void TestMachineFilter::acceptsEverythingWhenEmptyOrIncomplete()
{
    for (const char *text : {"", "   ", "status:", "owner:", "status:!", "status:,"}) {
        const MachineFilter filter = MachineFilter::parse(QString::fromLatin1(text));
        QVERIFY2(filter.isEmpty(), text);
        QVERIFY2(filter.matches(failedDeployment()), text);
    }
}

QTEST_GUILESS_MAIN(TestMachineFilter)
#include "tst_machinefilter.moc"
