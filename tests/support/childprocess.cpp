#include "childprocess.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace metaldesk::testing {

namespace {

// Runs in the child between fork and exec: only async-signal-safe calls.
void failChild(const char *what)
{
    const ssize_t ignored = ::write(STDERR_FILENO, what, strlen(what));
    (void)ignored;
    ::_exit(126);
}

void armDeathSignal(int deathSignal, pid_t parent)
{
    if (::prctl(PR_SET_PDEATHSIG, deathSignal) != 0)
        failChild("cannot set the parent-death signal\n");
    if (::getppid() != parent) // the parent died before the line above
        ::_exit(126);
}

} // namespace

std::optional<SystemUser> findSystemUser(const QString &name)
{
    const passwd *entry = ::getpwnam(QFile::encodeName(name).constData());
    if (!entry)
        return std::nullopt;
    return SystemUser{name, entry->pw_uid, entry->pw_gid};
}

void runAsUser(QProcess &process, const SystemUser &user, int deathSignal, const QString &networkNamespace)
{
    const pid_t parent = ::getpid();
    const QByteArray netns =
        networkNamespace.isEmpty() ? QByteArray() : QFile::encodeName(QStringLiteral("/run/netns/") + networkNamespace);
    process.setChildProcessModifier([uid = user.uid, gid = user.gid, deathSignal, parent, netns] {
        // The namespace while still root (setns needs CAP_SYS_ADMIN).
        if (!netns.isEmpty()) {
            const int fd = ::open(netns.constData(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0)
                failChild("cannot enter the network namespace\n");
            ::close(fd);
        }
        // Groups first: after setuid we may no longer change them.
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
            failChild("cannot switch to the requested user\n");
        // After the switch: changing credentials clears the parent-death signal.
        armDeathSignal(deathSignal, parent);
    });
}

void dieWithParent(QProcess &process, int deathSignal)
{
    const pid_t parent = ::getpid();
    process.setChildProcessModifier([deathSignal, parent] { armDeathSignal(deathSignal, parent); });
}

qint64 residentBytes(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    return -1;
}

int openDescriptors(qint64 pid)
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    return fds.exists() ? int(fds.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System).size()) : -1;
}

qint64 openFileLimit(qint64 pid)
{
    QFile limits(QStringLiteral("/proc/%1/limits").arg(pid));
    if (!limits.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : limits.readAll().split('\n'))
        if (line.startsWith("Max open files"))
            return line.mid(14).simplified().split(' ').value(0).toLongLong();
    return -1;
}

int attackSeconds(int otherwise)
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("METALDESK_ATTACK_SECONDS", &ok);
    return ok && seconds > 0 ? seconds : otherwise;
}

} // namespace metaldesk::testing
