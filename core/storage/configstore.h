#pragma once

#include "core/storage/database.h"
#include "core/storage/settings.h"

namespace metaldesk {

// The settings kept in the database, so that every instance sharing it agrees. Every name is one
// of the settings table's (core/storage/settings.h): an unknown name or a bad value is refused
// with the reason, and a setting never stored reads as its default.
class ConfigStore {
public:
    explicit ConfigStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
    // The stored value, or the default ("" for settings that are off until set).
    Expected<QString> value(const QString &name) const;
    Expected<int> integer(const QString &name) const;
    Expected<bool> boolean(const QString &name) const;
    // Checked with checkSetting, then stored; an empty value puts the default back.
    Expected<void> setValue(const QString &name, const QString &value);

    // The same with a name from settings.h: config.integer(setting::HttpPort).
    Expected<QString> value(const char *name) const { return value(QString::fromLatin1(name)); }
    Expected<int> integer(const char *name) const { return integer(QString::fromLatin1(name)); }
    Expected<bool> boolean(const char *name) const { return boolean(QString::fromLatin1(name)); }
    Expected<void> setValue(const char *name, const QString &v) { return setValue(QString::fromLatin1(name), v); }

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
