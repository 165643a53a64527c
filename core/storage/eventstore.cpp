#include "core/storage/eventstore.h"

#include <QSqlRecord>

namespace metaldesk {

namespace {
QVariant optionalStatus(std::optional<NodeStatus> s)
{
    return s ? QVariant(int(*s)) : QVariant(QMetaType::fromType<int>());
}

std::optional<NodeStatus> statusFromVariant(const QVariant &v)
{
    if (v.isNull())
        return std::nullopt;
    return nodeStatusFromInt(v.toInt());
}

const char *kColumns =
    "id, created, system_id, hostname, username, event_type, level, from_status, to_status, description, message";

Event eventFromQuery(const QSqlQuery &q)
{
    Event e;
    e.id = q.value(0).toLongLong();
    e.created = q.value(1).toLongLong();
    e.systemId = q.value(2).toString();
    e.hostname = q.value(3).toString();
    e.username = q.value(4).toString();
    e.type = q.value(5).toString();
    e.level = EventLevel(q.value(6).toInt());
    e.fromStatus = statusFromVariant(q.value(7));
    e.toStatus = statusFromVariant(q.value(8));
    e.description = q.value(9).toString();
    if (const QVariant message = q.value(10); !message.isNull())
        e.message = Text::fromJsonBytes(message.toString().toUtf8()).value_or(Text());
    return e;
}
} // namespace

Expected<Event> EventStore::insert(const QSqlDatabase &connection, Event event)
{
    if (event.created == 0)
        event.created = nowMs();
    // English in the description, for the API, the logs and anything that reads the column.
    if (!event.message.isEmpty())
        event.description = event.message.english();
    auto id = insertReturningId(
        connection,
        QStringLiteral("INSERT INTO events (created, system_id, hostname, username, event_type, level, from_status, "
                       "to_status, description, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
        {event.created, event.systemId, event.hostname, event.username, event.type, int(event.level),
         optionalStatus(event.fromStatus), optionalStatus(event.toStatus), event.description,
         event.message.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                 : QVariant(QString::fromUtf8(event.message.toJsonBytes()))});
    if (!id)
        return id.error();
    event.id = *id;
    return event;
}

Expected<Event> EventStore::record(Event event)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    return insert(*db, std::move(event));
}

Expected<QList<Event>> EventStore::select(const QString &where, const QVariantList &values, int limit) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT %1 FROM events %2 ORDER BY id DESC LIMIT %3")
                          .arg(QLatin1String(kColumns), where)
                          .arg(limit),
                      values);
    if (!q)
        return q.error();
    QList<Event> events;
    while (q->next())
        events << eventFromQuery(*q);
    return events;
}

Expected<QList<Event>> EventStore::forMachine(const QString &systemId, int limit) const
{
    return select(QStringLiteral("WHERE system_id = ?"), {systemId}, limit);
}

Expected<QList<Event>> EventStore::recent(int limit) const { return select({}, {}, limit); }

Expected<std::optional<Event>> EventStore::lastStatusEvent(const QString &systemId) const
{
    auto events = select(QStringLiteral("WHERE system_id = ? AND to_status IS NOT NULL"), {systemId}, 1);
    if (!events)
        return events.error();
    if (events->isEmpty())
        return std::optional<Event>();
    return std::optional<Event>(events->first());
}

} // namespace metaldesk
