#include "core/storage/configstore.h"

namespace metaldesk {

Expected<QString> ConfigStore::value(const QString &name, const QString &fallback) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT value FROM config WHERE name = ?"), {name});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toString() : fallback;
}

Expected<void> ConfigStore::setValue(const QString &name, const QString &value)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("INSERT INTO config (name, value) VALUES (?, ?) "
                                     "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                      {name, value});
    if (!q)
        return q.error();
    return {};
}

Expected<int> ConfigStore::intValue(const QString &name, int fallback) const
{
    auto text = value(name);
    if (!text)
        return text.error();
    if (text->isEmpty())
        return fallback;
    bool ok = false;
    const int v = text->toInt(&ok);
    if (!ok)
        return Error{QObject::tr("the setting %1 should be a whole number, not '%2'").arg(name, *text)};
    return v;
}

} // namespace metaldesk
