// The core behind the metadata service: the inventory's strict parsing, the cloud-init
// configuration, per-machine settings, reserved addresses, and what the boot decision adds for a
// machine's environment (its credential, disk erasing, booting the disk once the image is written).
#include "core/addresses/staticaddresses.h"
#include "core/boot/bootdecision.h"
#include "core/boot/cloudconfig.h"
#include "core/boot/nodereports.h"
#include "core/machines/devicestore.h"
#include "core/machines/inventory.h"
#include "core/machines/nodesettings.h"
#include "core/runtime/coreservices.h"
#include "core/storage/settings.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace metaldesk;
using S = NodeStatus;

namespace {

// What bootenv/inventory.sh prints for a QEMU VM (bootenv/README.md).
const QByteArray kInventory =
    R"j({"architecture":"amd64/generic","firmware":"bios","cpu":{"model":"QEMU Virtual CPU version 2.5+","count":2},)j"
    R"j("memory_mib":512,"disks":[{"name":"nvme0n1","model":"QEMU NVMe Ctrl","serial":"MDNVME0001","size_bytes":50331648},)j"
    R"j({"name":"vda","model":"","serial":"MDVIRTIO0001","size_bytes":67108864}],)j"
    R"j("nics":[{"mac":"52:54:00:5e:00:01","driver":"virtio_net","link":true},{"mac":"52:54:00:5e:00:02","driver":"e1000","link":true,"speed_mbps":1000}],)j"
    R"j("dmi":{"vendor":"QEMU","product":"Standard PC (i440FX + PIIX, 1996)","serial":""},"boot_mac":"52:54:00:5e:00:01"})j";

QByteArray withMember(const QByteArray &json, const QString &key, const QJsonValue &value)
{
    QJsonObject o = QJsonDocument::fromJson(json).object();
    if (value.isUndefined())
        o.remove(key);
    else
        o.insert(key, value);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TestNodeReports : public QObject {
    Q_OBJECT
private slots:
    void readsTheEnvironmentsInventory();
    void refusesMalformedInventories_data();
    void refusesMalformedInventories();
    void knowsWhichArchitecturesBoot();
    void writesTheMaasDatasourceConfiguration();
    void quotesYamlSafely();
    void validatesDeploySettings_data();
    void validatesDeploySettings();
    void keepsSettingsPerMachine();
    void holdsOneReservedAddressPerMachine();
    void givesTheEnvironmentItsCredentialAndEraseMode();
    void bootsTheDiskOnceTheImageIsWrittenUntilTheStatusChanges();
    void enlistsAndCommissionsThroughTheEngine();
    void limitsAnonymousEnlistment();
    void attachesNothingToAKnownMachineAnonymously();
    void writesEachReportInOneTransaction();
    void holdsAMachinesReportsToItsPhase();
    void keepsNoImagePasswordInItsEvents();

private:
    std::unique_ptr<CoreServices> open()
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md-%1.db").arg(++n_))));
        return core ? std::move(*core) : nullptr;
    }
    Machine newMachine(CoreServices &core, const QStringList &macs)
    {
        NewMachine spec;
        spec.macAddresses = macs;
        auto m = core.engine->createMachine(spec, admin_);
        return m ? *m : Machine{};
    }
    const Actor admin_ = Actor::system(QStringLiteral("test"));
    QTemporaryDir dir_;
    int n_ = 0;
};

void TestNodeReports::readsTheEnvironmentsInventory()
{
    auto inv = parseInventory(kInventory);
    QVERIFY2(inv, qPrintable(inv.errorMessage()));
    QCOMPARE(inv->architecture, QStringLiteral("amd64/generic"));
    QCOMPARE(inv->firmware, QStringLiteral("bios"));
    QCOMPARE(inv->cpuCount, 2);
    QCOMPARE(inv->cpuModel, QStringLiteral("QEMU Virtual CPU version 2.5+"));
    QCOMPARE(inv->memoryMiB, 512);
    QCOMPARE(inv->disks.size(), 2);
    QCOMPARE(inv->disks[1].serial, QStringLiteral("MDVIRTIO0001"));
    QCOMPARE(inv->storageBytes(), qint64(50331648) + 67108864);
    QCOMPARE(inv->bootDisk(), QStringLiteral("nvme0n1"));
    QCOMPARE(inv->nics[1].driver, QStringLiteral("e1000"));
    QCOMPARE(inv->nics[1].speedMbps, 1000);
    QCOMPARE(inv->nics[0].speedMbps, 0);        // not reported (virtio)
    auto again = parseInventory(inv->toJson()); // as stored: the speed kept, the missing one still missing
    QVERIFY(again);
    QCOMPARE(again->nics[1].speedMbps, 1000);
    QVERIFY(!inv->toJson().contains("\"speed_mbps\":0"));
    QCOMPARE(inv->dmiVendor, QStringLiteral("QEMU"));
    QCOMPARE(inv->macAddresses(),
             (QStringList{QStringLiteral("52:54:00:5e:00:01"), QStringLiteral("52:54:00:5e:00:02")}));
    // The boot MAC leads even when the environment lists it later, and MACs are normalised.
    auto second =
        parseInventory(withMember(kInventory, QStringLiteral("boot_mac"), QStringLiteral("52-54-00-5E-00-02")));
    QVERIFY(second);
    QCOMPARE(second->macAddresses().first(), QStringLiteral("52:54:00:5e:00:02"));
    QVERIFY(inv->summary().english().contains(QLatin1String("2 CPUs")));
    QVERIFY(inv->summary().english().contains(QLatin1String("vda 64 MiB")));
    // A later environment's extra members are no reason to refuse it.
    QVERIFY(parseInventory(withMember(kInventory, QStringLiteral("tpm"), QJsonObject{{QStringLiteral("v"), 2}})));
}

void TestNodeReports::refusesMalformedInventories_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("reason");
    auto disk = [](const QJsonValue &size) {
        return QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("vda")},
                                      {QStringLiteral("model"), QString()},
                                      {QStringLiteral("serial"), QString()},
                                      {QStringLiteral("size_bytes"), size}}};
    };
    QTest::newRow("not json") << QByteArray("{\"architecture\":") << QStringLiteral("not JSON");
    QTest::newRow("array") << QByteArray("[1,2]") << QStringLiteral("JSON object");
    QTest::newRow("speed negative") << withMember(kInventory, QStringLiteral("nics"),
                                                  QJsonArray{QJsonObject{
                                                      {QStringLiteral("mac"), QStringLiteral("52:54:00:5e:00:01")},
                                                      {QStringLiteral("driver"), QStringLiteral("e1000")},
                                                      {QStringLiteral("link"), true},
                                                      {QStringLiteral("speed_mbps"), -5}}})
                                    << QStringLiteral("nics[0].speed_mbps");
    QTest::newRow("no arch") << withMember(kInventory, QStringLiteral("architecture"), QJsonValue::Undefined)
                             << QStringLiteral("architecture is missing");
    QTest::newRow("arch number") << withMember(kInventory, QStringLiteral("architecture"), 64)
                                 << QStringLiteral("architecture must be a string");
    QTest::newRow("arch odd") << withMember(kInventory, QStringLiteral("architecture"), QStringLiteral("AMD 64!"))
                              << QStringLiteral("not of the form");
    QTest::newRow("firmware") << withMember(kInventory, QStringLiteral("firmware"), QStringLiteral("coreboot"))
                              << QStringLiteral("firmware must be");
    QTest::newRow("cpu string") << withMember(kInventory, QStringLiteral("cpu"),
                                              QJsonObject{{QStringLiteral("model"), QString()},
                                                          {QStringLiteral("count"), QStringLiteral("2")}})
                                << QStringLiteral("cpu.count must be a whole number");
    QTest::newRow("cpu zero") << withMember(
                                     kInventory, QStringLiteral("cpu"),
                                     QJsonObject{{QStringLiteral("model"), QString()}, {QStringLiteral("count"), 0}})
                              << QStringLiteral("cpu.count must be from 1");
    QTest::newRow("memory fraction") << withMember(kInventory, QStringLiteral("memory_mib"), 511.5)
                                     << QStringLiteral("memory_mib must be a whole number");
    QTest::newRow("memory negative") << withMember(kInventory, QStringLiteral("memory_mib"), -1)
                                     << QStringLiteral("memory_mib must be from");
    QTest::newRow("disks object") << withMember(kInventory, QStringLiteral("disks"), QJsonObject{})
                                  << QStringLiteral("disks must be a JSON array");
    QTest::newRow("disk size huge") << withMember(kInventory, QStringLiteral("disks"), disk(1e300))
                                    << QStringLiteral("disks[0].size_bytes must be a whole number");
    QTest::newRow("disk size text") << withMember(kInventory, QStringLiteral("disks"), disk(QStringLiteral("1G")))
                                    << QStringLiteral("disks[0].size_bytes");
    QTest::newRow("bad mac") << withMember(kInventory, QStringLiteral("boot_mac"), QStringLiteral("52:54:00"))
                             << QStringLiteral("not a MAC address");
    QTest::newRow("long model") << withMember(kInventory, QStringLiteral("dmi"),
                                              QJsonObject{{QStringLiteral("vendor"), QString(300, QLatin1Char('x'))},
                                                          {QStringLiteral("product"), QString()},
                                                          {QStringLiteral("serial"), QString()}})
                                << QStringLiteral("dmi.vendor is longer than 256");
    QTest::newRow("control char") << withMember(kInventory, QStringLiteral("dmi"),
                                                QJsonObject{{QStringLiteral("vendor"), QStringLiteral("a\nb")},
                                                            {QStringLiteral("product"), QString()},
                                                            {QStringLiteral("serial"), QString()}})
                                  << QStringLiteral("control character");
    QTest::newRow("nic link text") << withMember(kInventory, QStringLiteral("nics"),
                                                 QJsonArray{QJsonObject{
                                                     {QStringLiteral("mac"), QStringLiteral("52:54:00:5e:00:01")},
                                                     {QStringLiteral("driver"), QStringLiteral("e1000")},
                                                     {QStringLiteral("link"), QStringLiteral("yes")}}})
                                   << QStringLiteral("nics[0].link must be true or false");
    QJsonArray many;
    for (int i = 0; i < 300; ++i)
        many.append(QJsonObject{{QStringLiteral("mac"), QStringLiteral("52:54:00:00:%1:%2")
                                                            .arg(i / 256, 2, 16, QLatin1Char('0'))
                                                            .arg(i % 256, 2, 16, QLatin1Char('0'))},
                                {QStringLiteral("driver"), QString()},
                                {QStringLiteral("link"), false}});
    QTest::newRow("too many nics") << withMember(kInventory, QStringLiteral("nics"), many)
                                   << QStringLiteral("more than 256");
    QTest::newRow("disk path") << withMember(kInventory, QStringLiteral("disks"),
                                             QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("../sda")},
                                                                    {QStringLiteral("model"), QString()},
                                                                    {QStringLiteral("serial"), QString()},
                                                                    {QStringLiteral("size_bytes"), 1}}})
                               << QStringLiteral("not a block device name");
}

