#pragma once

#include "core/lifecycle/lifecycleengine.h"
#include "core/machines/machinestore.h"
#include "core/power/powerservice.h"
#include "core/storage/changefeed.h"
#include "core/storage/database.h"
#include "core/storage/eventstore.h"
#include "core/users/userstore.h"

#include <memory>

namespace metaldesk {

// The core's services over one database, built once and passed to whoever needs them
// (the window, the headless runner, the servers, tests). No singletons.
struct CoreServices {
    std::shared_ptr<Database> db;
    std::unique_ptr<ChangeFeed> feed;
    std::unique_ptr<MachineStore> machines;
    std::unique_ptr<EventStore> events;
    std::unique_ptr<UserStore> users;
    std::unique_ptr<ConfigStore> config;
    std::unique_ptr<LifecycleEngine> engine;
    // Last: destroyed first, waiting for power calls in flight while the rest still exists.
    std::unique_ptr<PowerService> power;

    static Expected<std::unique_ptr<CoreServices>> open(const DatabaseSpec &spec);
    // From the --database argument: "" (the default SQLite file), a path, or a postgresql:// URL.
    static Expected<std::unique_ptr<CoreServices>> open(const QString &databaseArgument);
};

} // namespace metaldesk
