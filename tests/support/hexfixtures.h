#pragma once

#include <QFile>
#include <QHash>
#include <QString>

namespace metaldesk::testing {

// Reads a capture file: "# comment" lines, then "<name> <hex bytes>" per line.
inline QHash<QString, QByteArray> readHexFixtures(const QString &path)
{
    QHash<QString, QByteArray> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return out;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> parts = line.split(' ');
        if (parts.size() == 2)
            out.insert(QString::fromLatin1(parts[0]), QByteArray::fromHex(parts[1]));
    }
    return out;
}

} // namespace metaldesk::testing
