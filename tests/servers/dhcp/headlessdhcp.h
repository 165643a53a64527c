#pragma once
// What the DHCP tests that run the real `metaldesk --headless` in network namespaces share:
// finding a tool, writing the DHCP settings, starting MetalDesk until its DHCP server listens,
// reading a child's output until something appears, and stopping a child by its PID.
#include "childprocess.h"
#include "core/runtime/coreservices.h"
#include "netns.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <functional>

namespace metaldesk::testing {

inline QString findTool(const char *name)
{
    const QString path = QStandardPaths::findExecutable(QLatin1String(name));
    if (!path.isEmpty())
        return path;
    return QStandardPaths::findExecutable(QLatin1String(name), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
}

// Creates (or opens) the SQLite database at `path` and writes the settings into its config table.
inline QString writeSettings(const QString &path, const QList<std::pair<const char *, QString>> &settings)
{
    auto core = CoreServices::open(DatabaseSpec::sqlite(path));
    if (!core)
        return core.errorMessage();
    for (const auto &[key, value] : settings)
        if (auto set = (*core)->config->setValue(QLatin1String(key), value); !set)
            return set.errorMessage();
    return {};
}

// Reads a process's output (both channels, kept apart) until `done` is true of what was read, the
// process ends, or the time is up.
struct ChildOutput {
    QString out, err;
};
inline void readUntil(QProcess &p, ChildOutput &text, const std::function<bool(const ChildOutput &)> &done,
                      int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    auto drain = [&] {
        text.out += QString::fromLocal8Bit(p.readAllStandardOutput());
        text.err += QString::fromLocal8Bit(p.readAllStandardError());
    };
    drain();
    while (!done(text) && timer.elapsed() < timeoutMs && p.state() == QProcess::Running) {
        p.waitForReadyRead(50);
        drain();
    }
    drain();
}

// `metaldesk --headless --database db` inside `ns`, returned once its DHCP server logs that it
// serves (it listens by then). `ip netns exec` execs the binary, so p.processId() is MetalDesk's.
inline bool startMetalDesk(QProcess &p, const QString &binary, const QString &ns, const QString &db,
                           ChildOutput &output, int timeoutMs = 30000)
{
    p.setProcessChannelMode(QProcess::SeparateChannels);
    dieWithParent(p, SIGTERM); // a test killed by its timeout leaves no server behind
    p.start(QStringLiteral("ip"),
            NetworkNamespaces::inside(ns, {binary, QStringLiteral("--headless"), QStringLiteral("--database"), db}));
    if (!p.waitForStarted())
        return false;
    // "<time> metaldesk.dhcp info: managed DHCP on boot0, ..." once it listens; "metaldesk: dhcp: <why>"
    // when it cannot.
    static const QRegularExpression serving(QStringLiteral("metaldesk\\.dhcp[^\\n]*: managed DHCP on "));
    readUntil(
        p, output,
        [](const ChildOutput &o) {
            return o.err.contains(serving) || o.err.contains(QLatin1String("metaldesk: dhcp:"));
        },
        timeoutMs);
    return output.err.contains(serving);
}

// SIGTERM, then SIGKILL after `graceMs`; always reaped.
inline void stopProcess(QProcess &p, int graceMs = 10000)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(graceMs)) {
        p.kill();
        p.waitForFinished();
    }
}

} // namespace metaldesk::testing
