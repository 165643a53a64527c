// What the TFTP and HTTP servers may send: per-node scripts, bootloaders, and files confined to the root.
#include "core/boot/boottickets.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/runtime/coreservices.h"
#include "servers/boot/bootfiles.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace metaldesk;
using namespace metaldesk::boot;

class TestBootFiles : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void servesFilesInsideTheRoot();
    void refusesPathsThatLeaveTheRoot_data();
    void refusesPathsThatLeaveTheRoot();
    void refusesASymlinkPointingOutside();
    void opensOnlyTheFileItResolved();
    void servesBootloadersFromTheIpxeDirectory();
    void servesTheEnvironmentFromItsOwnFolder();
    void namesTheMissingPackage();
    void makesEachMachinesScriptFromItsStatus();
    void mapsScriptPathsToMacs();
    void givesTheCredentialsOnlyToTheMachine();
    void servesTheSignedShimAndGrub();
    void makesEachMachinesGrubConfigurationFromItsStatus();
    void mapsGrubConfigurationPathsToMacs();

private:
    Resolved resolve(const QByteArray &path) { return files_->resolve(path, Endpoint{QStringLiteral("10.99.0.1")}); }
    void write(const QString &path, const QByteArray &content)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<BootDecider> decider_;
    std::unique_ptr<LeaseStore> leases_;
    std::unique_ptr<BootFiles> files_;
};

void TestBootFiles::init()
{
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("root/environment")));
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("ipxe")));
    write(dir_->filePath(QStringLiteral("root/environment/vmlinuz")), "kernel");
    write(dir_->filePath(QStringLiteral("secret")), "outside");
    write(dir_->filePath(QStringLiteral("ipxe/undionly.kpxe")), "bios");
    write(dir_->filePath(QStringLiteral("ipxe/snponly.efi")), "efi");
    write(dir_->filePath(QStringLiteral("ipxe/ipxe.efi")), "efi2");
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("lib/shim")));
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("lib/grub/x86_64-efi-signed")));
    write(dir_->filePath(QStringLiteral("lib/shim/shimx64.efi.signed")), "shim");
    write(dir_->filePath(QStringLiteral("lib/grub/x86_64-efi-signed/grubnetx64.efi.signed")), "grub");
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_->filePath(QStringLiteral("md.db"))));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
    decider_ = std::make_unique<BootDecider>(*core_->machines);
    leases_ = std::make_unique<LeaseStore>(core_->db);
    files_ = std::make_unique<BootFiles>(BootFilesConfig{dir_->filePath(QStringLiteral("root")),
                                                         dir_->filePath(QStringLiteral("ipxe")),
                                                         {},
                                                         dir_->filePath(QStringLiteral("lib"))},
                                         *decider_, leases_.get());
}

void TestBootFiles::cleanup()
{
    files_.reset();
    decider_.reset();
    core_.reset();
    dir_.reset();
}

void TestBootFiles::servesFilesInsideTheRoot()
{
    for (const QByteArray path : {"environment/vmlinuz", "/environment/vmlinuz", "./environment//vmlinuz"}) {
        const Resolved r = resolve(path);
        QVERIFY2(std::holds_alternative<OnDisk>(r), path.constData());
        QCOMPARE(std::get<OnDisk>(r).path,
                 QFileInfo(dir_->filePath(QStringLiteral("root/environment/vmlinuz"))).canonicalFilePath());
    }
    const Resolved missing = resolve("environment/initrd.img");
    QVERIFY(std::holds_alternative<Refused>(missing));
    QCOMPARE(std::get<Refused>(missing).reason, Refusal::NotFound);
    const Resolved directory = resolve("environment");
    QCOMPARE(std::get<Refused>(directory).reason, Refusal::NotFound);
}

