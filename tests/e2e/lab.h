#pragma once
// The end-to-end lab: a network namespace with a bridge, MetalDesk (`--headless`) serving DHCP,
// TFTP, HTTP and the metadata service on that bridge, and QEMU virtual machines (TCG; SeaBIOS with
// iPXE, or OVMF) on tap devices in the bridge. The harness plays the person at the machines: it
// presses the power button (starts QEMU) when the test says a machine should be on, and a
// machine that powers itself off ends its QEMU process. Nothing leaves the namespace.
#include "libvirtsession.h"
#include "netns.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <memory>

namespace metaldesk::testing {

enum class Firmware {
    Bios,
    Uefi,
    // OVMF built for Secure Boot (SMM, q35) with Microsoft's keys enrolled, as a PC ships.
    UefiSecureBoot
};

// What a VM's disk and NIC are: QEMU's paravirtual devices, or what a home-lab PC has (a SATA disk
// on an AHCI controller, an Intel e1000e NIC), which needs other drivers in every system it boots.
enum class Hardware {
    Virtio,
    SataIntel
};

class Lab;

// One virtual machine: a NIC on the lab bridge, a disk, a serial console kept in a file.
class VirtualMachine {
public:
    VirtualMachine(Lab &lab, QString name, Firmware firmware, QString mac, int diskMiB,
                   Hardware hardware = Hardware::Virtio);
    ~VirtualMachine();
    VirtualMachine(const VirtualMachine &) = delete;
    VirtualMachine &operator=(const VirtualMachine &) = delete;

    bool powerOn(QString *error); // network boot first, then the disk
    bool isOn() const { return qemu_.state() != QProcess::NotRunning; }
    // Waits until the machine switches itself off; false when the time runs out first.
    bool waitPoweredOff(int timeoutMs);
    void pullThePlug(); // SIGKILL, as losing power

    // The whole serial console since the machine was created (every power-on appended).
    QString console() const;
    bool consoleContains(const QString &text) const { return console().contains(text); }
    qint64 msSincePowerOn() const { return sincePowerOn_.isValid() ? sincePowerOn_.elapsed() : -1; }

    const QString &mac() const { return mac_; }
    const QString &name() const { return name_; }
    Firmware firmware() const { return firmware_; }
    Hardware hardware() const { return hardware_; }
    QString diskName() const { return hardware_ == Hardware::Virtio ? QStringLiteral("vda") : QStringLiteral("sda"); }
    int cpuCount() const { return 2; }
    int memoryMiB() const { return 768; }
    qint64 diskBytes() const { return qint64(diskMiB_) * 1024 * 1024; }
    QString diskPath() const;

private:
    Lab &lab_;
    QString name_, mac_, tap_;
    Firmware firmware_;
    int diskMiB_;
    Hardware hardware_;
    QProcess qemu_;
    QElapsedTimer sincePowerOn_;
};

class Lab {
public:
    Lab();
    ~Lab();
    // Why the lab cannot run here (not root, QEMU or the boot environment missing), or "".
    static QString whyNot(const QString &bootEnvironment);
    // Creates the namespace and bridge, writes the settings and starts MetalDesk. `bootEnvironment`
    // is the folder with vmlinuz and initrd.img (tools/build-bootenv).
    bool start(const QString &metaldeskBinary, const QString &bootEnvironment, QString *error);
    void stop();

    QString database() const { return dir_.filePath(QStringLiteral("metaldesk.db")); }
    QString namespaceName() const { return ns_; }
    QString serverAddress() const { return QStringLiteral("10.90.0.1"); }
    QString workDir() const { return dir_.path(); }
    // The boot HTTP server's folder: a file put in <bootRoot>/images is http://<server>:5248/images/...
    QString bootRoot() const { return dir_.filePath(QStringLiteral("boot")); }
    // Runs a command inside the lab's namespace (ping, a TCP probe); its exit code, -1 if it did not run.
    int runInside(const QStringList &command, int timeoutMs, QString *output = nullptr) const;
    QString metaldeskLog() const;
    bool metaldeskRunning() const { return metaldesk_.state() == QProcess::Running; }
    // A tap device attached to the bridge, for one VM; `ownerUid` may open it without privileges.
    QString addTap(QString *error, int ownerUid = -1);

private:
    QTemporaryDir dir_;
    std::unique_ptr<NetworkNamespaces> namespaces_;
    QString ns_;
    int taps_ = 0;
    QProcess metaldesk_;
};

// A libvirt host on the lab's bridge (MAAS's "add chassis" of a KVM host): a private libvirtd
// running inside the lab's namespace, whose QEMU (TCG) domains each have a tap device on the
// bridge. MetalDesk powers them through libvirt; the harness only defines them and looks.
class LabLibvirtHost {
public:
    explicit LabLibvirtHost(Lab &lab) : lab_(lab) {}
    QString start(); // "" when the daemon answers; otherwise why not
    QString uri() const { return session_ ? session_->uri() : QString(); }
    // A domain of 768 MiB and 1 CPU: its NIC (virtio, `mac`) on the bridge and first in the boot
    // order, a sparse disk second, a serial console logged to a file (SeaBIOS and iPXE print on it too).
    QString defineDomain(const QString &name, Firmware firmware, const QString &mac, int diskMiB);
    QString virsh(const QStringList &args, QString *error = nullptr) const { return session_->virsh(args, error); }
    QString console(const QString &name) const; // the serial's log: everything the domain printed

private:
    Lab &lab_;
    QTemporaryDir dir_;
    std::unique_ptr<LibvirtSession> session_;
};

} // namespace metaldesk::testing
