#include "ipmisim.h"

#include "childprocess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QStandardPaths>
#include <QThread>
#include <QUdpSocket>

namespace metaldesk::testing {

namespace {
bool write(const QString &file, const QByteArray &text, bool executable = false)
{
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text) != text.size())
        return false;
    if (executable)
        f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
    return true;
}

QByteArray read(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
}
} // namespace

IpmiSim::~IpmiSim()
{
    if (process_.state() != QProcess::NotRunning) {
        process_.kill();
        process_.waitForFinished();
    }
}

QString IpmiSim::start()
{
    if (QStandardPaths::findExecutable(QStringLiteral("ipmi_sim")).isEmpty())
        return QStringLiteral("ipmi_sim is not installed (tools/setup installs openipmi)");
    {
        QUdpSocket probe; // a free port: bound, read, released
        if (!probe.bind(QHostAddress::LocalHost, 0))
            return QStringLiteral("no free UDP port on 127.0.0.1");
        port_ = probe.localPort();
    }
    // ipmi_sim runs this for every chassis request: `<script> 0x20 get power boot` must print
    // "power:<0|1>" and "boot:<device>"; `<script> 0x20 set power 1 boot pxe` changes them.
    const QByteArray control = "#!/bin/sh\n"
                               "dir='" +
                               dir_.toUtf8() +
                               "'\n"
                               "shift\nop=$1; shift\n"
                               "if [ \"$op\" = get ]; then\n"
                               "  for what; do case $what in\n"
                               "    power) echo \"power:$(cat \"$dir/power\")\";;\n"
                               "    boot) echo \"boot:$(cat \"$dir/boot\")\";;\n"
                               "  esac; done\n"
                               "else\n"
                               "  echo \"$op $*\" >> \"$dir/calls\"\n"
                               "  while [ $# -gt 1 ]; do case $1 in\n"
                               "    power) echo \"$2\" > \"$dir/power\";;\n"
                               "    boot) echo \"$2\" > \"$dir/boot\";;\n"
                               "  esac; shift 2; done\n"
                               "fi\n";
    const QByteArray lan = "name \"testbmc\"\n"
                           "set_working_mc 0x20\n"
                           "  startlan 1\n"
                           "    addr 127.0.0.1 " +
                           QByteArray::number(port_) +
                           "\n"
                           "    priv_limit admin\n"
                           "    allowed_auths_callback none md2 md5 straight\n"
                           "    allowed_auths_user none md2 md5 straight\n"
                           "    allowed_auths_operator none md2 md5 straight\n"
                           "    allowed_auths_admin none md2 md5 straight\n"
                           "    guid a123456789abcdefa123456789abcdef\n"
                           "  endlan\n"
                           "  chassis_control \"" +
                           path(QStringLiteral("chassis")).toUtf8() +
                           " 0x20\"\n"
                           "  user 2 true \"admin\" \"password\" admin 10 none md2 md5 straight\n";
    const QByteArray emu = "mc_setbmc 0x20\n"
                           "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
                           "sel_enable 0x20 1000 0x0a\n"
                           "mc_enable 0x20\n";
    if (!write(path(QStringLiteral("chassis")), control, true) || !write(path(QStringLiteral("lan.conf")), lan) ||
        !write(path(QStringLiteral("bmc.emu")), emu) || !write(path(QStringLiteral("power")), "0\n") ||
        !write(path(QStringLiteral("boot")), "default\n") || !write(path(QStringLiteral("calls")), ""))
        return QStringLiteral("cannot write ipmi_sim's files in %1").arg(dir_);

    dieWithParent(process_);
    process_.setProcessChannelMode(QProcess::MergedChannels);
    process_.setStandardOutputFile(path(QStringLiteral("ipmi_sim.log")));
    process_.start(QStringLiteral("ipmi_sim"),
                   {QStringLiteral("-c"), path(QStringLiteral("lan.conf")), QStringLiteral("-f"),
                    path(QStringLiteral("bmc.emu")), QStringLiteral("-s"), path(QStringLiteral("state")),
                    QStringLiteral("-n")});
    if (!process_.waitForStarted())
        return QStringLiteral("cannot start ipmi_sim: %1").arg(process_.errorString());
    // Ready once ipmitool gets an answer (it binds at once; this also proves the credentials).
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        QProcess probe;
        probe.start(QStringLiteral("ipmitool"),
                    {QStringLiteral("-I"), QStringLiteral("lanplus"), QStringLiteral("-C"), QStringLiteral("3"),
                     QStringLiteral("-H"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port_),
                     QStringLiteral("-U"), QStringLiteral("admin"), QStringLiteral("-P"), QStringLiteral("password"),
                     QStringLiteral("-N"), QStringLiteral("1"), QStringLiteral("-R"), QStringLiteral("1"),
                     QStringLiteral("chassis"), QStringLiteral("power"), QStringLiteral("status")});
        if (probe.waitForFinished(5000) && probe.exitCode() == 0)
            return {};
        if (process_.state() == QProcess::NotRunning)
            return QStringLiteral("ipmi_sim exited: %1")
                .arg(QString::fromUtf8(read(path(QStringLiteral("ipmi_sim.log")))));
        QThread::msleep(100);
    }
    return QStringLiteral("ipmi_sim did not answer on 127.0.0.1:%1").arg(port_);
}

QJsonObject IpmiSim::powerParameters(const QString &password) const
{
    return {{QStringLiteral("power_address"), QStringLiteral("127.0.0.1")},
            {QStringLiteral("power_port"), QString::number(port_)},
            {QStringLiteral("power_user"), QStringLiteral("admin")},
            {QStringLiteral("power_pass"), password}};
}

bool IpmiSim::poweredOn() const { return read(path(QStringLiteral("power"))) == "1"; }

void IpmiSim::setPoweredOn(bool on) const { write(path(QStringLiteral("power")), on ? "1\n" : "0\n"); }

QString IpmiSim::bootDevice() const { return QString::fromUtf8(read(path(QStringLiteral("boot")))); }

QStringList IpmiSim::chassisCalls() const
{
    const QString text = QString::fromUtf8(read(path(QStringLiteral("calls"))));
    return text.isEmpty() ? QStringList() : text.split(QLatin1Char('\n'));
}

} // namespace metaldesk::testing