void TestBootFiles::refusesPathsThatLeaveTheRoot_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("dot-dot") << QByteArray("../secret");
    QTest::newRow("dot-dot inside") << QByteArray("environment/../../secret");
    QTest::newRow("dot-dot that would stay inside") << QByteArray("environment/../environment/vmlinuz");
    QTest::newRow("NUL") << QByteArray("environment/vmlinuz\0.txt", 25);
    QTest::newRow("backslash") << QByteArray("..\\secret");
    QTest::newRow("not UTF-8") << QByteArray("\xff\xfe");
    QTest::newRow("empty") << QByteArray("/");
}

void TestBootFiles::refusesPathsThatLeaveTheRoot()
{
    QFETCH(QByteArray, path);
    const Resolved r = resolve(path);
    QVERIFY(std::holds_alternative<Refused>(r));
    QCOMPARE(std::get<Refused>(r).reason, Refusal::BadPath);
}

void TestBootFiles::refusesASymlinkPointingOutside()
{
    QVERIFY(QFile::link(dir_->filePath(QStringLiteral("secret")), dir_->filePath(QStringLiteral("root/link"))));
    QVERIFY(QFile::link(dir_->path(), dir_->filePath(QStringLiteral("root/up"))));
    for (const QByteArray path : {"link", "up/secret"}) {
        const Resolved r = resolve(path);
        QVERIFY2(std::holds_alternative<Refused>(r), path.constData());
        QCOMPARE(std::get<Refused>(r).reason, Refusal::BadPath);
    }
    // A link that stays inside is fine: images are often linked to their current version.
    QVERIFY(QFile::link(dir_->filePath(QStringLiteral("root/environment/vmlinuz")),
                        dir_->filePath(QStringLiteral("root/current"))));
    QVERIFY(std::holds_alternative<OnDisk>(resolve("current")));
}

void TestBootFiles::servesTheEnvironmentFromItsOwnFolder()
{
    // The build's environment folder (tools/build-bootenv), apart from the root.
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("built/environment")));
    const QString built = dir_->filePath(QStringLiteral("built/environment"));
    write(built + QStringLiteral("/vmlinuz"), "built kernel");
    write(built + QStringLiteral("/initrd.img"), "built initrd");
    BootFiles files(BootFilesConfig{dir_->filePath(QStringLiteral("root")), dir_->filePath(QStringLiteral("ipxe")),
                                    built, dir_->filePath(QStringLiteral("lib"))},
                    *decider_);
    const Endpoint endpoint{QStringLiteral("10.99.0.1")};
    for (const char *name : {"vmlinuz", "initrd.img"}) {
        const Resolved r = files.resolve(QByteArray("environment/") + name, endpoint);
        QVERIFY2(std::holds_alternative<OnDisk>(r), name);
        QCOMPARE(std::get<OnDisk>(r).path,
                 QFileInfo(built + QLatin1Char('/') + QLatin1String(name)).canonicalFilePath());
    }
    // Confined to its folder like the root.
    QVERIFY(QFile::link(dir_->filePath(QStringLiteral("secret")), built + QStringLiteral("/escape")));
    QCOMPARE(std::get<Refused>(files.resolve("environment/escape", endpoint)).reason, Refusal::BadPath);
    QVERIFY(files.missingEnvironment().isEmpty());

    // Missing: the refusal says how to build it.
    BootFiles without(BootFilesConfig{dir_->filePath(QStringLiteral("root")), dir_->filePath(QStringLiteral("ipxe")),
                                      dir_->filePath(QStringLiteral("nowhere")), dir_->filePath(QStringLiteral("lib"))},
                      *decider_);
    const Resolved missing = without.resolve("environment/vmlinuz", endpoint);
    QCOMPARE(std::get<Refused>(missing).reason, Refusal::NotFound);
    QVERIFY2(std::get<Refused>(missing).detail.contains(QLatin1String("tools/build-bootenv")),
             qPrintable(std::get<Refused>(missing).detail));
}

