#include "machinesin.h"

#include "core/boot/bootenvtexts.h"

namespace metaldesk::testing {

Expected<Machine> machineIn(CoreServices &core, const NewMachine &spec, NodeStatus status, const Actor &admin,
                            const Actor &owner)
{
    using S = NodeStatus;
    LifecycleEngine &engine = *core.engine;
    auto created = engine.createMachine(spec, admin);
    if (!created || status == S::New)
        return created;
    const QString id = created->systemId;
    // The boot environment's reports, in the event texts core/boot/nodereports.cpp records.
    const Actor metadata = Actor::system(QStringLiteral("metadata"));
    QList<std::function<Expected<void>()>> steps{
        [&] { return engine.performAction(id, NodeAction::Commission, admin); }};
    auto then = [&](std::function<Expected<void>()> step) { steps << std::move(step); };
    if (status != S::Commissioning)
        then([&] { return engine.changeStatus(id, S::Ready, metadata, Text::event("Commissioning finished")); });
    switch (status) {
    case S::Commissioning:
    case S::Ready: break;
    case S::Allocated: then([&] { return engine.performAction(id, NodeAction::Acquire, owner); }); break;
    case S::Deploying:
    case S::Deployed:
    case S::FailedDeployment:
        then([&] { return engine.performAction(id, NodeAction::Deploy, owner); });
        if (status == S::Deployed)
            then([&] {
                return engine.changeStatus(
                    id, S::Deployed, metadata,
                    Text::event("Deployed: the installed system's cloud-init fetched its configuration"));
            });
        if (status == S::FailedDeployment)
            then([&] {
                return engine.markFailed(
                    id, bootEnvironmentText(QStringLiteral("could not partition /dev/vda (No space left on device)")),
                    metadata);
            });
        break;
    case S::Broken: then([&] { return engine.performAction(id, NodeAction::MarkBroken, admin); }); break;
    default: return Error{QStringLiteral("machineIn: no way to %1 here").arg(nodeStatusName(status))};
    }
    for (const auto &step : std::as_const(steps))
        if (auto done = step(); !done)
            return Error{done.errorMessage()};
    return core.machines->get(id);
}

} // namespace metaldesk::testing
