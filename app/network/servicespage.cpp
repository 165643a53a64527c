#include "app/network/servicespage.h"

#include "app/network/leasetablemodel.h"
#include "app/shell/textstyle.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>
#include <cmath>

namespace metaldesk {

namespace {

enum ServiceColumn {
    NameColumn,
    StateColumn,
    DetailColumn,
    ServiceColumnCount
};

// Dark enough to read on white, and still red for people who look for red.

// 1, 2, 5, 10, 20, 50...: an axis top that reads well and moves rarely.
double niceCeiling(double value)
{
    if (value <= 1.0)
        return 1.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0})
        if (value <= step * magnitude)
            return step * magnitude;
    return 10.0 * magnitude;
}

// A row as tall as one line of text and the item's margins (the style's default is roomier).
int compactRowHeight(const QTableView *table)
{
    return table->fontMetrics().height() + 2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameVMargin) + 1);
}

} // namespace

ServicesPage::ServicesPage(ServiceHost &host, CoreServices &core, QWidget *parent)
    : QWidget(parent),
      host_(host),
      db_(core.db),
      problems_(new QLabel(this)),
      serviceTable_(new QTableWidget(this)),
      tabs_(new QTabWidget(this))
{
    clock_.start();

    problems_->setObjectName(QStringLiteral("serviceProblems"));
    problems_->setWordWrap(true);
    problems_->setTextFormat(Qt::RichText);
    // The fix is often a command: let people copy it.
    problems_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problems_->setFrameShape(QFrame::StyledPanel);
    problems_->setMargin(8);
    problems_->hide();

    serviceTable_->setObjectName(QStringLiteral("serviceTable"));
    serviceTable_->setColumnCount(ServiceColumnCount);
    serviceTable_->setHorizontalHeaderLabels({tr("Service"), tr("State"), tr("Details")});
    serviceTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    serviceTable_->setSelectionMode(QAbstractItemView::SingleSelection);
    serviceTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    serviceTable_->verticalHeader()->hide();
    serviceTable_->setWordWrap(false);
    serviceTable_->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::ResizeToContents);
    serviceTable_->horizontalHeader()->setSectionResizeMode(StateColumn, QHeaderView::ResizeToContents);
    serviceTable_->horizontalHeader()->setStretchLastSection(true);
    serviceTable_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(serviceTable_, &QTableWidget::itemSelectionChanged, this, &ServicesPage::updateCounterTable);

    tabs_->setObjectName(QStringLiteral("serviceTabs"));
    tabs_->addTab(buildActivityTab(), tr("Activity"));
    tabs_->addTab(buildLeasesTab(), tr("DHCP leases"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(problems_);
    layout->addWidget(serviceTable_);
    layout->addWidget(tabs_, 1);

    connect(&host_, &ServiceHost::servicesChanged, this, &ServicesPage::rebuildServiceTable);
    connect(&host_, &ServiceHost::serviceStateChanged, this, [this](const QString &name) {
        for (int row = 0; row < serviceTable_->rowCount(); ++row)
            if (serviceTable_->item(row, NameColumn)->text() == name)
                updateServiceRow(row);
        updateProblems();
    });
    rebuildServiceTable();

    // Every second, shown or not: the chart covers the last two minutes when someone looks.
    pollTimer_.setInterval(1000);
    connect(&pollTimer_, &QTimer::timeout, this, &ServicesPage::pollCounters);
    pollTimer_.start();
    pollCounters();

    leaseTimer_.setInterval(5000);
    connect(&leaseTimer_, &QTimer::timeout, this, &ServicesPage::reloadLeases);
    pool_.setMaxThreadCount(1);
    connect(&leaseWatcher_, &QFutureWatcher<LeaseLoad>::finished, this, &ServicesPage::leasesLoaded);
}

ServicesPage::~ServicesPage()
{
    leaseWatcher_.disconnect(this);
    pool_.waitForDone(); // the read holds the database: let it finish before the page goes
}

QWidget *ServicesPage::buildActivityTab()
{
    auto *tab = new QWidget;
    counterTitle_ = new QLabel(tab);
    counterTitle_->setObjectName(QStringLiteral("counterTitle"));
    counterTable_ = new QTableWidget(tab);
    counterTable_->setObjectName(QStringLiteral("counterTable"));
    counterTable_->setColumnCount(2);
    counterTable_->setHorizontalHeaderLabels({tr("Counter"), tr("Value")});
    counterTable_->verticalHeader()->hide();
    // One line of text per row, as compact as the service table above.
    counterTable_->verticalHeader()->setDefaultSectionSize(compactRowHeight(counterTable_));
    counterTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    counterTable_->setSelectionMode(QAbstractItemView::NoSelection);
    counterTable_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    counterTable_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    chart_ = new QChart;
    // The legend names only the service: "tftp: transfers completed" times a few services does
    // not fit in one row, least of all translated. The counter charted is marked in the table.
    chart_->legend()->setAlignment(Qt::AlignBottom);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    axisX_ = new QValueAxis(chart_);
    axisX_->setLabelFormat(QStringLiteral("%d"));
    axisX_->setTitleText(tr("seconds ago"));
    axisY_ = new QValueAxis(chart_);
    axisY_->setRange(0, 1);
    axisY_->setLabelFormat(QStringLiteral("%g"));
    axisY_->setTitleText(tr("per second"));
    chart_->addAxis(axisX_, Qt::AlignBottom);
    chart_->addAxis(axisY_, Qt::AlignLeft);
    chartView_ = new QChartView(chart_, tab);
    chartView_->setObjectName(QStringLiteral("rateChart"));
    chartView_->setRenderHint(QPainter::Antialiasing);
    chartView_->setMinimumHeight(220);

    auto *counters = new QVBoxLayout;
    counters->addWidget(counterTitle_);
    counters->addWidget(counterTable_, 1);
    auto *layout = new QHBoxLayout(tab);
    layout->addLayout(counters, 2);
    layout->addWidget(chartView_, 3);
    return tab;
}

QWidget *ServicesPage::buildLeasesTab()
{
    auto *tab = new QWidget;
    leaseCount_ = new QLabel(tab);
    leaseCount_->setObjectName(QStringLiteral("leaseCount"));
    leaseCount_->setText(tr("Reading the leases…"));
    leaseModel_ = new LeaseTableModel(this);
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(leaseModel_);
    proxy->setSortRole(LeaseTableModel::SortRole);
    leaseView_ = new QTableView(tab);
    leaseView_->setObjectName(QStringLiteral("leaseTable"));
    leaseView_->setModel(proxy);
    leaseView_->setSortingEnabled(true);
    leaseView_->sortByColumn(LeaseTableModel::IpColumn, Qt::AscendingOrder);
    leaseView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    leaseView_->setWordWrap(false);
    leaseView_->verticalHeader()->hide();
    // 100,000 leases: no measuring of every row, every refresh.
    leaseView_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    leaseView_->verticalHeader()->setDefaultSectionSize(compactRowHeight(leaseView_));
    leaseView_->horizontalHeader()->setStretchLastSection(true);
    const QFontMetrics fm = leaseView_->fontMetrics();
    const int pad = 3 * fm.averageCharWidth();
    auto widthFor = [&](const QString &sample, int column) {
        const QString title = leaseModel_->headerData(column, Qt::Horizontal).toString();
        return qMax(fm.horizontalAdvance(sample), fm.horizontalAdvance(title)) + pad;
    };
    leaseView_->setColumnWidth(LeaseTableModel::MacColumn,
                               widthFor(QStringLiteral("52:54:00:00:00:00"), LeaseTableModel::MacColumn));
    leaseView_->setColumnWidth(LeaseTableModel::IpColumn,
                               widthFor(QStringLiteral("255.255.255.255"), LeaseTableModel::IpColumn));
    leaseView_->setColumnWidth(LeaseTableModel::HostnameColumn,
                               widthFor(QStringLiteral("MMMMMMMMMMMMMMMMMMMM"), LeaseTableModel::HostnameColumn));
    leaseView_->setColumnWidth(LeaseTableModel::StateColumn, widthFor(tr("released"), LeaseTableModel::StateColumn));

    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(leaseCount_);
    layout->addWidget(leaseView_, 1);
    return tab;
}

void ServicesPage::rebuildServiceTable()
{
    const QString selected = selectedService();
    const auto &entries = host_.services();
    serviceTable_->setRowCount(int(entries.size()));
    for (int row = 0; row < int(entries.size()); ++row) {
        for (int column = 0; column < ServiceColumnCount; ++column)
            if (!serviceTable_->item(row, column))
                serviceTable_->setItem(row, column, new QTableWidgetItem);
        serviceTable_->item(row, NameColumn)->setText(entries[size_t(row)].thread->objectName());
        updateServiceRow(row);
    }
    int select = 0;
    for (int row = 0; row < serviceTable_->rowCount(); ++row)
        if (serviceTable_->item(row, NameColumn)->text() == selected)
            select = row;
    if (serviceTable_->rowCount() > 0)
        serviceTable_->selectRow(select);
    // As tall as its rows: the tabs below get the rest.
    serviceTable_->resizeRowsToContents();
    int height = serviceTable_->horizontalHeader()->sizeHint().height() + 2 * serviceTable_->frameWidth();
    for (int row = 0; row < serviceTable_->rowCount(); ++row)
        height += serviceTable_->rowHeight(row);
    serviceTable_->setFixedHeight(height);
    updateProblems();
    updateCounterTable();
    pollCounters();
}

void ServicesPage::updateServiceRow(int row)
{
    const auto &entries = host_.services();
    if (row < 0 || row >= int(entries.size()))
        return;
    const ServiceHost::Entry &e = entries[size_t(row)];
    QTableWidgetItem *state = serviceTable_->item(row, StateColumn);
    QTableWidgetItem *detail = serviceTable_->item(row, DetailColumn);
    QFont font = serviceTable_->font();
    QBrush color = serviceTable_->palette().text();
    QString text;
    // description() reads settings fixed at construction: safe from this thread.
    QString details = e.service->description();
    if (e.state == QLatin1String("running")) {
        text = tr("running");
    } else if (e.state == QLatin1String("stopped")) {
        text = tr("stopped");
        color = QBrush(hintColor(serviceTable_->palette()));
    } else if (e.state == QLatin1String("failed")) {
        text = tr("failed");
        details = e.detail;
        color = kErrorColor;
        font.setBold(true);
    } else {
        text = tr("starting");
        color = QBrush(hintColor(serviceTable_->palette()));
    }
    state->setText(text);
    state->setForeground(color);
    state->setFont(font);
    detail->setText(details);
    detail->setToolTip(details);
    detail->setForeground(e.state == QLatin1String("failed") ? QBrush(kErrorColor) : serviceTable_->palette().text());
}

void ServicesPage::updateProblems()
{
    // What a running service cannot do (IPv6 disabled on the boot interface), in normal text: said
    // nowhere else. A failure is not repeated here: its row says it in red, and the Problems list.
    QStringList lines;
    for (const ServiceHost::Entry &e : host_.services())
        if (e.state == QLatin1String("running"))
            for (const QString &notice : e.service->notices())
                lines << tr("<b>%1:</b> %2").arg(e.thread->objectName().toHtmlEscaped(), notice.toHtmlEscaped());
    problems_->setText(lines.join(QStringLiteral("<br>")));
    problems_->setVisible(!lines.isEmpty());
}

QString ServicesPage::selectedService() const
{
    const auto rows = serviceTable_->selectionModel()->selectedRows(NameColumn);
    return rows.isEmpty() ? QString() : rows.first().data().toString();
}

void ServicesPage::pollCounters()
{
    const qint64 now = clock_.elapsed();
    QSet<QString> present;
    for (const ServiceHost::Entry &e : host_.services()) {
        const QList<Counter> counters = e.service->counterList(); // thread-safe by contract
        if (counters.isEmpty())
            continue;
        const QString name = e.thread->objectName();
        present.insert(name);
        Rate &rate = rates_[name];
        const quint64 value = counters.first().value;
        if (rate.lastMs >= 0 && now > rate.lastMs) {
            // A restarted service counts from zero again: that is no negative traffic.
            const double perSecond =
                value >= rate.lastValue ? double(value - rate.lastValue) * 1000.0 / double(now - rate.lastMs) : 0.0;
            rate.points.append(QPointF(double(now), perSecond));
        }
        rate.lastValue = value;
        rate.lastMs = now;
        rate.label = counters.first().label;
        while (!rate.points.isEmpty() && rate.points.first().x() < double(now - kHistorySeconds * 1000))
            rate.points.removeFirst();
    }
    for (auto it = rates_.begin(); it != rates_.end();) {
        if (present.contains(it.key())) {
            ++it;
        } else {
            delete series_.take(it.key());
            it = rates_.erase(it);
        }
    }
    updateChart();
    updateCounterTable();
}

void ServicesPage::updateChart()
{
    const double now = double(clock_.elapsed());
    double highest = 0;
    QStringList names = rates_.keys();
    names.sort();
    for (const QString &name : names) {
        const Rate &rate = rates_[name];
        QLineSeries *&series = series_[name];
        if (!series) {
            series = new QLineSeries;
            chart_->addSeries(series);
            series->attachAxis(axisX_);
            series->attachAxis(axisY_);
        }
        series->setName(name);
        QList<QPointF> points;
        points.reserve(rate.points.size());
        for (const QPointF &p : rate.points) {
            points.append(QPointF((p.x() - now) / 1000.0, p.y()));
            highest = qMax(highest, p.y());
        }
        series->replace(points);
    }
    // Round steps: 0, 100, 200… or 0, 50, 100…, not 0, 125, 250.
    const double top = niceCeiling(highest * 1.1);
    const long lead = std::lround(top / std::pow(10.0, std::floor(std::log10(top))));
    axisY_->setRange(0, top);
    axisY_->setTickCount(lead == 2 ? 5 : 6);
    // As much time as the page has seen, in steps, up to the history kept: a page opened a
    // moment ago shows its first seconds across the chart, not as a sliver at the right edge.
    int span = kHistorySeconds;
    for (int step : {10, 30, 60})
        if (now <= step * 1000.0) {
            span = step;
            break;
        }
    axisX_->setRange(-span, 0);
    axisX_->setTickCount(span == 10 ? 6 : 7);
}

void ServicesPage::updateCounterTable()
{
    const QString name = selectedService();
    const ServiceHost::Entry *entry = nullptr;
    for (const ServiceHost::Entry &e : host_.services())
        if (e.thread->objectName() == name)
            entry = &e;
    const QList<Counter> counters = entry ? entry->service->counterList() : QList<Counter>();
    if (!entry)
        counterTitle_->setText(tr("Select a service to see its counters."));
    else if (counters.isEmpty())
        counterTitle_->setText(tr("%1 counts nothing.").arg(name));
    else
        counterTitle_->setText(tr("Counters of %1").arg(name));
    counterTable_->setRowCount(int(counters.size()));
    const QLocale locale;
    for (int row = 0; row < int(counters.size()); ++row) {
        const Counter &c = counters[row];
        for (int column = 0; column < 2; ++column)
            if (!counterTable_->item(row, column))
                counterTable_->setItem(row, column, new QTableWidgetItem);
        counterTable_->item(row, 0)->setText(c.label);
        counterTable_->item(row, 0)->setData(Qt::UserRole, c.key);
        counterTable_->item(row, 1)->setText(locale.toString(c.value));
        counterTable_->item(row, 1)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        // The first counter is the one charted: its row carries the line's colour, as a legend would.
        const QLineSeries *line = row == 0 ? series_.value(name) : nullptr;
        counterTable_->item(row, 0)->setData(Qt::DecorationRole, line ? QVariant(line->color()) : QVariant());
        counterTable_->item(row, 0)->setToolTip(line ? tr("Charted per second") : QString());
    }
}

void ServicesPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    reloadLeases();
    leaseTimer_.start();
}

