// The built-in boot environment (bootenv/, built by tools/build-bootenv) booted for real: Debian's
// kernel and the agent in QEMU under TCG, with SeaBIOS and with OVMF, on virtio-net and e1000 NICs
// and virtio, NVMe and SATA disks. The console (serial) is all the test reads from the VM, as a
// user reads it; the VM must power itself off (QEMU exits) or reboot within a bound.
//
// The network is QEMU's user network with restrict=on: nothing leaves QEMU. Where the agent must
// reach a metadata service, one guest address (10.0.2.100:5240) is forwarded by QEMU to this
// test's FakeMetadata on 127.0.0.1, through this same binary started as `--forward PORT` (QEMU runs
// it for each connection with the connection on its stdin and stdout). A block-map deployment gets
// MetalDesk's own HTTP boot server on 10.0.2.100:5248, forwarded the same way.
#include "fakemetadata.h"

#include "core/images/imageupload.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/boot/httpbootserver.h"

#include "skip.h"
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using metaldesk::testing::FakeMetadata;

using namespace metaldesk;

namespace {

constexpr qint64 MiB = 1024 * 1024;
const QString bootMac = QStringLiteral("52:54:00:5e:00:01");   // virtio-net, the boot NIC
const QString secondMac = QStringLiteral("52:54:00:5e:00:02"); // e1000
const QString tokenSecret = QStringLiteral("Sekr1tTokenSecretNotForLogs");
const QString token = QStringLiteral("md-consumer:md-token:") + tokenSecret;
const QString metadataInGuest = QStringLiteral("http://10.0.2.100:5240/MAAS/metadata/");

QString findTool(const char *name)
{
    const QString path = QStandardPaths::findExecutable(QLatin1String(name));
    if (!path.isEmpty())
        return path;
    return QStandardPaths::findExecutable(QLatin1String(name), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readRange(const QString &path, qint64 offset, qint64 size)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || !file.seek(offset))
        return {};
    return file.read(size);
}

// A sparse raw disk image (what `qemu-img create -f raw` makes).
bool createDisk(const QString &path, qint64 size)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.resize(size);
}

// An MBR with one Linux partition (type 0x83) of `sectors` sectors from sector `start`.
QByteArray masterBootRecord(quint32 start, quint32 sectors)
{
    QByteArray mbr(512, '\0');
    auto put32 = [&](int at, quint32 v) {
        for (int i = 0; i < 4; ++i)
            mbr[at + i] = char((v >> (8 * i)) & 0xff);
    };
    mbr[446 + 4] = char(0x83);
    put32(446 + 8, start);
    put32(446 + 12, sectors);
    mbr[510] = char(0x55);
    mbr[511] = char(0xaa);
    return mbr;
}

// Runs a tool to the end; its standard output, or a null array (and `error`) when it failed.
QByteArray run(const QString &program, const QStringList &args, QString *error = nullptr);

constexpr qint64 kImagePartition = 12 * MiB;

// A tiny cloud-init disk image: an MBR, and from 1 MiB an ext4 partition of kImagePartition bytes
// holding /etc/cloud, made in `dir` with mke2fs; empty (and `error`) when that failed.
QByteArray cloudInitDisk(const QTemporaryDir &dir, const QString &mke2fs, QString *error)
{
    if (!QDir(dir.path()).mkpath(QStringLiteral("root/etc/cloud/cloud.cfg.d")) ||
        !writeFile(dir.filePath(QStringLiteral("root/etc/cloud/cloud.cfg")), "# the image's own\n"))
        return {};
    if (run(mke2fs,
            {QStringLiteral("-q"), QStringLiteral("-F"), QStringLiteral("-t"), QStringLiteral("ext4"),
             QStringLiteral("-d"), dir.filePath(QStringLiteral("root")), dir.filePath(QStringLiteral("part.img")),
             QStringLiteral("12M")},
            error)
            .isNull())
        return {};
    QByteArray image = masterBootRecord(2048, quint32(kImagePartition / 512));
    image.resize(MiB, '\0');
    image += readRange(dir.filePath(QStringLiteral("part.img")), 0, kImagePartition);
    return image.size() == MiB + kImagePartition ? image : QByteArray();
}

QByteArray run(const QString &program, const QStringList &args, QString *error)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForStarted() || !p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit ||
        p.exitCode() != 0) {
        if (error)
            *error = program + QLatin1Char(' ') + args.join(QLatin1Char(' ')) + QStringLiteral(": ") +
                     QString::fromLocal8Bit(p.readAllStandardError()) + p.errorString();
        return {};
    }
    return p.readAllStandardOutput();
}