void TestNodeReports::refusesMalformedInventories()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, reason);
    auto inv = parseInventory(json);
    QVERIFY(!inv);
    QVERIFY2(inv.errorMessage().contains(reason), qPrintable(inv.errorMessage()));
}

void TestNodeReports::knowsWhichArchitecturesBoot()
{
    QCOMPARE(supportedArchitecture(QStringLiteral("amd64/generic")), QStringLiteral("amd64/generic"));
    QCOMPARE(supportedArchitecture(QStringLiteral("amd64")), QStringLiteral("amd64/generic"));
    QCOMPARE(supportedArchitecture(QStringLiteral("arm64/generic")), QString());
    QCOMPARE(supportedArchitecture(QStringLiteral("i386/generic")), QString());
    // Well-formed but unsupported architectures parse: refusing them is the service's decision.
    auto arm = parseInventory(withMember(kInventory, QStringLiteral("architecture"), QStringLiteral("arm64/generic")));
    QVERIFY(arm);
    QCOMPARE(arm->architecture, QStringLiteral("arm64/generic"));
}

void TestNodeReports::writesTheMaasDatasourceConfiguration()
{
    CloudConfigInput in;
    in.metadataUrl = QStringLiteral("http://10.99.0.1:5240/MAAS/metadata/");
    in.systemId = QStringLiteral("abc123");
    in.token = {QStringLiteral("CK"), QStringLiteral("TK"), QStringLiteral("TS")};
    QByteArray y = cloudConfig(in);
    QVERIFY(y.startsWith("#cloud-config\n"));
    QVERIFY2(y.contains("datasource_list: [MAAS]\n"), y.constData());
    QVERIFY2(y.contains("  MAAS:\n    metadata_url: \"http://10.99.0.1:5240/MAAS/metadata/\"\n"
                        "    consumer_key: \"CK\"\n    token_key: \"TK\"\n    token_secret: \"TS\"\n"),
             y.constData());
    QVERIFY2(y.contains("    endpoint: \"http://10.99.0.1:5240/MAAS/metadata/status/abc123\"\n"), y.constData());
    QVERIFY(!y.contains("network:"));

    in.network = StaticNetwork{QStringLiteral("eth0"),       QStringLiteral("52:54:00:5e:00:01"),
                               QStringLiteral("10.99.0.50"), 24,
                               QStringLiteral("10.99.0.1"),  {QStringLiteral("10.99.0.1"), QStringLiteral("9.9.9.9")}};
    y = cloudConfig(in);
    QVERIFY2(y.contains("network:\n  version: 1\n  config:\n  - type: physical\n    name: \"eth0\"\n"
                        "    mac_address: \"52:54:00:5e:00:01\"\n    subnets:\n    - type: static\n"
                        "      address: \"10.99.0.50/24\"\n      gateway: \"10.99.0.1\"\n"
                        "      dns_nameservers: [\"10.99.0.1\", \"9.9.9.9\"]\n"),
             y.constData());
}