void ServicesPage::hideEvent(QHideEvent *event)
{
    leaseTimer_.stop();
    QWidget::hideEvent(event);
}

void ServicesPage::reloadLeases()
{
    if (leaseWatcher_.isRunning()) {
        reloadAgain_ = true; // after the one in flight: it may predate what the caller wrote
        return;
    }
    // There can be 100,000 leases: read them on a worker thread (its own database connection).
    leaseWatcher_.setFuture(QtConcurrent::run(&pool_, [db = db_] {
        LeaseLoad load;
        load.readAt = QDateTime::currentMSecsSinceEpoch();
        auto all = LeaseStore(db).all();
        if (all)
            load.leases.assign(all->cbegin(), all->cend());
        else
            load.error = all.errorMessage();
        return load;
    }));
}

void ServicesPage::leasesLoaded()
{
    LeaseLoad load = leaseWatcher_.result();
    if (!load.error.isEmpty()) {
        leaseCount_->setText(tr("Cannot read the DHCP leases: %1").arg(load.error));
    } else {
        const qint64 now = load.readAt;
        const auto held =
            std::count_if(load.leases.cbegin(), load.leases.cend(), [now](const Lease &l) { return l.holds(now); });
        // Whole sentences per count: "%n lease(s)" needs an English translation file to read well.
        const int total = int(load.leases.size());
        if (total == 0)
            leaseCount_->setText(tr("No DHCP leases yet"));
        else if (total == 1)
            leaseCount_->setText(tr("1 lease, %1 in use").arg(held));
        else
            leaseCount_->setText(tr("%1 leases, %2 in use").arg(total).arg(held));
        leaseModel_->setLeases(std::move(load.leases), now);
    }
    if (reloadAgain_) {
        reloadAgain_ = false;
        reloadLeases();
    }
}

} // namespace metaldesk
