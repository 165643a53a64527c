#include "libvirtsession.h"

#include "childprocess.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QThread>
#include <unistd.h>

namespace metaldesk::testing {

LibvirtSession::~LibvirtSession()
{
    if (daemon_.state() == QProcess::NotRunning)
        return;
    stopVms();
    daemon_.terminate();
    if (!daemon_.waitForFinished(5000)) {
        daemon_.kill();
        daemon_.waitForFinished();
    }
}

void LibvirtSession::stopVms() const
{
    // Running VMs outlive their daemon: stop them first.
    const QString running = virsh({QStringLiteral("list"), QStringLiteral("--name")});
    for (const QString &name : running.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        virsh({QStringLiteral("destroy"), name.trimmed()});
}

void LibvirtSession::killDaemon()
{
    if (daemon_.state() == QProcess::NotRunning)
        return;
    stopVms();
    daemon_.kill();
    daemon_.waitForFinished();
}

QString LibvirtSession::uri() const
{
    return QStringLiteral("qemu+unix:///session?socket=%1/run/libvirt/libvirt-sock").arg(dir_);
}

QString LibvirtSession::start()
{
    for (const char *program : {"libvirtd", "virsh", "qemu-system-x86_64"})
        if (QStandardPaths::findExecutable(QLatin1String(program)).isEmpty())
            return QStringLiteral("%1 is not installed (tools/setup installs it)").arg(QLatin1String(program));
    for (const char *sub : {"run", "config/libvirt", "cache", "data"})
        QDir(dir_).mkpath(QLatin1String(sub));
    // No virtlogd: QEMU's console goes to a file, which a session daemon can write.
    QFile conf(dir_ + QStringLiteral("/config/libvirt/qemu.conf"));
    if (!conf.open(QIODevice::WriteOnly) || conf.write("stdio_handler = \"file\"\n") < 0)
        return QStringLiteral("cannot write %1").arg(conf.fileName());
    conf.close();

    if (::geteuid() == 0) {
        const auto nobody = findSystemUser(QStringLiteral("nobody"));
        if (!nobody)
            return QStringLiteral("no 'nobody' account to run a session libvirtd as");
        for (const QString &path : {dir_, dir_ + QStringLiteral("/run"), dir_ + QStringLiteral("/config"),
                                    dir_ + QStringLiteral("/config/libvirt"), conf.fileName(),
                                    dir_ + QStringLiteral("/cache"), dir_ + QStringLiteral("/data")})
            if (::chown(QFile::encodeName(path).constData(), nobody->uid, nobody->gid) != 0)
                return QStringLiteral("cannot hand %1 to nobody").arg(path);
        runAsUser(daemon_, *nobody, SIGKILL, netns_);
    } else if (!netns_.isEmpty()) {
        return QStringLiteral("a libvirtd in a network namespace needs root");
    } else {
        dieWithParent(daemon_);
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), dir_);
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), dir_ + QStringLiteral("/run"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir_ + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), dir_ + QStringLiteral("/cache"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), dir_ + QStringLiteral("/data"));
    daemon_.setProcessEnvironment(env);
    daemon_.setProcessChannelMode(QProcess::MergedChannels);
    daemon_.setStandardOutputFile(dir_ + QStringLiteral("/libvirtd.log"));
    daemon_.start(QStringLiteral("libvirtd"), {});
    if (!daemon_.waitForStarted())
        return QStringLiteral("cannot start libvirtd: %1").arg(daemon_.errorString());
    const QDeadlineTimer deadline(15000);
    QString error;
    while (!deadline.hasExpired()) {
        if (daemon_.state() == QProcess::NotRunning)
            break;
        if (QFile::exists(dir_ + QStringLiteral("/run/libvirt/libvirt-sock")) &&
            !virsh({QStringLiteral("version")}, &error).isEmpty())
            return {};
        QThread::msleep(100);
    }
    QFile log(dir_ + QStringLiteral("/libvirtd.log"));
    log.open(QIODevice::ReadOnly);
    return QStringLiteral("libvirtd did not answer (%1): %2").arg(error, QString::fromUtf8(log.readAll().right(600)));
}

QString LibvirtSession::virsh(const QStringList &args, QString *error) const
{
    QProcess p;
    p.start(QStringLiteral("virsh"), QStringList{QStringLiteral("-c"), uri()} + args);
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        if (error)
            *error = QString::fromUtf8(p.readAllStandardError()).trimmed();
        return {};
    }
    const QString out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    return out.isEmpty() ? QStringLiteral(" ") : out; // empty means failed: say something
}

QString LibvirtSession::defineVm(const QString &name, const QString &devices) const
{
    // Type qemu: TCG (KVM is not available here). ACPI so that a guest could power itself off.
    return defineXml(name, "<domain type='qemu'><name>" + name.toUtf8() +
                               "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                               "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>"
                               "<features><acpi/></features>"
                               "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>" +
                               devices.toUtf8() + "</devices></domain>\n");
}

QString LibvirtSession::defineXml(const QString &name, const QByteArray &xml) const
{
    const QString path = dir_ + QStringLiteral("/") + name + QStringLiteral(".xml");
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(xml) != xml.size())
        return QStringLiteral("cannot write %1").arg(path);
    file.close();
    QString error; // virsh reads the file and sends the XML: the daemon never opens it
    if (virsh({QStringLiteral("define"), path}, &error).isEmpty())
        return QStringLiteral("virsh define failed: %1").arg(error);
    return {};
}

} // namespace metaldesk::testing
