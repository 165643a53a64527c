#include "core/machines/noderesults.h"

namespace metaldesk {

Expected<std::optional<NodeResult>> NodeResultStore::latest(const QString &systemId, const QString &name) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT r.output, r.created FROM commissioning_results r JOIN machines m ON "
                                     "m.id = r.machine_id WHERE m.system_id = ? AND r.name = ? ORDER BY r.id DESC "
                                     "LIMIT 1"),
                      {systemId, name});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<NodeResult>();
    return std::optional<NodeResult>(NodeResult{name, q->value(0).toString().toUtf8(), q->value(1).toLongLong()});
}

} // namespace metaldesk
