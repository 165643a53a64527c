#pragma once

#include <QSqlQuery>
#include <QString>
#include <QVariant>
#include <memory>
#include <string>
#include <vector>

struct sqlite3_stmt;

namespace metaldesk {

// One row of a query's result, read by column number. Two readers share the mapping code that
// turns rows into objects (MachineStore's): QtSql's, for any database, and SQLite's own, which
// lists 100,000 machines about three times faster (QtSql makes a QVariant of every value first).

// A QSqlQuery positioned on a row.
class QtSqlRow {
public:
    explicit QtSqlRow(const QSqlQuery &query) : q_(query) {}
    bool isNull(int column) const { return q_.isNull(column); }
    qint64 integer(int column) const { return q_.value(column).toLongLong(); }
    QString text(int column) const { return q_.value(column).toString(); }
    QByteArray utf8(int column) const { return q_.value(column).toString().toUtf8(); }

private:
    const QSqlQuery &q_;
};

// A statement run through SQLite's C interface on a QSQLITE connection's own handle (the same
// database, the same transaction state). For read-only listings where QtSql is the cost.
class SqliteRows {
public:
    // nullptr when `connection` is not SQLite or the statement does not prepare: use QtSql then.
    static std::unique_ptr<SqliteRows> prepare(const QSqlDatabase &connection, const char *sql);
    ~SqliteRows();
    SqliteRows(const SqliteRows &) = delete;
    SqliteRows &operator=(const SqliteRows &) = delete;

    // Steps to the next row; false at the end or on an error (then error() says which).
    bool next();
    QString error() const { return error_; }

    bool isNull(int column) const;
    qint64 integer(int column) const;
    QString text(int column) const;
    QByteArray utf8(int column) const;

private:
    explicit SqliteRows(sqlite3_stmt *statement);
    sqlite3_stmt *statement_;
    QString error_;
    // Per column, the last text read and its QString: a value that repeats down a column (an
    // architecture, a zone, a power state) is shared, not converted and allocated again.
    mutable std::vector<std::pair<std::string, QString>> lastText_;
};

} // namespace metaldesk