// Security review L9: between resolving a path and opening it, a local writer swaps what the path
// names. A FIFO must not block the server's thread at open(); a symlink, or a directory above the
// file turned into a symlink that leads outside, must not be opened.
void TestBootFiles::opensOnlyTheFileItResolved()
{
    const QString environment = dir_->filePath(QStringLiteral("root/environment"));
    auto resolved = [this] {
        const Resolved r = resolve("environment/vmlinuz");
        return std::holds_alternative<OnDisk>(r) ? std::get<OnDisk>(r) : OnDisk{};
    };
    const OnDisk file = resolved();
    QVERIFY(!file.path.isEmpty());
    const int fd = openOnDisk(file);
    QVERIFY(fd >= 0);
    ::close(fd);

    // A FIFO in the file's place: refused at once (a blocking open would hang this test).
    QVERIFY(QFile::remove(file.path));
    QCOMPARE(::mkfifo(QFile::encodeName(file.path).constData(), 0600), 0);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(openOnDisk(file), -1);
    QVERIFY(timer.elapsed() < 1000);

    // A symlink in its place, to a file outside.
    QVERIFY(QFile::remove(file.path));
    QVERIFY(QFile::link(dir_->filePath(QStringLiteral("secret")), file.path));
    QCOMPARE(openOnDisk(file), -1);

    // The directory above it turned into a symlink to a directory outside with a file of that name.
    QVERIFY(QFile::remove(file.path));
    write(file.path, "kernel");
    const int again = openOnDisk(file); // a regular file again: opened
    QVERIFY(again >= 0);
    ::close(again);
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("elsewhere")));
    write(dir_->filePath(QStringLiteral("elsewhere/vmlinuz")), "not the kernel");
    QVERIFY(QDir(environment).removeRecursively());
    QVERIFY(QFile::link(dir_->filePath(QStringLiteral("elsewhere")), environment));
    QCOMPARE(openOnDisk(file), -1);
}

void TestBootFiles::servesBootloadersFromTheIpxeDirectory()
{
    const Resolved r = resolve("undionly.kpxe");
    QVERIFY(std::holds_alternative<OnDisk>(r));
    QVERIFY(std::get<OnDisk>(r).path.endsWith(QLatin1String("ipxe/undionly.kpxe")));
    QVERIFY(files_->missingBootloaders().isEmpty());
}

void TestBootFiles::namesTheMissingPackage()
{
    QVERIFY(QFile::remove(dir_->filePath(QStringLiteral("ipxe/snponly.efi"))));
    const QString missing = files_->missingBootloaders();
    QVERIFY2(missing.contains(QLatin1String("snponly.efi")) && missing.contains(QLatin1String("apt install ipxe")),
             qPrintable(missing));
    const Resolved r = resolve("snponly.efi");
    QCOMPARE(std::get<Refused>(r).reason, Refusal::NotFound);
    QCOMPARE(std::get<Refused>(r).detail, missing);
}

void TestBootFiles::makesEachMachinesScriptFromItsStatus()
{
    const QByteArray path = scriptPath(QStringLiteral("52:54:00:AB:CD:EF"));
    QCOMPARE(path, QByteArray("boot/52-54-00-ab-cd-ef.ipxe"));
    // Unknown: the environment enlists it.
    Resolved r = resolve('/' + path);
    QVERIFY(std::holds_alternative<Generated>(r));
    QByteArray script = std::get<Generated>(r).content;
    QVERIFY2(script.startsWith("#!ipxe\n"), script.constData());
    QVERIFY2(script.contains("kernel http://10.99.0.1:5248/environment/vmlinuz "), script.constData());
    QVERIFY2(script.contains("metaldesk.purpose=enlist"), script.constData());
    QVERIFY2(script.contains("metaldesk.metadata=http://10.99.0.1:5240/MAAS/metadata/"), script.constData());

    // Known and commissioning: the environment commissions it.
    NewMachine spec;
    spec.macAddresses = {QStringLiteral("52:54:00:ab:cd:ef")};
    spec.architecture = QStringLiteral("amd64/generic");
    const Actor system = Actor::system(QStringLiteral("test"));
    auto machine = core_->engine->createMachine(spec, system);
    QVERIFY2(machine, qPrintable(machine.errorMessage()));
    QVERIFY(std::get<Generated>(resolve(path)).content.contains("metaldesk.purpose=poweroff"));
    QVERIFY(core_->engine->changeStatus(machine->systemId, NodeStatus::Commissioning, system,
                                        Text::plain(QStringLiteral("test"))));
    script = std::get<Generated>(resolve(path)).content;
    QVERIFY2(script.contains("metaldesk.purpose=commission"), script.constData());
    QVERIFY2(script.contains(machine->hostname.toUtf8()), script.constData());
}

