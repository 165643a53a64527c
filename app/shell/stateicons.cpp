#include "app/shell/stateicons.h"

#include "app/shell/textstyle.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace metaldesk {

StateKind stateKindOf(NodeStatus status)
{
    if (isFailedStatus(status))
        return StateKind::Failed;
    if (isMonitoredStatus(status))
        return StateKind::Busy;
    switch (status) {
    case NodeStatus::Ready: return StateKind::Good;
    case NodeStatus::Allocated:
    case NodeStatus::Reserved: return StateKind::Held;
    case NodeStatus::Deployed:
    case NodeStatus::RescueMode: return StateKind::Running;
    case NodeStatus::Broken:
    case NodeStatus::Missing: return StateKind::Attention;
    default: return StateKind::Idle;
    }
}

StateKind stateKindOfPower(const QString &powerState)
{
    if (powerState == QLatin1String("on"))
        return StateKind::Running;
    if (powerState == QLatin1String("off"))
        return StateKind::Off;
    if (powerState == QLatin1String("error"))
        return StateKind::Failed;
    return StateKind::Idle;
}

QColor stateColor(StateKind kind, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    // Each pair: on a light background (at least 4.5:1 on white), on a dark one.
    switch (kind) {
    case StateKind::Busy: return dark ? QColor(0x6c, 0xb6, 0xff) : QColor(0x00, 0x5c, 0xc5);
    case StateKind::Good: return dark ? QColor(0x5f, 0xd0, 0x7a) : QColor(0x1b, 0x7a, 0x34);
    case StateKind::Held: return dark ? QColor(0xc0, 0xa0, 0xff) : QColor(0x6a, 0x3d, 0xb8);
    case StateKind::Running: return dark ? QColor(0x4f, 0xc8, 0xc0) : QColor(0x00, 0x6d, 0x68);
    case StateKind::Failed: return dark ? QColor(0xff, 0x7b, 0x7b) : kErrorColor; // as failures elsewhere
    case StateKind::Attention: return dark ? QColor(0xff, 0xb8, 0x4d) : kWarningColor;
    case StateKind::Idle:
    case StateKind::Off: break;
    }
    return palette.color(QPalette::Text);
}

namespace {

void drawShape(QPainter &p, StateKind kind, const QColor &color, qreal size)
{
    const qreal line = qMax<qreal>(1.5, size / 9);
    const QRectF box(line, line, size - 2 * line, size - 2 * line);
    QPen pen(color, line, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    switch (kind) {
    case StateKind::Idle: p.drawEllipse(box); break;
    case StateKind::Busy: p.drawArc(box, 90 * 16, -270 * 16); break; // three quarters: under way
    case StateKind::Good: {
        QPainterPath check;
        check.moveTo(box.left() + box.width() * 0.1, box.top() + box.height() * 0.55);
        check.lineTo(box.left() + box.width() * 0.4, box.top() + box.height() * 0.85);
        check.lineTo(box.right() - box.width() * 0.05, box.top() + box.height() * 0.15);
        pen.setWidthF(line * 1.4);
        p.setPen(pen);
        p.drawPath(check);
        break;
    }
    case StateKind::Held: {
        p.drawEllipse(box);
        p.setBrush(color);
        p.drawPie(box, 90 * 16, 180 * 16); // the left half
        break;
    }
    case StateKind::Running:
        p.setBrush(color);
        p.drawEllipse(box);
        break;
    case StateKind::Off:
        p.drawRect(box.adjusted(box.width() * 0.15, box.height() * 0.15, -box.width() * 0.15, -box.height() * 0.15));
        break;
    case StateKind::Failed: {
        p.setBrush(color);
        p.setPen(Qt::NoPen);
        p.drawEllipse(box);
        QPen cross(Qt::white, line * 1.2, Qt::SolidLine, Qt::RoundCap);
        p.setPen(cross);
        const QRectF in = box.adjusted(box.width() * 0.3, box.height() * 0.3, -box.width() * 0.3, -box.height() * 0.3);
        p.drawLine(in.topLeft(), in.bottomRight());
        p.drawLine(in.topRight(), in.bottomLeft());
        break;
    }
    case StateKind::Attention: {
        QPainterPath triangle;
        triangle.moveTo(box.center().x(), box.top());
        triangle.lineTo(box.right(), box.bottom());
        triangle.lineTo(box.left(), box.bottom());
        triangle.closeSubpath();
        p.setBrush(color);
        p.drawPath(triangle);
        QPen mark(Qt::white, line, Qt::SolidLine, Qt::RoundCap);
        p.setPen(mark);
        const qreal x = box.center().x();
        p.drawLine(QPointF(x, box.top() + box.height() * 0.4), QPointF(x, box.top() + box.height() * 0.68));
        p.drawPoint(QPointF(x, box.top() + box.height() * 0.84));
        break;
    }
    }
}

} // namespace

QIcon stateIcon(StateKind kind, const QPalette &palette)
{
    const QColor color = stateColor(kind, palette);
    QIcon icon;
    for (int size : {12, 16, 24, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        drawShape(p, kind, color, size);
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace metaldesk
