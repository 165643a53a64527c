// Writes MetalDesk's icon as PNGs in the hicolor sizes: OUTDIR/<n>x<n>/apps/<name>.png, what
// `cmake --install` puts under share/icons/hicolor. Usage: metaldesk-icons OUTDIR
#include "app/shell/appicon.h"

#include <QDir>
#include <QGuiApplication>
#include <QTextStream>

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen"); // no window: painting into images only
    QGuiApplication app(argc, argv);
    if (argc != 2) {
        QTextStream(stderr) << "usage: metaldesk-icons OUTDIR" << Qt::endl;
        return 2;
    }
    const QString out = QString::fromLocal8Bit(argv[1]);
    for (int size : {16, 24, 32, 48, 64, 128, 256}) {
        const QString dir = QStringLiteral("%1/%2x%2/apps").arg(out).arg(size);
        const QString file = dir + QStringLiteral("/org.metaldesk.MetalDesk.png");
        if (!QDir().mkpath(dir) || !metaldesk::appIconImage(size).save(file)) {
            QTextStream(stderr) << "metaldesk-icons: cannot write " << file << Qt::endl;
            return 1;
        }
    }
    return 0;
}
