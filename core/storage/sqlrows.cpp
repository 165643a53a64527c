#include "core/storage/sqlrows.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <sqlite3.h>

namespace metaldesk {

std::unique_ptr<SqliteRows> SqliteRows::prepare(const QSqlDatabase &connection, const char *sql)
{
    if (connection.driverName() != QLatin1String("QSQLITE"))
        return nullptr;
    // QSQLITE hands out its sqlite3* as a QVariant holding that pointer type.
    const QVariant handle = connection.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    auto *db = *static_cast<sqlite3 *const *>(handle.data());
    sqlite3_stmt *statement = nullptr;
    if (!db || sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
        sqlite3_finalize(statement);
        return nullptr;
    }
    return std::unique_ptr<SqliteRows>(new SqliteRows(statement));
}

SqliteRows::SqliteRows(sqlite3_stmt *statement)
    : statement_(statement), lastText_(size_t(qMax(0, sqlite3_column_count(statement))))
{
}

SqliteRows::~SqliteRows() { sqlite3_finalize(statement_); }

bool SqliteRows::next()
{
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        error_ = QString::fromUtf8(sqlite3_errmsg(sqlite3_db_handle(statement_)));
    return false;
}

bool SqliteRows::isNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

qint64 SqliteRows::integer(int column) const { return sqlite3_column_int64(statement_, column); }

QString SqliteRows::text(int column) const
{
    const auto *bytes = reinterpret_cast<const char *>(sqlite3_column_text(statement_, column));
    const int size = sqlite3_column_bytes(statement_, column);
    if (!bytes || size == 0)
        return bytes ? QString(QLatin1String("")) : QString();
    auto &[lastBytes, lastText] = lastText_.at(size_t(column));
    if (std::string_view(bytes, size_t(size)) != lastBytes) {
        lastBytes.assign(bytes, size_t(size));
        lastText = QString::fromUtf8(bytes, size);
    }
    return lastText;
}

QByteArray SqliteRows::utf8(int column) const
{
    const auto *bytes = reinterpret_cast<const char *>(sqlite3_column_text(statement_, column));
    return bytes ? QByteArray(bytes, sqlite3_column_bytes(statement_, column)) : QByteArray();
}

} // namespace metaldesk