void TestNodeReports::quotesYamlSafely()
{
    QCOMPARE(yamlQuoted(QStringLiteral("plain")), QByteArray("\"plain\""));
    QCOMPARE(yamlQuoted(QStringLiteral("a\"b\\c\nd\te")), QByteArray("\"a\\\"b\\\\c\\nd\\te\""));
    QCOMPARE(yamlQuoted(QString(QChar(0x01))), QByteArray("\"\\u0001\""));
    QCOMPARE(yamlQuoted(QStringLiteral("한국 😀")), QStringLiteral("\"한국 😀\"").toUtf8());
}

void TestNodeReports::validatesDeploySettings_data()
{
    QTest::addColumn<QString>("image");
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("gateway");
    QTest::addColumn<QString>("problem");
    QTest::newRow("url") << "http://10.0.0.1:5248/images/a.img.xz"
                         << "10.0.0.50/24"
                         << "10.0.0.1"
                         << "";
    QTest::newRow("path") << "images/debian-12.img.gz"
                          << ""
                          << ""
                          << "";
    QTest::newRow("nothing") << ""
                             << ""
                             << ""
                             << "";
    QTest::newRow("ftp") << "ftp://host/a.img"
                         << ""
                         << ""
                         << "http:// or https://";
    QTest::newRow("dotdot") << "images/../../etc/passwd"
                            << ""
                            << ""
                            << "'..'";
    QTest::newRow("space") << "http://h/a b.img"
                           << ""
                           << ""
                           << "spaces";
    QTest::newRow("no prefix") << ""
                               << "10.0.0.50"
                               << ""
                               << "prefix length";
    QTest::newRow("v6") << ""
                        << "fd00::5/64"
                        << ""
                        << "IPv4";
    QTest::newRow("bad gateway") << ""
                                 << "10.0.0.50/24"
                                 << "10.0.1.1"
                                 << "not in the network";
}

void TestNodeReports::validatesDeploySettings()
{
    QFETCH(QString, image);
    QFETCH(QString, address);
    QFETCH(QString, gateway);
    QFETCH(QString, problem);
    DeploySettings s;
    s.imageUrl = image;
    s.staticAddress = address;
    s.gateway = gateway;
    const QString found = NodeSettingsStore::validate(s);
    if (problem.isEmpty())
        QVERIFY2(found.isEmpty(), qPrintable(found));
    else
        QVERIFY2(found.contains(problem), qPrintable(found));
}

