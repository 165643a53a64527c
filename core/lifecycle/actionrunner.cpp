#include "core/lifecycle/actionrunner.h"

#include <QCoreApplication>

namespace metaldesk {

QString ActionRunner::validate(const ActionRequest &request)
{
    if (request.action == NodeAction::Release && !request.eraseMode.isEmpty() &&
        request.eraseMode != QLatin1String("quick") && request.eraseMode != QLatin1String("secure"))
        return QCoreApplication::translate("Lifecycle", "unknown erase mode '%1' (expected quick or secure)")
            .arg(request.eraseMode);
    if (request.action == NodeAction::Deploy && request.deploy)
        return NodeSettingsStore::validate(*request.deploy);
    return {};
}

Expected<QString> ActionRunner::defaultEraseMode(const ConfigStore &config)
{
    auto on = config.boolean(setting::EraseOnRelease);
    if (!on)
        return on.error();
    if (!*on)
        return QString();
    return config.value(setting::DiskEraseMode);
}

Expected<void> ActionRunner::storeOptions(const QSqlDatabase &db, const QString &systemId, const ActionRequest &request)
{
    switch (request.action) {
    case NodeAction::Commission: return NodeSettingsStore::writeKeepPoweredOn(db, systemId, request.keepPoweredOn);
    case NodeAction::Release:
        if (!request.eraseMode.isEmpty())
            return NodeSettingsStore::writeEraseMode(db, systemId, request.eraseMode);
        return {};
    case NodeAction::Deploy:
        if (request.deploy)
            return NodeSettingsStore::writeDeploySettings(db, systemId, *request.deploy);
        return {};
    default: return {};
    }
}

QList<ActionOutcome> ActionRunner::run(const QList<Machine> &machines, const ActionRequest &request,
                                       const Actor &actor) const
{
    QList<ActionOutcome> outcomes;
    const QString invalid = validate(request);
    for (const Machine &m : machines) {
        ActionOutcome outcome{m.systemId, m.hostname, invalid};
        if (outcome.taken())
            outcome.refusal = LifecycleEngine::refusal(request.action, m, actor);
        if (outcome.taken()) {
            ActionOptions options;
            options.erase = request.action == NodeAction::Release && !request.eraseMode.isEmpty();
            if (request.action == NodeAction::Deploy && request.deploy)
                options.image = request.deploy->image;
            // With the action, after the engine's refusal check on the machine as it is now (the
            // list may be stale): a refused action must not overwrite another one's options.
            auto done =
                engine_.performAction(m.systemId, request.action, actor, options,
                                      [&request](const QSqlDatabase &db, const Machine &machine, QList<Event> &) {
                                          return storeOptions(db, machine.systemId, request);
                                      });
            if (!done)
                outcome.refusal = done.errorMessage();
            const QList<NodeStatus> path = actionPath(request.action, m.status, m.previousStatus, options);
            outcome.started =
                done && (request.action == NodeAction::PowerOn || request.action == NodeAction::PowerOff ||
                         (!path.isEmpty() && isMonitoredStatus(path.last())));
        }
        outcomes << outcome;
    }
    return outcomes;
}

} // namespace metaldesk
