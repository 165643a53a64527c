#pragma once

#include "core/lifecycle/lifecycletables.h"
#include "core/machines/machine.h"

#include <QMenu>

namespace metaldesk {

// The Take action menu for the selected machines: every action the lifecycle table offers this
// user for at least one of them, in the table's order and groups (lifecycle, power, the rest),
// with how many of the selection it applies to when that is not all of them.
class TakeActionMenu : public QMenu {
    Q_OBJECT
public:
    explicit TakeActionMenu(QWidget *parent = nullptr);

    // Rebuilds the entries for these machines and this user.
    void setMachines(const QList<Machine> &machines, const Actor &actor);

    // The action's name in the menu and in dialogs, without the trailing dots ("Deploy").
    static QString actionName(NodeAction action);

signals:
    void actionChosen(metaldesk::NodeAction action);
};

} // namespace metaldesk
