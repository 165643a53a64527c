#pragma once

#include "core/storage/database.h"

namespace metaldesk {

// Named settings kept in the database, so that every instance sharing it agrees.
class ConfigStore {
public:
    explicit ConfigStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
    Expected<QString> value(const QString &name, const QString &fallback = {}) const;
    Expected<void> setValue(const QString &name, const QString &value);
    Expected<int> intValue(const QString &name, int fallback) const;

private:
    std::shared_ptr<Database> db_;
};

// Setting names.
inline constexpr const char *kNodeTimeoutMinutes = "node_timeout_minutes";       // MAAS: 30
inline constexpr const char *kReleaseTimeoutMinutes = "release_timeout_minutes"; // MAAS: 5 (releasing, exiting rescue)

} // namespace metaldesk
