#include "core/machines/consolestore.h"

#include <QDateTime>
#include <QSqlQuery>

namespace metaldesk {

Expected<void> ConsoleStore::save(const QString &systemId, const ConsoleRecord &record) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    // One statement: a reader's screen and its note never land half.
    auto q = runQuery(
        *db,
        QStringLiteral("INSERT INTO console_screens (machine_id, screen, note, updated) "
                       "SELECT id, ?, ?, ? FROM machines WHERE system_id = ? "
                       "ON CONFLICT (machine_id) DO UPDATE SET screen = excluded.screen, "
                       "note = excluded.note, updated = excluded.updated"),
        {record.screen, record.note, record.updated ? record.updated : QDateTime::currentMSecsSinceEpoch(), systemId});
    if (!q)
        return q.error();
    return {};
}

Expected<std::optional<ConsoleRecord>> ConsoleStore::get(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT c.screen, c.note, c.updated FROM console_screens c "
                                     "JOIN machines m ON m.id = c.machine_id WHERE m.system_id = ?"),
                      {systemId});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<ConsoleRecord>();
    return std::optional<ConsoleRecord>(
        ConsoleRecord{q->value(0).toString(), q->value(1).toString(), q->value(2).toLongLong()});
}

} // namespace metaldesk
