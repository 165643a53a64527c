// The Images page while an import runs (issue 13): the GUI thread's stalls (gaps between 2 ms
// timer ticks) from Import now to the catalogue row, with the progress bar and its rate label
// updating, and the import's own throughput. A signed MAAS-layout mirror (tests/support's
// StreamsMirror) served by nginx on loopback, unthrottled, with a squashfs of SIZE_MB (2048).
// Offscreen; run with bench/gui/run-images.
#include "app/images/imagespage.h"
#include "bench/gui/guithreadgaps.h"
#include "core/images/imagesources.h"
#include "core/runtime/coreservices.h"
#include "core/users/userstore.h"
#include "streamsmirror.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProgressBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace metaldesk;
using metaldesk::bench::percentile;

namespace {

int fail(const QString &why)
{
    std::fprintf(stderr, "bench_imagesimport: %s\n", qPrintable(why));
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const qint64 sizeMiB = qEnvironmentVariableIntValue("SIZE_MB") > 0 ? qEnvironmentVariableIntValue("SIZE_MB") : 2048;
    QTemporaryDir dir(QStringLiteral("/var/tmp/bench-imagesimport.XXXXXX")); // on disk, not a tmpfs
    if (!dir.isValid())
        return fail(QStringLiteral("no temporary folder"));

    testing::StreamsMirror mirror(dir.filePath(QStringLiteral("mirror-work")));
    if (mirror
            .addVersion(QStringLiteral("noble"), QStringLiteral("24.04"), QStringLiteral("amd64"),
                        QStringLiteral("20261201"), sizeMiB << 20)
            .isEmpty())
        return fail(QStringLiteral("cannot write the mirror's files"));
    if (const QString why = mirror.write(); !why.isEmpty())
        return fail(why);
    if (const QString why = mirror.start(); !why.isEmpty())
        return fail(why);

    auto core = CoreServices::open(DatabaseSpec::sqlite(dir.filePath(QStringLiteral("md.db"))));
    if (!core)
        return fail(core.errorMessage());
    auto admin =
        UserStore((*core)->db, 1000).createUser(QStringLiteral("admin"), {}, QStringLiteral("a password"), true);
    if (!admin)
        return fail(admin.errorMessage());
    const Actor actor{admin->id, admin->username, true};
    ImageSource source;
    source.url = mirror.url();
    QFile keyring(mirror.keyringPath());
    if (!keyring.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("no keyring"));
    source.keyring = keyring.readAll();
    source.selections = {QStringLiteral("ubuntu/noble/amd64")};
    if (auto saved = ImageSourceStore((*core)->db).save(actor, source); !saved)
        return fail(saved.errorMessage());

    ImagesPage page(**core, dir.filePath(QStringLiteral("boot")));
    page.setUser(actor);
    page.resize(1100, 650);
    page.show();
    if (!QTest::qWaitForWindowExposed(&page))
        return fail(QStringLiteral("the page was not shown"));
    auto *bar = page.findChild<QProgressBar *>();
    int barUpdates = 0;
    QObject::connect(bar, &QProgressBar::valueChanged, [&barUpdates] { ++barUpdates; });

    bench::GuiThreadGaps gaps;
    QElapsedTimer clock;
    QTimer done;
    done.setInterval(5);
    QObject::connect(&done, &QTimer::timeout, [&] {
        if (!page.isImporting())
            QCoreApplication::exit(0);
    });
    clock.start();
    gaps.start();
    page.importNow();
    done.start();
    QApplication::exec();
    gaps.stop();
    const double seconds = double(clock.elapsed()) / 1000;
    std::printf("import of a %lld MiB squashfs from nginx: %.1f s (%.1f MB/s, signatures and start included); "
                "progress bar updates: %d\n",
                qlonglong(sizeMiB), seconds, double(sizeMiB) * 1.048576 / seconds, barUpdates);
    std::printf("GUI timer gaps (2 ms ticks) while importing: %lld ticks, median %.1f ms, p99 %.1f ms, max %.1f ms "
                "(goal p99 <= 16 ms)\n",
                qlonglong(gaps.gapsMs().size()), percentile(gaps.gapsMs(), 0.5), percentile(gaps.gapsMs(), 0.99),
                percentile(gaps.gapsMs(), 1.0));
    return 0;
}
