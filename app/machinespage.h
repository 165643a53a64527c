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
class MachineDetails;
class MachineFilterProxy;
class MachineTableModel;

// The machine list: a filter line, the table (live from the core's change feed) and a count.
// With no machines at all it says how machines get here instead of showing an empty grid.
// Double-clicking a machine (or Enter on it) shows its details in place of the list, until Back.
class MachinesPage : public QWidget {
    Q_OBJECT
public:
    explicit MachinesPage(CoreServices &core, QWidget *parent = nullptr);

    MachineTableModel *model() const { return model_; }
    MachineFilterProxy *proxy() const { return proxy_; }
    QTableView *view() const { return view_; }
    // The selected machines, in the order shown: what a Take action menu acts on.
    QStringList selectedSystemIds() const;

    MachineDetails *details() const { return details_; }
    bool isShowingDetails() const;
    // The machine's details in place of the list; the list again, as it was left.
    void showMachine(const QString &systemId);
    void showList();

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
    QStackedWidget *views_; // the list, or one machine's details
    QWidget *list_;
    MachineDetails *details_;
    QStackedWidget *content_;
    QTableView *view_;
    QWidget *emptyState_;
    QLabel *emptyTitle_;
    QLabel *emptyText_;
};

} // namespace metaldesk
