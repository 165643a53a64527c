#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QString>

namespace metaldesk::testing {

// govmomi's vSphere simulator (tests/support/vcsim/main.go, built with Debian's Go from Debian's
// govmomi) on 127.0.0.1 over https, with a 2048-bit self-signed certificate made for it, and one
// user ("admin", Vcsim::password) it enforces. Stopped (by PID) when destroyed.
class Vcsim {
public:
    // Distinctive, so that a test can look for it in files and logs.
    static constexpr char password[] = "vcsim-Pass-8421";

    explicit Vcsim(QString workDir) : dir_(std::move(workDir)) {}
    ~Vcsim();
    // Empty when it answers; otherwise why it could not start. `esx`: a standalone ESXi host
    // (VMs ha-host_VM0, ha-host_VM1) instead of a vCenter (DC0_H0_VM0, DC0_H0_VM1, DC0_C0_RP0_VM0,
    // DC0_C0_RP0_VM1). A restart keeps the port.
    QString start(bool esx = false);
    void stop();
    // A new certificate for the next start: the host "was given another one".
    QString renewCertificate();

    quint16 port() const { return port_; }
    QString fingerprint() const { return fingerprint_; } // SHA-256, "AB:CD:…"
    // Runs one of main.go's commands ("destroy NAME", "restrict NAME", "mac NAME MAC", "boot NAME")
    // and returns its answer: "ok" and what it printed, or "error: …".
    QString command(const QString &line);
    // The vmware power parameters of one of its VMs, with the pinned fingerprint.
    QJsonObject powerParameters(const QString &vmName, const QString &pass = QLatin1String(Vcsim::password)) const;

private:
    QString path(const QString &name) const { return dir_ + QLatin1Char('/') + name; }
    QString dir_;
    quint16 port_ = 0;
    QString fingerprint_;
    QProcess process_;
};

} // namespace metaldesk::testing