// A newc cpio archive (what initramfs-tools writes) of these directories and files.
QByteArray newcArchive(const QStringList &dirs, const QList<std::pair<QString, QByteArray>> &files)
{
    QByteArray out;
    int inode = 1;
    auto entry = [&](const QString &name, quint32 mode, const QByteArray &data) {
        const QByteArray n = name.toUtf8();
        out += QStringLiteral("070701%1%2%3%4%5%6%7%8%9%10%11%12%13")
                   .arg(inode++, 8, 16, QLatin1Char('0'))
                   .arg(mode, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(1, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(data.size(), 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .arg(n.size() + 1, 8, 16, QLatin1Char('0'))
                   .arg(0, 8, 16, QLatin1Char('0'))
                   .toUpper()
                   .toLatin1();
        out += n + '\0';
        out.append((4 - out.size() % 4) % 4, '\0');
        out += data;
        out.append((4 - out.size() % 4) % 4, '\0');
    };
    for (const QString &d : dirs)
        entry(d, 040755, {});
    for (const auto &[name, data] : files)
        entry(name, 0100644, data);
    entry(QStringLiteral("TRAILER!!!"), 0, {});
    return out;
}

// The lines the agent wrote ("metaldesk: ..."), in order, without the serial line's \r.
QStringList agentLines(const QString &console)
{
    QStringList lines;
    for (QString line : console.split(QLatin1Char('\n'))) {
        line.remove(QLatin1Char('\r'));
        const qsizetype at = line.indexOf(QLatin1String("metaldesk: "));
        if (at >= 0)
            lines.append(line.mid(at));
    }
    return lines;
}

qsizetype indexOfLine(const QStringList &lines, const QString &part, qsizetype from = 0)
{
    for (qsizetype i = from; i < lines.size(); ++i)
        if (lines[i].contains(part))
            return i;
    return -1;
}

// The inventory line between the agent's markers, parsed.
QJsonObject inventoryOn(const QString &console, QString *error)
{
    QStringList lines = console.split(QLatin1Char('\n'));
    for (QString &line : lines)
        line.remove(QLatin1Char('\r'));
    const qsizetype begin = lines.indexOf(QStringLiteral("metaldesk: inventory begin"));
    if (begin < 0 || begin + 2 >= lines.size() || lines[begin + 2] != QLatin1String("metaldesk: inventory end")) {
        *error = QStringLiteral("no inventory between the markers");
        return {};
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(lines[begin + 1].toUtf8(), &parse);
    if (!doc.isObject()) {
        *error =
            QStringLiteral("the inventory is not a JSON object (%1): %2").arg(parse.errorString(), lines[begin + 1]);
        return {};
    }
    return doc.object();
}

QJsonObject findByKey(const QJsonArray &array, const char *key, const QString &value)
{
    for (const QJsonValue &item : array)
        if (item.toObject().value(QLatin1String(key)).toString() == value)
            return item.toObject();
    return {};
}

// `tst_bootenv --forward PORT`: what QEMU runs for each guest connection to the metadata address;
// copies the connection (stdin/stdout) to and from 127.0.0.1:PORT. Writes nothing else: its stderr
// is the guest's connection too.
int forward(const char *portText)
{
    std::signal(SIGPIPE, SIG_IGN);
    const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(quint16(std::atoi(portText)));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sock < 0 || ::connect(sock, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        return 1;
    auto writeAll = [](int fd, const char *data, ssize_t size) {
        while (size > 0) {
            const ssize_t n = ::write(fd, data, size_t(size));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            data += n;
            size -= n;
        }
        return true;
    };
    bool guestOpen = true;
    char buffer[65536];
    for (;;) {
        pollfd fds[2] = {{guestOpen ? STDIN_FILENO : -1, POLLIN, 0}, {sock, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (guestOpen && fds[0].revents) {
            const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
            if (n <= 0) {
                guestOpen = false;
                ::shutdown(sock, SHUT_WR);
            } else if (!writeAll(sock, buffer, n)) {
                return 1;
            }
        }
        if (fds[1].revents) {
            const ssize_t n = ::read(sock, buffer, sizeof buffer);
            if (n <= 0 || !writeAll(STDOUT_FILENO, buffer, n)) {
                ::shutdown(STDOUT_FILENO, SHUT_WR);
                return 0;
            }
        }
    }
}

} // namespace

class TestBootEnvironment : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void inventoriesTheVmThenReportsUnreachableMetadataAndPowersOff_data();
    void inventoriesTheVmThenReportsUnreachableMetadataAndPowersOff();
    void enlistsWithoutCredentialAndPowersOff();
    void deploysTheImageAndItsCloudConfigThenReboots();
    void deployWithABrokenImageUrlReportsWhyAndPowersOff();
    void deployOfADamagedImageReportsWhyAndPowersOff();
    void deploysAWholeDiskImageByItsBlockMap_data();
    void deploysAWholeDiskImageByItsBlockMap();
    void installsARootFilesystemImageWithItsKernelAndGrub_data();
    void installsARootFilesystemImageWithItsKernelAndGrub();
    void releaseQuickEraseZeroesTheEndsOfDiskAndPartitions();
    void releaseSecureEraseZeroesTheWholeDisk();

private:
    struct Boot {
        QString console;
        QString savedAt; // the whole console, kept after the test
        bool exited = false;
        int exitCode = -1;
        double seconds = 0;
        double inventorySeconds = -1; // when the inventory was on the console
    };
    // `bootHttpPort`: a server on 127.0.0.1 that the guest reaches as 10.0.2.100:5248.
    QStringList machine(const QString &firmware, const QString &purposeArgs, const QTemporaryDir &dir,
                        const FakeMetadata *metadata, quint16 bootHttpPort = 0);
    // A BIOS machine told to deploy, with `disk` as its virtio disk (vda).
    QStringList deployMachine(const QTemporaryDir &dir, const FakeMetadata *metadata, const QString &disk,
                              quint16 bootHttpPort = 0);
    Boot boot(const QString &name, const QStringList &args, int timeoutMs);
    // For a failed check: where the whole console is, and its agent lines.
    static QByteArray tail(const Boot &vm);

    QString qemu_;
    QString kernel_, initrd_;
};

void TestBootEnvironment::initTestCase()
{
    qemu_ = findTool("qemu-system-x86_64");
    if (qemu_.isEmpty())
        METALDESK_SKIP("qemu-system-x86_64 is not installed: run tools/setup");
    const QString environment = QStringLiteral(BOOTENV_DIR);
    kernel_ = environment + QStringLiteral("/vmlinuz");
    initrd_ = environment + QStringLiteral("/initrd.img");
    if (!QFile::exists(kernel_) || !QFile::exists(initrd_))
        METALDESK_SKIP(qPrintable(QStringLiteral("the boot environment is not built in %1: build the target `bootenv` "
                                                 "(`cmake --build <build dir> --target bootenv`, on by default with "
                                                 "METALDESK_BOOTENV) or run tools/build-bootenv --out %2")
                                      .arg(environment, QFileInfo(environment).path())));
}

// A VM as a home lab has them: two CPUs, 512 MiB, the boot NIC (virtio-net) and an e1000, DMI
// strings of our own; BIOS is the `pc` machine (SeaBIOS), UEFI the `q35` machine with OVMF. The
// kernel boots directly (-kernel), with the command line iPXE would give it. `metadata` forwards
// the guest's 10.0.2.100:5240 to it.
QStringList TestBootEnvironment::deployMachine(const QTemporaryDir &dir, const FakeMetadata *metadata,
                                               const QString &disk, quint16 bootHttpPort)
{
    return machine(QStringLiteral("bios"),
                   QStringLiteral("metaldesk.purpose=deploy metaldesk.metadata=%1 metaldesk.token=%2")
                       .arg(metadataInGuest, token),
                   dir, metadata, bootHttpPort)
           << QStringLiteral("-drive") << QStringLiteral("if=none,id=d0,format=raw,file=") + disk
           << QStringLiteral("-device") << QStringLiteral("virtio-blk-pci,drive=d0");
}

QStringList TestBootEnvironment::machine(const QString &firmware, const QString &purposeArgs, const QTemporaryDir &dir,
                                         const FakeMetadata *metadata, quint16 bootHttpPort)
{
    QStringList args = {QStringLiteral("-accel"),
                        QStringLiteral("tcg"),
                        QStringLiteral("-m"),
                        QStringLiteral("512"),
                        QStringLiteral("-smp"),
                        QStringLiteral("2"),
                        QStringLiteral("-nodefaults"),
                        QStringLiteral("-display"),
                        QStringLiteral("none"),
                        QStringLiteral("-serial"),
                        QStringLiteral("stdio"),
                        QStringLiteral("-no-reboot"),
                        QStringLiteral("-smbios"),
                        QStringLiteral("type=1,manufacturer=MetalDesk Lab,product=Test VM,serial=MD-SERIAL-42"),
                        QStringLiteral("-kernel"),
                        kernel_,
                        QStringLiteral("-initrd"),
                        initrd_,
                        QStringLiteral("-append"),
                        QStringLiteral("console=ttyS0 panic=-1 metaldesk.mac=%1 %2").arg(bootMac, purposeArgs)};
    if (firmware == QLatin1String("uefi")) {
        const QString vars = dir.filePath(QStringLiteral("OVMF_VARS.fd"));
        QFile::remove(vars);
        QFile::copy(QStringLiteral("/usr/share/OVMF/OVMF_VARS.fd"), vars);
        QFile::setPermissions(vars, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        args << QStringLiteral("-machine") << QStringLiteral("q35") << QStringLiteral("-drive")
             << QStringLiteral("if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd")
             << QStringLiteral("-drive") << QStringLiteral("if=pflash,format=raw,file=") + vars;
    } else {
        args << QStringLiteral("-machine") << QStringLiteral("pc");
    }
    QString boot = QStringLiteral("user,id=n0,restrict=on");
    if (metadata) {
        QString command =
            QStringLiteral("'%1' --forward %2").arg(QCoreApplication::applicationFilePath()).arg(metadata->port());
        boot += QStringLiteral(",guestfwd=tcp:10.0.2.100:5240-cmd:") +
                command.replace(QLatin1Char(','), QStringLiteral(",,"));
    }
    if (bootHttpPort) {
        QString command =
            QStringLiteral("'%1' --forward %2").arg(QCoreApplication::applicationFilePath()).arg(bootHttpPort);
        boot += QStringLiteral(",guestfwd=tcp:10.0.2.100:5248-cmd:") +
                command.replace(QLatin1Char(','), QStringLiteral(",,"));
    }
    // romfile= (none): no iPXE ROM to load, the kernel is already there.
    args << QStringLiteral("-netdev") << boot << QStringLiteral("-device")
         << QStringLiteral("virtio-net-pci,netdev=n0,romfile=,mac=") + bootMac << QStringLiteral("-netdev")
         << QStringLiteral("user,id=n1,restrict=on") << QStringLiteral("-device")
         << QStringLiteral("e1000,netdev=n1,romfile=,mac=") + secondMac;
    return args;
}

TestBootEnvironment::Boot TestBootEnvironment::boot(const QString &name, const QStringList &args, int timeoutMs)
{
    Boot result;
    QProcess vm;
    vm.setProcessChannelMode(QProcess::MergedChannels);
    QElapsedTimer timer;
    connect(&vm, &QProcess::readyReadStandardOutput, this, [&] {
        result.console += QString::fromUtf8(vm.readAllStandardOutput());
        if (result.inventorySeconds < 0 && result.console.contains(QLatin1String("metaldesk: inventory end")))
            result.inventorySeconds = double(timer.elapsed()) / 1000;
    });
    timer.start();
    vm.start(qemu_, args);
    if (!vm.waitForStarted()) {
        result.console = vm.errorString();
        return result;
    }
    // An event loop runs meanwhile: FakeMetadata answers the guest from this thread.
    const bool ended = QTest::qWaitFor([&] { return vm.state() == QProcess::NotRunning; }, timeoutMs);
    result.seconds = double(timer.elapsed()) / 1000;
    if (!ended) {
        vm.kill();
        vm.waitForFinished();
        result.console += QStringLiteral("\n[test: QEMU killed after %1 s]\n").arg(result.seconds);
    } else {
        result.exited = vm.exitStatus() == QProcess::NormalExit;
        result.exitCode = vm.exitCode();
    }
    result.console += QString::fromUtf8(vm.readAllStandardOutput());
    if (result.inventorySeconds >= 0)
        qInfo("%s: QEMU ran %.1f s (the inventory on the console at %.1f s)", qPrintable(name), result.seconds,
              result.inventorySeconds);
    else
        qInfo("%s: QEMU ran %.1f s", qPrintable(name), result.seconds);
    // Every console is kept (QTest cuts long failure messages): bootenv-consoles/<name>.log in the
    // test's working directory.
    QDir().mkpath(QStringLiteral("bootenv-consoles"));
    QString file = name;
    file.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9]+")), QStringLiteral("-"));
    result.savedAt = QDir().absoluteFilePath(QStringLiteral("bootenv-consoles/") + file + QStringLiteral(".log"));
    writeFile(result.savedAt, result.console.toUtf8());
    // METALDESK_SHOW_CONSOLE=1 shows every console, for whoever changes the agent.
    if (qEnvironmentVariableIsSet("METALDESK_SHOW_CONSOLE"))
        qInfo("%s", qPrintable(result.console));
    return result;
}

QByteArray TestBootEnvironment::tail(const Boot &vm)
{
    return (QStringLiteral("the console is in ") + vm.savedAt + QLatin1Char('\n') +
            agentLines(vm.console).join(QLatin1Char('\n')).right(1500))
        .toLocal8Bit();
}

void TestBootEnvironment::inventoriesTheVmThenReportsUnreachableMetadataAndPowersOff_data()
{
    QTest::addColumn<QString>("firmware");
    QTest::addColumn<QString>("secondDisk"); // its name in the guest
    QTest::addColumn<int>("boundSeconds");
    QTest::newRow("bios") << QStringLiteral("bios") << QStringLiteral("nvme0n1") << 90;
    QTest::newRow("uefi") << QStringLiteral("uefi") << QStringLiteral("sda") << 120;
}

// Commissioning with a metadata service that does not answer (port 9 of the guest's own loopback):
// the inventory on the console matches the VM, the failure is said in a sentence, and the machine
// switches itself off.
void TestBootEnvironment::inventoriesTheVmThenReportsUnreachableMetadataAndPowersOff()
{
    QFETCH(QString, firmware);
    QFETCH(QString, secondDisk);
    QFETCH(int, boundSeconds);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const qint64 vdaSize = 64 * MiB;
    const qint64 secondSize = firmware == QLatin1String("bios") ? 48 * MiB : 40 * MiB;
    QVERIFY(createDisk(dir.filePath(QStringLiteral("vda.img")), vdaSize));
    QVERIFY(createDisk(dir.filePath(QStringLiteral("second.img")), secondSize));

    QStringList args =
        machine(firmware,
                QStringLiteral("metaldesk.purpose=commission metaldesk.metadata=http://127.0.0.1:9/MAAS/metadata/ "
                               "metaldesk.token=") +
                    token,
                dir, nullptr);
    args << QStringLiteral("-drive")
         << QStringLiteral("if=none,id=d0,format=raw,file=") + dir.filePath(QStringLiteral("vda.img"))
         << QStringLiteral("-device") << QStringLiteral("virtio-blk-pci,drive=d0,serial=MDVIRTIO0001")
         << QStringLiteral("-drive")
         << QStringLiteral("if=none,id=d1,format=raw,file=") + dir.filePath(QStringLiteral("second.img"));
    if (firmware == QLatin1String("bios"))
        args << QStringLiteral("-device") << QStringLiteral("nvme,drive=d1,serial=MDNVME0001");
    else // q35's own AHCI controller
        args << QStringLiteral("-device") << QStringLiteral("ide-hd,bus=ide.0,drive=d1,serial=MDSATA0001");

    const Boot vm =
        boot(QStringLiteral("%1 commission (metadata unreachable)").arg(firmware), args, boundSeconds * 1000);
    QVERIFY2(vm.exited && vm.exitCode == 0,
             qPrintable(QStringLiteral("the VM did not power itself off within %1 s; ").arg(boundSeconds) +
                        QString::fromLocal8Bit(tail(vm))));

    QString error;
    const QJsonObject inventory = inventoryOn(vm.console, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error + QLatin1Char('\n') + QString::fromLocal8Bit(tail(vm))));
    QCOMPARE(inventory.value(QLatin1String("architecture")).toString(), QStringLiteral("amd64/generic"));
    QCOMPARE(inventory.value(QLatin1String("firmware")).toString(), firmware);
    const QJsonObject cpu = inventory.value(QLatin1String("cpu")).toObject();
    QCOMPARE(cpu.value(QLatin1String("count")).toInt(), 2);
    QVERIFY2(!cpu.value(QLatin1String("model")).toString().isEmpty(), "no CPU model");
    const int memory = inventory.value(QLatin1String("memory_mib")).toInt();
    QVERIFY2(memory >= 461 && memory <= 563, qPrintable(QStringLiteral("memory_mib %1, not 512 ± 10%").arg(memory)));

    const QJsonArray disks = inventory.value(QLatin1String("disks")).toArray();
    QCOMPARE(disks.size(), 2);
    const QJsonObject vda = findByKey(disks, "name", QStringLiteral("vda"));
    QCOMPARE(vda.value(QLatin1String("size_bytes")).toInteger(), vdaSize);
    QCOMPARE(vda.value(QLatin1String("serial")).toString(), QStringLiteral("MDVIRTIO0001"));
    const QJsonObject second = findByKey(disks, "name", secondDisk);
    QCOMPARE(second.value(QLatin1String("size_bytes")).toInteger(), secondSize);
    if (firmware == QLatin1String("bios")) {
        QCOMPARE(second.value(QLatin1String("serial")).toString(), QStringLiteral("MDNVME0001"));
        QCOMPARE(second.value(QLatin1String("model")).toString(), QStringLiteral("QEMU NVMe Ctrl"));
    } else {
        QCOMPARE(second.value(QLatin1String("serial")).toString(), QStringLiteral("MDSATA0001"));
        QCOMPARE(second.value(QLatin1String("model")).toString(), QStringLiteral("QEMU HARDDISK"));
    }

    const QJsonArray nics = inventory.value(QLatin1String("nics")).toArray();
    QCOMPARE(nics.size(), 2);
    const QJsonObject virtio = findByKey(nics, "mac", bootMac);
    QCOMPARE(virtio.value(QLatin1String("driver")).toString(), QStringLiteral("virtio_net"));
    QCOMPARE(virtio.value(QLatin1String("link")).toBool(), true);
    QCOMPARE(findByKey(nics, "mac", secondMac).value(QLatin1String("driver")).toString(), QStringLiteral("e1000"));
    QCOMPARE(inventory.value(QLatin1String("boot_mac")).toString(), bootMac);

    const QJsonObject dmi = inventory.value(QLatin1String("dmi")).toObject();
    QCOMPARE(dmi.value(QLatin1String("vendor")).toString(), QStringLiteral("MetalDesk Lab"));
    QCOMPARE(dmi.value(QLatin1String("product")).toString(), QStringLiteral("Test VM"));
    QCOMPARE(dmi.value(QLatin1String("serial")).toString(), QStringLiteral("MD-SERIAL-42"));

    // The failure, in words a user can act on, then the power off.
    const QStringList lines = agentLines(vm.console);
    const qsizetype failed = indexOfLine(lines, QStringLiteral("metaldesk: failed: "));
    QVERIFY2(failed >= 0, tail(vm));
    QVERIFY2(lines[failed].contains(QLatin1String("commissioning results")) &&
                 lines[failed].contains(QLatin1String("http://127.0.0.1:9/MAAS/metadata/metaldesk/v1/commission")) &&
                 lines[failed].contains(QLatin1String("Connection refused")) &&
                 lines[failed].contains(QLatin1String("check that MetalDesk is running")),
             qPrintable(lines[failed]));
    QVERIFY2(indexOfLine(lines, QStringLiteral("could not report the failure to MetalDesk either"), failed) > failed,
             tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: powering off"), failed) > failed, tail(vm));
    for (const QString &line : lines)
        QVERIFY2(!line.contains(tokenSecret), qPrintable(QStringLiteral("the credential on the console: ") + line));
}

// An unknown machine: the inventory goes to MetalDesk without any credential (again after a 429,
// MetalDesk's enlistment limit), the name MetalDesk gives is on the console, and the machine
// switches itself off.
void TestBootEnvironment::enlistsWithoutCredentialAndPowersOff()
{
    QTemporaryDir dir;
    QVERIFY(createDisk(dir.filePath(QStringLiteral("vda.img")), 32 * MiB));
    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    metadata.answerFirst("POST", "/MAAS/metadata/metaldesk/v1/enlist", {429, "over the limit", "text/plain"});
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/enlist",
                    {200, R"({"system_id":"4y3h7n","hostname":"brave-otter"})"});

    QStringList args =
        machine(QStringLiteral("bios"),
                QStringLiteral("metaldesk.purpose=enlist metaldesk.metadata=") + metadataInGuest, dir, &metadata);
    args << QStringLiteral("-drive")
         << QStringLiteral("if=none,id=d0,format=raw,file=") + dir.filePath(QStringLiteral("vda.img"))
         << QStringLiteral("-device") << QStringLiteral("virtio-blk-pci,drive=d0");
    const Boot vm = boot(QStringLiteral("bios enlist"), args, 90000);
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));

    const auto requests = metadata.requests();
    QCOMPARE(requests.size(), 2); // refused once, then taken
    QCOMPARE(requests[1].body, requests[0].body);
    QCOMPARE(requests[0].method, QByteArray("POST"));
    QCOMPARE(requests[0].path, QByteArray("/MAAS/metadata/metaldesk/v1/enlist"));
    QVERIFY2(!requests[0].headers.contains("authorization"), requests[0].headers.value("authorization").constData());
    QCOMPARE(requests[0].headers.value("content-type"), QByteArray("application/json"));
    const QJsonObject sent = QJsonDocument::fromJson(requests[0].body).object();
    QCOMPARE(sent.value(QLatin1String("boot_mac")).toString(), bootMac);
    QCOMPARE(sent.value(QLatin1String("nics")).toArray().size(), 2);
    QString error;
    QCOMPARE(inventoryOn(vm.console, &error), sent); // the console shows what was sent

    const QStringList lines = agentLines(vm.console);
    const qsizetype refused =
        indexOfLine(lines, QStringLiteral("metaldesk: MetalDesk is enlisting too many machines at once"));
    QVERIFY2(refused >= 0, tail(vm));
    const qsizetype enlisted =
        indexOfLine(lines, QStringLiteral("metaldesk: enlisted as brave-otter (4y3h7n)"), refused);
    QVERIFY2(enlisted >= 0, tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: powering off"), enlisted) > enlisted, tail(vm));
}

// Deploying: the agent asks for its settings with the node's OAuth credential, streams the
// gzipped image onto the disk, writes cloud_config into the image's /etc/cloud, reports, reboots.
void TestBootEnvironment::deploysTheImageAndItsCloudConfigThenReboots()
{
    const QString mke2fs = findTool("mke2fs"), debugfs = findTool("debugfs"), gzip = findTool("gzip");
    if (mke2fs.isEmpty() || debugfs.isEmpty() || gzip.isEmpty())
        METALDESK_SKIP("mke2fs, debugfs (e2fsprogs) and gzip are needed to make the test image");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    const qint64 partitionSize = kImagePartition;
    const QByteArray image = cloudInitDisk(dir, mke2fs, &error);
    QVERIFY2(!image.isEmpty(), qPrintable(error));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("test.img")), image));
    const QByteArray gzipped =
        run(gzip, {QStringLiteral("-c"), QStringLiteral("-n"), dir.filePath(QStringLiteral("test.img"))}, &error);
    QVERIFY2(!gzipped.isEmpty(), qPrintable(error));

    const QByteArray cloudConfig = "#cloud-config\n"
                                   "datasource:\n"
                                   "  MAAS:\n"
                                   "    metadata_url: http://10.0.2.100:5240/MAAS/metadata/\n"
                                   "    consumer_key: md-consumer\n"
                                   "    token_key: md-token\n"
                                   "    token_secret: \"" +
                                   tokenSecret.toUtf8() +
                                   "\"\n"
                                   "# caf\xc3\xa9, a tab:\there\n";
    QJsonObject settings{{QStringLiteral("image_url"), QStringLiteral("http://10.0.2.100:5240/images/test.img.gz")},
                         {QStringLiteral("image_sha256"),
                          QString::fromLatin1(QCryptographicHash::hash(gzipped, QCryptographicHash::Sha256).toHex())},
                         {QStringLiteral("disk"), QString()},
                         {QStringLiteral("user_data"), QStringLiteral("#!/bin/sh\necho hello\n")},
                         {QStringLiteral("cloud_config"), QString::fromUtf8(cloudConfig)}};
    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    metadata.answer("GET", "/MAAS/metadata/metaldesk/v1/deploy", {200, QJsonDocument(settings).toJson()});
    metadata.answer("GET", "/images/test.img.gz", {200, gzipped, "application/gzip"});
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});

    const QString disk = dir.filePath(QStringLiteral("vda.img"));
    QVERIFY(createDisk(disk, 64 * MiB));
    const QStringList args = deployMachine(dir, &metadata, disk);
    const Boot vm = boot(QStringLiteral("bios deploy"), args, 90000);
    // reboot -f under -no-reboot: QEMU exits.
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));
    const QStringList lines = agentLines(vm.console);
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: deployed; rebooting into the installed system")) >= 0,
             tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: deploy: the image matches the catalogue's SHA-256")) >= 0,
             tail(vm));

    // The calls: settings and status signed with the node's credential, the image fetched without it.
    const auto settingsCalls = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/deploy");
    QCOMPARE(settingsCalls.size(), 1);
    static const QRegularExpression oauth(
        QStringLiteral("^OAuth oauth_version=\"1\\.0\", oauth_signature_method=\"PLAINTEXT\", "
                       "oauth_consumer_key=\"md-consumer\", oauth_token=\"md-token\", oauth_signature=\"&%1\", "
                       "oauth_nonce=\"[0-9a-f]{32}\", oauth_timestamp=\"[0-9]{9,}\"$")
            .arg(tokenSecret));
    const QString authorization = QString::fromLatin1(settingsCalls[0].headers.value("authorization"));
    QVERIFY2(oauth.match(authorization).hasMatch(), qPrintable(authorization));
    const auto imageCalls = metadata.requestsTo("/images/test.img.gz");
    QCOMPARE(imageCalls.size(), 1);
    QVERIFY(!imageCalls[0].headers.contains("authorization"));
    const auto statusCalls = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/status");
    QCOMPARE(statusCalls.size(), 1);
    QVERIFY(oauth.match(QString::fromLatin1(statusCalls[0].headers.value("authorization"))).hasMatch());
    QCOMPARE(QJsonDocument::fromJson(statusCalls[0].body).object(),
             (QJsonObject{{QStringLiteral("purpose"), QStringLiteral("deploy")},
                          {QStringLiteral("result"), QStringLiteral("ok")}}));

    // The disk: the image's partition table, and cloud_config in the image's /etc/cloud.
    QCOMPARE(readRange(disk, 0, 512), image.left(512));
    const QString written = dir.filePath(QStringLiteral("written-part.img"));
    QVERIFY(writeFile(written, readRange(disk, MiB, partitionSize)));
    const QByteArray config =
        run(debugfs, {QStringLiteral("-R"), QStringLiteral("cat /etc/cloud/cloud.cfg.d/90_metaldesk.cfg"), written},
            &error);
    QCOMPARE(config, cloudConfig + '\n');
    const QByteArray stat =
        run(debugfs, {QStringLiteral("-R"), QStringLiteral("stat /etc/cloud/cloud.cfg.d/90_metaldesk.cfg"), written},
            &error);
    QVERIFY2(stat.contains("Mode:  0600"), stat.constData()); // it holds the node's credential
    for (const QString &line : lines)
        QVERIFY2(!line.contains(tokenSecret), qPrintable(QStringLiteral("the credential on the console: ") + line));
}

