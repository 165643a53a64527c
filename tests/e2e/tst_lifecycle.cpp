// Issue 5: a virtual machine with real firmware network-boots from MetalDesk and goes around the
// whole lifecycle, driven only by MetalDesk: enlist (unknown MAC → New), commission (→ Ready with
// its inventory), allocate, deploy a real cloud-init image (→ Deployed when the installed system's
// cloud-init calls the metadata service; it answers on its reserved address and ran the
// user-data), release with disk erasing (→ Ready, disk wiped). One VM with SeaBIOS + iPXE, a
// SATA disk and an Intel e1000e NIC, one with OVMF and virtio, each on its own in the lab (2 cores). Failure paths on
// the way: a broken image URL (BIOS) and a machine that loses power while commissioning (UEFI). Both deploy the Debian
// image imported from a MAAS-style simplestreams mirror (a squashfs, its kernel and initrd; issue 13). The BIOS machine
// is deployed from the window's path (the image chosen from the catalogue); the UEFI one by juju's MAAS client
// (gomaasapi) through the MAAS API, allocated by tag, and released by it (erased because enable_disk_erasing_on_release
// is on, as juju sends no erase). Power is the manual type: the test is the person who presses the power button when a
// step needs the machine on; the built-in environment switches it off by itself when it is done. Each step's time is
// printed ("figure: ...") for docs/benchmarks.md.
#include "core/addresses/staticaddresses.h"
#include "core/chassis/chassisstore.h"
#include "core/chassis/chassissync.h"
#include "core/images/bootimagestore.h"
#include "core/machines/consolestore.h"
#include "core/machines/labelstore.h"
#include "core/machines/nodesettings.h"
#include "core/runtime/coreservices.h"
#include "lab.h"
#include "streamsmirror.h"

#include "skip.h"
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <QtEndian>
#include <QtTest>

using namespace metaldesk;
using namespace metaldesk::testing;

namespace {

constexpr int kEnlistTimeoutMs = 240000;
constexpr int kCommissionTimeoutMs = 240000;
constexpr int kDeployTimeoutMs = 480000;
constexpr int kReleaseTimeoutMs = 240000;

QString firmwareName(Firmware f)
{
    switch (f) {
    case Firmware::Bios: return QStringLiteral("bios");
    case Firmware::Uefi: return QStringLiteral("uefi");
    case Firmware::UefiSecureBoot: return QStringLiteral("uefi-sb");
    }
    return {};
}
QString seconds(qint64 ms) { return QString::number(ms / 1000.0, 'f', 1); }

// Where each partition of a GPT disk starts (bytes), read from the disk image as a person would
// with `fdisk -l`: the header at LBA 1, its entries where it says.
QList<qint64> gptPartitionStarts(const QString &diskPath)
{
    QFile f(diskPath);
    if (!f.open(QIODevice::ReadOnly) || !f.seek(512))
        return {};
    const QByteArray header = f.read(92);
    if (header.size() < 92 || !header.startsWith("EFI PART"))
        return {};
    const qint64 entriesLba = qFromLittleEndian<qint64>(header.constData() + 72);
    const quint32 count = qFromLittleEndian<quint32>(header.constData() + 80);
    const quint32 size = qFromLittleEndian<quint32>(header.constData() + 84);
    if (count > 256 || size < 128 || size > 4096 || !f.seek(entriesLba * 512))
        return {};
    QList<qint64> starts;
    for (quint32 i = 0; i < count; ++i) {
        const QByteArray entry = f.read(size);
        if (entry.size() < 128)
            break;
        if (entry.left(16) == QByteArray(16, '\0'))
            continue; // unused entry
        starts << qFromLittleEndian<qint64>(entry.constData() + 32) * 512;
    }
    return starts;
}

// Whether `length` bytes at `offset` of the file are all zero.
bool zeroAt(const QString &path, qint64 offset, qint64 length)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly) || !f.seek(offset))
        return false;
    const QByteArray bytes = f.read(length);
    return bytes.size() == length && bytes.count('\0') == length;
}

} // namespace

class TestLifecycle : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void aMachineGoesAroundTheLifecycle_data();
    void aMachineGoesAroundTheLifecycle();
    void libvirtChassisVmsCommissionThroughLibvirt();
    void cleanupTestCase();

private:
    std::unique_ptr<CoreServices> core();
    Machine machine(const QString &systemId);
    // Polls the database until the machine is in `wanted` (true) or the time runs out, or the
    // machine reached another status from which `wanted` does not follow without the user.
    bool waitForStatus(const QString &systemId, NodeStatus wanted, int timeoutMs);
    QString events(const QString &systemId);
    // The console's last lines, the machine's events and MetalDesk's log: what a person would look
    // at when a step fails.
    QString diagnosis(const VirtualMachine &vm, const QString &systemId = {});
    void act(const QString &systemId, NodeAction action, const ActionOptions &options = {});
    // Printed at once (a step that fails later leaves the earlier ones), and all again at the end.
    void figure(const QString &text)
    {
        qInfo("figure: %s", qPrintable(text));
        figures_ << text;
    }

    // Runs a `metaldesk` command (images, apikey) on the lab's database; its exit code.
    int metaldesk(const QStringList &arguments, QString *output);
    // Runs juju's MAAS client inside the lab (tests/servers/api/gomaasapi) against the MAAS API;
    // its steps by name, or a failure with what it printed.
    QHash<QString, QJsonObject> maasClient(const QStringList &arguments, int timeoutMs, QString *failure);

    Lab lab_;
    User admin_;
    QString image_;     // the test image, as a path on the boot HTTP server
    QString imported_;  // the same Debian imported from a MAAS-style mirror: its squashfs's location
    QString wholeDisk_; // the test image's catalogue entry (a previous version since the import)
    QTemporaryDir mirrorDir_;
    std::unique_ptr<StreamsMirror> mirror_;
    QString apiKey_; // the administrator's, for the MAAS client
    QStringList figures_;
};

