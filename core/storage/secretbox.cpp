#include "core/storage/secretbox.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>

#include <atomic>
#include <cstdlib>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcSecrets, "metaldesk.secrets")

namespace {

const QLatin1String sealedPrefix("sealed:v1:");

struct SecretText {
    Q_DECLARE_TR_FUNCTIONS(Secrets)
};

// Writes a key whole or not at all: into a file of its own first (synced), then linked to `path`,
// which fails when another MetalDesk starting at the same moment linked its key first (then that
// one is read). A kill half-way leaves a stray temporary file, never a short key.
Expected<void> writeKey(const QString &path, const QByteArray &key)
{
    const QByteArray target = QFile::encodeName(path);
    QByteArray temporary = target + ".new-XXXXXX";
    const int fd = ::mkostemp(temporary.data(), O_CLOEXEC); // 0600, a name of its own
    if (fd < 0)
        return Error{SecretText::tr("cannot create the secret key file %1: %2")
                         .arg(path, QString::fromLocal8Bit(strerror(errno)))};
    const bool written = ::write(fd, key.constData(), size_t(key.size())) == key.size() && ::fsync(fd) == 0;
    ::close(fd);
    const bool linked = written && ::link(temporary.constData(), target.constData()) == 0;
    const int linkError = errno;
    ::unlink(temporary.constData());
    if (!linked) {
        if (written && linkError == EEXIST)
            return Error{SecretText::tr("the secret key file %1 exists already").arg(path)};
        return Error{SecretText::tr("cannot write the secret key file %1").arg(path)};
    }
    // The new name on disk too, before anything is sealed with the key.
    if (const int dir =
            ::open(QFile::encodeName(QFileInfo(path).absolutePath()).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

QString fileDescription(const QString &path) { return SecretText::tr("the key file %1").arg(path); }

} // namespace

Expected<std::shared_ptr<const SecretBox>> SecretBox::openKeyFile(const QString &path)
{
    if (sodium_init() < 0)
        return Error{SecretText::tr("libsodium could not start")};
    auto box = std::make_shared<SecretBox>();
    box->where_ = fileDescription(path);
    QFile file(path);
    // An empty key file is what an earlier MetalDesk left when killed between creating and writing
    // it: nothing was ever sealed with it, so it is made again.
    if (file.exists() && file.size() == 0)
        file.remove();
    if (!file.exists()) {
        QDir().mkpath(QFileInfo(path).absolutePath()); // PostgreSQL's key goes where no database file made a folder
        QByteArray key(crypto_secretbox_KEYBYTES, Qt::Uninitialized);
        randombytes_buf(key.data(), size_t(key.size()));
        auto written = writeKey(path, key);
        if (!written && !file.exists())
            return written.error();
        if (written) { // else another MetalDesk made the key first: read it
            box->key_ = key;
            return std::shared_ptr<const SecretBox>(box);
        }
    }
    if (!file.open(QIODevice::ReadOnly))
        return Error{SecretText::tr("cannot read the secret key file %1: %2").arg(path, file.errorString())};
    box->key_ = file.read(crypto_secretbox_KEYBYTES + 1);
    if (box->key_.size() != crypto_secretbox_KEYBYTES)
        return Error{SecretText::tr("the secret key file %1 is not a MetalDesk key (it must hold exactly %2 bytes)")
                         .arg(path)
                         .arg(crypto_secretbox_KEYBYTES)};
    if (QFileInfo(path).permissions() & (QFile::ReadGroup | QFile::ReadOther))
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    return std::shared_ptr<const SecretBox>(box);
}

Expected<std::shared_ptr<const SecretBox>> SecretBox::fromKey(const QByteArray &key, const QString &where)
{
    static_assert(kKeyBytes == crypto_secretbox_KEYBYTES);
    if (sodium_init() < 0)
        return Error{SecretText::tr("libsodium could not start")};
    if (key.size() != kKeyBytes)
        return Error{
            SecretText::tr("%1 is not a MetalDesk key (it must hold exactly %2 bytes)").arg(where).arg(kKeyBytes)};
    auto box = std::make_shared<SecretBox>();
    box->key_ = key;
    box->where_ = where;
    return std::shared_ptr<const SecretBox>(box);
}

Expected<void> SecretBox::writeKeyFile(const QString &path, const QByteArray &key)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    return writeKey(path, key);
}

bool SecretBox::isSealed(const QString &stored) { return stored.startsWith(sealedPrefix); }

QString SecretBox::seal(const QString &plain) const
{
    const QByteArray message = plain.toUtf8();
    QByteArray sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + message.size(), Qt::Uninitialized);
    auto *nonce = reinterpret_cast<unsigned char *>(sealed.data());
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                          reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size()), nonce,
                          reinterpret_cast<const unsigned char *>(key_.constData()));
    return sealedPrefix + QString::fromLatin1(sealed.toBase64());
}

Expected<QString> SecretBox::open(const QString &stored) const
{
    if (!isSealed(stored))
        return stored;
    const QByteArray sealed = QByteArray::fromBase64(stored.mid(sealedPrefix.size()).toLatin1());
    if (sealed.size() < qsizetype(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES))
        return Error{SecretText::tr("a stored secret is cut short")};
    const auto *nonce = reinterpret_cast<const unsigned char *>(sealed.constData());
    QByteArray plain(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, Qt::Uninitialized);
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char *>(plain.data()), nonce + crypto_secretbox_NONCEBYTES,
                                   size_t(sealed.size() - crypto_secretbox_NONCEBYTES), nonce,
                                   reinterpret_cast<const unsigned char *>(key_.constData())) != 0)
        return Error{SecretText::tr("a stored secret does not open with %1 (another key, or the database was "
                                    "changed)")
                         .arg(where_)};
    return QString::fromUtf8(plain);
}

bool isSecretParameter(const QString &name) { return name == QLatin1String("power_pass"); }

QString storedParameters(const SecretBox &box, const QJsonObject &parameters)
{
    QJsonObject stored = parameters;
    for (auto it = stored.begin(); it != stored.end(); ++it)
        if (isSecretParameter(it.key()) && it.value().isString() && !it.value().toString().isEmpty() &&
            !SecretBox::isSealed(it.value().toString()))
            it.value() = box.seal(it.value().toString());
    return QString::fromUtf8(QJsonDocument(stored).toJson(QJsonDocument::Compact));
}

QJsonObject openParameters(const SecretBox &box, const QString &stored)
{
    QJsonObject parameters = QJsonDocument::fromJson(stored.toUtf8()).object();
    for (auto it = parameters.begin(); it != parameters.end();) {
        if (!isSecretParameter(it.key()) || !SecretBox::isSealed(it.value().toString())) {
            ++it;
            continue;
        }
        auto plain = box.open(it.value().toString());
        if (plain) {
            it.value() = *plain;
            ++it;
        } else {
            static std::atomic<bool> said = false; // once: every machine's row would say the same
            if (!said.exchange(true))
                qCWarning(lcSecrets).noquote() << plain.errorMessage();
            it = parameters.erase(it);
        }
    }
    return parameters;
}

bool holdsPlainSecret(const QString &stored)
{
    const QJsonObject parameters = QJsonDocument::fromJson(stored.toUtf8()).object();
    for (auto it = parameters.begin(); it != parameters.end(); ++it)
        if (isSecretParameter(it.key()) && !it.value().toString().isEmpty() &&
            !SecretBox::isSealed(it.value().toString()))
            return true;
    return false;
}

} // namespace metaldesk