// A root-filesystem image as MAAS's are (a squashfs with no kernel, the kernel and an initrd that
// carries its modules beside it), or as a root tarball uploaded with its kernel and initrd: the
// environment partitions the disk (BIOS boot, ESP, root), extracts the root, installs the kernel with the initrd's
// modules, writes fstab, GRUB for BIOS and UEFI with one grub.cfg, the node's cloud-init configuration, and reboots.
// The disk is read back with debugfs and mtools, as a person would.
void TestBootEnvironment::installsARootFilesystemImageWithItsKernelAndGrub_data()
{
    QTest::addColumn<QString>("format");
    QTest::newRow("squashfs") << QStringLiteral("squashfs"); // MAAS's images
    QTest::newRow("root-tgz") << QStringLiteral("root-tgz"); // an uploaded root tarball
}

void TestBootEnvironment::installsARootFilesystemImageWithItsKernelAndGrub()
{
    QFETCH(QString, format);
    const QString mksquashfs = findTool("mksquashfs"), debugfs = findTool("debugfs"), gzip = findTool("gzip"),
                  mtype = findTool("mtype"), dd = findTool("dd");
    if (mksquashfs.isEmpty() || debugfs.isEmpty() || gzip.isEmpty() || mtype.isEmpty())
        METALDESK_SKIP("mksquashfs (squashfs-tools), debugfs (e2fsprogs), mtype (mtools) and gzip are needed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // The root: /etc, a merged /usr with the host's env and the C library it needs (the agent runs
    // the image's own tools through it), and no kernel, modules or GRUB.
    const QString root = dir.filePath(QStringLiteral("root"));
    for (const char *d : {"etc/cloud", "usr/bin", "usr/lib/x86_64-linux-gnu", "usr/lib64", "boot", "tmp"})
        QVERIFY(QDir(root).mkpath(QLatin1String(d)));
    QVERIFY(writeFile(root + QStringLiteral("/etc/cloud/cloud.cfg"), "# the image's own\n"));
    QVERIFY(writeFile(root + QStringLiteral("/etc/hostname"), "from-the-image\n"));
    QVERIFY(QFile::setPermissions(root + QStringLiteral("/etc/hostname"),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup));
    QVERIFY(QFile::copy(QStringLiteral("/usr/bin/env"), root + QStringLiteral("/usr/bin/env")));
    QVERIFY(QFile::copy(QStringLiteral("/lib/x86_64-linux-gnu/libc.so.6"),
                        root + QStringLiteral("/usr/lib/x86_64-linux-gnu/libc.so.6")));
    QVERIFY(QFile::copy(QStringLiteral("/lib64/ld-linux-x86-64.so.2"),
                        root + QStringLiteral("/usr/lib64/ld-linux-x86-64.so.2")));
    QVERIFY(QFile::link(QStringLiteral("usr/lib"), root + QStringLiteral("/lib")));
    QVERIFY(QFile::link(QStringLiteral("usr/lib64"), root + QStringLiteral("/lib64")));
    const QString kver = QStringLiteral("6.1.0-md-test");
    const QByteArray kernel = "not a real kernel: the VM boots the environment's, this one is only installed";
    const QByteArray module = "a module, as the initrd carries it";
    const QString modulePath = QStringLiteral("usr/lib/modules/%1/kernel/drivers/md-dummy.ko").arg(kver);
    // The squashfs has no modules: they come out of the initrd. The tarball, made from an
    // installed system, has its module tree, and an initrd that names the kernel's version but
    // carries none of its modules.
    const bool modulesInRoot = format == QLatin1String("root-tgz");
    if (modulesInRoot) {
        QVERIFY(QDir(root).mkpath(QFileInfo(modulePath).path()));
        QVERIFY(writeFile(root + QLatin1Char('/') + modulePath, module));
    }
    QString error;
    const QString rootImage = dir.filePath(QStringLiteral("root.image"));
    if (format == QLatin1String("squashfs"))
        run(mksquashfs,
            {root, rootImage, QStringLiteral("-noappend"), QStringLiteral("-no-progress"), QStringLiteral("-all-root")},
            &error);
    else
        run(findTool("tar"),
            {QStringLiteral("-czf"), rootImage, QStringLiteral("--owner=0"), QStringLiteral("--group=0"),
             QStringLiteral("-C"), root, QStringLiteral(".")},
            &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QFile rootImageFile(rootImage);
    QVERIFY(rootImageFile.open(QIODevice::ReadOnly));
    const QByteArray rootBytes = rootImageFile.readAll();
    QVERIFY(writeFile(dir.filePath(QStringLiteral("initrd.cpio")),
                      modulesInRoot
                          ? newcArchive({QStringLiteral("usr"), QStringLiteral("usr/lib"),
                                         QStringLiteral("usr/lib/modules"), QStringLiteral("usr/lib/modules/") + kver},
                                        {{QStringLiteral("init"), QByteArray("#!/bin/sh\n")}})
                          : newcArchive({QStringLiteral("usr"), QStringLiteral("usr/lib"),
                                         QStringLiteral("usr/lib/modules"), QStringLiteral("usr/lib/modules/") + kver,
                                         QStringLiteral("usr/lib/modules/%1/kernel").arg(kver),
                                         QStringLiteral("usr/lib/modules/%1/kernel/drivers").arg(kver)},
                                        {{modulePath, module}})));
    // Shaped as Ubuntu's (and Debian's with a microcode package): an uncompressed archive of
    // microcode padded with zeros, then the compressed archive with the modules.
    QByteArray initrd =
        newcArchive({QStringLiteral("kernel"), QStringLiteral("kernel/x86"), QStringLiteral("kernel/x86/microcode")},
                    {{QStringLiteral("kernel/x86/microcode/GenuineIntel.bin"), QByteArray(3000, '\x5a')}});
    initrd.append((512 - initrd.size() % 512) % 512, '\0');
    const QByteArray compressed =
        run(gzip, {QStringLiteral("-c"), QStringLiteral("-n"), dir.filePath(QStringLiteral("initrd.cpio"))}, &error);
    QVERIFY2(!compressed.isEmpty(), qPrintable(error));
    initrd += compressed;

    const QByteArray cloudConfig = "#cloud-config\ndatasource: {MAAS: {metadata_url: 'http://10.0.2.100:5240/'}}\n";
    const QString base = QStringLiteral("http://10.0.2.100:5240/images/sha256/");
    const QJsonObject settings{
        {QStringLiteral("image_url"), base + QStringLiteral("root")},
        {QStringLiteral("image_format"), format},
        {QStringLiteral("image_sha256"),
         QString::fromLatin1(QCryptographicHash::hash(rootBytes, QCryptographicHash::Sha256).toHex())},
        {QStringLiteral("kernel_url"), base + QStringLiteral("kernel")},
        {QStringLiteral("kernel_sha256"),
         QString::fromLatin1(QCryptographicHash::hash(kernel, QCryptographicHash::Sha256).toHex())},
        {QStringLiteral("initrd_url"), base + QStringLiteral("initrd")},
        {QStringLiteral("initrd_sha256"),
         QString::fromLatin1(QCryptographicHash::hash(initrd, QCryptographicHash::Sha256).toHex())},
        {QStringLiteral("disk"), QString()},
        {QStringLiteral("user_data"), QString()},
        {QStringLiteral("cloud_config"), QString::fromUtf8(cloudConfig)}};
    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    metadata.answer("GET", "/MAAS/metadata/metaldesk/v1/deploy", {200, QJsonDocument(settings).toJson()});
    metadata.answer("GET", "/images/sha256/root", {200, rootBytes, "application/octet-stream"});
    metadata.answer("GET", "/images/sha256/kernel", {200, kernel, "application/octet-stream"});
    metadata.answer("GET", "/images/sha256/initrd", {200, initrd, "application/octet-stream"});
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});

    const QString disk = dir.filePath(QStringLiteral("vda.img"));
    const qint64 diskSize = 1200 * MiB;
    QVERIFY(createDisk(disk, diskSize));
    const QStringList args = deployMachine(dir, &metadata, disk);
    const Boot vm = boot(QStringLiteral("bios deploy root filesystem (%1)").arg(format), args, 180000);
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));
    const QStringList lines = agentLines(vm.console);
    QVERIFY2(indexOfLine(lines, QStringLiteral("deploy: installed %1 with GRUB for BIOS and UEFI").arg(kver)) >= 0,
             tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: deployed; rebooting into the installed system")) >= 0,
             tail(vm));
    for (const char *path : {"/images/sha256/root", "/images/sha256/kernel", "/images/sha256/initrd"})
        QCOMPARE(metadata.requestsTo(path).size(), 1);

    // The GPT: BIOS boot at 2048, the ESP at 4096 (100 MiB), the root from 208896 to the end.
    QCOMPARE(readRange(disk, 512, 8), QByteArray("EFI PART"));
    const QByteArray header = readRange(disk, 512, 92);
    const qint64 entriesLba = qFromLittleEndian<qint64>(header.constData() + 72);
    const QByteArray entries = readRange(disk, entriesLba * 512, 3 * 128);
    QCOMPARE(qFromLittleEndian<qint64>(entries.constData() + 32), 2048);
    QCOMPARE(qFromLittleEndian<qint64>(entries.constData() + 128 + 32), 4096);
    QCOMPARE(qFromLittleEndian<qint64>(entries.constData() + 256 + 32), 208896);
    // GRUB for BIOS: boot.img in the MBR points at sector 2048, core.img there at the rest of itself.
    QCOMPARE(qFromLittleEndian<qint64>(readRange(disk, 0x5c, 8).constData()), 2048);
    QCOMPARE(readRange(disk, 510, 2), QByteArray("\x55\xaa"));
    QCOMPARE(qFromLittleEndian<qint64>(readRange(disk, 2048 * 512 + 0x1f4, 8).constData()), 2049);

    // The ESP: GRUB for UEFI and its grub.cfg.
    auto extract = [&](const QString &name, qint64 startSector, qint64 sectors) {
        const QString path = dir.filePath(name);
        run(dd,
            {QStringLiteral("if=") + disk, QStringLiteral("of=") + path, QStringLiteral("bs=512"),
             QStringLiteral("skip=%1").arg(startSector), QStringLiteral("count=%1").arg(sectors),
             QStringLiteral("conv=sparse"), QStringLiteral("status=none")},
            &error);
        return path;
    };
    const QString esp = extract(QStringLiteral("esp.img"), 4096, 204800);
    const QByteArray grubCfg = run(mtype, {QStringLiteral("-i"), esp, QStringLiteral("::/EFI/BOOT/grub.cfg")}, &error);
    QVERIFY2(grubCfg.contains("linux /boot/vmlinuz-" + kver.toLatin1() + " root=UUID="), grubCfg.constData());
    // shim signed by Microsoft as the removable path's loader, Debian's signed GRUB beside it.
    const QByteArray efi = run(mtype, {QStringLiteral("-i"), esp, QStringLiteral("::/EFI/BOOT/BOOTX64.EFI")}, &error);
    QVERIFY2(efi.startsWith("MZ") && efi.contains("Microsoft Corporation UEFI CA 2011"), qPrintable(error));
    const QByteArray grubEfi =
        run(mtype, {QStringLiteral("-i"), esp, QStringLiteral("::/EFI/BOOT/grubx64.efi")}, &error);
    QVERIFY2(grubEfi.startsWith("MZ") && grubEfi.contains("Debian Secure Boot"), qPrintable(error));
    static const QRegularExpression uuidIn(QStringLiteral("root=UUID=([0-9a-f-]{36})"));
    const QString uuid = uuidIn.match(QString::fromLatin1(grubCfg)).captured(1);
    QVERIFY(!uuid.isEmpty());

    // The root: what the image held, the kernel and its modules, fstab, the same grub.cfg, the
    // node's configuration; the downloaded squashfs gone.
    const QString rootFs = extract(QStringLiteral("root.img"), 208896, diskSize / 512 - 208896 - 34);
    auto cat = [&](const QString &path) {
        return run(debugfs, {QStringLiteral("-R"), QStringLiteral("cat ") + path, rootFs}, &error);
    };
    QCOMPARE(cat(QStringLiteral("/etc/hostname")), QByteArray("from-the-image\n"));
    const QByteArray hostnameStat =
        run(debugfs, {QStringLiteral("-R"), QStringLiteral("stat /etc/hostname"), rootFs}, &error);
    QVERIFY2(hostnameStat.contains("Mode:  0640"), hostnameStat.constData());
    QCOMPARE(cat(QStringLiteral("/boot/vmlinuz-") + kver), kernel);
    QCOMPARE(cat(QStringLiteral("/boot/initrd.img-") + kver), initrd);
    // What the installed system's own update-initramfs needs to know of the kernel.
    QVERIFY2(cat(QStringLiteral("/boot/config-") + kver).contains("\nCONFIG_RD_GZIP=y\n"), qPrintable(error));
    QCOMPARE(cat(QLatin1Char('/') + modulePath), module);
    QCOMPARE(cat(QStringLiteral("/boot/grub/grub.cfg")), grubCfg);
    const QByteArray fstab = cat(QStringLiteral("/etc/fstab"));
    QVERIFY2(fstab.contains("UUID=" + uuid.toLatin1() + " / ext4"), fstab.constData());
    QVERIFY2(fstab.contains(" /boot/efi vfat"), fstab.constData());
    QCOMPARE(cat(QStringLiteral("/etc/cloud/cloud.cfg.d/90_metaldesk.cfg")), cloudConfig + '\n');
    const QByteArray top = run(debugfs, {QStringLiteral("-R"), QStringLiteral("ls -l /"), rootFs}, &error);
    QVERIFY2(!top.contains(".metaldesk-image"), top.constData());
    QVERIFY2(top.contains("lib") && top.contains("usr"), top.constData());
}

