#include "core/storage/secretkey.h"

#include "core/storage/database.h"
#include "core/storage/keyring.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QUuid>

#include <cerrno>
#include <cstring>
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
    explicit KeyLock(const QString &keyPath) : path_(keyPath + QStringLiteral(".lock"))
    {
        QDir().mkpath(QFileInfo(keyPath).absolutePath());
        fd_ = ::open(QFile::encodeName(path_).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        int locked = -1;
        while (fd_ >= 0 && (locked = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
        }
        held_ = locked == 0;
        error_ = held_ ? 0 : errno;
    }
    ~KeyLock()
    {
        if (fd_ >= 0)
            ::close(fd_); // releases the lock
    }
    KeyLock(const KeyLock &) = delete;
    KeyLock &operator=(const KeyLock &) = delete;
    Expected<void> check() const
    {
        if (held_)
            return {};
        return Error{KeyText::tr("cannot lock %1 (it orders MetalDesks reading the secret key): %2")
                         .arg(path_, QString::fromLocal8Bit(strerror(error_)))};
    }

private:
    QString path_;
    int fd_ = -1;
    bool held_ = false;
    int error_ = 0;
};

bool hasKeyFile(const QString &path)
{
    const QFileInfo info(path);
    return info.exists() && info.size() > 0; // an empty one is a kill while it was made: no key
}

// The keyring entry the marker names; nullopt without a marker; an error when a marker is there
// but damaged (then nothing may assume there is no key elsewhere).
Expected<std::optional<QString>> markedEntry(const QString &keyPath)
{
    const QString path = markerPath(keyPath);
    if (!QFileInfo::exists(path) && !QFileInfo(path).isSymLink())
        return std::optional<QString>();
    QFile marker(path);
    QByteArray text;
    if (marker.open(QIODevice::ReadOnly))
        text = marker.read(512).trimmed();
    const QString id = QString::fromLatin1(text.mid(kMarkerText.size()));
    if (!text.startsWith(kMarkerText) || id.size() != 36 || QUuid::fromString(id).isNull())
        return Error{KeyText::tr("%1 should name the desktop keyring's entry that holds the secret key, and is "
                                 "damaged or unreadable. Find the entry with 'secret-tool search --all server "
                                 "MetalDesk' in your desktop session and write its id back as the last word of "
                                 "the file ('%2' and the id); remove the file only if the key is lost for good "
                                 "(stored BMC and vSphere passwords must then be entered again).")
                         .arg(path, QString::fromLatin1(kMarkerText.trimmed()))};
    return std::optional<QString>(id);
}

void syncFolder(const QString &path)
{
    if (const int dir =
            ::open(QFile::encodeName(QFileInfo(path).absolutePath()).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
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

// The first half of a move into the keyring: the key file's key in a new entry (read back), then
// the marker naming it; the entry an older marker named is removed. The file stays until a later
// start reads the entry back (finishMove): only an entry the keyring kept past this process's
// life lets the file go.
Expected<QString> moveIn(const QString &keyPath, const QByteArray &key, const std::optional<QString> &older)
{
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
    if (older)
        (void)keyring::remove(entryName(*older));
    return id;
}

// The second half: the marked entry holds the file's key at this later start, so the file goes.
bool finishMove(const QString &keyPath, const QByteArray &key, const QString &id)
{
    auto stored = keyring::read(entryName(id));
    if (!stored || !*stored || **stored != key)
        return false;
    if (!QFile::remove(keyPath))
        return false;
    syncFolder(keyPath);
    return true;
}

} // namespace

Expected<std::shared_ptr<const SecretBox>> open(Database &db)
{
    const QString path = secretKeyPath(db.spec());
    KeyLock lock(path);
    if (auto locked = lock.check(); !locked)
        return locked.error();
    const auto marker = markedEntry(path);
    if (!hasKeyFile(path)) {
        if (!marker)
            return marker.error(); // a key may be in the keyring: never a new one
        if (const std::optional<QString> id = *marker) {
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
    const std::optional<QString> older = marker ? *marker : std::nullopt; // a damaged one is rewritten
    const QByteArray key = (*box)->key();
    if (older && finishMove(path, key, *older)) {
        qCInfo(lcSecretKey).noquote() << "the secret key is in" << keyringDescription(*older) << "; removed" << path;
        return SecretBox::fromKey(key, keyringDescription(*older));
    }
    if (auto moved = moveIn(path, key, older); !moved)
        qCInfo(lcSecretKey).noquote() << "the secret key stays in" << path << "(" << moved.errorMessage() << ")";
    else
        qCInfo(lcSecretKey).noquote() << "the secret key is copied into" << keyringDescription(*moved) << ";" << path
                                      << "goes at the next start that finds it there";
    return box;
}

Expected<void> moveTo(Database &db, Place place)
{
    const QString path = secretKeyPath(db.spec());
    KeyLock lock(path);
    if (auto locked = lock.check(); !locked)
        return locked.error();
    const QByteArray key = db.secrets().key();
    const auto marker = markedEntry(path);
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
        QFile::remove(markerPath(path));
        if (marker && *marker && keyring::sessionHasOne())
            (void)keyring::remove(entryName(**marker)); // a second place to steal it from, no longer needed
        return {};
    }
    if (!keyring::sessionHasOne())
        return Error{KeyText::tr("this process has no desktop session (no D-Bus session bus), so no keyring: run "
                                 "'metaldesk secret-key keyring' in your desktop session")};
    if (auto recorded = recordChoice(db, Place::Keyring); !recorded)
        return recorded.error();
    if (!hasKeyFile(path))
        return {}; // already there: Database::open read it from the keyring
    auto moved = moveIn(path, key, marker ? *marker : std::nullopt);
    if (!moved)
        return moved.error();
    return {};
}

QString describePlace(const Database &db)
{
    const QString path = secretKeyPath(db.spec());
    const auto marker = markedEntry(path);
    if (marker && *marker) {
        if (!hasKeyFile(path))
            return keyringDescription(**marker);
        return KeyText::tr("the key file %1, copied into %2 (the file goes at the next start that finds it there)")
            .arg(path, keyringDescription(**marker));
    }
    return KeyText::tr("the key file %1").arg(path);
}

} // namespace metaldesk::secretkey
