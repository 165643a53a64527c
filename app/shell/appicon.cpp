#include "app/shell/appicon.h"

#include <QPainter>

namespace metaldesk {

QImage appIconImage(int size)
{
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 256.0, size / 256.0); // drawn on the SVG's 256-unit grid
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x1f, 0x5f, 0x78));
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 40, 40);
    for (int y : {44, 106, 168}) {
        p.setBrush(QColor(0xf2, 0xf5, 0xf7));
        p.drawRoundedRect(QRectF(40, y, 176, 44), 8, 8);
        p.setBrush(QColor(0x2e, 0x9d, 0x57));
        p.drawEllipse(QPointF(186, y + 22), 9, 9);
    }
    return image;
}

QIcon appIcon()
{
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addPixmap(QPixmap::fromImage(appIconImage(size)));
    return icon;
}

QIcon usersIcon()
{
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64}) {
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 64.0, size / 64.0); // drawn on a 64-unit grid
        p.setPen(Qt::NoPen);
        // The one behind, lighter; the one in front, the app icon's blue.
        const std::pair<QPointF, QColor> people[] = {{QPointF(42, 0), QColor(0x6f, 0x9f, 0xb4)},
                                                     {QPointF(24, 6), QColor(0x1f, 0x5f, 0x78)}};
        for (const auto &[at, colour] : people) {
            p.setBrush(colour);
            p.drawEllipse(QPointF(at.x(), at.y() + 18), 10, 10);                // head
            p.drawChord(QRectF(at.x() - 20, at.y() + 32, 40, 44), 0, 180 * 16); // shoulders
        }
        p.end();
        icon.addPixmap(QPixmap::fromImage(image));
    }
    return icon;
}

} // namespace metaldesk
