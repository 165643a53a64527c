// The libvirt driver through libvirt's own library, against its built-in test hypervisor
// (test:///default holds one running domain, "test"; its state lasts one connection, and the
// driver opens one per call). Errors a user meets name the VM or the URI.

#include "core/libvirt/libvirtconnection.h"
#include "core/power/libvirtpowerdriver.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestLibvirtPowerDriver : public QObject {
    Q_OBJECT

    LibvirtPowerDriver driver_;

    static PowerTarget target(const QString &uri, const QString &vm)
    {
        return {u"vm"_s, {{u"power_address"_s, uri}, {u"power_id"_s, vm}}, {}};
    }

    // A test hypervisor with one running and one shut-off domain.
    static QString writeNode(const QTemporaryDir &dir)
    {
        const QString path = dir.filePath(u"node.xml"_s);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        f.write("<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
                "  <domain type='test'><name>running</name><memory>65536</memory><os><type>hvm</type></os></domain>\n"
                "  <domain type='test'><name>stopped</name><memory>65536</memory><os><type>hvm</type></os>\n"
                "    <test:runstate>5</test:runstate></domain>\n"
                "</node>\n");
        return path;
    }

private slots:
    void readsTheDomainState()
    {
        auto state = driver_.queryPower(target(u"test:///default"_s, u"test"_s));
        QVERIFY2(state, qPrintable(state.errorMessage()));
        QCOMPARE(*state, PowerState::On);
    }

    void readsAShutOffDomainAsOff()
    {
        QTemporaryDir dir;
        const QString uri = u"test://"_s + writeNode(dir);
        auto state = driver_.queryPower(target(uri, u"stopped"_s));
        QVERIFY2(state, qPrintable(state.errorMessage()));
        QCOMPARE(*state, PowerState::Off);
        QCOMPARE(*driver_.queryPower(target(uri, u"running"_s)), PowerState::On);
    }

    void startsAndStopsDomains()
    {
        // The test hypervisor's state lasts one connection: switch and read back on one, as the
        // driver does on each of its own.
        QTemporaryDir dir;
        const QString uri = u"test://"_s + writeNode(dir);
        auto connection = LibvirtConnection::open(uri);
        QVERIFY2(connection, qPrintable(connection.errorMessage()));
        QCOMPARE(*connection->powerState(u"stopped"_s), PowerState::Off);
        auto on = connection->setPower(u"stopped"_s, true);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        QCOMPARE(*connection->powerState(u"stopped"_s), PowerState::On);
        auto off = connection->setPower(u"running"_s, false);
        QVERIFY2(off, qPrintable(off.errorMessage()));
        QCOMPARE(*connection->powerState(u"running"_s), PowerState::Off);
        auto already = connection->setPower(u"running"_s, false); // already off: nothing to do, no error
        QVERIFY2(already, qPrintable(already.errorMessage()));
        QCOMPARE(*connection->powerState(u"running"_s), PowerState::Off);
        // The driver's own calls (a connection each) reach libvirt's start and destroy: a start of
        // the domain the node file has shut off succeeds, and so does a destroy of the running one.
        auto driverOn = driver_.setPower(target(uri, u"stopped"_s), true);
        QVERIFY2(driverOn, qPrintable(driverOn.errorMessage()));
        auto driverOff = driver_.setPower(target(uri, u"running"_s), false);
        QVERIFY2(driverOff, qPrintable(driverOff.errorMessage()));
    }

    void unknownVmIsNamedAndFatal()
    {
        auto state = driver_.queryPower(target(u"test:///default"_s, u"no-such-vm"_s));
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(u"no VM named 'no-such-vm'"_s), qPrintable(state.errorMessage()));
        QVERIFY(!state.error().retryable);
    }

    void unreachableHypervisorIsNamed()
    {
        // A qemu:///system socket that is not there: libvirtd is not running in this test.
        auto state = driver_.queryPower(target(u"qemu:///system?socket=/nonexistent/libvirt-sock"_s, u"vm1"_s));
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(u"cannot connect to qemu:///system"_s),
                 qPrintable(state.errorMessage()));
        auto bad = driver_.setPower(target(u"nonsense://"_s, u"vm1"_s), true);
        QVERIFY(!bad);
        QVERIFY2(bad.errorMessage().contains(u"nonsense://"_s), qPrintable(bad.errorMessage()));
    }

    void refusesAUriThatRunsAProgram()
    {
        // libvirt would run `command` (the ext transport's program, or ssh's): security review L11.
        QTemporaryDir dir;
        const QString marker = dir.filePath(u"ran"_s);
        const QString script = dir.filePath(u"run.sh"_s);
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write((u"#!/bin/sh\ntouch '"_s + marker + u"'\n"_s).toUtf8());
        f.close();
        QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        for (const QString &uri :
             {u"qemu+ext:///system?command="_s + script, u"qemu+ssh://nobody@127.0.0.1/system?command="_s + script,
              u"qemu+ext:///system"_s}) {
            auto state = driver_.queryPower(target(uri, u"vm1"_s));
            QVERIFY(!state);
            QVERIFY2(!QFile::exists(marker), qPrintable(uri)); // before the fix, libvirt ran it
            QVERIFY2(state.errorMessage().contains(u"would make MetalDesk run a program"_s),
                     qPrintable(state.errorMessage()));
        }
    }

    void requiresTheVmName()
    {
        QVERIFY(missingPowerParameters(driver_, {{u"power_address"_s, u"test:///default"_s}}).contains(u"VM name"_s));
        // The URI has a default (the local system hypervisor).
        QCOMPARE(missingPowerParameters(driver_, {{u"power_id"_s, u"vm1"_s}}), QString());
    }
};

QTEST_GUILESS_MAIN(TestLibvirtPowerDriver)
#include "tst_libvirtpowerdriver.moc"
