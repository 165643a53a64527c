// The serial console of libvirt VMs read through libvirt (virDomainOpenConsole) from a real
// libvirtd running real QEMU (TCG): one reader at a time, and MetalDesk never takes a console from
// another; the console watcher keeps a commissioning machine's last screen in the database, says
// when the VM is off, and lets go when the machine's status moves on.
#include "core/libvirt/consolewatcher.h"
#include "core/libvirt/libvirtconnection.h"
#include "core/machines/consolestore.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "libvirtsession.h"

#include "skip.h"
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <thread>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
// SeaBIOS on the serial, no disk and no NIC: it prints its banner, finds nothing to boot and
// restarts after 1 s, so there is always something new on the console.
QByteArray biosOnSerial(const QString &name)
{
    return "<domain type='qemu'><name>" + name.toUtf8() +
           "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
           "<os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes' rebootTimeout='1000'/></os>"
           "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><serial type='pty'/><console type='pty'/>"
           "<video><model type='none'/></video></devices></domain>\n";
}
} // namespace

class TestConsoleWatcher : public QObject {
    Q_OBJECT

    QTemporaryDir daemonDir_;
    std::unique_ptr<testing::LibvirtSession> libvirt_;
    QTemporaryDir dbDir_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_;

    std::optional<ConsoleRecord> record(const QString &id)
    {
        auto r = ConsoleStore(core_->db).get(id);
        return r ? *r : std::nullopt;
    }

private slots:
    void initTestCase()
    {
        libvirt_ = std::make_unique<testing::LibvirtSession>(daemonDir_.path());
        if (const QString why = libvirt_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"no libvirtd to test against: "_s + why));
        QCOMPARE(libvirt_->defineXml(u"console-vm1"_s, biosOnSerial(u"console-vm1"_s)), QString());
        QCOMPARE(libvirt_->defineXml(u"console-vm2"_s, biosOnSerial(u"console-vm2"_s)), QString());
        auto core = CoreServices::open(DatabaseSpec::sqlite(dbDir_.filePath(u"md.db"_s)));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        core_ = std::move(*core);
        auto admin = UserStore(core_->db, 1000).createUser(u"admin"_s, {}, u"pw"_s, true);
        QVERIFY(admin);
        admin_ = {admin->id, admin->username, true};
    }
    void cleanupTestCase()
    {
        core_.reset();
        libvirt_.reset();
    }

    void oneReaderAtATimeAndNeverTakenFromAnother()
    {
        QVERIFY(!libvirt_->virsh({u"start"_s, u"console-vm1"_s}).isEmpty());
        auto first = LibvirtConnection::open(libvirt_->uri());
        QVERIFY2(first, qPrintable(first.errorMessage()));
        std::atomic<bool> keepGoing{true};
        QByteArray seen;
        QMutex mutex;
        Expected<void> firstResult;
        std::thread reader([&] {
            firstResult = first->readConsole(
                u"console-vm1"_s,
                [&](const QByteArray &bytes) {
                    QMutexLocker lock(&mutex);
                    seen += bytes;
                },
                [&] { return keepGoing.load(); });
        });
        QTRY_VERIFY_WITH_TIMEOUT((QMutexLocker(&mutex), seen.contains("SeaBIOS")), 20000);

        // A second reader (as virsh console would be) is refused and told who has it.
        auto second = LibvirtConnection::open(libvirt_->uri());
        QVERIFY(second);
        auto refused = second->readConsole(
            u"console-vm1"_s, [](const QByteArray &) {}, [] { return true; });
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"another program (virsh console, virt-manager)"_s),
                 qPrintable(refused.errorMessage()));
        keepGoing = false;
        reader.join();
        QVERIFY2(firstResult, qPrintable(firstResult.errorMessage()));

        // A VM that is off has no console to read: said so, not hung.
        QVERIFY(!libvirt_->virsh({u"destroy"_s, u"console-vm1"_s}).isEmpty());
        auto off = second->readConsole(
            u"console-vm1"_s, [](const QByteArray &) {}, [] { return true; });
        QVERIFY(!off);
        QVERIFY2(off.errorMessage().contains(u"console-vm1"_s), qPrintable(off.errorMessage()));
    }

    void keepsACommissioningMachinesLastScreen()
    {
        NewMachine spec;
        spec.powerType = u"virsh"_s;
        spec.powerParameters = {{u"power_address"_s, libvirt_->uri()}, {u"power_id"_s, u"console-vm2"_s}};
        auto m = core_->engine->createMachine(spec, admin_);
        QVERIFY2(m, qPrintable(m.errorMessage()));
        const QString id = m->systemId;
        ConsoleWatcher watcher(core_->db, 300);
        watcher.start();
        QTest::qWait(600);
        QVERIFY(!record(id)); // New: not read

        // Commission powers the VM on through libvirt; its screen is kept as it goes.
        auto commission = core_->engine->performAction(id, NodeAction::Commission, admin_);
        QVERIFY2(commission, qPrintable(commission.errorMessage()));
        QTRY_VERIFY_WITH_TIMEOUT(libvirt_->virsh({u"domstate"_s, u"console-vm2"_s}) == u"running"_s, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(record(id) && record(id)->screen.contains(u"SeaBIOS"_s), 30000);
        QCOMPARE(record(id)->note, QString());

        // Switched off from outside: the screen stays, and the note says why nothing comes.
        QVERIFY(!libvirt_->virsh({u"destroy"_s, u"console-vm2"_s}).isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(record(id)->note, u"the VM is off"_s, 10000);
        QVERIFY(record(id)->screen.contains(u"SeaBIOS"_s));

        // Aborted: the console is let go (another program may have it now) and the screen kept.
        auto abort = core_->engine->performAction(id, NodeAction::Abort, admin_);
        QVERIFY2(abort, qPrintable(abort.errorMessage()));
        QTRY_VERIFY_WITH_TIMEOUT(record(id)->note.startsWith(u"not read now"_s), 10000);
        QVERIFY(record(id)->screen.contains(u"SeaBIOS"_s));
        QVERIFY(watcher.counterList().value(0).value == 1);
        watcher.stop();
    }
};

QTEST_GUILESS_MAIN(TestConsoleWatcher)
#include "tst_consolewatcher.moc"
