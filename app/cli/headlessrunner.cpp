#include "app/cli/headlessrunner.h"

#include "app/cli/unixsignalwatcher.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/runtime/services.h"

#include <QCoreApplication>
#include <QTextStream>

namespace metaldesk {

namespace {
// Gives lupdate and the runtime one translation context for this file.
struct HeadlessText {
    Q_DECLARE_TR_FUNCTIONS(Headless)
};
} // namespace

int runHeadless(const CommandLine &cl, bool becauseNoDisplay)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    if (becauseNoDisplay)
        out << HeadlessText::tr(
                   "No display found (DISPLAY and WAYLAND_DISPLAY are not set): running headless. Start MetalDesk "
                   "from a desktop session for the window.")
            << Qt::endl;

    auto core = CoreServices::open(cl.database);
    if (!core) {
        err << QStringLiteral("metaldesk: ") << core.errorMessage() << Qt::endl;
        return 1;
    }

    ServiceHost host;
    const QStringList problems = addServices(host, **core, cl.listen);
    for (const QString &problem : problems)
        err << QStringLiteral("metaldesk: ") << problem << Qt::endl;
    // A service that fails in its thread (a port it cannot bind) says so, with the fix.
    // One that runs in part says what does not work (IPv6 disabled on the boot interface).
    QObject::connect(&host, &ServiceHost::serviceStateChanged, &host,
                     [&host](const QString &name, const QString &state, const QString &detail) {
                         QStringList lines;
                         if (state == QLatin1String("failed"))
                             lines << detail;
                         else if (state == QLatin1String("running"))
                             for (const ServiceHost::Entry &e : host.services())
                                 if (e.service->name() == name)
                                     lines << e.service->notices();
                         for (const QString &line : lines)
                             QTextStream(stderr) << QStringLiteral("metaldesk: %1: %2").arg(name, line) << Qt::endl;
                     });
    UnixSignalWatcher watcher;
    int stoppedBy = 0;
    QObject::connect(&watcher, &UnixSignalWatcher::terminationRequested, &host, [&stoppedBy](int number) {
        stoppedBy = number;
        QCoreApplication::quit();
    });
    host.start();

    const qint64 pid = QCoreApplication::applicationPid();
    out << HeadlessText::tr("MetalDesk %1 running headless (pid %2)").arg(QLatin1String(METALDESK_VERSION)).arg(pid)
        << Qt::endl
        << HeadlessText::tr("  database:  %1 (schema version %2)")
               .arg((*core)->db->spec().displayName())
               .arg((*core)->db->schemaVersion())
        << Qt::endl
        << Qt::endl;
    const ListenAddresses where = listenAddresses(*(*core)->config, cl.listen);
    out << HeadlessText::tr("  address:   %1 (boot servers), %2 (API): %3")
               .arg(where.boot, where.region.join(QStringLiteral(", ")), where.why)
        << Qt::endl;
    for (const ServiceHost::Entry &e : host.services())
        out << HeadlessText::tr("  service:   %1: %2").arg(e.service->name(), e.service->description()) << Qt::endl;
    // What does not run, why, and how to start it: in the banner, not only in the lines above it.
    for (const QString &problem : problems)
        out << HeadlessText::tr("  not running: %1").arg(problem) << Qt::endl;
    out << HeadlessText::tr("Stop with Ctrl+C or: kill -TERM %1").arg(pid) << Qt::endl;

    const int status = QCoreApplication::exec();
    host.stop();
    out << HeadlessText::tr("MetalDesk stopped (signal %1).").arg(stoppedBy) << Qt::endl;
    return status;
}

} // namespace metaldesk
