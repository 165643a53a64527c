#pragma once

#include <QLayout>
#include <QList>

namespace metaldesk {

// Items side by side, left to right, wrapping to a new row where the width ends: for rows of
// buttons whose number and texts vary (status chips in a long language), which a box layout would
// squeeze or cut. Its height follows its width.
class FlowLayout : public QLayout {
public:
    explicit FlowLayout(QWidget *parent = nullptr);
    ~FlowLayout() override;

    void addItem(QLayoutItem *item) override;
    // At `index` among the items (appended when out of range): keeps an order the caller decides.
    void insertWidget(int index, QWidget *widget);
    int count() const override { return int(items_.size()); }
    QLayoutItem *itemAt(int index) const override { return items_.value(index); }
    QLayoutItem *takeAt(int index) override;
    Qt::Orientations expandingDirections() const override { return {}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize minimumSize() const override;
    QSize sizeHint() const override;
    void setGeometry(const QRect &rect) override;

private:
    // Lays the items out in `rect` (or only measures, when `apply` is false); returns the height used.
    int arrange(const QRect &rect, bool apply) const;
    int spacingBetween(Qt::Orientation orientation) const;

    QList<QLayoutItem *> items_;
};

} // namespace metaldesk