void TestNodeReports::keepsSettingsPerMachine()
{
    auto core = open();
    QVERIFY(core);
    const Machine a = newMachine(*core, {QStringLiteral("52:54:00:01:00:01")});
    const Machine b = newMachine(*core, {QStringLiteral("52:54:00:01:00:02")});
    NodeSettingsStore store(core->db);
    auto fresh = store.get(a.systemId);
    QVERIFY2(fresh, qPrintable(fresh.errorMessage()));
    QVERIFY(!fresh->keepPoweredOn);
    QVERIFY(fresh->deploy.imageUrl.isEmpty());
    QVERIFY(store.setKeepPoweredOn(a.systemId, true));
    DeploySettings d;
    d.imageUrl = QStringLiteral("images/debian.img.xz");
    d.userData = QStringLiteral("#cloud-config\nruncmd: [touch, /x]\n");
    d.staticAddress = QStringLiteral("10.0.0.7/24");
    d.dnsServers = {QStringLiteral("10.0.0.1"), QStringLiteral("1.1.1.1")};
    QVERIFY(store.setDeploySettings(a.systemId, d));
    QVERIFY(store.setEraseMode(a.systemId, QStringLiteral("secure")));
    QVERIFY(!store.setEraseMode(a.systemId, QStringLiteral("shred")));
    d.staticAddress = QStringLiteral("nonsense");
    QVERIFY(!store.setDeploySettings(b.systemId, d));
    auto got = store.get(a.systemId);
    QVERIFY(got);
    QVERIFY(got->keepPoweredOn);
    QCOMPARE(got->eraseMode, QStringLiteral("secure"));
    QCOMPARE(got->deploy.userData, QStringLiteral("#cloud-config\nruncmd: [touch, /x]\n"));
    QCOMPARE(got->deploy.staticAddress, QStringLiteral("10.0.0.7/24"));
    QCOMPARE(got->deploy.dnsServers, (QStringList{QStringLiteral("10.0.0.1"), QStringLiteral("1.1.1.1")}));
    auto other = store.get(b.systemId);
    QVERIFY(other && !other->keepPoweredOn && other->deploy.imageUrl.isEmpty());

    // One address, one holder (security review M6): not another machine's, not one DHCP hands out.
    d.staticAddress = QStringLiteral("10.0.0.7/24");
    auto taken = store.setDeploySettings(b.systemId, d);
    QVERIFY(!taken);
    QCOMPARE(taken.errorMessage(), QStringLiteral("the static address 10.0.0.7 is already held by %1").arg(a.hostname));
    QVERIFY(core->config->setValue(QStringLiteral("dhcp_range"), QStringLiteral("10.0.0.100-10.0.0.150")));
    d.staticAddress = QStringLiteral("10.0.0.120/24");
    auto inRange = store.setDeploySettings(b.systemId, d);
    QVERIFY(!inRange);
    QCOMPARE(inRange.errorMessage(), QStringLiteral("the static address 10.0.0.120 is inside DHCP's dynamic range "
                                                    "10.0.0.100-10.0.0.150, where DHCP would give it to another "
                                                    "machine too: choose one outside it"));
    const quint32 reserved = QHostAddress(QStringLiteral("10.0.0.200")).toIPv4Address();
    QVERIFY(StaticAddressStore(core->db).assign(a.systemId, reserved, reserved));
    d.staticAddress = QStringLiteral("10.0.0.200/24");
    QVERIFY(!store.setDeploySettings(b.systemId, d));
    d.staticAddress = QStringLiteral("10.0.0.8/24");
    QVERIFY(store.setDeploySettings(b.systemId, d));
    // Its own address again is no conflict.
    d.staticAddress = QStringLiteral("10.0.0.7/24");
    QVERIFY(store.setDeploySettings(a.systemId, d));
    // What DHCP keeps out of its offers.
    auto held = StaticAddressStore(core->db).heldAddresses();
    QVERIFY2(held, qPrintable(held.errorMessage()));
    QCOMPARE(*held, (QSet<quint32>{QHostAddress(QStringLiteral("10.0.0.7")).toIPv4Address(),
                                   QHostAddress(QStringLiteral("10.0.0.8")).toIPv4Address(), reserved}));
    QVERIFY(!store.get(QStringLiteral("nosuch")));
    QVERIFY(!store.setKeepPoweredOn(QStringLiteral("nosuch"), true));
}