void TestBootFiles::mapsScriptPathsToMacs()
{
    QCOMPARE(macFromScriptPath(u"boot/52-54-00-ab-cd-ef.ipxe"), QStringLiteral("52:54:00:ab:cd:ef"));
    QCOMPARE(macFromScriptPath(u"/boot/52-54-00-AB-CD-EF.ipxe"), QStringLiteral("52:54:00:ab:cd:ef"));
    QVERIFY(macFromScriptPath(u"boot/52:54:00:ab:cd:ef.ipxe").isEmpty());
    QVERIFY(macFromScriptPath(u"boot/nonsense-here-zz.ipxe").isEmpty());
    QVERIFY(macFromScriptPath(u"boot/52-54-00-ab-cd-ef.efi").isEmpty());
    QVERIFY(macFromScriptPath(u"other/52-54-00-ab-cd-ef.ipxe").isEmpty());
}

// Security review H1: a commissioning machine's script carries its credential only to the machine:
// the address that holds its DHCP lease (managed mode), or the one request that brings the ticket
// of its one-time boot URL (proxy mode). Anyone else naming its MAC gets the script without it.
void TestBootFiles::givesTheCredentialsOnlyToTheMachine()
{
    const QString mac = QStringLiteral("52:54:00:ab:cd:01");
    NewMachine spec;
    spec.macAddresses = {mac};
    const Actor system = Actor::system(QStringLiteral("test"));
    auto machine = core_->engine->createMachine(spec, system);
    QVERIFY(machine);
    QVERIFY(core_->engine->changeStatus(machine->systemId, NodeStatus::Commissioning, system,
                                        Text::plain(QStringLiteral("test"))));
    const QByteArray path = scriptPath(mac);
    const quint32 machineAddress = QHostAddress(QStringLiteral("10.99.0.120")).toIPv4Address();
    const quint32 otherAddress = QHostAddress(QStringLiteral("10.99.0.121")).toIPv4Address();
    const qint64 inAnHour = QDateTime::currentMSecsSinceEpoch() + 3600'000;
    QVERIFY(leases_->save(Lease{machineAddress, mac, {}, Lease::State::Bound, inAnHour}));
    QVERIFY(leases_->save(Lease{otherAddress, QStringLiteral("52:54:00:ab:cd:02"), {}, Lease::State::Bound, inAnHour}));
    auto scriptFor = [&](quint32 from, const QByteArray &ticket = {}) {
        Endpoint e{QStringLiteral("10.99.0.1")};
        e.clientAddress = from;
        e.ticket = ticket;
        return std::get<Generated>(files_->resolve(path, e)).content;
    };
    const QByteArray token = "metaldesk.token=";
    // The machine, from its leased address: the credential.
    QVERIFY2(scriptFor(machineAddress).contains(token), scriptFor(machineAddress).constData());
    // Not in proxy mode, where another server gives the addresses: the lease is one left from
    // managed mode, and its address may be anyone's now.
    QVERIFY(core_->config->setValue(QStringLiteral("dhcp_mode"), QStringLiteral("proxy")));
    QVERIFY2(!scriptFor(machineAddress).contains(token), scriptFor(machineAddress).constData());
    QVERIFY(core_->config->setValue(QStringLiteral("dhcp_mode"), QString()));
    QVERIFY(scriptFor(machineAddress).contains(token));
    // Another client of the network, loopback, an address without a lease: the script without it.
    for (const quint32 from : {otherAddress, QHostAddress(QStringLiteral("127.0.0.1")).toIPv4Address(), quint32(0)}) {
        const QByteArray script = scriptFor(from);
        QVERIFY2(!script.contains(token) && !script.contains("quiet"), script.constData());
        QVERIFY2(script.contains("metaldesk.purpose=commission"), script.constData());
        QVERIFY2(script.contains("# without the machine's credentials"), script.constData());
    }
    // The lease ran out: not the machine's address any more.
    QVERIFY(leases_->save(Lease{machineAddress, mac, {}, Lease::State::Bound, inAnHour - 7200'000}));
    QVERIFY(!scriptFor(machineAddress).contains(token));

    // Proxy mode: the one-time URL's ticket, from any address, once.
    const QByteArray ticket = boottickets::issue(mac);
    QCOMPARE(ticket.size(), 32);
    QCOMPARE(boottickets::issue(mac), ticket); // not redeemed yet: the same for the next answer
    QVERIFY(!scriptFor(otherAddress, QByteArray(32, '0')).contains(token)); // a guess
    QVERIFY(!scriptFor(otherAddress, boottickets::issue(QStringLiteral("52:54:00:ab:cd:02"))).contains(token));
    QVERIFY(scriptFor(otherAddress, ticket).contains(token));
    QVERIFY(!scriptFor(otherAddress, ticket).contains(token)); // used
    QVERIFY(boottickets::issue(mac) != ticket);
}

void TestBootFiles::servesTheSignedShimAndGrub()
{
    // Under the names shim and GRUB ask for, from where Debian's packages put them.
    const Resolved shim = resolve("shimx64.efi");
    QVERIFY(std::holds_alternative<OnDisk>(shim));
    QVERIFY(std::get<OnDisk>(shim).path.endsWith(QLatin1String("lib/shim/shimx64.efi.signed")));
    const Resolved grub = resolve("/grubx64.efi");
    QVERIFY(std::holds_alternative<OnDisk>(grub));
    QVERIFY(std::get<OnDisk>(grub).path.endsWith(QLatin1String("lib/grub/x86_64-efi-signed/grubnetx64.efi.signed")));
    QVERIFY(files_->missingBootloaders().isEmpty());
    // Missing: what to install, and the other bootloaders still served.
    QVERIFY(QFile::remove(dir_->filePath(QStringLiteral("lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"))));
    const QString missing = files_->missingBootloaders();
    QVERIFY2(missing.contains(QLatin1String("grubnetx64.efi.signed")) &&
                 missing.contains(QLatin1String("apt install shim-signed grub-efi-amd64-signed")) &&
                 !missing.contains(QLatin1String("ipxe")),
             qPrintable(missing));
    QCOMPARE(std::get<Refused>(resolve("grubx64.efi")).detail, missing);
    QVERIFY(std::holds_alternative<OnDisk>(resolve("shimx64.efi")));
    QVERIFY(std::holds_alternative<OnDisk>(resolve("undionly.kpxe")));
}

void TestBootFiles::makesEachMachinesGrubConfigurationFromItsStatus()
{
    // The configuration GRUB reads first sends it to the machine's own.
    const QByteArray root = std::get<Generated>(resolve("/grub/grub.cfg")).content;
    QVERIFY2(root.contains("configfile $prefix/grub.cfg-${net_default_mac}\n"), root.constData());
    // When MetalDesk cannot answer for it, the machine starts its disk rather than stopping.
    QVERIFY2(root.contains("chainloader $loader"), root.constData());
    const QString mac = QStringLiteral("52:54:00:ab:cd:ef");
    const QByteArray path = grubConfigPath(QStringLiteral("52-54-00-AB-CD-EF"));
    QCOMPARE(path, QByteArray("grub/grub.cfg-52:54:00:ab:cd:ef"));
    // Unknown: the environment enlists it, from where GRUB came, with the iPXE script's command line.
    QByteArray config = std::get<Generated>(resolve('/' + path)).content;
    QVERIFY2(config.contains("\nlinux /environment/vmlinuz console=tty0 console=ttyS0,115200 "
                             "metaldesk.purpose=enlist metaldesk.mac=52:54:00:ab:cd:ef "
                             "metaldesk.metadata=http://10.99.0.1:5240/MAAS/metadata/\n"
                             "initrd /environment/initrd.img\nboot\n"),
             config.constData());
    const QByteArray ipxe = std::get<Generated>(resolve(scriptPath(mac))).content;
    QVERIFY2(ipxe.contains("vmlinuz initrd=initrd.img console=tty0 console=ttyS0,115200 metaldesk.purpose=enlist "
                           "metaldesk.mac=52:54:00:ab:cd:ef metaldesk.metadata=http://10.99.0.1:5240/MAAS/metadata/\n"),
             ipxe.constData());

    // Commissioning: the environment commissions it, with its credential (from its leased address).
    NewMachine spec;
    spec.macAddresses = {mac};
    const Actor system = Actor::system(QStringLiteral("test"));
    auto machine = core_->engine->createMachine(spec, system);
    QVERIFY2(machine, qPrintable(machine.errorMessage()));
    QVERIFY(core_->engine->changeStatus(machine->systemId, NodeStatus::Commissioning, system,
                                        Text::plain(QStringLiteral("test"))));
    const quint32 address = QHostAddress(QStringLiteral("10.99.0.120")).toIPv4Address();
    QVERIFY(
        leases_->save(Lease{address, mac, {}, Lease::State::Bound, QDateTime::currentMSecsSinceEpoch() + 3600'000}));
    Endpoint fromTheMachine{QStringLiteral("10.99.0.1")};
    fromTheMachine.clientAddress = address;
    config = std::get<Generated>(files_->resolve(path, fromTheMachine)).content;
    QVERIFY2(config.contains(" quiet metaldesk.purpose=commission ") && config.contains("metaldesk.token="),
             config.constData());
    QVERIFY2(config.contains(machine->hostname.toUtf8()), config.constData());
    // Anyone else: without it, and said so.
    config = std::get<Generated>(resolve(path)).content;
    QVERIFY2(!config.contains("metaldesk.token=") && config.contains("# without the machine's credentials"),
             config.constData());

    // Deployed: the installed system's loader from the disk, not the firmware's boot order.
    for (const NodeStatus status :
         {NodeStatus::Ready, NodeStatus::Allocated, NodeStatus::Deploying, NodeStatus::Deployed}) {
        const auto changed =
            core_->engine->changeStatus(machine->systemId, status, system, Text::plain(QStringLiteral("test")));
        QVERIFY2(changed, qPrintable(changed.errorMessage()));
    }
    config = std::get<Generated>(files_->resolve(path, fromTheMachine)).content;
    QVERIFY2(config.contains("search --no-floppy --set=root --file $loader") &&
                 config.contains("chainloader $loader") && !config.contains("linux ") &&
                 !config.contains("metaldesk.token="),
             config.constData());
}

void TestBootFiles::mapsGrubConfigurationPathsToMacs()
{
    QCOMPARE(macFromGrubConfigPath(u"grub/grub.cfg-52:54:00:ab:cd:ef"), QStringLiteral("52:54:00:ab:cd:ef"));
    QCOMPARE(macFromGrubConfigPath(u"/grub/grub.cfg-52:54:00:AB:CD:EF"), QStringLiteral("52:54:00:ab:cd:ef"));
    QVERIFY(macFromGrubConfigPath(u"grub/grub.cfg-52-54-00-ab-cd-ef").isEmpty());
    QVERIFY(macFromGrubConfigPath(u"grub/grub.cfg-nonsense").isEmpty());
    QVERIFY(macFromGrubConfigPath(u"grub/grub.cfg").isEmpty());
    QVERIFY(macFromGrubConfigPath(u"boot/grub.cfg-52:54:00:ab:cd:ef").isEmpty());
    QVERIFY(macFromGrubConfigPath(u"grub/grub.cfg-52:54:00:ab:cd:ef/x").isEmpty());
    // Any other file under grub/ is the root's, as before.
    QVERIFY(std::holds_alternative<Refused>(resolve("grub/x86_64-efi/grub.cfg")));
}

QTEST_GUILESS_MAIN(TestBootFiles)
#include "tst_bootfiles.moc"