// Deploying an image MetalDesk cannot serve (404): Failed deployment with the reason, reported
// with the node's credential, and the machine switches itself off instead of rebooting.
void TestBootEnvironment::deployWithABrokenImageUrlReportsWhyAndPowersOff()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createDisk(dir.filePath(QStringLiteral("vda.img")), 32 * MiB));
    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    const QJsonObject settings{
        {QStringLiteral("image_url"), QStringLiteral("http://10.0.2.100:5240/images/gone.img.xz")},
        {QStringLiteral("disk"), QStringLiteral("vda")},
        {QStringLiteral("user_data"), QString()},
        {QStringLiteral("cloud_config"), QStringLiteral("#cloud-config\n")}};
    metadata.answer("GET", "/MAAS/metadata/metaldesk/v1/deploy", {200, QJsonDocument(settings).toJson()});
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});
    const QStringList args = deployMachine(dir, &metadata, dir.filePath(QStringLiteral("vda.img")));
    const Boot vm = boot(QStringLiteral("bios deploy (image missing)"), args, 90000);
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));

    const auto status = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/status");
    QCOMPARE(status.size(), 1);
    QVERIFY(status[0].headers.value("authorization").startsWith("OAuth "));
    const QJsonObject report = QJsonDocument::fromJson(status[0].body).object();
    QCOMPARE(report.value(QLatin1String("purpose")).toString(), QStringLiteral("deploy"));
    QCOMPARE(report.value(QLatin1String("result")).toString(), QStringLiteral("failed"));
    const QString reason = report.value(QLatin1String("reason")).toString();
    QVERIFY2(
        reason.startsWith(QLatin1String("could not download the image http://10.0.2.100:5240/images/gone.img.xz")) &&
            reason.contains(QLatin1String("404 Not Found")),
        qPrintable(reason));
    const QStringList lines = agentLines(vm.console);
    const qsizetype failed = indexOfLine(lines, QStringLiteral("metaldesk: failed: ") + reason);
    QVERIFY2(failed >= 0, tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: reported the failure to MetalDesk"), failed) > failed,
             tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: powering off"), failed) > failed, tail(vm));
    QCOMPARE(indexOfLine(lines, QStringLiteral("rebooting")), -1);
}