void TestNodeReports::holdsOneReservedAddressPerMachine()
{
    auto core = open();
    QVERIFY(core);
    const Machine a = newMachine(*core, {QStringLiteral("52:54:00:02:00:01")});
    const Machine b = newMachine(*core, {QStringLiteral("52:54:00:02:00:02")});
    const Machine c = newMachine(*core, {QStringLiteral("52:54:00:02:00:03")});
    StaticAddressStore store(core->db);
    const quint32 first = QHostAddress(QStringLiteral("10.0.0.200")).toIPv4Address();
    auto ip = [](const Expected<std::optional<quint32>> &e) {
        return e && *e ? QHostAddress(**e).toString() : QStringLiteral("none");
    };
    QCOMPARE(ip(store.assign(a.systemId, first, first + 1)), QStringLiteral("10.0.0.200"));
    QCOMPARE(ip(store.assign(b.systemId, first, first + 1)), QStringLiteral("10.0.0.201"));
    QCOMPARE(ip(store.assign(a.systemId, first, first + 1)), QStringLiteral("10.0.0.200")); // kept
    QCOMPARE(ip(store.assign(c.systemId, first, first + 1)), QStringLiteral("none"));       // full
    QCOMPARE(ip(store.addressOf(b.systemId)), QStringLiteral("10.0.0.201"));
    // The range moved: a's old address is given up for one inside the new range.
    QCOMPARE(ip(store.assign(a.systemId, first + 10, first + 20)), QStringLiteral("10.0.0.210"));
    QCOMPARE(ip(store.assign(c.systemId, first, first + 1)), QStringLiteral("10.0.0.200"));
    // Deleting a machine frees its address.
    QVERIFY(core->engine->performAction(b.systemId, NodeAction::Delete, admin_));
    const Machine d = newMachine(*core, {QStringLiteral("52:54:00:02:00:04")});
    QCOMPARE(ip(store.assign(d.systemId, first, first + 1)), QStringLiteral("10.0.0.201"));
    // So does releasing it (security review L4), as MAAS frees its AUTO addresses.
    QVERIFY(core->engine->changeStatus(d.systemId, S::Ready, admin_, Text::plain(QStringLiteral("test"))));
    QVERIFY(core->engine->performAction(d.systemId, NodeAction::Deploy, admin_));
    QCOMPARE(ip(store.assign(d.systemId, first, first + 1)), QStringLiteral("10.0.0.201")); // as the deploy does
    QVERIFY(core->engine->changeStatus(d.systemId, S::Deployed, admin_, Text::plain(QStringLiteral("test"))));
    QCOMPARE(ip(store.addressOf(d.systemId)), QStringLiteral("10.0.0.201")); // kept while deployed
    QVERIFY(core->engine->performAction(d.systemId, NodeAction::Release, admin_));
    if (core->machines->get(d.systemId)->status != S::Ready)
        QVERIFY(core->engine->changeStatus(d.systemId, S::Ready, admin_, Text::plain(QStringLiteral("test"))));
    QCOMPARE(ip(store.addressOf(d.systemId)), QStringLiteral("none"));
    QVERIFY(!StaticAddressStore(core->db).heldAddresses()->contains(first + 1));
    // A static address a user gave a machine is not handed to another from the range.
    const Machine f = newMachine(*core, {QStringLiteral("52:54:00:02:00:05")});
    DeploySettings fixed;
    fixed.staticAddress = QStringLiteral("10.0.0.201/24");
    QVERIFY(NodeSettingsStore(core->db).setDeploySettings(f.systemId, fixed));
    const Machine g = newMachine(*core, {QStringLiteral("52:54:00:02:00:06")});
    QCOMPARE(ip(store.assign(g.systemId, first, first + 1)), QStringLiteral("none"));
    // Nor to a device (juju's containers), by name or from the range.
    DeviceStore devices(core->db);
    auto device = devices.create(admin_, QStringLiteral("box"), {QStringLiteral("52:54:00:02:00:07")}, {}, {});
    QVERIFY2(device, qPrintable(device.errorMessage()));
    const qint64 port = device->interfaces.value(0).id;
    auto named = devices.link(admin_, device->systemId, port, QStringLiteral("static"), QStringLiteral("10.0.0.201"),
                              first, first + 1);
    QVERIFY(!named);
    QCOMPARE(named.errorMessage(), QStringLiteral("10.0.0.201 is held by another machine or device"));
    auto any = devices.link(admin_, device->systemId, port, QStringLiteral("static"), {}, first, first + 1);
    QVERIFY(!any);
    QCOMPARE(any.errorMessage(), QStringLiteral("no address is free in the reserved range"));
}

void TestNodeReports::givesTheEnvironmentItsCredentialAndEraseMode()
{
    auto core = open();
    QVERIFY(core);
    const QString mac = QStringLiteral("52:54:00:03:00:01");
    const Machine m = newMachine(*core, {mac});
    BootDecider decider(*core->machines);
    auto decide = [&] { return *decider.decide(mac); };
    QVERIFY(decide().token.isEmpty());                                             // New: powered off, no credential
    QVERIFY(decider.decide(QStringLiteral("52:54:00:03:00:99"))->token.isEmpty()); // unknown: enlists
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Commission, admin_));
    const BootDecision commissioning = decide();
    QCOMPARE(commissioning.purpose, BootPurpose::Commission);
    const NodeToken token = *NodeTokenStore(core->db).tokenFor(m.systemId);
    QCOMPARE(commissioning.token, token.toString());
    QVERIFY(core->engine->changeStatus(m.systemId, S::Ready, admin_, Text::plain(QStringLiteral("test"))));
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Deploy, admin_));
    QVERIFY(core->engine->changeStatus(m.systemId, S::Deployed, admin_, Text::plain(QStringLiteral("test"))));
    QVERIFY(decide().token.isEmpty()); // local disk
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Release, admin_));
    QCOMPARE(decide().erase, QStringLiteral("none"));
    // Releasing is a new boot purpose: a new credential, the same for every script of this boot.
    const QString releasing = decide().token;
    QVERIFY(!releasing.isEmpty() && releasing != token.toString());
    QCOMPARE(decide().token, releasing);
    QVERIFY(core->engine->changeStatus(m.systemId, S::Ready, admin_, Text::plain(QStringLiteral("test"))));
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Deploy, admin_));
    QVERIFY(core->engine->changeStatus(m.systemId, S::Deployed, admin_, Text::plain(QStringLiteral("test"))));
    ActionOptions erase;
    erase.erase = true;
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Release, admin_, erase));
    QCOMPARE(decide().purpose, BootPurpose::Release);
    QCOMPARE(decide().erase, QStringLiteral("quick")); // the default
    QVERIFY(core->config->setValue(setting::DiskEraseMode, QStringLiteral("secure")));
    QCOMPARE(decide().erase, QStringLiteral("secure"));
    QVERIFY(NodeSettingsStore(core->db).setEraseMode(m.systemId, QStringLiteral("quick")));
    QCOMPARE(decide().erase, QStringLiteral("quick")); // the machine's own choice wins
}

