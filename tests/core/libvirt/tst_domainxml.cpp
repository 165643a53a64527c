// The domain XML a libvirt host sends (as `virsh dumpxml --inactive` prints it for a virt-manager
// q35 UEFI VM and a SeaBIOS one): what discovery reads from it, and the boot order rewrite that
// makes a VM boot from the network first, keeping everything else.

#include "core/libvirt/domainxml.h"

#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
const QByteArray kUefiVm =
    "<domain type='kvm'>\n"
    "  <name>lab-uefi</name>\n"
    "  <uuid>6A1F0C1E-3B7D-4C39-9E0B-2F0C4D1E5A77</uuid>\n"
    "  <metadata>\n"
    "    <libosinfo:libosinfo xmlns:libosinfo=\"http://libosinfo.org/xmlns/libvirt/domain/1.0\">\n"
    "      <libosinfo:os id=\"http://debian.org/debian/12\"/>\n"
    "    </libosinfo:libosinfo>\n"
    "  </metadata>\n"
    "  <memory unit='KiB'>2097152</memory>\n"
    "  <vcpu placement='static'>2</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
    "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>\n"
    "    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/lab-uefi_VARS.fd</nvram>\n"
    "  </os>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/var/lib/libvirt/images/lab-uefi.qcow2'/>\n"
    "      <target dev='sda' bus='sata'/>\n"
    "      <boot order='1'/>\n"
    "    </disk>\n"
    "    <interface type='bridge'>\n"
    "      <mac address='52:54:00:AB:CD:01'/>\n"
    "      <source bridge='br0'/>\n"
    "      <model type='e1000e'/>\n"
    "      <boot order='2'/>\n"
    "    </interface>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:ab:cd:02'/>\n"
    "      <source network='default'/>\n"
    "      <model type='virtio'/>\n"
    "    </interface>\n"
    "    <serial type='pty'>\n"
    "      <target type='isa-serial' port='0'/>\n"
    "    </serial>\n"
    "    <graphics type='vnc' port='-1' autoport='yes' passwd='secret'/>\n"
    "  </devices>\n"
    "</domain>\n";

const QByteArray kBiosVm = "<domain type='qemu'><name>lab-bios</name><uuid>0e6bcb5c-0d4a-4b8e-9d3c-111111111111</uuid>"
                           "<os><type arch='aarch64' machine='virt'>hvm</type><boot dev='hd'/><boot dev='cdrom'/>"
                           "</os><devices><interface type='user'><mac address='52:54:00:00:00:09'/></interface>"
                           "</devices></domain>";
} // namespace

class TestDomainXml : public QObject {
    Q_OBJECT
private slots:
    void readsAUefiVm()
    {
        auto d = parseDomainXml(kUefiVm);
        QVERIFY2(d, qPrintable(d.errorMessage()));
        QCOMPARE(d->name, u"lab-uefi"_s);
        QCOMPARE(d->uuid, u"6a1f0c1e-3b7d-4c39-9e0b-2f0c4d1e5a77"_s);
        QCOMPARE(d->architecture, u"amd64/generic"_s);
        QCOMPARE(d->firmware, u"uefi"_s);
        QCOMPARE(d->macAddresses, QStringList({u"52:54:00:ab:cd:01"_s, u"52:54:00:ab:cd:02"_s}));
        QVERIFY(d->hasPtySerial);
    }

    void readsABiosVmAndItsArchitecture()
    {
        auto d = parseDomainXml(kBiosVm);
        QVERIFY2(d, qPrintable(d.errorMessage()));
        QCOMPARE(d->firmware, u"bios"_s);
        QCOMPARE(d->architecture, u"arm64/generic"_s);
        QVERIFY(!d->hasPtySerial);
        // libvirt 9's firmware auto-selection says it on <os> instead of a loader.
        auto efi = parseDomainXml("<domain><name>x</name><os firmware='efi'><type arch='x86_64'>hvm</type></os>"
                                  "</domain>");
        QVERIFY(efi);
        QCOMPARE(efi->firmware, u"uefi"_s);
    }

    void refusesWhatIsNotADomain_data()
    {
        QTest::addColumn<QByteArray>("xml");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << QByteArray() << u"not valid XML"_s;
        QTest::newRow("truncated") << kUefiVm.left(300) << u"not valid XML"_s;
        QTest::newRow("network") << QByteArray("<network><name>default</name></network>") << u"not a domain"_s;
        QTest::newRow("nameless") << QByteArray("<domain><os/></domain>") << u"without a name"_s;
        QTest::newRow("entity") << QByteArray("<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
                                              "<domain><name>&e;</name></domain>")
                                << u"without a name"_s; // the entity is not read
    }
    void refusesWhatIsNotADomain()
    {
        QFETCH(QByteArray, xml);
        QFETCH(QString, says);
        auto d = parseDomainXml(xml);
        QVERIFY(!d);
        QVERIFY2(d.errorMessage().contains(says), qPrintable(d.errorMessage()));
    }

    void bootsTheNetworkFirstKeepingTheRest()
    {
        auto changed = withNetworkBootFirst(kUefiVm);
        QVERIFY2(changed, qPrintable(changed.errorMessage()));
        // Device boot orders would clash with <os><boot>: libvirt refuses both at once.
        QVERIFY2(!changed->contains("boot order"), changed->constData());
        QVERIFY2(changed->contains("<boot dev=\"network\"/><boot dev=\"hd\"/></os>"), changed->constData());
        // The rest is there as it was: the same domain, secrets and metadata included.
        for (const char *kept : {"OVMF_CODE_4M.fd", "lab-uefi_VARS.fd", "passwd=\"secret\"", "e1000e", "libosinfo:os",
                                 "http://libosinfo.org/xmlns/libvirt/domain/1.0"})
            QVERIFY2(changed->contains(kept), kept);
        auto before = parseDomainXml(kUefiVm);
        auto after = parseDomainXml(*changed);
        QVERIFY(after);
        QCOMPARE(after->uuid, before->uuid);
        QCOMPARE(after->macAddresses, before->macAddresses);
        QCOMPARE(after->firmware, before->firmware);
        // Twice is the same as once.
        QCOMPARE(*withNetworkBootFirst(*changed), *changed);

        auto bios = withNetworkBootFirst(kBiosVm);
        QVERIFY(bios);
        QVERIFY2(!bios->contains("cdrom"), bios->constData());
        QVERIFY2(bios->contains("<boot dev=\"network\"/><boot dev=\"hd\"/></os>"), bios->constData());
    }

    void refusesToRewriteWhatItCannotRead()
    {
        QVERIFY(!withNetworkBootFirst(kUefiVm.left(200)));
        auto noOs = withNetworkBootFirst("<domain><name>x</name></domain>");
        QVERIFY(!noOs);
        QVERIFY2(noOs.errorMessage().contains(u"<os>"_s), qPrintable(noOs.errorMessage()));
    }
};

QTEST_GUILESS_MAIN(TestDomainXml)
#include "tst_domainxml.moc"
