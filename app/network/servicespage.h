#pragma once

#include "core/addresses/leasestore.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QHash>
#include <QPointF>
#include <QThreadPool>
#include <QTimer>
#include <QWidget>
#include <memory>

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QTableView;
class QTableWidget;
class QTabWidget;
class QValueAxis;

namespace metaldesk {

struct CoreServices;
class Database;
class LeaseTableModel;
class ServiceHost;

// The running services: each one's state (a failure in red, with the sentence that says how to
// fix it), the selected one's counters, a chart of every service's first counter per second over
// the last two minutes, and the DHCP leases. Services live in other threads: their states come
// through the ServiceHost (queued), their counters are polled once a second.
class ServicesPage : public QWidget {
    Q_OBJECT
public:
    ServicesPage(ServiceHost &host, CoreServices &core, QWidget *parent = nullptr);
    ~ServicesPage() override;

    // What the timers do, for tests that do not want to wait for them.
    void pollCounters();
    void reloadLeases();

    static constexpr int kHistorySeconds = 120;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    struct LeaseLoad {
        std::vector<Lease> leases;
        QString error;
        qint64 readAt = 0;
    };
    struct Rate {
        quint64 lastValue = 0;
        qint64 lastMs = -1;
        QString label;
        QList<QPointF> points; // (ms on clock_, per second)
    };

    QWidget *buildActivityTab();
    QWidget *buildLeasesTab();
    void rebuildServiceTable();
    void updateServiceRow(int row);
    void updateProblems();
    void updateCounterTable();
    void updateChart();
    void leasesLoaded();
    QString selectedService() const;

    ServiceHost &host_;
    std::shared_ptr<Database> db_;
    QLabel *problems_;
    QTableWidget *serviceTable_;
    QTabWidget *tabs_;
    QLabel *counterTitle_ = nullptr;
    QTableWidget *counterTable_ = nullptr;
    QChartView *chartView_ = nullptr;
    QChart *chart_ = nullptr;
    QValueAxis *axisX_ = nullptr;
    QValueAxis *axisY_ = nullptr;
    QHash<QString, QLineSeries *> series_;
    QHash<QString, Rate> rates_;
    QElapsedTimer clock_;
    QTimer pollTimer_;
    QTimer leaseTimer_;

    LeaseTableModel *leaseModel_ = nullptr;
    QTableView *leaseView_ = nullptr;
    QLabel *leaseCount_ = nullptr;
    QThreadPool pool_; // its own, so that the destructor can wait for a read in flight
    QFutureWatcher<LeaseLoad> leaseWatcher_;
    bool reloadAgain_ = false;
};

} // namespace metaldesk
