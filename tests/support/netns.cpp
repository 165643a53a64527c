#include "netns.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <unistd.h>

namespace metaldesk::testing {

bool NetworkNamespaces::available(QString *whyNot)
{
    if (geteuid() != 0) {
        *whyNot = QStringLiteral("needs root to create network namespaces (CI runs as root)");
        return false;
    }
    if (QStandardPaths::findExecutable(QStringLiteral("ip")).isEmpty()) {
        *whyNot = QStringLiteral("the ip command (iproute2) is missing: run tools/setup");
        return false;
    }
    return true;
}

NetworkNamespaces::NetworkNamespaces() = default;

NetworkNamespaces::~NetworkNamespaces()
{
    // Deleting a namespace removes its interfaces and the veth peers with them.
    for (const QString &name : std::as_const(names_))
        QProcess::execute(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("del"), name});
}

bool NetworkNamespaces::ip(const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("ip"), args);
    if (!p.waitForFinished(10000) || p.exitCode() != 0) {
        error_ = QStringLiteral("ip %1: %2").arg(args.join(QLatin1Char(' ')), QString::fromLocal8Bit(p.readAll()));
        return false;
    }
    return true;
}

QString NetworkNamespaces::add(const QString &base)
{
    const QString name = QStringLiteral("%1-%2").arg(base).arg(QCoreApplication::applicationPid());
    QProcess::execute(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("del"), name}); // a leftover
    // Leftovers of runs that died without cleaning up (a fatal error, SIGKILL): their process is gone.
    const QStringList existing = QDir(QStringLiteral("/run/netns")).entryList(QDir::Files | QDir::System);
    for (const QString &other : existing) {
        bool isPid = false;
        const qint64 pid =
            other.startsWith(base + QLatin1Char('-')) ? other.mid(base.size() + 1).toLongLong(&isPid) : 0;
        if (isPid && !QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid)))
            QProcess::execute(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("del"), other});
    }
    if (!ip({QStringLiteral("netns"), QStringLiteral("add"), name}))
        return {};
    names_ << name;
    if (!ip({QStringLiteral("-n"), name, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"),
             QStringLiteral("up")}))
        return {};
    return name;
}

bool NetworkNamespaces::link(const QString &nsA, const QString &ifA, const QString &addressA, const QString &nsB,
                             const QString &ifB, const QString &addressB, const QString &macB)
{
    // Created inside A so that no interface ever appears in the host's own namespace.
    if (!ip({QStringLiteral("-n"), nsA, QStringLiteral("link"), QStringLiteral("add"), ifA, QStringLiteral("type"),
             QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), ifB, QStringLiteral("netns"),
             nsB}))
        return false;
    if (!macB.isEmpty() && !ip({QStringLiteral("-n"), nsB, QStringLiteral("link"), QStringLiteral("set"), ifB,
                                QStringLiteral("address"), macB}))
        return false;
    for (const auto &[ns, iface, address] : {std::tuple{nsA, ifA, addressA}, std::tuple{nsB, ifB, addressB}}) {
        if (!address.isEmpty() && !ip({QStringLiteral("-n"), ns, QStringLiteral("addr"), QStringLiteral("add"), address,
                                       QStringLiteral("dev"), iface}))
            return false;
        if (!ip({QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("set"), iface, QStringLiteral("up")}))
            return false;
    }
    return true;
}

QStringList NetworkNamespaces::inside(const QString &ns, const QStringList &command)
{
    return QStringList{QStringLiteral("netns"), QStringLiteral("exec"), ns} + command;
}

QString NetworkNamespaces::run(const QString &ns, const QStringList &command, int *exitCode, int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("ip"), inside(ns, command));
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    if (exitCode)
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromLocal8Bit(p.readAll());
}

} // namespace metaldesk::testing
