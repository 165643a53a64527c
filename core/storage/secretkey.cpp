#include "core/storage/secretkey.h"

#include "core/storage/database.h"
#include "core/storage/keyring.h"

#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>

namespace metaldesk::secretkey {

Q_LOGGING_CATEGORY(lcSecretKey, "metaldesk.secrets")

namespace {

struct KeyText {
    Q_DECLARE_TR_FUNCTIONS(SecretKey)
};

// The recorded place: "keyring", "file" (chosen for good), or nothing yet.
const QString kPlaceSetting = QStringLiteral("secret_key_place");

Expected<QString> recordedPlace(Database &db)
{
    auto c = db.connection();
    if (!c)
        return c.error();
    auto q = runQuery(*c, QStringLiteral("SELECT value FROM config WHERE name = ?"), {kPlaceSetting});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toString() : QString();
}

Expected<void> record(Database &db, const QString &place)
{
    auto c = db.connection();
    if (!c)
        return c.error();
    auto q = runQuery(*c,
                      QStringLiteral("INSERT INTO config (name, value) VALUES (?, ?) "
                                     "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                      {kPlaceSetting, place});
    if (!q)
        return q.error();
    return {};
}

// The keyring's entry of a database: its key file's path, which names the database.
QString entryOf(Database &db) { return secretKeyPath(db.spec()); }

QString keyringDescription(const QString &entry)
{
    return KeyText::tr("the desktop keyring's MetalDesk entry %1").arg(entry);
}

// Puts the key in the keyring and reads it back: only a key that is surely there lets the file go.
Expected<void> storeInKeyring(const QString &entry, const QByteArray &key)
{
    if (auto written = keyring::write(entry, key); !written)
        return written.error();
    auto back = keyring::read(entry);
    if (!back)
        return back.error();
    if (!*back || **back != key)
        return Error{KeyText::tr("the desktop keyring did not keep the key")};
    return {};
}

// A key file holding the keyring's key is a copy that no longer needs to be there.
void removeCopy(const QString &path, const QByteArray &key)
{
    QFile file(path);
    if (!file.exists())
        return;
    if (file.open(QIODevice::ReadOnly) && file.read(key.size() + 1) == key) {
        file.close();
        if (file.remove())
            qCInfo(lcSecretKey).noquote() << "the secret key is in the desktop keyring; removed its file" << path;
    } else {
        qCWarning(lcSecretKey).noquote() << "the secret key is taken from the desktop keyring; the key file" << path
                                         << "holds another key and is left as it is";
    }
}

Expected<std::shared_ptr<const SecretBox>> moveFileIntoKeyring(Database &db, const QString &entry)
{
    const QString path = secretKeyPath(db.spec());
    auto fileBox = SecretBox::openKeyFile(path); // the file's key, or a new one
    if (!fileBox)
        return fileBox.error();
    if (auto stored = storeInKeyring(entry, (*fileBox)->key()); !stored) {
        qCWarning(lcSecretKey).noquote() << "the secret key stays in" << path << ":" << stored.errorMessage();
        return fileBox;
    }
    if (auto recorded = record(db, QStringLiteral("keyring")); !recorded)
        return recorded.error(); // the file stays: the next start finds both and removes it
    removeCopy(path, (*fileBox)->key());
    return SecretBox::fromKey((*fileBox)->key(), keyringDescription(entry));
}

} // namespace

Expected<std::shared_ptr<const SecretBox>> open(Database &db)
{
    const QString path = secretKeyPath(db.spec());
    auto place = recordedPlace(db);
    if (!place)
        return place.error();
    if (*place == QLatin1String("file"))
        return SecretBox::openKeyFile(path);
    const bool inKeyring = *place == QLatin1String("keyring");
    const QString entry = entryOf(db);
    if (!keyring::sessionHasOne()) {
        if (inKeyring)
            return Error{KeyText::tr("the key that opens this database's passwords is in %1, and this process has "
                                     "no desktop session (no D-Bus session bus). Start MetalDesk in your desktop "
                                     "session, or run 'metaldesk secret-key file' there once to keep the key in %2 "
                                     "(for a headless host).")
                             .arg(keyringDescription(entry), path)};
        return SecretBox::openKeyFile(path);
    }
    auto stored = keyring::read(entry);
    if (!stored) {
        if (inKeyring)
            return Error{KeyText::tr("the key that opens this database's passwords is in %1, which did not give "
                                     "it: %2. Unlock the keyring and start MetalDesk again.")
                             .arg(keyringDescription(entry), stored.errorMessage())};
        qCInfo(lcSecretKey).noquote() << "no desktop keyring (" << stored.errorMessage() << "): the secret key is in"
                                      << path;
        return SecretBox::openKeyFile(path);
    }
    if (!*stored) {
        if (inKeyring)
            qCWarning(lcSecretKey).noquote()
                << "the secret key is missing from the desktop keyring: passwords sealed under it do not open "
                   "(enter them again); a new key is made";
        return moveFileIntoKeyring(db, entry);
    }
    auto box = SecretBox::fromKey(**stored, keyringDescription(entry));
    if (!box)
        return box.error();
    if (!inKeyring)
        if (auto recorded = record(db, QStringLiteral("keyring")); !recorded)
            return recorded.error();
    removeCopy(path, (*box)->key());
    return box;
}

Expected<void> moveTo(Database &db, Place place)
{
    const QString path = secretKeyPath(db.spec());
    const QString entry = entryOf(db);
    const QByteArray key = db.secrets().key();
    if (place == Place::File) {
        if (QFile::exists(path)) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly) || file.read(key.size() + 1) != key)
                return Error{KeyText::tr("%1 exists and holds another key: move it away first").arg(path)};
        } else if (auto written = SecretBox::writeKeyFile(path, key); !written) {
            return written.error();
        }
        if (auto recorded = record(db, QStringLiteral("file")); !recorded)
            return recorded.error();
        if (keyring::sessionHasOne())
            (void)keyring::remove(entry); // a copy left there would only be a second place to steal it from
        return {};
    }
    if (!keyring::sessionHasOne())
        return Error{KeyText::tr("this process has no desktop session (no D-Bus session bus), so no keyring: run "
                                 "'metaldesk secret-key keyring' in your desktop session")};
    if (auto stored = storeInKeyring(entry, key); !stored)
        return stored.error();
    if (auto recorded = record(db, QStringLiteral("keyring")); !recorded)
        return recorded.error();
    removeCopy(path, key);
    return {};
}

Expected<QString> describePlace(Database &db)
{
    auto place = recordedPlace(db);
    if (!place)
        return place.error();
    if (*place == QLatin1String("keyring"))
        return keyringDescription(entryOf(db));
    return KeyText::tr("the key file %1").arg(secretKeyPath(db.spec()));
}

} // namespace metaldesk::secretkey
