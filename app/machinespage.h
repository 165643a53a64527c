#pragma once

#include <QStringList>
#include <QWidget>

class QLabel;
class QLineEdit;
class QSettings;
class QStackedWidget;
class QTableView;

namespace metaldesk {

struct CoreServices;
class MachineFilterProxy;
class MachineTableModel;

// The machine list: a filter line, the table (live from the core's change feed) and a count.
// With no machines at all it says how machines get here instead of showing an empty grid.
class MachinesPage : public QWidget {
    Q_OBJECT
public:
    explicit MachinesPage(CoreServices &core, QWidget *parent = nullptr);

    MachineTableModel *model() const { return model_; }
    MachineFilterProxy *proxy() const { return proxy_; }
    QTableView *view() const { return view_; }
    // The selected machines, in the order shown: what a Take action menu acts on.
    QStringList selectedSystemIds() const;

    // Column widths, order and sorting, kept between runs.
    void saveSettings(QSettings &settings) const;
    void restoreSettings(const QSettings &settings);

signals:
    void selectionChanged();

private:
    void buildEmptyState();
    void applyDefaultColumnWidths();
    void updateEmptyState();
    void updateCount();

    MachineTableModel *model_;
    MachineFilterProxy *proxy_;
    QLineEdit *filter_;
    QLabel *count_;
    QStackedWidget *content_;
    QTableView *view_;
    QWidget *emptyState_;
    QLabel *emptyTitle_;
    QLabel *emptyText_;
};

} // namespace metaldesk
