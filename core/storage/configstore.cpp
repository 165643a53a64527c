#include "core/storage/configstore.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {
struct ConfigText {
    Q_DECLARE_TR_FUNCTIONS(Settings)
};
} // namespace

Expected<QString> ConfigStore::value(const QString &name) const
{
    const SettingSpec *spec = findSetting(name);
    if (!spec) // a programming error, or a name from the command line: checkSetting says which exist
        return checkSetting(name, {}).error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT value FROM config WHERE name = ?"), {name});
    if (!q)
        return q.error();
    const QString stored = q->next() ? q->value(0).toString().trimmed() : QString();
    return stored.isEmpty() ? QString::fromLatin1(spec->defaultValue) : stored;
}

Expected<int> ConfigStore::integer(const QString &name) const
{
    auto text = value(name);
    if (!text)
        return text.error();
    // A value stored before the settings were checked (or behind our back) is checked on reading.
    auto checked = checkSetting(name, *text);
    if (!checked)
        return checked.error();
    bool ok = false;
    const int v = checked->toInt(&ok);
    if (!ok)
        return Error{ConfigText::tr("the setting %1 should be a whole number, not '%2'").arg(name, *text)};
    return v;
}

Expected<bool> ConfigStore::boolean(const QString &name) const
{
    auto text = value(name);
    if (!text)
        return text.error();
    auto checked = checkSetting(name, *text);
    if (!checked)
        return checked.error();
    return *checked == QLatin1String("true");
}

Expected<void> ConfigStore::setValue(const QString &name, const QString &value)
{
    auto checked = checkSetting(name, value);
    if (!checked)
        return checked.error();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = checked->isEmpty() ? runQuery(*db, QStringLiteral("DELETE FROM config WHERE name = ?"), {name})
                                : runQuery(*db,
                                           QStringLiteral("INSERT INTO config (name, value) VALUES (?, ?) "
                                                          "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                                           {name, *checked});
    if (!q)
        return q.error();
    return {};
}

} // namespace metaldesk
