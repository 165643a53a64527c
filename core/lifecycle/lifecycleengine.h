#pragma once

#include "core/lifecycle/lifecycletables.h"
#include "core/machines/hostnamegenerator.h"
#include "core/machines/machine.h"
#include "core/storage/changefeed.h"
#include "core/storage/configstore.h"
#include "core/storage/database.h"

#include <QObject>

namespace metaldesk {

// The only code that creates machines, deletes them, or changes their status or owner. GUI
// actions, API calls, callbacks from booting machines and timeouts all come through here. Each
// change is checked against the lifecycle tables and written in one transaction with its event.
// Safe to call from any thread: each thread uses its own database connection.
class LifecycleEngine : public QObject {
    Q_OBJECT
public:
    LifecycleEngine(std::shared_ptr<Database> db, ChangeFeed *feed, HostnameGenerator hostnames,
                    QObject *parent = nullptr);

    // Writes that belong with a change (what a machine reported, written with the machine it
    // creates or the status it moves it to): run in the change's transaction, on the machine as it
    // stands there (before the move); events it adds are emitted with the change's. An error rolls
    // the whole change back.
    using Alongside = std::function<Expected<void>(const QSqlDatabase &, const Machine &, QList<Event> &)>;

    Expected<Machine> createMachine(const NewMachine &spec, const Actor &actor, const Alongside &alongside = {});
    // Empty when createMachine would take the spec as far as the spec alone tells (a MAC may
    // still belong to another machine); otherwise why not.
    static QString validate(const NewMachine &spec);

    // A user's action (Take action). Refused with a reason when the action is not offered to this
    // actor for the machine's status; `alongside` (the action's options) runs only once it is offered.
    Expected<void> performAction(const QString &systemId, NodeAction action, const Actor &actor,
                                 const ActionOptions &options = {}, const Alongside &alongside = {});
    QList<NodeAction> offeredActions(const Machine &machine, const Actor &actor) const;
    static Role roleOf(const Machine &machine, const Actor &actor);
    // Empty when the action is offered to this actor for the machine as given; otherwise why not.
    static QString refusal(NodeAction action, const Machine &machine, const Actor &actor);
    static bool offers(NodeAction action, const Machine &machine, const Actor &actor);

    // A move reported by the system (a booting machine's callback, a finished job).
    Expected<void> changeStatus(const QString &systemId, NodeStatus to, const Actor &actor, const Text &reason,
                                const Alongside &alongside = {});
    // Moves a machine in a monitored status to its failed status (Deploying → Failed deployment).
    Expected<void> markFailed(const QString &systemId, const Text &reason, const Actor &actor);
    // Times out every machine whose monitored status expired at or before nowMs. Returns how many.
    Expected<int> expireOverdue(qint64 nowMs);

    // How long a monitored status may last, from the configuration (MAAS: 30 minutes, 5 for releasing).
    Expected<qint64> timeoutMsFor(NodeStatus status) const;

signals:
    // A machine with a power driver is to be switched (the user's Power on/off, an action that
    // boots it, a timeout); the power service carries it out.
    void powerRequested(const QString &systemId, metaldesk::PowerCommand command, const metaldesk::Actor &actor);

private:
    struct Step {
        QList<NodeStatus> path;
        Text reason;
        std::optional<std::optional<qint64>> setOwner; // outer empty: keep the owner
        QString eventType = QStringLiteral("status");
    };
    Expected<void> walk(const QSqlDatabase &db, Machine &machine, const Step &step, const Actor &actor,
                        QList<Event> &events);
    Expected<void>
    inTransaction(const QString &systemId,
                  const std::function<Expected<void>(const QSqlDatabase &, Machine &, QList<Event> &)> &body,
                  bool removed = false);

    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
    HostnameGenerator hostnames_;
    ConfigStore config_;
};

} // namespace metaldesk
