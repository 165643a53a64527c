#pragma once

#include "core/lifecycle/lifecycleengine.h"
#include "core/machines/nodesettings.h"

#include <optional>

namespace metaldesk {

// A Take action as the user chose it in the console (or an API client in a request): the action
// and the options that go with it.
struct ActionRequest {
    ActionRequest(NodeAction chosen = NodeAction::Commission) : action(chosen) {}

    NodeAction action;
    bool keepPoweredOn = false;           // Commission: stay on afterwards (MAAS's "allow SSH")
    QString eraseMode;                    // Release: "" (no erasing), "quick" or "secure"
    std::optional<DeploySettings> deploy; // Deploy: the image and user-data; empty keeps what is stored
};

// What became of one machine.
struct ActionOutcome {
    QString systemId;
    QString hostname;
    QString refusal; // empty: the action was taken; otherwise why not, for the user
    // Taken, but only begun: the machine works on (Commissioning, Deploying, ...) or a power
    // command is on its way. "Started", not "done", is what the user is told.
    bool started = false;
    bool taken() const { return refusal.isEmpty(); }
};

// Takes one action on many machines: per machine, the engine's table says whether it is offered;
// if so the engine acts and stores the machine's options in the same transaction. A machine refused (or failing) does
// not stop the others; each outcome says what happened.
class ActionRunner {
public:
    explicit ActionRunner(LifecycleEngine &engine) : engine_(engine) {}

    // Empty when the request's options can be used; otherwise which one is wrong and how.
    static QString validate(const ActionRequest &request);
    // How Release erases when the user (or API client) does not say: "" (not at all) unless
    // enable_disk_erasing_on_release is on, then disk_erase_mode (as MAAS).
    static Expected<QString> defaultEraseMode(const ConfigStore &config);

    QList<ActionOutcome> run(const QList<Machine> &machines, const ActionRequest &request, const Actor &actor) const;

private:
    static Expected<void> storeOptions(const QSqlDatabase &db, const QString &systemId, const ActionRequest &request);

    LifecycleEngine &engine_;
};

} // namespace metaldesk
