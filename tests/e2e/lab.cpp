#include "lab.h"

#include "childprocess.h"
#include "core/runtime/coreservices.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>
#include <unistd.h>

namespace metaldesk::testing {

namespace {

const QString kOvmfCode = QStringLiteral("/usr/share/OVMF/OVMF_CODE.fd");
const QString kOvmfVars = QStringLiteral("/usr/share/OVMF/OVMF_VARS.fd");
const QString kOvmfSecureCode = QStringLiteral("/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
const QString kOvmfSecureVars = QStringLiteral("/usr/share/OVMF/OVMF_VARS_4M.ms.fd");

QString qemuBinary() { return QStandardPaths::findExecutable(QStringLiteral("qemu-system-x86_64")); }

QString readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll()) : QString();
}

// Runs a command line (words split on spaces) inside the namespace.
bool runIn(const QString &ns, const QString &commandLine, QString *error)
{
    const QStringList command = commandLine.split(QLatin1Char(' '));
    int rc = -1;
    const QString out = NetworkNamespaces::run(ns, command, &rc);
    if (rc == 0)
        return true;
    *error = command.join(QLatin1Char(' ')) + QStringLiteral(": ") + out;
    return false;
}

} // namespace

// --- the lab -------------------------------------------------------------------------------------

Lab::Lab() = default;

Lab::~Lab() { stop(); }

QString Lab::whyNot(const QString &bootEnvironment)
{
    QString why;
    if (!NetworkNamespaces::available(&why))
        return why;
    if (qemuBinary().isEmpty())
        return QStringLiteral("qemu-system-x86_64 is not installed: run tools/setup");
    if (!QFile::exists(kOvmfCode) || !QFile::exists(kOvmfVars) || !QFile::exists(kOvmfSecureCode) ||
        !QFile::exists(kOvmfSecureVars))
        return QStringLiteral("OVMF is not installed (Debian ovmf): run tools/setup");
    for (const char *file : {"vmlinuz", "initrd.img"})
        if (!QFile::exists(bootEnvironment + QLatin1Char('/') + QLatin1String(file)))
            return QStringLiteral("the boot environment is not built (%1/%2 is missing): run tools/build-bootenv")
                .arg(bootEnvironment, QLatin1String(file));
    return {};
}

bool Lab::start(const QString &metaldeskBinary, const QString &bootEnvironment, QString *error)
{
    if (!dir_.isValid()) {
        *error = QStringLiteral("no temporary directory");
        return false;
    }
    namespaces_ = std::make_unique<NetworkNamespaces>();
    ns_ = namespaces_->add(QStringLiteral("mde2e"));
    if (ns_.isEmpty()) {
        *error = namespaces_->error();
        return false;
    }
    if (!runIn(ns_, QStringLiteral("ip link add br0 type bridge forward_delay 0"), error) ||
        !runIn(ns_, QStringLiteral("ip addr add 10.90.0.1/24 dev br0"), error) ||
        !runIn(ns_, QStringLiteral("ip link set br0 up"), error))
        return false;

    const QString root = bootRoot();
    if (!QDir().mkpath(root)) {
        *error = QStringLiteral("cannot create ") + root;
        return false;
    }

    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(database()));
        if (!core) {
            *error = core.errorMessage();
            return false;
        }
        const QList<std::pair<const char *, QString>> settings{
            {"dhcp_interface", QStringLiteral("br0")},
            {"dhcp_range", QStringLiteral("10.90.0.100-10.90.0.149")},
            {"dhcp_reserved_range", QStringLiteral("10.90.0.200-10.90.0.249")},
            {"dhcp_dns", QStringLiteral("10.90.0.1")},
            {"dhcp_domain", QStringLiteral("lab.test")},
            {"boot_root", root},
            {"boot_environment_dir", bootEnvironment},
            // A libvirt VM switched off behind MetalDesk's back shows Off within 10 s.
            {"power_poll_seconds", QStringLiteral("10")},
        };
        for (const auto &[key, value] : settings) {
            if (auto set = (*core)->config->setValue(QLatin1String(key), value); !set) {
                *error = set.errorMessage();
                return false;
            }
        }
    }

    metaldesk_.setProcessChannelMode(QProcess::MergedChannels);
    metaldesk_.setStandardOutputFile(dir_.filePath(QStringLiteral("metaldesk.log")));
    dieWithParent(metaldesk_, SIGTERM);
    metaldesk_.start(QStringLiteral("ip"),
                     NetworkNamespaces::inside(ns_, {metaldeskBinary, QStringLiteral("--headless"),
                                                     QStringLiteral("--database"), database()}));
    if (!metaldesk_.waitForStarted()) {
        *error = QStringLiteral("MetalDesk did not start: ") + metaldesk_.errorString();
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 30000 && metaldesk_.state() == QProcess::Running &&
           !metaldeskLog().contains(QLatin1String("Stop with")))
        QThread::msleep(100);
    const QString log = metaldeskLog();
    if (!log.contains(QLatin1String("Stop with")) || log.contains(QLatin1String("metaldesk: dhcp:"))) {
        *error = QStringLiteral("MetalDesk did not start its services:\n") + log;
        return false;
    }
    return true;
}