// An image that arrives other than the catalogue has it (a damaged copy, a swapped file): the
// environment checks its SHA-256 as it writes, reports the difference and powers off, and the
// machine is not booted into what was written (security review L10).
void TestBootEnvironment::deployOfADamagedImageReportsWhyAndPowersOff()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(createDisk(dir.filePath(QStringLiteral("vda.img")), 32 * MiB));
    QByteArray image = masterBootRecord(2048, 2048);
    image.resize(2 * MiB, '\x5a');
    const QString wanted(64, QLatin1Char('e'));
    const QString got = QString::fromLatin1(QCryptographicHash::hash(image, QCryptographicHash::Sha256).toHex());
    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    const QJsonObject settings{{QStringLiteral("image_url"), QStringLiteral("http://10.0.2.100:5240/images/disk.img")},
                               {QStringLiteral("image_sha256"), wanted},
                               {QStringLiteral("disk"), QStringLiteral("vda")},
                               {QStringLiteral("user_data"), QString()},
                               {QStringLiteral("cloud_config"), QStringLiteral("#cloud-config\n")}};
    metadata.answer("GET", "/MAAS/metadata/metaldesk/v1/deploy", {200, QJsonDocument(settings).toJson()});
    metadata.answer("GET", "/images/disk.img", {200, image, "application/octet-stream"});
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});
    const QStringList args = deployMachine(dir, &metadata, dir.filePath(QStringLiteral("vda.img")));
    const Boot vm = boot(QStringLiteral("bios deploy (damaged image)"), args, 90000);
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));
    const auto status = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/status");
    QCOMPARE(status.size(), 1);
    const QJsonObject report = QJsonDocument::fromJson(status[0].body).object();
    QCOMPARE(report.value(QLatin1String("result")).toString(), QStringLiteral("failed"));
    QCOMPARE(report.value(QLatin1String("reason")).toString(),
             QStringLiteral("the image http://10.0.2.100:5240/images/disk.img does not match its SHA-256 (got %1, "
                            "the catalogue says %2); import the image again")
                 .arg(got, wanted));
    const QStringList lines = agentLines(vm.console);
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: powering off")) >= 0, tail(vm));
    QCOMPARE(indexOfLine(lines, QStringLiteral("rebooting")), -1);
}

