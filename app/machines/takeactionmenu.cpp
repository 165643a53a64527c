#include "app/machines/takeactionmenu.h"

#include "core/lifecycle/lifecycleengine.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {
// Menu groups, as MAAS groups its actions: the lifecycle, power, then marking and deleting.
int groupOf(NodeAction action)
{
    switch (action) {
    case NodeAction::PowerOn:
    case NodeAction::PowerOff: return 1;
    case NodeAction::MarkBroken:
    case NodeAction::MarkFixed:
    case NodeAction::OverrideFailedTesting:
    case NodeAction::Delete: return 2;
    default: return 0;
    }
}
} // namespace

TakeActionMenu::TakeActionMenu(QWidget *parent) : QMenu(parent) { setObjectName(QStringLiteral("takeActionMenu")); }

QString TakeActionMenu::actionName(NodeAction action)
{
    QString label = QCoreApplication::translate("NodeAction", nodeActionSpec(action).label);
    label.remove(QLatin1String("..."));
    return label;
}

void TakeActionMenu::setMachines(const QList<Machine> &machines, const Actor &actor)
{
    clear();
    if (machines.isEmpty()) {
        addAction(tr("Select machines to act on"))->setEnabled(false);
        return;
    }
    int lastGroup = -1;
    for (const NodeActionSpec &spec : nodeActionTable()) {
        int applies = 0;
        for (const Machine &m : machines)
            if (LifecycleEngine::offers(spec.action, m, actor))
                ++applies;
        if (applies == 0)
            continue;
        if (lastGroup >= 0 && groupOf(spec.action) != lastGroup)
            addSeparator();
        lastGroup = groupOf(spec.action);
        QString text = QCoreApplication::translate("NodeAction", spec.label);
        if (applies < machines.size()) {
            // "Commission (2 of 3)...": the dots that announce a dialog stay last.
            const QLatin1StringView dots("...");
            const bool dialog = text.endsWith(dots);
            text = tr("%1 (%2 of %3)").arg(dialog ? text.chopped(dots.size()) : text).arg(applies).arg(machines.size());
            if (dialog)
                text += dots;
        }
        QAction *entry = addAction(text);
        entry->setObjectName(QStringLiteral("action-") + QLatin1String(spec.name));
        connect(entry, &QAction::triggered, this, [this, action = spec.action] { emit actionChosen(action); });
    }
    if (actions().isEmpty())
        addAction(tr("No action is open to you for the selected machines"))->setEnabled(false);
}

} // namespace metaldesk