void TestNodeReports::bootsTheDiskOnceTheImageIsWrittenUntilTheStatusChanges()
{
    auto core = open();
    QVERIFY(core);
    const QString mac = QStringLiteral("52:54:00:04:00:01");
    const Machine m = newMachine(*core, {mac});
    BootDecider decider(*core->machines);
    NodeSettingsStore settings(core->db);
    auto purpose = [&] { return decider.decide(mac)->purpose; };
    QVERIFY(core->engine->changeStatus(m.systemId, S::Ready, admin_, Text::plain(QStringLiteral("test"))));
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Deploy, admin_));
    QCOMPARE(purpose(), BootPurpose::Deploy);
    QVERIFY(settings.markInstalled(m.systemId));
    QCOMPARE(purpose(), BootPurpose::LocalDisk); // rebooting into the installed system
    QVERIFY(decider.decide(mac)->token.isEmpty());
    // Aborted and deployed again: the new deployment writes its image again.
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Abort, admin_));
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Deploy, admin_));
    QCOMPARE(purpose(), BootPurpose::Deploy);
    QVERIFY(!*settings.isInstalled(m.systemId));
}

void TestNodeReports::enlistsAndCommissionsThroughTheEngine()
{
    auto core = open();
    QVERIFY(core);
    NodeReports reports(core->db, core->feed.get(), core->engine.get());
    QSignalSpy added(core->feed.get(), &ChangeFeed::machineAdded);
    QSignalSpy events(core->feed.get(), &ChangeFeed::eventRecorded);
    auto enlisted = reports.enlist(kInventory);
    QVERIFY(std::holds_alternative<Enlisted>(enlisted));
    const Enlisted e = std::get<Enlisted>(enlisted);
    QVERIFY(e.created);
    QCOMPARE(added.size(), 1);
    QVERIFY(events.size() >= 2); // created, enlisted
    Machine m = *core->machines->get(e.systemId);
    QCOMPARE(m.status, S::New);
    QCOMPARE(m.hostname, e.hostname);
    QCOMPARE(m.cpuCount, 2);
    QCOMPARE(m.memory, 512);
    QCOMPARE(m.interfaces.size(), 2);
    QVERIFY(m.bootDisk.isEmpty()); // commissioning's to establish, with the machine's credential
    auto stored = reports.latestResult(e.systemId, QLatin1String(NodeReports::kEnlistmentResult));
    QVERIFY(stored && *stored);
    QCOMPARE((*stored)->output, parseInventory(kInventory)->toJson());

    // Not commissioning: refused, nothing changes.
    auto early = reports.commission(e.systemId, kInventory);
    QVERIFY(std::holds_alternative<ReportError>(early));
    QCOMPARE(std::get<ReportError>(early).kind, ReportError::WrongStatus);
    QVERIFY(core->engine->performAction(e.systemId, NodeAction::Commission, admin_));
    QVERIFY(NodeSettingsStore(core->db).setKeepPoweredOn(e.systemId, true));
    const QByteArray bigger = withMember(kInventory, QStringLiteral("memory_mib"), 2048);
    auto done = reports.commission(e.systemId, bigger);
    QVERIFY(std::holds_alternative<Commissioned>(done));
    QVERIFY(!std::get<Commissioned>(done).powerOff);
    m = *core->machines->get(e.systemId);
    QCOMPARE(m.status, S::Ready);
    QCOMPARE(m.memory, 2048);
    QCOMPARE(m.bootDisk, QStringLiteral("nvme0n1"));
    QCOMPARE((*reports.latestResult(e.systemId, QLatin1String(NodeReports::kCommissioningResult)))->output,
             parseInventory(bigger)->toJson());

    // What is stored is what was parsed: a member the parser ignores (1 MB of padding, say) is not.
    const QByteArray padded =
        withMember(withMember(kInventory, QStringLiteral("pad"), QString(1000000, QLatin1Char('A'))),
                   QStringLiteral("boot_mac"), QStringLiteral("52:54:00:5e:00:77"));
    auto other = reports.enlist(withMember(padded, QStringLiteral("nics"), QJsonArray{}),
                                QHostAddress(QStringLiteral("10.0.0.9")));
    QVERIFY(std::holds_alternative<Enlisted>(other));
    stored = reports.latestResult(std::get<Enlisted>(other).systemId, QLatin1String(NodeReports::kEnlistmentResult));
    QVERIFY(stored && *stored);
    QVERIFY2((*stored)->output.size() < 1000, (*stored)->output.left(200).constData());
    QVERIFY(!(*stored)->output.contains("AAAA"));
}

namespace {

QByteArray inventoryWithMac(int n)
{
    const QString mac = QStringLiteral("52:54:00:66:00:%1").arg(n, 2, 16, QLatin1Char('0'));
    return withMember(withMember(kInventory, QStringLiteral("boot_mac"), mac), QStringLiteral("nics"), QJsonArray{});
}

ReportError refusal(const ReportOutcome<Enlisted> &outcome)
{
    return std::holds_alternative<ReportError>(outcome) ? std::get<ReportError>(outcome) : ReportError{};
}

} // namespace