void TestBootEnvironment::deploysAWholeDiskImageByItsBlockMap_data()
{
    QTest::addColumn<bool>("damaged");
    QTest::newRow("intact") << false;
    QTest::newRow("changed after it was mapped") << true;
}

// A whole-disk catalogue image written by its block map: the image enters the catalogue through
// the upload (which makes its raw form and map), MetalDesk's own HTTP boot server serves the map's
// ranges, and the disk, full of old bytes before, then holds the image exactly: its data, and zeros
// in the gaps (an ext4's zeroed tables and journal among them, which e2fsck reads). A raw image
// changed after it was mapped fails the deployment, with the sum the map promised.
void TestBootEnvironment::deploysAWholeDiskImageByItsBlockMap()
{
    QFETCH(bool, damaged);
    const QString mke2fs = findTool("mke2fs"), debugfs = findTool("debugfs"), e2fsck = findTool("e2fsck");
    if (mke2fs.isEmpty() || debugfs.isEmpty() || e2fsck.isEmpty())
        METALDESK_SKIP("mke2fs, debugfs and e2fsck (e2fsprogs) are needed to make and check the test image");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // The cloud-init disk, then 4 MiB of zeros, 2 MiB of noise, 3 MiB of zeros to the end.
    QString error;
    const qint64 partitionSize = kImagePartition;
    QByteArray image = cloudInitDisk(dir, mke2fs, &error);
    QVERIFY2(!image.isEmpty(), qPrintable(error));
    image += QByteArray(4 * MiB, '\0');
    QByteArray noise(2 * MiB, '\0');
    QRandomGenerator(17).fillRange(reinterpret_cast<quint32 *>(noise.data()), noise.size() / 4);
    image += noise;
    image += QByteArray(3 * MiB, '\0');
    QVERIFY(writeFile(dir.filePath(QStringLiteral("test.img")), image));
    const QByteArray gzipped =
        run(QStringLiteral("gzip"),
            {QStringLiteral("-c"), QStringLiteral("-n"), dir.filePath(QStringLiteral("test.img"))}, &error);
    QVERIFY2(!gzipped.isEmpty(), qPrintable(error));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("test.img.gz")), gzipped));

    // Into the catalogue's files as an upload puts it there.
    const QString bootRoot = dir.filePath(QStringLiteral("boot"));
    ImageUpload upload;
    upload.image.name = QStringLiteral("debian/test");
    upload.image.title = QStringLiteral("Test");
    upload.image.architecture = QStringLiteral("amd64/generic");
    upload.image.firmware = {QStringLiteral("bios")};
    upload.sourcePath = dir.filePath(QStringLiteral("test.img.gz"));
    JobContext context;
    auto stored = storeUpload(upload, bootRoot, context);
    QVERIFY2(stored, qPrintable(stored.errorMessage()));
    const BootImageFile *raw = stored->file(QStringLiteral("raw"));
    const BootImageFile *map = stored->file(QStringLiteral("block-map"));
    QVERIFY(raw && map);
    const QByteArray mapText = readRange(bootRoot + QLatin1Char('/') + map->location, 0, map->size);
    const QByteArray dataSha = QRegularExpression(QStringLiteral("data-sha256 ([0-9a-f]{64})"))
                                   .match(QString::fromLatin1(mapText))
                                   .captured(1)
                                   .toLatin1();
    QVERIFY2(mapText.count("\nrange ") >= 3, mapText.constData());
    if (damaged) {
        QFile file(bootRoot + QLatin1Char('/') + raw->location);
        QVERIFY(file.open(QIODevice::ReadWrite) && file.seek(17 * MiB + 100));
        QVERIFY(file.write("\x01", 1) == 1);
    }

    // MetalDesk's HTTP boot server, serving the boot root.
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir.filePath(QStringLiteral("md.db"))));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    http::ServerConfig httpConfig;
    httpConfig.address = QStringLiteral("127.0.0.1");
    httpConfig.port = probe.serverPort();
    probe.close();
    httpConfig.files.root = bootRoot;
    ServiceHost host;
    host.add(std::make_unique<http::BootServer>((*core)->db, httpConfig));
    host.start();
    QTRY_VERIFY(!host.services().front().state.isEmpty());

    const QString base = QStringLiteral("http://10.0.2.100:5248/");
    const QString imageUrl = base + stored->location;
    const QJsonObject settings{{QStringLiteral("image_url"), imageUrl},
                               {QStringLiteral("image_format"), stored->format},
                               {QStringLiteral("image_sha256"), stored->sha256},
                               {QStringLiteral("raw_url"), base + raw->location},
                               {QStringLiteral("block_map_url"), base + map->location},
                               {QStringLiteral("block_map_sha256"), map->sha256},
                               {QStringLiteral("disk"), QStringLiteral("vda")},
                               {QStringLiteral("user_data"), QString()},
                               {QStringLiteral("cloud_config"), QStringLiteral("#cloud-config\n")}};
    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    metadata.answer("GET", "/MAAS/metadata/metaldesk/v1/deploy", {200, QJsonDocument(settings).toJson()});
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});

    const QString disk = dir.filePath(QStringLiteral("vda.img"));
    QVERIFY(writeFile(disk, QByteArray(64 * MiB, '\xa5'))); // what an earlier system left
    const QStringList args = deployMachine(dir, &metadata, disk, httpConfig.port);
    const Boot vm = boot(damaged ? QStringLiteral("bios deploy by block map (changed image)")
                                 : QStringLiteral("bios deploy by block map"),
                         args, 90000);
    host.stop();
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));
    const QStringList lines = agentLines(vm.console);
    const auto status = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/status");
    QCOMPARE(status.size(), 1);
    const QJsonObject report = QJsonDocument::fromJson(status[0].body).object();
    if (damaged) {
        QCOMPARE(report.value(QLatin1String("result")).toString(), QStringLiteral("failed"));
        const QString reason = report.value(QLatin1String("reason")).toString();
        QVERIFY2(reason.startsWith(QStringLiteral("the image %1 does not match its SHA-256 (got ").arg(imageUrl)) &&
                     reason.endsWith(QStringLiteral(", the catalogue says %1); import the image again")
                                         .arg(QString::fromLatin1(dataSha))),
                 qPrintable(reason));
        QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: powering off")) >= 0, tail(vm));
        return;
    }
    QCOMPARE(report.value(QLatin1String("result")).toString(), QStringLiteral("ok"));
    const qsizetype wrote = indexOfLine(lines, QStringLiteral("metaldesk: deploy: wrote "));
    QVERIFY2(wrote >= 0 && lines[wrote].contains(QLatin1String("MiB of data and zeroed")), tail(vm));
    QVERIFY2(indexOfLine(lines, QStringLiteral("metaldesk: deployed; rebooting into the installed system")) >= 0,
             tail(vm));
    qInfo().noquote() << "figure:" << lines[wrote];

    // Byte for byte outside the partition (whose filesystem now holds the cloud-init configuration),
    // the old bytes after the image left alone; inside it, a filesystem e2fsck finds clean.
    QCOMPARE(readRange(disk, 0, MiB), image.left(MiB));
    QCOMPARE(readRange(disk, MiB + partitionSize, image.size() - MiB - partitionSize), image.mid(MiB + partitionSize));
    QCOMPARE(readRange(disk, image.size(), MiB), QByteArray(MiB, '\xa5'));
    const QString written = dir.filePath(QStringLiteral("written-part.img"));
    QVERIFY(writeFile(written, readRange(disk, MiB, partitionSize)));
    QProcess fsck;
    fsck.setProcessChannelMode(QProcess::MergedChannels);
    fsck.start(e2fsck, {QStringLiteral("-f"), QStringLiteral("-n"), written});
    QVERIFY(fsck.waitForFinished(60000));
    QVERIFY2(fsck.exitCode() == 0, fsck.readAll().constData());
    const QByteArray config =
        run(debugfs, {QStringLiteral("-R"), QStringLiteral("cat /etc/cloud/cloud.cfg.d/90_metaldesk.cfg"), written},
            &error);
    QCOMPARE(config, QByteArray("#cloud-config\n\n"));
}

