// The Services page during a boot storm (issue 17): MetalDesk's services (DHCP, TFTP, HTTP, the
// region) and its window, open on the Services page with the counters charted, in one process, as
// a user runs it; the GUI thread's stalls are the gaps between the ticks of a 2 ms timer on it.
// bench/storm/run starts it with GUI=1 in place of `metaldesk --headless`; it prints "ready" once
// the services run and the page is shown, and measures until a line arrives on its standard input
// (the storm is over), then prints the figures. Offscreen.
// Usage: bench_servicesstorm DATABASE LISTEN-ADDRESS
#include "app/network/servicespage.h"
#include "app/shell/mainwindow.h"
#include "bench/gui/guithreadgaps.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/runtime/services.h"

#include <QApplication>
#include <QSocketNotifier>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

using namespace metaldesk;
using metaldesk::bench::percentile;

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_servicesstorm DATABASE LISTEN-ADDRESS\n");
        return 2;
    }
    auto core = CoreServices::open(DatabaseSpec::sqlite(QString::fromLocal8Bit(argv[1])));
    if (!core) {
        std::fprintf(stderr, "bench_servicesstorm: %s\n", qPrintable(core.errorMessage()));
        return 1;
    }
    ServiceHost host;
    for (const QString &problem : addServices(host, **core, QString::fromLocal8Bit(argv[2])))
        std::fprintf(stderr, "bench_servicesstorm: %s\n", qPrintable(problem));
    host.start();
    MainWindow window(**core, host);
    window.resize(1280, 720);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) {
        std::fprintf(stderr, "bench_servicesstorm: the window was not shown\n");
        return 1;
    }
    window.showPage(window.servicesPage());
    // DHCP starts in its thread: ready once it says it runs.
    for (int i = 0; i < 200 && !std::any_of(host.services().cbegin(), host.services().cend(),
                                            [](const auto &e) {
                                                return e.service->name() == QLatin1String("dhcp") &&
                                                       e.state == QLatin1String("running");
                                            });
         ++i)
        QTest::qWait(50);
    bench::GuiThreadGaps gaps;
    gaps.start();
    std::printf("ready\n");
    std::fflush(stdout);
    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&input, &QSocketNotifier::activated, &app, [&] {
        gaps.stop();
        std::printf("GUI timer gaps (2 ms ticks) during the storm, Services page shown: %lld ticks, median %.1f ms, "
                    "p99 %.1f ms, max %.1f ms (goal: p99 <= 16 ms)\n",
                    qlonglong(gaps.gapsMs().size()), percentile(gaps.gapsMs(), 0.5), percentile(gaps.gapsMs(), 0.99),
                    percentile(gaps.gapsMs(), 1.0));
        std::fflush(stdout);
        app.quit();
    });
    return app.exec();
}
