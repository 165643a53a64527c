#pragma once

#include <QProxyStyle>
#include <QWidget>

namespace metaldesk {

// Wider text margins in the cells of item views: without grid lines, a right-aligned number
// ("7,681.5 GB") and the left-aligned text of the next column otherwise run together. Item views
// take their text margin from this metric; set it on the views only, not on their headers or other
// widgets. A view does not own its style: whoever sets it keeps it (a QObject parent will do).
class RoomyCellStyle : public QProxyStyle {
public:
    int pixelMetric(PixelMetric metric, const QStyleOption *option, const QWidget *widget) const override
    {
        const int base = QProxyStyle::pixelMetric(metric, option, widget);
        // A digit's width: a CJK font's average character is a wide ideograph, too much air.
        if (metric == PM_FocusFrameHMargin && widget)
            return qMax(base, widget->fontMetrics().horizontalAdvance(QLatin1Char('0')));
        return base;
    }
};

} // namespace metaldesk
