#include "core/storage/secretkey.h"

#include "core/storage/database.h"
#include "core/storage/keyring.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUuid>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace metaldesk::secretkey {

Q_LOGGING_CATEGORY(lcSecretKey, "metaldesk.secrets")

namespace {

struct KeyText {
    Q_DECLARE_TR_FUNCTIONS(SecretKey)
};

// "file" when the user keeps the key in its file (`secret-key file`); absent otherwise.
const QString kChoiceSetting = QStringLiteral("secret_key_place");
const QByteArray kMarkerText = "MetalDesk: the secret key of this database is in the desktop keyring, entry ";

QString markerPath(const QString &keyPath) { return keyPath + QStringLiteral(".keyring"); }
QString entryName(const QString &id) { return QStringLiteral("secret key ") + id; }

QString keyringDescription(const QString &id)
{
    return KeyText::tr("the desktop keyring's MetalDesk entry '%1'").arg(entryName(id));
}

// An exclusive lock on <key file>.lock while it lives: one MetalDesk at a time reads, makes or
// moves the key.
class KeyLock {
public:
    explicit KeyLock(const QString &keyPath)
    {
        QDir().mkpath(QFileInfo(keyPath).absolutePath());
        fd_ = ::open(QFile::encodeName(keyPath + QStringLiteral(".lock")).constData(), O_RDWR | O_CREAT | O_CLOEXEC,
                     0600);
        if (fd_ >= 0)
            ::flock(fd_, LOCK_EX);
    }
    ~KeyLock()
    {
        if (fd_ >= 0)
            ::close(fd_); // releases the lock
    }
    KeyLock(const KeyLock &) = delete;
    KeyLock &operator=(const KeyLock &) = delete;

private:
    int fd_ = -1;
};

bool hasKeyFile(const QString &path)
{
    const QFileInfo info(path);
    return info.exists() && info.size() > 0; // an empty one is a kill while it was made: no key
}

// The keyring entry a marker names.
std::optional<QString> markedEntry(const QString &keyPath)
{
    QFile marker(markerPath(keyPath));
    if (!marker.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray text = marker.read(512).trimmed();
    if (!text.startsWith(kMarkerText) || text.size() == kMarkerText.size())
        return std::nullopt;
    return QString::fromLatin1(text.mid(kMarkerText.size()));
}

Expected<QString> recordedChoice(Database &db)
{
    auto c = db.connection();
    if (!c)
        return c.error();
    auto q = runQuery(*c, QStringLiteral("SELECT value FROM config WHERE name = ?"), {kChoiceSetting});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toString() : QString();
}

Expected<void> recordChoice(Database &db, Place place)
{
    auto c = db.connection();
    if (!c)
        return c.error();
    auto q = place == Place::File ? runQuery(*c,
                                             QStringLiteral("INSERT INTO config (name, value) VALUES (?, 'file') "
                                                            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                                             {kChoiceSetting})
                                  : runQuery(*c, QStringLiteral("DELETE FROM config WHERE name = ?"), {kChoiceSetting});
    if (!q)
        return q.error();
    return {};
}

// Moves the key file's key into a new keyring entry, then the marker, then deletes the file; each
// step only once the one before is surely done. The entry an older marker named is removed last.
Expected<QString> moveIn(const QString &keyPath, const QByteArray &key)
{
    const std::optional<QString> older = markedEntry(keyPath);
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (auto written = keyring::write(entryName(id), key); !written)
        return written.error();
    auto back = keyring::read(entryName(id));
    if (!back)
        return back.error();
    if (!*back || **back != key)
        return Error{KeyText::tr("the desktop keyring did not keep the key")};
    QFile::remove(markerPath(keyPath));
    if (auto marked = SecretBox::writeKeyFile(markerPath(keyPath), kMarkerText + id.toLatin1() + '\n'); !marked) {
        (void)keyring::remove(entryName(id));
        return marked.error();
    }
    if (!QFile::remove(keyPath))
        return Error{KeyText::tr("cannot remove the key file %1").arg(keyPath)};
    if (older)
        (void)keyring::remove(entryName(*older));
    return id;
}

} // namespace

Expected<std::shared_ptr<const SecretBox>> open(Database &db)
{
    const QString path = secretKeyPath(db.spec());
    KeyLock lock(path);
    if (!hasKeyFile(path)) {
        if (const std::optional<QString> id = markedEntry(path)) {
            // Only the keyring has the key: it is read, or the start is refused. Never a new key.
            const QString where = keyringDescription(*id);
            if (!keyring::sessionHasOne())
                return Error{KeyText::tr("the key that opens this database's passwords is in %1, and this process "
                                         "has no desktop session (no D-Bus session bus). Start MetalDesk in your "
                                         "desktop session, or run 'metaldesk secret-key file' there once to keep "
                                         "the key in %2 (for a headless host).")
                                 .arg(where, path)};
            auto stored = keyring::read(entryName(*id));
            if (!stored || !*stored)
                return Error{
                    KeyText::tr("the key that opens this database's passwords is in %1, which did not give "
                                "it (%2). Unlock the keyring (or start MetalDesk in the session that moved "
                                "the key there) and start again. Only if the key is lost for good: remove %3 "
                                "to start with a new key; stored BMC and vSphere passwords must then be "
                                "entered again.")
                        .arg(where,
                             stored ? KeyText::tr("it has no such entry, or it is locked") : stored.errorMessage(),
                             markerPath(path))};
            return SecretBox::fromKey(**stored, where);
        }
    }
    auto box = SecretBox::openKeyFile(path); // the file's key, or the first key of this database
    if (!box)
        return box.error();
    auto choice = recordedChoice(db);
    if (!choice)
        return choice.error();
    if (*choice == QLatin1String("file") || !keyring::sessionHasOne())
        return box;
    auto moved = moveIn(path, (*box)->key());
    if (!moved) {
        qCInfo(lcSecretKey).noquote() << "the secret key stays in" << path << "(" << moved.errorMessage() << ")";
        return box;
    }
    qCInfo(lcSecretKey).noquote() << "the secret key moved into" << keyringDescription(*moved) << "from" << path;
    return SecretBox::fromKey((*box)->key(), keyringDescription(*moved));
}

Expected<void> moveTo(Database &db, Place place)
{
    const QString path = secretKeyPath(db.spec());
    KeyLock lock(path);
    const QByteArray key = db.secrets().key();
    if (place == Place::File) {
        if (auto recorded = recordChoice(db, Place::File); !recorded)
            return recorded.error();
        if (hasKeyFile(path)) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly) || file.read(key.size() + 1) != key)
                return Error{KeyText::tr("%1 exists and holds another key: move it away first").arg(path)};
        } else {
            QFile::remove(path); // an empty one
            if (auto written = SecretBox::writeKeyFile(path, key); !written)
                return written.error();
        }
        if (const std::optional<QString> id = markedEntry(path)) {
            QFile::remove(markerPath(path));
            if (keyring::sessionHasOne())
                (void)keyring::remove(entryName(*id)); // a second place to steal it from, no longer needed
        }
        return {};
    }
    if (!keyring::sessionHasOne())
        return Error{KeyText::tr("this process has no desktop session (no D-Bus session bus), so no keyring: run "
                                 "'metaldesk secret-key keyring' in your desktop session")};
    if (auto recorded = recordChoice(db, Place::Keyring); !recorded)
        return recorded.error();
    if (!hasKeyFile(path))
        return {}; // already there: Database::open read it from the keyring
    auto moved = moveIn(path, key);
    if (!moved)
        return moved.error();
    return {};
}

QString describePlace(const Database &db)
{
    const QString path = secretKeyPath(db.spec());
    if (!hasKeyFile(path))
        if (const std::optional<QString> id = markedEntry(path))
            return keyringDescription(*id);
    return KeyText::tr("the key file %1").arg(path);
}

} // namespace metaldesk::secretkey
