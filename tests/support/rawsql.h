#pragma once

#include "core/storage/database.h"

#include <QDir>
#include <QMap>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>

namespace metaldesk::testing {

// Reads or changes a database behind MetalDesk's back, as another program (or an older or newer
// MetalDesk) would. Its own connection, closed on destruction; use it on one thread.
class RawSql {
public:
    explicit RawSql(const DatabaseSpec &spec)
        : name_(QStringLiteral("rawsql-") + QUuid::createUuid().toString(QUuid::WithoutBraces)),
          postgres_(spec.kind == DatabaseSpec::Kind::Postgres)
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(postgres_ ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), name_);
        if (postgres_) {
            db.setHostName(spec.host);
            db.setPort(spec.port);
            db.setUserName(spec.user);
            db.setPassword(spec.password);
            db.setDatabaseName(spec.name);
        } else {
            db.setDatabaseName(spec.path);
        }
        if (!db.open())
            error_ = db.lastError().text();
    }
    ~RawSql()
    {
        QSqlDatabase::database(name_, false).close();
        QSqlDatabase::removeDatabase(name_);
    }
    RawSql(const RawSql &) = delete;
    RawSql &operator=(const RawSql &) = delete;

    bool isOpen() const { return error_.isEmpty(); }
    QString error() const { return error_; }

    // Empty when the statement ran, else why not.
    QString exec(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(name_, false));
        return q.exec(sql) ? QString() : q.lastError().text() + QStringLiteral(" (in: ") + sql + QLatin1Char(')');
    }
    // The first column of the first row; invalid when there is none or the statement failed.
    QVariant scalar(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(name_, false));
        return q.exec(sql) && q.next() ? q.value(0) : QVariant();
    }
    // Every row, each as its columns joined by " | " (NULL as "NULL").
    QStringList rows(const QString &sql) const
    {
        QSqlQuery q(QSqlDatabase::database(name_, false));
        QStringList out;
        if (!q.exec(sql))
            return {QStringLiteral("error: ") + q.lastError().text()};
        while (q.next()) {
            QStringList columns;
            for (int i = 0; i < q.record().count(); ++i)
                columns << (q.isNull(i) ? QStringLiteral("NULL") : q.value(i).toString());
            out << columns.join(QLatin1String(" | "));
        }
        return out;
    }

    QStringList tables() const
    {
        QStringList names = rows(postgres_ ? QStringLiteral("SELECT table_name FROM information_schema.tables "
                                                            "WHERE table_schema = current_schema()")
                                           : QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                            "AND name NOT LIKE 'sqlite_%'"));
        names.sort();
        return names;
    }

    // The definition of every table and index and every row, in a stable order: two equal
    // snapshots mean nothing was added, removed or changed.
    QStringList snapshot() const
    {
        QStringList out =
            rows(postgres_ ? QStringLiteral("SELECT table_name, column_name, data_type, is_nullable, "
                                            "column_default FROM information_schema.columns WHERE "
                                            "table_schema = current_schema() ORDER BY 1, ordinal_position")
                           : QStringLiteral("SELECT type, name, sql FROM sqlite_master ORDER BY name"));
        if (postgres_)
            out << rows(QStringLiteral("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                       "ORDER BY 1"));
        for (const QString &table : tables()) {
            QStringList content = rows(QStringLiteral("SELECT * FROM \"%1\"").arg(table));
            content.sort();
            out << QStringLiteral("table %1: %2 rows").arg(table).arg(content.size()) << content;
        }
        return out;
    }

private:
    QString name_;
    bool postgres_;
    QString error_;
};

// Every file in a directory with its bytes: compare two to prove a directory was left alone
// (no byte changed, no journal or WAL file left behind).
inline QMap<QString, QByteArray> filesIn(const QString &directory)
{
    QMap<QString, QByteArray> files;
    const QDir dir(directory);
    for (const QString &name : dir.entryList(QDir::Files | QDir::Hidden | QDir::System)) {
        QFile f(dir.filePath(name));
        files.insert(name, f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("(unreadable)"));
    }
    return files;
}

// What differs between two filesIn() results, for failure messages; empty when nothing does.
inline QString fileChanges(const QMap<QString, QByteArray> &before, const QMap<QString, QByteArray> &after)
{
    QStringList changes;
    for (auto it = before.cbegin(); it != before.cend(); ++it) {
        if (!after.contains(it.key())) {
            changes << QStringLiteral("%1 removed").arg(it.key());
            continue;
        }
        const QByteArray &now = after.value(it.key());
        if (now == it.value())
            continue;
        qsizetype at = 0;
        while (at < now.size() && at < it.value().size() && now[at] == it.value()[at])
            ++at;
        changes << QStringLiteral("%1 changed (%2 → %3 bytes, first difference at byte %4)")
                       .arg(it.key())
                       .arg(it.value().size())
                       .arg(now.size())
                       .arg(at);
    }
    for (auto it = after.cbegin(); it != after.cend(); ++it)
        if (!before.contains(it.key()))
            changes << QStringLiteral("%1 added (%2 bytes)").arg(it.key()).arg(it.value().size());
    return changes.join(QLatin1String("; "));
}

} // namespace metaldesk::testing
