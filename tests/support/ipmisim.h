#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace metaldesk::testing {

// OpenIPMI's ipmi_sim as a BMC on 127.0.0.1 (no root needed): user "admin", password "password".
// Its chassis is a state file this harness reads: what the BMC was told to do, as a machine would
// see it. Stopped (by PID) when destroyed.
class IpmiSim {
public:
    explicit IpmiSim(QString workDir) : dir_(std::move(workDir)) {}
    ~IpmiSim();
    // Empty when it answers; otherwise why it could not start.
    QString start();
    quint16 port() const { return port_; }
    // The power parameters of a machine behind this BMC.
    QJsonObject powerParameters(const QString &password = QStringLiteral("password")) const;

    bool poweredOn() const;
    void setPoweredOn(bool on) const;
    QString bootDevice() const;
    // The chassis calls the BMC made, in order ("set power 1", "set boot pxe"); gets are left out.
    QStringList chassisCalls() const;

private:
    QString path(const QString &name) const { return dir_ + QLatin1Char('/') + name; }
    QString dir_;
    quint16 port_ = 0;
    QProcess process_;
};

} // namespace metaldesk::testing
