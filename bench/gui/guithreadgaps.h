#pragma once
// What the GUI benchmarks share: percentiles, and the GUI thread's stalls measured as the gaps
// between the ticks of a 2 ms timer on it (a late tick is a stall a user would see).
#include <QElapsedTimer>
#include <QList>
#include <QTimer>

#include <algorithm>

namespace metaldesk::bench {

inline double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[qMin(values.size() - 1, qsizetype(p * double(values.size())))];
}

class GuiThreadGaps {
public:
    GuiThreadGaps()
    {
        ticker_.setTimerType(Qt::PreciseTimer);
        ticker_.setInterval(2);
        QObject::connect(&ticker_, &QTimer::timeout, [this] {
            gapsMs_ << double(tick_.nsecsElapsed()) / 1e6;
            tick_.restart();
        });
    }
    void start()
    {
        tick_.start();
        ticker_.start();
    }
    void stop() { ticker_.stop(); }
    const QList<double> &gapsMs() const { return gapsMs_; }

private:
    QList<double> gapsMs_;
    QElapsedTimer tick_;
    QTimer ticker_;
};

} // namespace metaldesk::bench
