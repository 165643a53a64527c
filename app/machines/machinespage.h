#pragma once

#include "core/lifecycle/actionrunner.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>
#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace metaldesk {

struct CoreServices;
class MachineDetails;
class MachineFilterProxy;
class MachineTableModel;
class TakeActionMenu;

// The machine list: a filter line, the table (live from the core's change feed) and a count.
// With no machines at all it says how machines get here instead of showing an empty grid.
// Double-clicking a machine (or Enter on it) shows its details in place of the list, until Back.
// Take action (the button, or the list's context menu) acts on the selected machines as the
// signed-in user: the menu offers what the lifecycle table allows, a dialog takes the options,
// and a line above the list says what was done and what was refused, machine by machine.
class MachinesPage : public QWidget {
    Q_OBJECT
public:
    explicit MachinesPage(CoreServices &core, QWidget *parent = nullptr);
    ~MachinesPage() override;

    MachineTableModel *model() const { return model_; }
    MachineFilterProxy *proxy() const { return proxy_; }
    QTableView *view() const { return view_; }
    // The selected machines, in the order shown: what a Take action menu acts on.
    QStringList selectedSystemIds() const;

    // Who takes actions from this page; none: Take action is closed, and says why.
    void setUser(const std::optional<Actor> &user);
    // Add machine (administrators): a dialog, then the line above the list names the machine added.
    void addMachine();
    void addChassis();
    // Opens the dialog of that action for the selected machines (what choosing it in the menu does).
    void takeAction(NodeAction action);
    // The same for these machines (the one a details page shows).
    void takeActionOn(const QList<Machine> &machines, NodeAction action);
    // The selected machines, as the list has them.
    QList<Machine> selectedMachines() const;

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
    void chassisRequested(qint64 chassisId); // its Chassis cell was opened

private:
    void buildEmptyState();
    void applyDefaultColumnWidths();
    // The header's context menu: a check for each column, shown or hidden.
    void showColumnMenu(const QPoint &at);
    void updateEmptyState();
    void updateCount();
    void updateTakeAction();
    void updateStatusGroups();
    void toggleStatusGroup(const QString &key, bool on);
    void showOutcomes();

    CoreServices &core_;
    std::optional<Actor> user_;
    MachineTableModel *model_;
    MachineFilterProxy *proxy_;
    QLineEdit *filter_;
    QLabel *count_;
    QToolButton *takeActionButton_;
    QToolButton *addMachineButton_;
    TakeActionMenu *takeActionMenu_;
    QLabel *actionResult_;
    // One button per status the machines are in, with how many: a click shows only those.
    QWidget *statusGroups_;
    QTimer *statusGroupsDue_; // counts change in bursts (1,000 a second): redraw at most 10 times a second
    // The action being taken, off the GUI thread (each machine is a database transaction).
    QFutureWatcher<QList<ActionOutcome>> running_;
    NodeAction runningAction_ = NodeAction::Commission;
    QStackedWidget *views_; // the list, or one machine's details
    QWidget *list_;
    MachineDetails *details_;
    QStackedWidget *content_;
    QTableView *view_;
    QWidget *emptyState_;
    QLabel *emptyTitle_;
    QLabel *emptyText_;
    QPushButton *emptyAdd_;
    QPushButton *emptyAddChassis_;
};

} // namespace metaldesk