std::unique_ptr<CoreServices> TestLifecycle::core()
{
    auto opened = CoreServices::open(DatabaseSpec::sqlite(lab_.database()));
    if (!opened)
        qFatal("cannot open the lab's database: %s", qPrintable(opened.errorMessage()));
    return std::move(*opened);
}

Machine TestLifecycle::machine(const QString &systemId)
{
    auto m = core()->machines->get(systemId);
    if (!m)
        qFatal("cannot read machine %s: %s", qPrintable(systemId), qPrintable(m.errorMessage()));
    return *m;
}

bool TestLifecycle::waitForStatus(const QString &systemId, NodeStatus wanted, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (machine(systemId).status == wanted)
            return true;
        QThread::msleep(250);
    }
    return false;
}

QString TestLifecycle::events(const QString &systemId)
{
    auto list = core()->events->forMachine(systemId, 100);
    if (!list)
        return list.errorMessage();
    QStringList lines;
    for (const Event &e : std::as_const(*list))
        lines.prepend(QStringLiteral("%1 [%2] %3").arg(e.type, e.username, e.description));
    return lines.join(QLatin1Char('\n'));
}

QString TestLifecycle::diagnosis(const VirtualMachine &vm, const QString &systemId)
{
    QString text = QStringLiteral("--- %1's console (end) ---\n%2\n").arg(vm.name(), vm.console().right(5000));
    if (!systemId.isEmpty()) {
        const Machine m = machine(systemId);
        text += QStringLiteral("--- machine: %1, %2 ---\n--- its events ---\n%3\n")
                    .arg(nodeStatusName(m.status), m.statusMessage, events(systemId));
    }
    return text + QStringLiteral("--- MetalDesk's log (end) ---\n") + lab_.metaldeskLog().right(3000);
}

void TestLifecycle::act(const QString &systemId, NodeAction action, const ActionOptions &options)
{
    auto done = core()->engine->performAction(systemId, action, Actor{admin_.id, admin_.username, true}, options);
    QVERIFY2(done, qPrintable(done.errorMessage()));
}

int TestLifecycle::metaldesk(const QStringList &arguments, QString *output)
{
    QProcess cli;
    cli.start(QStringLiteral(METALDESK_BINARY), arguments + QStringList{QStringLiteral("--database"), lab_.database()});
    if (!cli.waitForFinished(120000) || cli.exitStatus() != QProcess::NormalExit) {
        *output = QStringLiteral("metaldesk %1 did not finish").arg(arguments.join(QLatin1Char(' ')));
        return -1;
    }
    *output = QString::fromLocal8Bit(cli.readAllStandardOutput()).trimmed();
    if (cli.exitCode() != 0)
        *output += QString::fromLocal8Bit(cli.readAllStandardError());
    return cli.exitCode();
}

QHash<QString, QJsonObject> TestLifecycle::maasClient(const QStringList &arguments, int timeoutMs, QString *failure)
{
    QString output;
    const QString url = QStringLiteral("http://%1:5240/MAAS/").arg(lab_.serverAddress());
    const int rc = lab_.runInside(QStringList{QStringLiteral(GOMAASAPI_CLIENT), arguments.first(), url, apiKey_} +
                                      arguments.mid(1),
                                  timeoutMs, &output);
    QHash<QString, QJsonObject> steps;
    bool allOk = true;
    for (const QString &line : output.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (!line.startsWith(QLatin1Char('{')))
            continue; // the library's own log lines (stderr)
        const QJsonObject step = QJsonDocument::fromJson(line.toUtf8()).object();
        steps.insert(step.value(QLatin1String("step")).toString(), step);
        allOk = allOk && step.value(QLatin1String("ok")).toBool();
    }
    if (rc != 0 || !allOk || steps.isEmpty())
        *failure = QStringLiteral("gomaasapi-client %1 (exit %2):\n%3").arg(arguments.first()).arg(rc).arg(output);
    return steps;
}

