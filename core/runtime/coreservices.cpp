#include "core/runtime/coreservices.h"

namespace metaldesk {

Expected<std::unique_ptr<CoreServices>> CoreServices::open(const DatabaseSpec &spec)
{
    qRegisterMetaType<metaldesk::Event>();
    auto db = Database::open(spec);
    if (!db)
        return db.error();
    auto hostnames = HostnameGenerator::builtIn();
    if (!hostnames)
        return hostnames.error();
    auto core = std::make_unique<CoreServices>();
    core->db = *db;
    core->feed = std::make_unique<ChangeFeed>();
    core->machines = std::make_unique<MachineStore>(core->db, core->feed.get());
    core->events = std::make_unique<EventStore>(core->db);
    core->users = std::make_unique<UserStore>(core->db);
    core->config = std::make_unique<ConfigStore>(core->db);
    core->engine = std::make_unique<LifecycleEngine>(core->db, core->feed.get(), std::move(*hostnames));
    core->power = std::make_unique<PowerService>(core->db, core->feed.get(), PowerDrivers::builtIn());
    // Direct: request() only queues the call, from whichever thread took the action.
    QObject::connect(core->engine.get(), &LifecycleEngine::powerRequested, core->power.get(), &PowerService::request,
                     Qt::DirectConnection);
    return core;
}

Expected<std::unique_ptr<CoreServices>> CoreServices::open(const QString &databaseArgument)
{
    auto spec = DatabaseSpec::parse(databaseArgument, defaultDatabasePath());
    if (!spec)
        return spec.error();
    if (!spec->password.isEmpty())
        qWarning("metaldesk: the PostgreSQL password is on the command line, where every user of this "
                 "computer can read it (ps). Leave it out of the URL and put it in ~/.pgpass (mode 0600) or the "
                 "file PGPASSFILE names: host:port:database:user:password");
    return open(*spec);
}

} // namespace metaldesk