// Releasing with a quick erase: the first and last 2 MiB of the disk and of its partition are
// zeroed (partition tables, filesystem signatures), the rest is left, and the release is reported.
void TestBootEnvironment::releaseQuickEraseZeroesTheEndsOfDiskAndPartitions()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const qint64 size = 64 * MiB;
    QByteArray content(size, char(0xa5));
    content.replace(0, 512, masterBootRecord(2048, 65536)); // one partition: 1 MiB to 33 MiB
    const QString disk = dir.filePath(QStringLiteral("vda.img"));
    QVERIFY(writeFile(disk, content));

    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});
    QStringList args = machine(
        QStringLiteral("bios"),
        QStringLiteral("metaldesk.purpose=release metaldesk.erase=quick metaldesk.metadata=%1 metaldesk.token=%2")
            .arg(metadataInGuest, token),
        dir, &metadata);
    args << QStringLiteral("-drive") << QStringLiteral("if=none,id=d0,format=raw,file=") + disk
         << QStringLiteral("-device") << QStringLiteral("virtio-blk-pci,drive=d0");
    const Boot vm = boot(QStringLiteral("bios release (quick erase)"), args, 90000);
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));
    QVERIFY2(indexOfLine(agentLines(vm.console), QStringLiteral("metaldesk: release: /dev/vda erased")) >= 0, tail(vm));

    const QByteArray after = readRange(disk, 0, size);
    QCOMPARE(after.size(), size);
    auto all = [&](qint64 from, qint64 to, char byte) {
        for (qint64 i = from; i < to; ++i)
            if (after[i] != byte)
                return false;
        return true;
    };
    QVERIFY2(all(0, 3 * MiB, 0), "the disk's and the partition's first 2 MiB are not zero");
    QVERIFY2(all(3 * MiB, 31 * MiB, char(0xa5)), "data between the partition's ends was touched");
    QVERIFY2(all(31 * MiB, 33 * MiB, 0), "the partition's last 2 MiB are not zero");
    QVERIFY2(all(33 * MiB, 62 * MiB, char(0xa5)), "data after the partition was touched");
    QVERIFY2(all(62 * MiB, 64 * MiB, 0), "the disk's last 2 MiB are not zero");

    const auto status = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/status");
    QCOMPARE(status.size(), 1);
    QVERIFY(status[0].headers.value("authorization").startsWith("OAuth "));
    QCOMPARE(QJsonDocument::fromJson(status[0].body).object(),
             (QJsonObject{{QStringLiteral("purpose"), QStringLiteral("release")},
                          {QStringLiteral("result"), QStringLiteral("ok")}}));
}

