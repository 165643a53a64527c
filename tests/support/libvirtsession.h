#pragma once

#include <QProcess>
#include <QString>

namespace metaldesk::testing {

// A private libvirtd (session mode, the QEMU driver under TCG) in a folder of its own: its socket,
// configuration and VMs live there and nowhere else, so a test neither needs nor touches a system
// libvirt. As root it runs as "nobody" (root's libvirtd would be the system one). Domains are
// destroyed and the daemon stopped (by PID) when this is destroyed.
class LibvirtSession {
public:
    // `networkNamespace`: the daemon, and so its VMs, run inside it (an e2e lab's; root only), where
    // a VM's NIC can be a tap device on the lab's bridge.
    explicit LibvirtSession(QString workDir, QString networkNamespace = {})
        : dir_(std::move(workDir)), netns_(std::move(networkNamespace))
    {
    }
    ~LibvirtSession();
    // Empty when the daemon answers; otherwise why it could not start (a test skips with it).
    QString start();
    // The URI MetalDesk's libvirt driver is given: the session daemon through its socket.
    QString uri() const;
    // virsh against this daemon; its output, or empty with `error` set.
    QString virsh(const QStringList &args, QString *error = nullptr) const;
    // A small VM with no disk (it sits in its firmware when running): enough to switch on and off.
    // `devices` is added inside <devices> (network interfaces for discovery tests).
    QString defineVm(const QString &name, const QString &devices = {}) const;
    // Defines a domain from its whole XML; empty, or why not.
    QString defineXml(const QString &name, const QByteArray &xml) const;
    const QString &dir() const { return dir_; }
    // The host stops answering at once (SIGKILL to the daemon), its running VMs stopped first.
    void killDaemon();

private:
    void stopVms() const;
    QString dir_;
    QString netns_;
    QProcess daemon_;
};

} // namespace metaldesk::testing