void Lab::stop()
{
    if (metaldesk_.state() != QProcess::NotRunning) {
        metaldesk_.terminate();
        if (!metaldesk_.waitForFinished(10000)) {
            metaldesk_.kill();
            metaldesk_.waitForFinished();
        }
    }
    namespaces_.reset();
}

QString Lab::metaldeskLog() const { return readFile(dir_.filePath(QStringLiteral("metaldesk.log"))); }

QString Lab::addTap(QString *error, int ownerUid)
{
    const QString tap = QStringLiteral("tap%1").arg(taps_++);
    const QString owner = ownerUid >= 0 ? QStringLiteral(" user %1").arg(ownerUid) : QString();
    if (!runIn(ns_, QStringLiteral("ip tuntap add dev %1 mode tap%2").arg(tap, owner), error) ||
        !runIn(ns_, QStringLiteral("ip link set %1 master br0 up").arg(tap), error))
        return {};
    return tap;
}

int Lab::runInside(const QStringList &command, int timeoutMs, QString *output) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("ip"), NetworkNamespaces::inside(ns_, command));
    if (!p.waitForStarted() || !p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    if (output)
        *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// --- a virtual machine ---------------------------------------------------------------------------

VirtualMachine::VirtualMachine(Lab &lab, QString name, Firmware firmware, QString mac, int diskMiB, Hardware hardware)
    : lab_(lab),
      name_(std::move(name)),
      mac_(std::move(mac)),
      firmware_(firmware),
      diskMiB_(diskMiB),
      hardware_(hardware)
{
}

VirtualMachine::~VirtualMachine() { pullThePlug(); }

QString VirtualMachine::diskPath() const { return lab_.workDir() + QLatin1Char('/') + name_ + QStringLiteral(".disk"); }

bool VirtualMachine::powerOn(QString *error)
{
    if (isOn())
        return true;
    if (tap_.isEmpty()) {
        tap_ = lab_.addTap(error);
        if (tap_.isEmpty())
            return false;
        QFile disk(diskPath()); // sparse: only what is written takes space
        if (!disk.open(QIODevice::WriteOnly) || !disk.resize(diskBytes())) {
            *error = QStringLiteral("cannot create the disk ") + diskPath();
            return false;
        }
    }
    QStringList args{QStringLiteral("-accel"), QStringLiteral("tcg"), QStringLiteral("-m"),
                     QString::number(memoryMiB()), QStringLiteral("-smp"), QString::number(cpuCount()),
                     QStringLiteral("-nographic"),
                     // The network first, then the disk: as MAAS wants machines set up. A deployed
                     // machine's iPXE script exits, and the firmware goes on to the disk.
                     QStringLiteral("-netdev"), QStringLiteral("tap,id=n0,ifname=%1,script=no,downscript=no").arg(tap_),
                     QStringLiteral("-drive"), QStringLiteral("file=%1,format=raw,if=none,id=d0").arg(diskPath())};
    // UEFI: the firmware's own network boot, as a PC's (QEMU's NIC option ROM is an iPXE of its own,
    // which would answer first and never ask for shim).
    const QString rom = firmware_ == Firmware::Bios ? QString() : QStringLiteral(",romfile=");
    if (hardware_ == Hardware::Virtio)
        args << QStringLiteral("-device")
             << QStringLiteral("virtio-net-pci,netdev=n0,mac=%1,bootindex=1%2").arg(mac_, rom)
             << QStringLiteral("-device") << QStringLiteral("virtio-blk-pci,drive=d0,bootindex=2");
    else
        args << QStringLiteral("-device") << QStringLiteral("e1000e,netdev=n0,mac=%1,bootindex=1%2").arg(mac_, rom)
             << QStringLiteral("-device") << QStringLiteral("ahci,id=sata") << QStringLiteral("-device")
             << QStringLiteral("ide-hd,drive=d0,bus=sata.0,bootindex=2");
    if (firmware_ != Firmware::Bios) {
        const bool secure = firmware_ == Firmware::UefiSecureBoot;
        const QString code = secure ? kOvmfSecureCode : kOvmfCode;
        const QString templateVars = secure ? kOvmfSecureVars : kOvmfVars;
        const QString vars = lab_.workDir() + QLatin1Char('/') + name_ + QStringLiteral(".vars");
        if (!QFile::exists(vars) && !QFile::copy(templateVars, vars)) {
            *error = QStringLiteral("cannot copy ") + templateVars;
            return false;
        }
        QFile::setPermissions(vars, QFile::ReadOwner | QFile::WriteOwner);
        // The Secure Boot build keeps its variables behind SMM: only the firmware can write them.
        if (secure)
            args << QStringLiteral("-machine") << QStringLiteral("q35,smm=on") << QStringLiteral("-global")
                 << QStringLiteral("driver=cfi.pflash01,property=secure,value=on");
        args << QStringLiteral("-drive") << QStringLiteral("if=pflash,format=raw,readonly=on,file=") + code
             << QStringLiteral("-drive") << QStringLiteral("if=pflash,format=raw,file=") + vars;
    }
    qemu_.setProcessChannelMode(QProcess::MergedChannels);
    qemu_.setStandardOutputFile(lab_.workDir() + QLatin1Char('/') + name_ + QStringLiteral(".console"),
                                QIODevice::Append);
    dieWithParent(qemu_);
    qemu_.start(QStringLiteral("ip"),
                NetworkNamespaces::inside(lab_.namespaceName(), QStringList{qemuBinary()} + args));
    if (!qemu_.waitForStarted()) {
        *error = QStringLiteral("QEMU did not start: ") + qemu_.errorString();
        return false;
    }
    sincePowerOn_.start();
    return true;
}

bool VirtualMachine::waitPoweredOff(int timeoutMs)
{
    if (!isOn())
        return true;
    return qemu_.waitForFinished(timeoutMs);
}

void VirtualMachine::pullThePlug()
{
    if (!isOn())
        return;
    qemu_.kill();
    qemu_.waitForFinished();
}

QString VirtualMachine::console() const
{
    return readFile(lab_.workDir() + QLatin1Char('/') + name_ + QStringLiteral(".console"));
}

// --- a libvirt host on the bridge ---------------------------------------------------------------

QString LabLibvirtHost::start()
{
    if (!dir_.isValid())
        return QStringLiteral("no temporary directory");
    session_ = std::make_unique<LibvirtSession>(dir_.path(), lab_.namespaceName());
    return session_->start();
}

QString LabLibvirtHost::defineDomain(const QString &name, Firmware firmware, const QString &mac, int diskMiB)
{
    // The daemon runs as nobody: its tap, disk and log must be nobody's.
    const auto nobody = findSystemUser(QStringLiteral("nobody"));
    if (!nobody)
        return QStringLiteral("no 'nobody' account");
    QString error;
    const QString tap = lab_.addTap(&error, int(nobody->uid));
    if (tap.isEmpty())
        return error;
    const QString disk = dir_.filePath(name + QStringLiteral(".disk"));
    {
        QFile f(disk);
        if (!f.open(QIODevice::WriteOnly) || !f.resize(qint64(diskMiB) << 20))
            return QStringLiteral("cannot create ") + disk;
    }
    if (::chown(QFile::encodeName(disk).constData(), nobody->uid, nobody->gid) != 0)
        return QStringLiteral("cannot hand %1 to nobody").arg(disk);
    // OVMF: its variables copied from the template by libvirt into the daemon's own folder.
    const QByteArray os = firmware == Firmware::Uefi
                              ? "<loader readonly='yes' type='pflash'>" + kOvmfCode.toUtf8() +
                                    "</loader><nvram template='" + kOvmfVars.toUtf8() + "'/>"
                              : QByteArray("<bios useserial='yes'/>"); // SeaBIOS and iPXE on the serial
    const QByteArray xml = "<domain type='qemu'><name>" + name.toUtf8() +
                           "</name><memory unit='MiB'>768</memory><vcpu>1</vcpu>"
                           "<os><type arch='x86_64' machine='pc'>hvm</type>" +
                           os +
                           "<boot dev='network'/><boot dev='hd'/></os><features><acpi/></features><devices>"
                           "<emulator>/usr/bin/qemu-system-x86_64</emulator>"
                           "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" +
                           disk.toUtf8() +
                           "'/><target dev='vda' bus='virtio'/></disk>"
                           // A tap made beforehand (managed='no'): an unprivileged libvirtd cannot create one.
                           "<interface type='ethernet'><mac address='" +
                           mac.toUtf8() + "'/><target dev='" + tap.toUtf8() + "' managed='no'/><model type='virtio'/>" +
                           (firmware == Firmware::Bios ? QByteArray() : QByteArray("<rom enabled='no'/>")) +
                           "</interface>"
                           "<serial type='pty'><log file='" +
                           dir_.filePath(name + QStringLiteral(".console")).toUtf8() +
                           "' append='on'/></serial><console type='pty'/><video><model type='none'/></video>"
                           "</devices></domain>\n";
    return session_->defineXml(name, xml);
}

QString LabLibvirtHost::console(const QString &name) const
{
    return readFile(dir_.filePath(name + QStringLiteral(".console")));
}

} // namespace metaldesk::testing