void TestNodeReports::limitsAnonymousEnlistment()
{
    auto core = open();
    QVERIFY(core);
    NodeReports reports(core->db, core->feed.get(), core->engine.get());
    const QHostAddress a(QStringLiteral("10.0.0.5")), b(QStringLiteral("10.0.0.6")), c(QStringLiteral("10.0.0.7"));
    // The rate, per source address.
    QVERIFY(core->config->setValue(QLatin1String(setting::EnlistPerMinute), QStringLiteral("2")));
    QVERIFY(std::holds_alternative<Enlisted>(reports.enlist(inventoryWithMac(1), a)));
    QVERIFY(std::holds_alternative<Enlisted>(reports.enlist(inventoryWithMac(2), a)));
    const ReportError tooFast = refusal(reports.enlist(inventoryWithMac(3), a));
    QCOMPARE(tooFast.kind, ReportError::Limited);
    QVERIFY2(tooFast.reason.contains(QLatin1String("10.0.0.5 has enlisted 2 times within a minute")) &&
                 tooFast.reason.contains(QLatin1String("enlist_per_minute")),
             qPrintable(tooFast.reason));
    QVERIFY(tooFast.retryAfterSeconds >= 1 && tooFast.retryAfterSeconds <= 60);
    QVERIFY(!*core->machines->findByMac(QStringLiteral("52:54:00:66:00:03")));
    // Another address is not held back by the first.
    QVERIFY(std::holds_alternative<Enlisted>(reports.enlist(inventoryWithMac(3), b)));
    QCOMPARE(*core->machines->count(), 3);

    // The count: no more New machines than enlist_max_new_machines, said once in the event log.
    QVERIFY(core->config->setValue(QLatin1String(setting::EnlistMaxNewMachines), QStringLiteral("3")));
    const ReportError full = refusal(reports.enlist(inventoryWithMac(4), c));
    QCOMPARE(full.kind, ReportError::Limited);
    QVERIFY2(full.reason.contains(QLatin1String("3 machines are New already")) &&
                 full.reason.contains(QLatin1String("enlist_max_new_machines")),
             qPrintable(full.reason));
    QCOMPARE(*core->machines->count(), 3);
    QVERIFY(!*core->machines->findByMac(QStringLiteral("52:54:00:66:00:04")));
    QCOMPARE(refusal(reports.enlist(inventoryWithMac(5), c)).kind, ReportError::Limited);
    int warnings = 0;
    const auto recent = core->events->recent(50);
    QVERIFY(recent);
    for (const Event &e : *recent)
        warnings += e.description.contains(QLatin1String("machines are New already"));
    QCOMPARE(warnings, 1);
    // A machine commissioned is no longer New: room for one more.
    const QString first = (*core->machines->findByMac(QStringLiteral("52:54:00:66:00:01")))->systemId;
    QVERIFY(core->engine->performAction(first, NodeAction::Commission, admin_));
    QVERIFY(std::holds_alternative<Enlisted>(reports.enlist(inventoryWithMac(6), b)));
    // 0 turns anonymous enlistment off, and says how to turn it on.
    QVERIFY(core->config->setValue(QLatin1String(setting::EnlistMaxNewMachines), QStringLiteral("0")));
    const ReportError off = refusal(reports.enlist(inventoryWithMac(7), QHostAddress(QStringLiteral("10.0.0.8"))));
    QCOMPARE(off.kind, ReportError::Limited);
    QVERIFY2(off.reason.contains(QLatin1String("enlistment is off")), qPrintable(off.reason));
}

void TestNodeReports::attachesNothingToAKnownMachineAnonymously()
{
    auto core = open();
    QVERIFY(core);
    NodeReports reports(core->db, core->feed.get(), core->engine.get());
    const Machine victim = newMachine(*core, {QStringLiteral("52:54:00:77:00:01")});
    QVERIFY(!victim.systemId.isEmpty());
    // Someone enlists with its own NIC first and the victim's MAC beside it.
    QByteArray forged = withMember(kInventory, QStringLiteral("boot_mac"), QStringLiteral("02:00:00:00:00:99"));
    forged = withMember(forged, QStringLiteral("nics"),
                        QJsonArray{QJsonObject{{QStringLiteral("mac"), QStringLiteral("52:54:00:77:00:01")},
                                               {QStringLiteral("driver"), QStringLiteral("e1000")},
                                               {QStringLiteral("link"), true}}});
    auto outcome = reports.enlist(forged, QHostAddress(QStringLiteral("10.0.0.66")));
    QVERIFY(std::holds_alternative<Enlisted>(outcome));
    const Enlisted known = std::get<Enlisted>(outcome);
    QVERIFY(!known.created);
    QVERIFY(known.systemId.isEmpty() && known.hostname.isEmpty()); // which machine it is stays unsaid
    QVERIFY(!*core->machines->findByMac(QStringLiteral("02:00:00:00:00:99")));
    QCOMPARE(core->machines->get(victim.systemId)->interfaces.size(), 1);
    QCOMPARE(*core->machines->count(), 1);
}

void TestNodeReports::writesEachReportInOneTransaction()
{
    auto core = open();
    QVERIFY(core);
    NodeReports reports(core->db, core->feed.get(), core->engine.get());
    auto db = core->db->connection();
    QVERIFY(db);
    // The last write of each report fails (as a full disk would make it): enlisting's event, and
    // commissioning's move to Ready after the report, hardware, NICs and event.
    QVERIFY(runQuery(*db, QStringLiteral("CREATE TRIGGER full BEFORE INSERT ON events WHEN NEW.event_type = 'enlist' "
                                         "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")));
    QVERIFY(runQuery(*db, QStringLiteral("CREATE TRIGGER full_ready BEFORE UPDATE OF status ON machines WHEN "
                                         "NEW.status = 4 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")));
    const QHostAddress from(QStringLiteral("10.0.0.5"));
    const ReportError failed = refusal(reports.enlist(kInventory, from));
    QCOMPARE(failed.kind, ReportError::Unavailable);
    QVERIFY2(failed.reason.contains(QLatin1String("disk is full")), qPrintable(failed.reason));
    // Nothing of it is left: no machine, no NIC, no event.
    QCOMPARE(*core->machines->count(), 0);
    QVERIFY(!*core->machines->findByMac(QStringLiteral("52:54:00:5e:00:01")));
    QVERIFY(core->events->recent(10)->isEmpty());

    // Commissioning likewise: the machine stays Commissioning as it was, without the report's hardware or NICs.
    const Machine m = newMachine(*core, {QStringLiteral("52:54:00:5e:00:01")});
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Commission, admin_));
    const int eventsBefore = int(core->events->forMachine(m.systemId)->size());
    auto commissioned = reports.commission(m.systemId, kInventory);
    QVERIFY(std::holds_alternative<ReportError>(commissioned));
    QCOMPARE(std::get<ReportError>(commissioned).kind, ReportError::Unavailable);
    Machine after = *core->machines->get(m.systemId);
    QCOMPARE(after.status, S::Commissioning);
    QCOMPARE(after.memory, 0);
    QCOMPARE(after.interfaces.size(), 1);
    QCOMPARE(int(core->events->forMachine(m.systemId)->size()), eventsBefore);
    QVERIFY(!*reports.latestResult(m.systemId, QLatin1String(NodeReports::kCommissioningResult)));

    // With room again, the same reports go through whole.
    QVERIFY(runQuery(*db, QStringLiteral("DROP TRIGGER full")));
    QVERIFY(runQuery(*db, QStringLiteral("DROP TRIGGER full_ready")));
    QVERIFY(std::holds_alternative<Commissioned>(reports.commission(m.systemId, kInventory)));
    after = *core->machines->get(m.systemId);
    QCOMPARE(after.status, S::Ready);
    QCOMPARE(after.memory, 512);
    QCOMPARE(after.interfaces.size(), 2);
}