// Releasing with a secure erase on a disk without secure discard (QEMU's virtio disk): every byte
// is zeroed.
void TestBootEnvironment::releaseSecureEraseZeroesTheWholeDisk()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const qint64 size = 24 * MiB + 512 * 3; // not a whole number of MiB: the tail is erased too
    QByteArray content(size, char(0xa5));
    content.replace(0, 512, masterBootRecord(2048, 8192));
    const QString disk = dir.filePath(QStringLiteral("vda.img"));
    QVERIFY(writeFile(disk, content));

    FakeMetadata metadata;
    QVERIFY(metadata.listen());
    metadata.answer("POST", "/MAAS/metadata/metaldesk/v1/status", {200, "{}"});
    QStringList args = machine(
        QStringLiteral("bios"),
        QStringLiteral("metaldesk.purpose=release metaldesk.erase=secure metaldesk.metadata=%1 metaldesk.token=%2")
            .arg(metadataInGuest, token),
        dir, &metadata);
    args << QStringLiteral("-drive") << QStringLiteral("if=none,id=d0,format=raw,file=") + disk
         << QStringLiteral("-device") << QStringLiteral("virtio-blk-pci,drive=d0");
    const Boot vm = boot(QStringLiteral("bios release (secure erase)"), args, 90000);
    QVERIFY2(vm.exited && vm.exitCode == 0, tail(vm));
    QVERIFY2(indexOfLine(agentLines(vm.console), QStringLiteral("metaldesk: release: /dev/vda erased (zeroed)")) >= 0,
             tail(vm));
    const QByteArray after = readRange(disk, 0, size + 1);
    QCOMPARE(after.size(), size);
    QCOMPARE(after.count(char(0)), size);
    const auto status = metadata.requestsTo("/MAAS/metadata/metaldesk/v1/status");
    QCOMPARE(status.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(status[0].body).object().value(QLatin1String("result")).toString(),
             QStringLiteral("ok"));
}

int main(int argc, char **argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--forward") == 0)
        return forward(argv[2]);
    QCoreApplication app(argc, argv);
    TestBootEnvironment test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_bootenv.moc"
