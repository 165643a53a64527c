#include "app/shell/flowlayout.h"

#include <QStyle>
#include <QWidget>

namespace metaldesk {

FlowLayout::FlowLayout(QWidget *parent) : QLayout(parent) {}

FlowLayout::~FlowLayout()
{
    while (QLayoutItem *item = takeAt(0))
        delete item;
}

void FlowLayout::addItem(QLayoutItem *item) { items_.append(item); }

void FlowLayout::insertWidget(int index, QWidget *widget)
{
    addChildWidget(widget);
    // Already here (a widget moved to a new place): take its old item first.
    for (int i = 0; i < items_.size(); ++i) {
        if (items_[i]->widget() == widget) {
            delete items_.takeAt(i);
            break;
        }
    }
    auto *item = new QWidgetItem(widget);
    if (index < 0 || index > items_.size())
        items_.append(item);
    else
        items_.insert(index, item);
    invalidate();
}

QLayoutItem *FlowLayout::takeAt(int index)
{
    if (index < 0 || index >= items_.size())
        return nullptr;
    QLayoutItem *item = items_.takeAt(index);
    invalidate();
    return item;
}

int FlowLayout::heightForWidth(int width) const { return arrange(QRect(0, 0, width, 0), false); }

QSize FlowLayout::minimumSize() const
{
    // As narrow as the widest item: everything else wraps.
    QSize size;
    for (const QLayoutItem *item : items_)
        size = size.expandedTo(item->minimumSize());
    const QMargins m = contentsMargins();
    return size + QSize(m.left() + m.right(), m.top() + m.bottom());
}

QSize FlowLayout::sizeHint() const
{
    // One row when there is room for it.
    int width = 0;
    int height = 0;
    for (const QLayoutItem *item : items_) {
        if (item->isEmpty())
            continue;
        width += item->sizeHint().width() + (width > 0 ? spacingBetween(Qt::Horizontal) : 0);
        height = qMax(height, item->sizeHint().height());
    }
    const QMargins m = contentsMargins();
    return QSize(width + m.left() + m.right(), height + m.top() + m.bottom());
}

void FlowLayout::setGeometry(const QRect &rect)
{
    QLayout::setGeometry(rect);
    arrange(rect, true);
}

int FlowLayout::arrange(const QRect &rect, bool apply) const
{
    const QRect area = rect.marginsRemoved(contentsMargins());
    const int hSpace = spacingBetween(Qt::Horizontal);
    const int vSpace = spacingBetween(Qt::Vertical);
    int x = area.x();
    int y = area.y();
    int rowHeight = 0;
    for (QLayoutItem *item : items_) {
        if (item->isEmpty())
            continue;
        const QSize size = item->sizeHint();
        if (x > area.x() && x + size.width() > area.right() + 1) { // no room left: a new row
            x = area.x();
            y += rowHeight + vSpace;
            rowHeight = 0;
        }
        if (apply)
            item->setGeometry(QRect(QPoint(x, y), size));
        x += size.width() + hSpace;
        rowHeight = qMax(rowHeight, size.height());
    }
    return y + rowHeight - rect.y() + contentsMargins().bottom();
}

int FlowLayout::spacingBetween(Qt::Orientation orientation) const
{
    if (spacing() >= 0)
        return spacing();
    const QWidget *parent = parentWidget();
    if (!parent)
        return 0;
    return parent->style()->layoutSpacing(QSizePolicy::PushButton, QSizePolicy::PushButton, orientation, nullptr,
                                          parent);
}

} // namespace metaldesk