void TestNodeReports::holdsAMachinesReportsToItsPhase()
{
    auto core = open();
    QVERIFY(core);
    NodeReports reports(core->db, core->feed.get(), core->engine.get());
    const Machine m = newMachine(*core, {QStringLiteral("52:54:00:5e:00:01")});
    auto working = [&] {
        return reports.reportStatus(m.systemId, R"({"purpose":"commission","result":"working","reason":"busy"})");
    };
    auto workingEvents = [&] {
        int n = 0;
        const auto log = core->events->forMachine(m.systemId, 1000);
        for (const Event &e : log ? *log : QList<Event>{})
            n += e.description.contains(QLatin1String("is working: busy"));
        return n;
    };
    // Progress of a phase the machine is not in is refused and writes no progress.
    auto early = working();
    QVERIFY(std::holds_alternative<ReportError>(early));
    QCOMPARE(std::get<ReportError>(early).kind, ReportError::WrongStatus);
    QCOMPARE(workingEvents(), 0);

    // Anonymous enlistments naming the machine, from many addresses, do not use up its budget.
    for (int i = 1; i <= NodeReports::kEventsPerMinute + 10; ++i)
        QVERIFY(std::holds_alternative<Enlisted>(
            reports.enlist(withMember(kInventory, QStringLiteral("nics"), QJsonArray{}),
                           QHostAddress(QStringLiteral("10.1.0.%1").arg(i)))));

    // In its phase, a flood of reports leaves at most kEventsPerMinute events a minute.
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Commission, admin_));
    for (int i = 0; i < NodeReports::kEventsPerMinute + 20; ++i)
        QVERIFY(std::holds_alternative<Accepted>(working()));
    QVERIFY2(workingEvents() <= NodeReports::kEventsPerMinute, QByteArray::number(workingEvents()).constData());
    QVERIFY(workingEvents() >= NodeReports::kEventsPerMinute - 1); // the refusal above took one

    // A deployment overwrites only a disk the machine reported while commissioning.
    QVERIFY(std::holds_alternative<Commissioned>(reports.commission(m.systemId, kInventory)));
    MachineStore::Hardware hw;
    hw.architecture = QStringLiteral("amd64/generic");
    hw.bootDisk = QStringLiteral("sdz");
    QVERIFY(core->machines->setHardware(m.systemId, hw));
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Deploy, admin_));
    auto deployment = reports.deployment(m.systemId, DeployContext{});
    QVERIFY(std::holds_alternative<ReportError>(deployment));
    QVERIFY2(std::get<ReportError>(deployment)
                 .reason.contains(QLatin1String("boot disk sdz is not one the machine "
                                                "reported")),
             qPrintable(std::get<ReportError>(deployment).reason));
    QCOMPARE(core->machines->get(m.systemId)->status, S::FailedDeployment);
}

void TestNodeReports::keepsNoImagePasswordInItsEvents()
{
    // The image URL reaches the machine as given (it needs the credentials), and the event log
    // names the image without them: the log is shown to every user and kept.
    auto core = open();
    QVERIFY(core);
    NodeReports reports(core->db, core->feed.get(), core->engine.get());
    const Machine m = newMachine(*core, {QStringLiteral("52:54:00:5f:00:01")});
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Commission, admin_));
    QVERIFY(std::holds_alternative<Commissioned>(reports.commission(m.systemId, kInventory)));
    DeploySettings d;
    d.imageUrl = QStringLiteral("https://mirror-user:s3cret-pw@images.example/debian-12.img.xz");
    QVERIFY(NodeSettingsStore(core->db).setDeploySettings(m.systemId, d));
    QVERIFY(core->engine->performAction(m.systemId, NodeAction::Deploy, admin_));
    auto deployment = reports.deployment(m.systemId, DeployContext{});
    QVERIFY(std::holds_alternative<Deployment>(deployment));
    QCOMPARE(std::get<Deployment>(deployment).imageUrl, d.imageUrl);
    const auto log = core->events->forMachine(m.systemId, 1000);
    QVERIFY(log);
    bool named = false;
    for (const Event &e : *log) {
        QVERIFY2(!e.description.contains(QLatin1String("s3cret-pw")) &&
                     !e.description.contains(QLatin1String("mirror-user")),
                 qPrintable(e.description));
        named = named || e.description.contains(QLatin1String("https://images.example/debian-12.img.xz"));
    }
    QVERIFY(named);
}

QTEST_GUILESS_MAIN(TestNodeReports)
#include "tst_nodereports.moc"
