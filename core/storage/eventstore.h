#pragma once

#include "core/machines/machine.h"
#include "core/storage/database.h"

namespace metaldesk {

// The event log: every status change, every failure, who did what and when.
class EventStore {
public:
    explicit EventStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // Writes inside the caller's transaction, so an event exists exactly when its change does.
    static Expected<Event> insert(const QSqlDatabase &connection, Event event);
    // Records a stand-alone event (no status change).
    Expected<Event> record(Event event);

    Expected<QList<Event>> forMachine(const QString &systemId, int limit = 200) const;
    Expected<QList<Event>> recent(int limit = 200) const;
    // The newest event of a machine that changed its status (what a consistency check compares with).
    Expected<std::optional<Event>> lastStatusEvent(const QString &systemId) const;

private:
    Expected<QList<Event>> select(const QString &where, const QVariantList &values, int limit) const;
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