void TestLifecycle::initTestCase()
{
    const QString environment = QStringLiteral(BOOTENV_DIR);
    const QString whyNot = Lab::whyNot(environment);
    if (!whyNot.isEmpty())
        METALDESK_SKIP(qPrintable(whyNot));
    QString error;
    QVERIFY2(lab_.start(QStringLiteral(METALDESK_BINARY), environment, &error), qPrintable(error));
    auto users = core()->users->createUser(QStringLiteral("admin"), QStringLiteral("admin@lab.test"),
                                           QStringLiteral("admin-password"), true);
    QVERIFY2(users, qPrintable(users.errorMessage()));
    admin_ = *users;

    // The image to deploy: Debian 12 with cloud-init, built once and cached (tests/e2e/README.md),
    // served by MetalDesk's boot HTTP server from images/.
    QElapsedTimer timer;
    timer.start();
    QProcess build;
    build.setProcessChannelMode(QProcess::SeparateChannels);
    build.start(QStringLiteral(BUILD_IMAGE), {QStringLiteral("--out"), lab_.bootRoot() + QStringLiteral("/images")});
    QVERIFY2(build.waitForStarted(), qPrintable(build.errorString()));
    QVERIFY2(build.waitForFinished(900000), "tests/e2e/build-image took more than 15 minutes");
    const QString out = QString::fromLocal8Bit(build.readAllStandardOutput()).trimmed();
    QVERIFY2(build.exitStatus() == QProcess::NormalExit && build.exitCode() == 0,
             qPrintable(QStringLiteral("tests/e2e/build-image failed (%1):\n%2\n%3")
                            .arg(build.exitCode())
                            .arg(out.right(2000), QString::fromLocal8Bit(build.readAllStandardError()).right(4000))));
    const QString path = out.section(QLatin1Char('\n'), -1);
    QVERIFY2(QFile::exists(path), qPrintable(path));
    image_ = QStringLiteral("images/") + path.section(QLatin1Char('/'), -1);
    figure(QStringLiteral("test image ready (%1, %2 MiB): %3 s")
               .arg(image_)
               .arg(QFileInfo(path).size() >> 20)
               .arg(seconds(timer.elapsed())));

    // The catalogue and the API key, as an administrator makes them with the command line.
    QString output;
    QVERIFY2(metaldesk({QStringLiteral("images"), QStringLiteral("add"), QStringLiteral("debian/bookworm"), path,
                        QStringLiteral("--title"), QStringLiteral("Debian 12 (the e2e test image)")},
                       &output) == 0,
             qPrintable(output));
    // The same Debian as a MAAS-style image (build-image's root files: a squashfs without kernel or
    // modules, the generic kernel, an initrd that carries the modules) on a simplestreams mirror
    // signed with a throwaway key and served by nginx, imported with the command line.
    timer.restart();
    const QString rootFiles = QFileInfo(path).path() + QStringLiteral("/debian-12-amd64.root/");
    mirror_ = std::make_unique<StreamsMirror>(mirrorDir_.path());
    const auto files = mirror_->addFiles(QStringLiteral("debian"), QStringLiteral("bookworm"), QStringLiteral("12"),
                                         QStringLiteral("amd64"), QStringLiteral("20261206"),
                                         {{QStringLiteral("boot-kernel"), rootFiles + QStringLiteral("boot-kernel")},
                                          {QStringLiteral("boot-initrd"), rootFiles + QStringLiteral("boot-initrd")},
                                          {QStringLiteral("squashfs"), rootFiles + QStringLiteral("squashfs")}});
    QVERIFY2(files.size() == 3, qPrintable(rootFiles));
    QString why = mirror_->write();
    QVERIFY2(why.isEmpty(), qPrintable(why));
    why = mirror_->start();
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QVERIFY2(
        metaldesk({QStringLiteral("images"), QStringLiteral("source-add"), mirror_->url(), QStringLiteral("--keyring"),
                   mirror_->keyringPath(), QStringLiteral("--select"), QStringLiteral("debian/bookworm/amd64")},
                  &output) == 0,
        qPrintable(output));
    QVERIFY2(metaldesk({QStringLiteral("images"), QStringLiteral("import")}, &output) == 0, qPrintable(output));
    auto catalogue = BootImageStore(core()->db).list();
    QVERIFY2(catalogue, qPrintable(catalogue.errorMessage()));
    for (const BootImage &i : std::as_const(*catalogue))
        if (i.format == QLatin1String("squashfs") && i.deployable())
            imported_ = i.location;
    QVERIFY2(!imported_.isEmpty(), qPrintable(output));
    for (const BootImage &i : std::as_const(*catalogue))
        if (i.format.startsWith(QLatin1String("raw")) && i.file(QStringLiteral("block-map")))
            wholeDisk_ = i.location;
    QVERIFY2(!wholeDisk_.isEmpty(), "the test image is not in the catalogue with its block map");
    figure(QStringLiteral("MAAS-style image imported (squashfs %1 MiB): %2 s")
               .arg(files.last().size >> 20)
               .arg(seconds(timer.elapsed())));

    QVERIFY2(metaldesk({QStringLiteral("apikey"), QStringLiteral("--username"), admin_.username}, &apiKey_) == 0,
             qPrintable(apiKey_));
    QCOMPARE(apiKey_.count(QLatin1Char(':')), 2);
}

void TestLifecycle::cleanupTestCase()
{
    lab_.stop();
    for (const QString &text : std::as_const(figures_))
        qInfo("figure: %s", qPrintable(text));
}

void TestLifecycle::aMachineGoesAroundTheLifecycle_data()
{
    QTest::addColumn<Firmware>("firmware");
    QTest::addColumn<QString>("mac");
    QTest::addColumn<Hardware>("hardware");
    // The BIOS machine is a home-lab PC's hardware: a SATA disk and an Intel NIC, whose drivers the
    // environment, and the imported image's kernel and initrd, must all have.
    QTest::newRow("bios") << Firmware::Bios << QStringLiteral("52:54:00:e2:e0:01") << Hardware::SataIntel;
    // Secure Boot on, with Microsoft's keys: shim, Debian's GRUB and kernel, network and disk.
    QTest::newRow("uefi") << Firmware::UefiSecureBoot << QStringLiteral("52:54:00:e2:e0:02") << Hardware::Virtio;
    // The whole-disk variants (e2e-long) deploy on UEFI without Secure Boot too.
    if (!qEnvironmentVariableIsEmpty("METALDESK_E2E_DEPLOY"))
        QTest::newRow("uefi-plain") << Firmware::Uefi << QStringLiteral("52:54:00:e2:e0:03") << Hardware::Virtio;
}

