// Wake-on-LAN: the magic packet's bytes, and the packet on the wire between two network
// namespaces this test makes (directed broadcast, UDP port 9), byte for byte the one Debian's
// `wakeonlan` sends for the same MAC. Power off is refused with what to do instead.

#include "core/power/wakeonlanpowerdriver.h"
#include "netns.h"

#include "skip.h"
#include <QNetworkDatagram>
#include <QTest>
#include <QUdpSocket>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
// This thread in another network namespace until the end of the scope: sockets made meanwhile
// stay there.
class InNamespace {
public:
    explicit InNamespace(const QString &ns)
    {
        original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        const int fd = ::open(qPrintable(u"/run/netns/"_s + ns), O_RDONLY | O_CLOEXEC);
        entered_ = original_ >= 0 && fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
        if (fd >= 0)
            ::close(fd);
    }
    ~InNamespace()
    {
        if (entered_ && ::setns(original_, CLONE_NEWNET) != 0)
            qFatal("cannot return to the test's own network namespace");
        if (original_ >= 0)
            ::close(original_);
    }
    bool entered() const { return entered_; }

private:
    int original_ = -1;
    bool entered_ = false;
};

const QString kMac = u"52:54:00:12:34:56"_s;
} // namespace

class TestWakeOnLan : public QObject {
    Q_OBJECT

private slots:
    void buildsTheMagicPacket()
    {
        const QByteArray packet = WakeOnLanPowerDriver::magicPacket(u"52-54-00-12-34-56"_s);
        QCOMPARE(packet.size(), 102);
        QCOMPARE(packet.left(6), QByteArray(6, char(0xff)));
        for (int i = 0; i < 16; ++i)
            QCOMPARE(packet.mid(6 + 6 * i, 6), QByteArray::fromHex("525400123456"));
        QVERIFY(WakeOnLanPowerDriver::magicPacket(u"not a mac"_s).isEmpty());
    }

    void cannotSwitchOffAndSaysSo()
    {
        WakeOnLanPowerDriver driver;
        auto off = driver.setPower({u"lab-pc"_s, {}, {kMac}}, false);
        QVERIFY(!off);
        QVERIFY2(off.errorMessage().contains(u"switch lab-pc off by hand"_s), qPrintable(off.errorMessage()));
        auto noMac = driver.setPower({u"lab-pc"_s, {}, {}}, true);
        QVERIFY(!noMac);
        QVERIFY2(noMac.errorMessage().contains(u"MAC address"_s), qPrintable(noMac.errorMessage()));
    }

    void wakesTheMachineOnTheWireAsWakeonlanDoes()
    {
        QString why;
        if (!testing::NetworkNamespaces::available(&why))
            METALDESK_SKIP(qPrintable(why));
        testing::NetworkNamespaces namespaces;
        const QString host = namespaces.add(u"wolhost"_s);
        const QString lab = namespaces.add(u"wollab"_s);
        QVERIFY2(namespaces.link(host, u"lab0"_s, u"10.97.0.1/24"_s, lab, u"eth0"_s, u"10.97.0.2/24"_s),
                 qPrintable(namespaces.error()));

        QUdpSocket nic; // the sleeping machine's side
        {
            InNamespace in(lab);
            QVERIFY(in.entered());
            QVERIFY(nic.bind(QHostAddress::AnyIPv4, 9));
        }
        auto receive = [&nic]() -> QByteArray {
            if (!nic.hasPendingDatagrams() && !nic.waitForReadyRead(5000))
                return {};
            return nic.receiveDatagram().data();
        };

        WakeOnLanPowerDriver driver;
        {
            InNamespace in(host);
            QVERIFY(in.entered());
            auto sent = driver.setPower({u"lab-pc"_s, {{u"power_address"_s, u"10.97.0.255"_s}}, {kMac}}, true);
            QVERIFY2(sent, qPrintable(sent.errorMessage()));
        }
        const QByteArray ours = receive();
        QCOMPARE(ours, WakeOnLanPowerDriver::magicPacket(kMac));

        int exitCode = -1;
        const QString out = testing::NetworkNamespaces::run(
            host, {u"wakeonlan"_s, u"-i"_s, u"10.97.0.255"_s, u"-p"_s, u"9"_s, kMac}, &exitCode);
        QVERIFY2(exitCode == 0, qPrintable(out));
        QCOMPARE(receive(), ours);
    }
};

QTEST_GUILESS_MAIN(TestWakeOnLan)
#include "tst_wakeonlan.moc"