void TestLifecycle::aMachineGoesAroundTheLifecycle()
{
    QFETCH(Firmware, firmware);
    QFETCH(QString, mac);
    QFETCH(Hardware, hardware);
    // The e2e-long variants (tst_lifecycle_wholedisk*): the machines get the whole-disk image, from
    // the catalogue (written by its block map) or, to compare, by its path (streamed whole), chosen
    // as the window does; on virtio, the only disk its kernel (linux-image-cloud-amd64) has a driver for.
    const QString variant = qEnvironmentVariable("METALDESK_E2E_DEPLOY");
    const bool byMap = variant == QLatin1String("whole-disk");
    const bool streamed = variant == QLatin1String("whole-disk-stream");
    if (byMap || streamed)
        hardware = Hardware::Virtio;
    const QString fw = firmwareName(firmware);
    VirtualMachine vm(lab_, QStringLiteral("vm-") + fw, firmware, mac, 4096, hardware);
    QString error;

    // 1. Enlist: an unknown MAC boots the built-in environment, which reports the machine and
    //    switches it off. MetalDesk creates it in New with a random two-word name.
    QVERIFY2(vm.powerOn(&error), qPrintable(error));
    QVERIFY2(vm.waitPoweredOff(kEnlistTimeoutMs), qPrintable(diagnosis(vm)));
    const qint64 enlistMs = vm.msSincePowerOn();
    QVERIFY2(vm.consoleContains(QStringLiteral("metaldesk.purpose=enlist")), qPrintable(diagnosis(vm)));
    auto found = core()->machines->findByMac(mac);
    QVERIFY2(found, qPrintable(found.errorMessage()));
    QVERIFY2(found->has_value(), qPrintable(diagnosis(vm)));
    const QString id = (*found)->systemId;
    const QString hostname = (*found)->hostname;
    QCOMPARE((*found)->status, NodeStatus::New);
    QVERIFY2(QRegularExpression(QStringLiteral("^[a-z]+-[a-z]+$")).match(hostname).hasMatch(), qPrintable(hostname));
    QCOMPARE((*found)->architecture, QStringLiteral("amd64/generic"));
    QVERIFY2(events(id).contains(QLatin1String("Enlisted by the boot environment")), qPrintable(events(id)));
    // UEFI: shim, then the network GRUB with MetalDesk's configuration, then the environment's kernel;
    // with Secure Boot on, each one verified (the kernel says so: the enlisting boot is not quiet).
    if (firmware != Firmware::Bios)
        QVERIFY2(vm.consoleContains(QStringLiteral("Loading the MetalDesk boot environment")),
                 qPrintable(diagnosis(vm)));
    if (firmware == Firmware::UefiSecureBoot)
        QVERIFY2(vm.consoleContains(QStringLiteral("Secure boot enabled")), qPrintable(diagnosis(vm)));
    figure(QStringLiteral("%1 enlist (power on → New, powered off): %2 s").arg(fw, seconds(enlistMs)));
    {
        auto set = core()->machines->setPowerSettings(id, QStringLiteral("manual"), {});
        QVERIFY2(set, qPrintable(set.errorMessage()));
    }

    // 2. (UEFI) The machine loses power while commissioning: nothing reports, and the timeout
    //    moves it to Failed commissioning with the reason. (The shortest timeout, 1 minute, for
    //    this one commissioning: the deadline is fixed when the status is entered.)
    if (firmware != Firmware::Bios) {
        QVERIFY(core()->config->setValue(QStringLiteral("node_timeout_minutes"), QStringLiteral("1")));
        act(id, NodeAction::Commission);
        QVERIFY(core()->config->setValue(QStringLiteral("node_timeout_minutes"), QStringLiteral("30")));
        QVERIFY2(vm.powerOn(&error), qPrintable(error));
        QThread::msleep(8000); // in the firmware or the environment's kernel: well before it reports
        vm.pullThePlug();
        QCOMPARE(machine(id).status, NodeStatus::Commissioning);
        QElapsedTimer timer;
        timer.start();
        QVERIFY2(waitForStatus(id, NodeStatus::FailedCommissioning, 120000), qPrintable(diagnosis(vm, id)));
        const Machine failed = machine(id);
        // The limit it was given, not the setting as it is now.
        QVERIFY2(failed.statusMessage.contains(QLatin1String("Timed out")) &&
                     failed.statusMessage.contains(QLatin1String(" 1 minute")),
                 qPrintable(failed.statusMessage));
        figure(QStringLiteral("%1 power lost while commissioning → Failed commissioning: %2 s after the plug "
                              "was pulled (timeout 1 min)")
                   .arg(fw, seconds(timer.elapsed())));
    }

    // 3. Commission: the user asks (manual power: the person then switches the machine on); the
    //    environment sends the inventory, the machine becomes Ready and switches itself off.
    act(id, NodeAction::Commission);
    QCOMPARE(machine(id).status, NodeStatus::Commissioning);
    QVERIFY2(vm.powerOn(&error), qPrintable(error));
    QVERIFY2(vm.waitPoweredOff(kCommissionTimeoutMs), qPrintable(diagnosis(vm, id)));
    const qint64 commissionMs = vm.msSincePowerOn();
    const Machine commissioned = machine(id);
    QVERIFY2(commissioned.status == NodeStatus::Ready, qPrintable(diagnosis(vm, id)));
    // The inventory against the VM's real configuration.
    QCOMPARE(commissioned.cpuCount, vm.cpuCount());
    QVERIFY2(commissioned.memory > vm.memoryMiB() * 85 / 100 && commissioned.memory <= vm.memoryMiB(),
             qPrintable(QString::number(commissioned.memory)));
    QCOMPARE(commissioned.storage, vm.diskBytes());
    QCOMPARE(commissioned.bootDisk, vm.diskName()); // sda: the environment drove the AHCI controller
    QCOMPARE(commissioned.interfaces.size(), 1);
    QCOMPARE(commissioned.interfaces.first().macAddress, mac);
    const QString firmwareWord = firmware == Firmware::Bios ? QStringLiteral("BIOS") : QStringLiteral("UEFI");
    QVERIFY2(events(id).contains(firmwareWord + QStringLiteral(" firmware")), qPrintable(events(id)));
    figure(QStringLiteral("%1 commission (power on → Ready, powered off): %2 s").arg(fw, seconds(commissionMs)));

    NodeSettingsStore settings(core()->db);
    // 4. (BIOS) A broken image URL: the environment cannot download it, reports why and switches
    //    off; the machine is Failed deployment with the reason. Released, it is Ready again.
    if (firmware == Firmware::Bios) {
        DeploySettings broken;
        broken.imageUrl = QStringLiteral("images/no-such-image.img.gz");
        QVERIFY(settings.setDeploySettings(id, broken));
        act(id, NodeAction::Deploy);
        QCOMPARE(machine(id).status, NodeStatus::Deploying);
        QVERIFY2(vm.powerOn(&error), qPrintable(error));
        QVERIFY2(vm.waitPoweredOff(kDeployTimeoutMs), qPrintable(diagnosis(vm, id)));
        const Machine failed = machine(id);
        QVERIFY2(failed.status == NodeStatus::FailedDeployment, qPrintable(diagnosis(vm, id)));
        QVERIFY2(failed.statusMessage.contains(QLatin1String("no-such-image")) &&
                     failed.statusMessage.contains(QLatin1String("404")),
                 qPrintable(failed.statusMessage));
        figure(QStringLiteral("%1 deploy with a broken image URL → Failed deployment: %2 s")
                   .arg(fw, seconds(vm.msSincePowerOn())));
        act(id, NodeAction::Release);
        QCOMPARE(machine(id).status, NodeStatus::Releasing);
        QVERIFY2(vm.powerOn(&error), qPrintable(error));
        QVERIFY2(vm.waitPoweredOff(kReleaseTimeoutMs), qPrintable(diagnosis(vm, id)));
        QVERIFY2(machine(id).status == NodeStatus::Ready, qPrintable(diagnosis(vm, id)));
    }

    // 5. Allocate, then deploy the image with user-data. The environment writes the image and
    //    the cloud-init configuration and reboots; the network sends it to its disk; the installed
    //    system's cloud-init fetches its user-data from the metadata service: Deployed.
    //    Both deploy the imported squashfs: the environment partitions the disk, extracts the root,
    //    installs the stream's kernel with the initrd's modules, and GRUB for BIOS and UEFI.
    //    BIOS: as the window does it, the image chosen from the catalogue. UEFI: as juju does it,
    //    through the MAAS API, allocating by tag and deploying the catalogue's bookworm.
    const QString marker = QStringLiteral("metaldesk-e2e: user-data ran on");
    const QString userData =
        QStringLiteral("#cloud-config\nruncmd:\n  - [sh, -c, 'echo \"%1 $(hostname)\" > /dev/ttyS0']\n").arg(marker);
    const bool throughApi = firmware != Firmware::Bios && variant.isEmpty();
    const QString deployed = byMap ? wholeDisk_ : streamed ? image_ : imported_;
    if (throughApi) {
        const QString tag = QStringLiteral("e2e-") + fw;
        QVERIFY(LabelStore(core()->db, nullptr).setTags(Actor{admin_.id, admin_.username, true}, id, {tag}));
        QString failure;
        const auto steps =
            maasClient({QStringLiteral("deploy"), tag, QStringLiteral("bookworm"), userData}, 60000, &failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(steps.value(QStringLiteral("allocate")).value(QLatin1String("system_id")).toString(), id);
        QCOMPARE(machine(id).agentName, QStringLiteral("e2e"));
        QCOMPARE(machine(id).osystem, QStringLiteral("debian"));
    } else {
        act(id, NodeAction::Acquire);
        QCOMPARE(machine(id).status, NodeStatus::Allocated);
        DeploySettings deploy;
        deploy.imageUrl = deployed;
        deploy.userData = userData;
        QVERIFY(settings.setDeploySettings(id, deploy));
        act(id, NodeAction::Deploy);
    }
    QCOMPARE(machine(id).ownerId, std::optional<qint64>(admin_.id));
    QCOMPARE(machine(id).status, NodeStatus::Deploying);
    const qsizetype consoleBefore = vm.console().size();
    QVERIFY2(vm.powerOn(&error), qPrintable(error));
    QVERIFY2(waitForStatus(id, NodeStatus::Deployed, kDeployTimeoutMs), qPrintable(diagnosis(vm, id)));
    const qint64 deployMs = vm.msSincePowerOn();
    QVERIFY2(vm.isOn(), qPrintable(diagnosis(vm, id)));
    const QString deployEvents = events(id);
    QVERIFY2(deployEvents.contains(QLatin1String("The image is on the disk")), qPrintable(deployEvents));
    QVERIFY2(deployEvents.contains(deployed), qPrintable(deployEvents)); // the squashfs, also through the API
    QVERIFY2(vm.console()
                 .mid(consoleBefore)
                 .contains(byMap      ? QLatin1String("by its block map")
                           : streamed ? QLatin1String("deploy: wrote ")
                                      : QLatin1String("with GRUB for BIOS and UEFI")),
             qPrintable(diagnosis(vm, id)));
    // It booted its disk on the way. BIOS: the network said so. UEFI: the environment pointed the
    // firmware's next boot at the disk, past the network.
    if (firmware == Firmware::Bios)
        QVERIFY2(vm.console().mid(consoleBefore).contains(QLatin1String("Booting from the local disk")),
                 qPrintable(diagnosis(vm, id)));
    else
        QVERIFY2(vm.console().mid(consoleBefore).contains(QLatin1String("deploy: the next boot starts Boot")),
                 qPrintable(diagnosis(vm, id)));
    // Secure Boot: the environment came through shim and GRUB with it on, and so did the installed
    // system after the image was written (its kernel says so).
    if (firmware == Firmware::UefiSecureBoot) {
        const QString deployConsole = vm.console().mid(consoleBefore);
        const qsizetype installed =
            deployConsole.indexOf(QLatin1String("deployed; rebooting into the installed system"));
        QVERIFY2(installed >= 0, qPrintable(diagnosis(vm, id)));
        QVERIFY2(deployConsole.mid(installed).contains(QLatin1String("Secure boot enabled")),
                 qPrintable(diagnosis(vm, id)));
    }
    // The address it holds from the reserved range answers (ICMP and its SSH server), and the
    // user-data ran under the machine's own name.
    auto held = StaticAddressStore(core()->db).addressOf(id);
    QVERIFY2(held && *held, "no reserved address is held for the deployed machine");
    const QString address = QHostAddress(**held).toString();
    QVERIFY2(QHostAddress(address).isInSubnet(QHostAddress(QStringLiteral("10.90.0.200")), 27), qPrintable(address));
    QElapsedTimer answering;
    answering.start();
    bool pings = false, ssh = false, ran = false;
    QString sshBanner;
    while (answering.elapsed() < 180000 && !(pings && ssh && ran)) {
        pings = pings || lab_.runInside({QStringLiteral("ping"), QStringLiteral("-c1"), QStringLiteral("-W1"), address},
                                        5000) == 0;
        ssh = ssh || (lab_.runInside({QStringLiteral("bash"), QStringLiteral("-c"),
                                      QStringLiteral("exec 3<>/dev/tcp/%1/22 && timeout 3 head -c 7 <&3").arg(address)},
                                     6000, &sshBanner) == 0 &&
                      sshBanner.startsWith(QLatin1String("SSH-2.0")));
        ran = ran || vm.console().mid(consoleBefore).contains(marker + QLatin1Char(' ') + hostname);
        if (!(pings && ssh && ran))
            QThread::msleep(1000);
    }
    QVERIFY2(pings, qPrintable(address + QStringLiteral(" does not answer ping\n") + diagnosis(vm, id)));
    QVERIFY2(ssh, qPrintable(address + QStringLiteral(" has no SSH server answering\n") + diagnosis(vm, id)));
    QVERIFY2(ran, qPrintable(QStringLiteral("the user-data did not run\n") + diagnosis(vm, id)));
    if (throughApi) { // and juju, polling, sees it deployed with its address and OS
        QString failure;
        const auto steps =
            maasClient({QStringLiteral("wait"), id, QStringLiteral("deployed"), QStringLiteral("30")}, 60000, &failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const QJsonObject seen = steps.value(QStringLiteral("wait"));
        QCOMPARE(seen.value(QLatin1String("ip_addresses")).toArray(), QJsonArray{address});
        QCOMPARE(seen.value(QLatin1String("distro_series")).toString(), QStringLiteral("bookworm"));
    }
    figure(QStringLiteral("%1 deploy (power on → Deployed): %2 s; answering on %3 (ping, SSH) and user-data "
                          "ran %4 s after power on")
               .arg(byMap      ? fw + QStringLiteral(" (the whole-disk image by its block map)")
                    : streamed ? fw + QStringLiteral(" (the whole-disk image streamed)")
                               : fw,
                    seconds(deployMs), address, seconds(vm.msSincePowerOn())));

    // 5b. (UEFI) A later boot of the deployed machine (BootNext held for the first only): the
    //     network's GRUB starts the disk's own shim and GRUB, and the installed kernel comes up.
    if (firmware != Firmware::Bios) {
        const qsizetype consoleBeforeReboot = vm.console().size();
        vm.pullThePlug();
        QVERIFY2(vm.powerOn(&error), qPrintable(error));
        const QString kernelSays = firmware == Firmware::UefiSecureBoot ? QStringLiteral("Secure boot enabled")
                                                                        : QStringLiteral("Linux version");
        QElapsedTimer rebooting;
        rebooting.start();
        bool installedUp = false;
        while (!installedUp && rebooting.elapsed() < 120000) {
            const QString after = vm.console().mid(consoleBeforeReboot);
            const qsizetype local = after.indexOf(QLatin1String("Booting from the local disk"));
            installedUp = local >= 0 && after.indexOf(kernelSays, local) > local;
            if (!installedUp)
                QThread::msleep(500);
        }
        QVERIFY2(installedUp, qPrintable(diagnosis(vm, id)));
        QCOMPARE(machine(id).status, NodeStatus::Deployed);
        figure(
            QStringLiteral("%1 power cycle of the deployed machine → its own kernel through the network's GRUB: %2 s")
                .arg(fw, seconds(vm.msSincePowerOn())));
    }

    // 6. Release with disk erasing: the user releases; the person power-cycles the machine; the
    //    environment erases the disk (quick: signatures, the start and end of every partition and
    //    of the disk), reports, and switches off: Ready, nobody's.
    const QList<qint64> partitions = gptPartitionStarts(vm.diskPath());
    QVERIFY2(partitions.size() >= 3, "the deployed disk has no GPT with the image's partitions");
    QVERIFY(!zeroAt(vm.diskPath(), partitions.last() + 1024, 1024)); // the root file system's superblock
    //    UEFI: juju releases through the API (it sends no erase parameter); MetalDesk erases because
    //    enable_disk_erasing_on_release is on, as on MAAS.
    if (throughApi) {
        QVERIFY(core()->config->setValue(QStringLiteral("enable_disk_erasing_on_release"), QStringLiteral("true")));
        QString failure;
        maasClient({QStringLiteral("release"), id}, 60000, &failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    } else {
        ActionOptions erase;
        erase.erase = true;
        act(id, NodeAction::Release, erase);
    }
    QCOMPARE(machine(id).status, NodeStatus::DiskErasing);
    vm.pullThePlug();
    QVERIFY2(vm.powerOn(&error), qPrintable(error));
    QVERIFY2(vm.waitPoweredOff(kReleaseTimeoutMs), qPrintable(diagnosis(vm, id)));
    const qint64 releaseMs = vm.msSincePowerOn();
    const Machine released = machine(id);
    QVERIFY2(released.status == NodeStatus::Ready, qPrintable(diagnosis(vm, id)));
    QVERIFY(!released.ownerId);
    QVERIFY2(events(id).contains(QLatin1String("Disks erased; released")), qPrintable(events(id)));
    const qint64 twoMiB = 2 << 20;
    QVERIFY2(zeroAt(vm.diskPath(), 0, twoMiB), "the start of the disk (MBR, GPT) was not erased");
    QVERIFY2(zeroAt(vm.diskPath(), vm.diskBytes() - twoMiB, twoMiB), "the end of the disk (backup GPT) was not erased");
    for (qint64 start : partitions)
        QVERIFY2(zeroAt(vm.diskPath(), start, twoMiB),
                 qPrintable(QStringLiteral("the partition at byte %1 was not erased").arg(start)));
    if (throughApi) { // juju sees it Ready, with nobody's notes and no OS
        QString failure;
        const auto steps =
            maasClient({QStringLiteral("wait"), id, QStringLiteral("ready"), QStringLiteral("30")}, 60000, &failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(steps.value(QStringLiteral("wait")).value(QLatin1String("osystem")).toString(), QString());
    }
    figure(QStringLiteral("%1 release with quick erase (power on → Ready, powered off): %2 s")
               .arg(fw, seconds(releaseMs)));
}

// Issue 12: a libvirt host's VMs on the boot network, found by the Add chassis job (as the wizard
// drives it) with a name prefix that leaves a third VM out, commissioned with their power
// through libvirt (the harness starts no QEMU: MetalDesk switches them on, the environment off)
// until both are Ready, their serial console read by MetalDesk as they boot; then a VM switched
// off behind MetalDesk's back (virsh destroy) shows Off within the 10 s poll interval.
void TestLifecycle::libvirtChassisVmsCommissionThroughLibvirt()
{
    LabLibvirtHost host(lab_);
    const QString why = host.start();
    QVERIFY2(why.isEmpty(), qPrintable(why)); // the lab runs (root, QEMU): libvirtd must too
    struct Vm {
        QString name;
        Firmware firmware;
        QString mac;
    };
    const QList<Vm> vms{{QStringLiteral("md-bios"), Firmware::Bios, QStringLiteral("52:54:00:e2:e1:01")},
                        {QStringLiteral("md-uefi"), Firmware::Uefi, QStringLiteral("52:54:00:e2:e1:02")},
                        {QStringLiteral("other-vm"), Firmware::Bios, QStringLiteral("52:54:00:e2:e1:03")}};
    for (const Vm &vm : vms) {
        const QString defined = host.defineDomain(vm.name, vm.firmware, vm.mac, 1024);
        QVERIFY2(defined.isEmpty(), qPrintable(defined));
    }
    const auto diagnose = [&](const QString &systemId = {}) {
        QString text;
        for (const Vm &vm : vms)
            text += QStringLiteral("--- %1's console (end) ---\n%2\n").arg(vm.name, host.console(vm.name).right(3000));
        if (!systemId.isEmpty())
            text += QStringLiteral("--- its events ---\n%1\n").arg(events(systemId));
        return text + QStringLiteral("--- MetalDesk's log (end) ---\n") + lab_.metaldeskLog().right(3000);
    };

    // Add chassis, as the wizard does it: list (the wizard's job), add the chassis, plan with its
    // prefix and apply for the VMs the plan adds, with "commission them" ticked.
    const Actor actor{admin_.id, admin_.username, true};
    Chassis chassis;
    chassis.name = QStringLiteral("lab-libvirt");
    chassis.type = QStringLiteral("virsh");
    chassis.address = host.uri();
    chassis.prefixFilter = QStringLiteral("md-");
    QElapsedTimer timer;
    timer.start();
    auto listing = listChassisVms(chassis);
    QVERIFY2(listing, qPrintable(listing.errorMessage()));
    QCOMPARE(listing->size(), 3);
    QList<QString> ids;
    {
        auto c = core();
        auto added = ChassisStore(c->db, c->feed.get()).add(actor, chassis);
        QVERIFY2(added, qPrintable(added.errorMessage()));
        auto machines = c->machines->list();
        QVERIFY2(machines, qPrintable(machines.errorMessage()));
        const SyncPlan plan = planChassisSync(*listing, added->prefixFilter, added->id, *machines);
        QSet<QString> chosen;
        for (const SyncItem &item : plan.items) {
            if (item.vm.name == QLatin1String("other-vm"))
                QCOMPARE(item.action, SyncAction::Filtered);
            else if (item.action == SyncAction::Add)
                chosen << item.vm.uuid;
        }
        QCOMPARE(chosen.size(), 2);
        auto outcome = applyChassisSync(*c, *added, plan, chosen, actor, true);
        QVERIFY2(outcome, qPrintable(outcome.errorMessage()));
        QCOMPARE(outcome->created, (QStringList{QStringLiteral("md-bios"), QStringLiteral("md-uefi")}));
        for (const Vm &vm : vms.mid(0, 2)) {
            auto found = c->machines->findByMac(vm.mac);
            QVERIFY2(found && found->has_value(), qPrintable(vm.mac));
            const Machine &m = **found;
            QCOMPARE(m.powerType, QStringLiteral("virsh"));
            QCOMPARE(m.status, NodeStatus::Commissioning);
            ids << m.systemId;
        }
        QVERIFY2(!c->machines->findByMac(vms[2].mac)->has_value(), "the VM outside the prefix was added");
    } // the power calls (libvirt starts both) are done when the core goes
    figure(QStringLiteral("libvirt chassis: listed 3 VMs, added 2 and started commissioning them: %1 s")
               .arg(seconds(timer.elapsed())));
    for (const Vm &vm : vms.mid(0, 2))
        QCOMPARE(host.virsh({QStringLiteral("domstate"), vm.name}), QStringLiteral("running"));
    QCOMPARE(host.virsh({QStringLiteral("domstate"), QStringLiteral("other-vm")}), QStringLiteral("shut off"));

    // Both boot the environment from MetalDesk at once, are inventoried and switch themselves off:
    // Ready. Meanwhile MetalDesk reads their consoles: the environment's own first line is seen.
    const QString firstLine = QStringLiteral("metaldesk: MetalDesk boot environment");
    QSet<QString> sawFirstLine;
    QHash<QString, qint64> readyMs;
    while (timer.elapsed() < kCommissionTimeoutMs && readyMs.size() < ids.size()) {
        for (const QString &id : std::as_const(ids)) {
            if (auto screen = ConsoleStore(core()->db).get(id);
                screen && *screen && (*screen)->screen.contains(firstLine))
                sawFirstLine << id;
            if (!readyMs.contains(id) && machine(id).status == NodeStatus::Ready)
                readyMs.insert(id, timer.elapsed());
            QVERIFY2(machine(id).status == NodeStatus::Commissioning || machine(id).status == NodeStatus::Ready,
                     qPrintable(diagnose(id)));
        }
        QThread::msleep(500);
    }
    for (int i = 0; i < ids.size(); ++i) {
        QVERIFY2(readyMs.contains(ids[i]), qPrintable(diagnose(ids[i])));
        const Machine m = machine(ids[i]);
        QCOMPARE(m.cpuCount, 1);
        QCOMPARE(m.storage, qint64(1024) << 20);
        const auto kept = ConsoleStore(core()->db).get(ids[i]);
        QVERIFY2(sawFirstLine.contains(ids[i]),
                 qPrintable(QStringLiteral("MetalDesk's console of %1 never showed \"%2\"; it kept:\n%3")
                                .arg(vms[i].name, firstLine,
                                     kept && *kept ? (*kept)->screen + QLatin1Char('\n') + (*kept)->note
                                                   : QStringLiteral("nothing"))));
        figure(QStringLiteral("libvirt %1 commissioned through libvirt power (both at once): %2 s")
                   .arg(vms[i].name, seconds(readyMs[ids[i]])));
    }
    // Off, and MetalDesk knows it (the environment switched off; the poller confirms).
    for (int i = 0; i < ids.size(); ++i) {
        QTRY_COMPARE_WITH_TIMEOUT(host.virsh({QStringLiteral("domstate"), vms[i].name}), QStringLiteral("shut off"),
                                  30000);
        QTRY_COMPARE_WITH_TIMEOUT(machine(ids[i]).powerState, QStringLiteral("off"), 15000);
    }

    // Switched on by MetalDesk, then off behind its back: Off within the poll interval.
    act(ids[0], NodeAction::PowerOn);
    QCOMPARE(host.virsh({QStringLiteral("domstate"), vms[0].name}), QStringLiteral("running"));
    QCOMPARE(machine(ids[0]).powerState, QStringLiteral("on"));
    QVERIFY(!host.virsh({QStringLiteral("destroy"), vms[0].name}).isEmpty());
    QElapsedTimer off;
    off.start();
    while (off.elapsed() < 30000 && machine(ids[0]).powerState != QLatin1String("off"))
        QThread::msleep(200);
    QCOMPARE(machine(ids[0]).powerState, QStringLiteral("off"));
    QVERIFY2(off.elapsed() <= 10000 + 2000, qPrintable(QStringLiteral("Off after %1 ms").arg(off.elapsed())));
    QVERIFY2(events(ids[0]).contains(QLatin1String("off")), qPrintable(events(ids[0])));
    figure(QStringLiteral("libvirt virsh destroy → Off in MetalDesk: %1 s (poll interval 10 s)")
               .arg(seconds(off.elapsed())));
}

QTEST_GUILESS_MAIN(TestLifecycle)
#include "tst_lifecycle.moc"
