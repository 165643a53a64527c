#include "core/users/userstore.h"

#include "core/base/secretcompare.h"
#include "core/lifecycle/permissions.h"

#include <QCryptographicHash>
#include <QPasswordDigestor>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace metaldesk {

namespace {

QString randomToken(int length)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    QString out;
    out.reserve(length);
    for (int i = 0; i < length; ++i)
        out += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(int(sizeof(alphabet) - 1))]);
    return out;
}

QByteArray derive(const QString &password, const QByteArray &salt, int iterations)
{
    return QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, password.toUtf8(), salt, iterations, 32);
}

User userFromQuery(const QSqlQuery &q)
{
    return {q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(), q.value(3).toInt() != 0,
            q.value(4).toLongLong()};
}

const char *kUserColumns = "id, username, email, is_admin, created";

} // namespace

QString UserStore::hashPassword(const QString &password, int iterations)
{
    const QString salt = randomToken(22);
    const QByteArray hash = derive(password, salt.toLatin1(), iterations);
    return QStringLiteral("pbkdf2_sha256$%1$%2$%3").arg(iterations).arg(salt, QString::fromLatin1(hash.toBase64()));
}

bool UserStore::verifyPassword(const QString &password, const QString &encoded)
{
    const QStringList parts = encoded.split(QLatin1Char('$'));
    if (parts.size() != 4 || parts[0] != QLatin1String("pbkdf2_sha256"))
        return false;
    bool ok = false;
    const int iterations = parts[1].toInt(&ok);
    if (!ok || iterations < 1)
        return false;
    return sameSecret(derive(password, parts[2].toLatin1(), iterations), QByteArray::fromBase64(parts[3].toLatin1()));
}

QString UserStore::validateUsername(const QString &username)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}$"));
    if (username.isEmpty())
        return QObject::tr("the user name is empty");
    if (!valid.match(username).hasMatch())
        return QObject::tr("'%1' is not a valid user name: use letters, digits and . _ @ + - (up to 150)")
            .arg(username);
    return {};
}

Expected<User> UserStore::addUser(const Actor &by, const QString &username, const QString &email,
                                  const QString &password, bool isAdmin)
{
    if (auto allowed = requireCapability(Capability::AddUser, by); !allowed)
        return allowed.error();
    return createUser(username, email, password, isAdmin);
}

Expected<User> UserStore::createUser(const QString &username, const QString &email, const QString &password,
                                     bool isAdmin)
{
    if (QString why = validateUsername(username); !why.isEmpty())
        return Error{why};
    if (password.isEmpty())
        return Error{QObject::tr("the password is empty")};
    if (!email.isEmpty() && !email.contains(QLatin1Char('@')))
        return Error{QObject::tr("'%1' is not an e-mail address").arg(email)};
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto existing = runQuery(*db, QStringLiteral("SELECT 1 FROM users WHERE username = ?"), {username});
    if (!existing)
        return existing.error();
    if (existing->next())
        return Error{QObject::tr("a user named %1 already exists").arg(username)};
    const qint64 now = nowMs();
    auto id = insertReturningId(*db,
                                QStringLiteral("INSERT INTO users (username, email, password_hash, is_admin, "
                                               "created) VALUES (?, ?, ?, ?, ?) RETURNING id"),
                                {username, email, hashPassword(password, iterations_), isAdmin ? 1 : 0, now});
    if (!id)
        return id.error();
    return User{*id, username, email, isAdmin, now};
}

Expected<User> UserStore::find(const QString &username) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT %1 FROM users WHERE username = ?").arg(QLatin1String(kUserColumns)),
                      {username});
    if (!q)
        return q.error();
    if (!q->next())
        return Error{QObject::tr("no user named %1").arg(username)};
    return userFromQuery(*q);
}

Expected<QList<User>> UserStore::list() const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("SELECT %1 FROM users ORDER BY username").arg(QLatin1String(kUserColumns)));
    if (!q)
        return q.error();
    QList<User> users;
    while (q->next())
        users << userFromQuery(*q);
    return users;
}

Expected<User> UserStore::authenticate(const QString &username, const QString &password) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(
        *db, QStringLiteral("SELECT %1, password_hash FROM users WHERE username = ?").arg(QLatin1String(kUserColumns)),
        {username});
    if (!q)
        return q.error();
    if (!q->next()) {
        // Spend the same work as for a real user, so timing does not tell which names exist.
        verifyPassword(password, QStringLiteral("pbkdf2_sha256$%1$nosuchuser$").arg(iterations_));
        return Error{QObject::tr("wrong user name or password")};
    }
    if (!verifyPassword(password, q->value(5).toString()))
        return Error{QObject::tr("wrong user name or password")};
    return userFromQuery(*q);
}

Expected<ApiToken> UserStore::createToken(qint64 userId, const QString &name)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    // MAAS's sizes: 18-character keys, a 32-character secret; the consumer secret is always empty.
    ApiToken token{0, userId, name, randomToken(18), randomToken(18), randomToken(32), nowMs()};
    auto id = insertReturningId(
        *db,
        QStringLiteral("INSERT INTO api_tokens (user_id, name, consumer_key, token_key, "
                       "token_secret, created) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
        {userId, name, token.consumerKey, token.tokenKey, hashedSecret(token.tokenSecret), token.created});
    if (!id)
        return id.error();
    token.id = *id;
    return token;
}

Expected<QList<ApiToken>> UserStore::tokens(qint64 userId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT id, user_id, name, consumer_key, token_key, created "
                                     "FROM api_tokens WHERE user_id = ? ORDER BY id"),
                      {userId});
    if (!q)
        return q.error();
    // Without their secrets: only a hash of each is stored, the key is shown once when created.
    QList<ApiToken> list;
    while (q->next())
        list << ApiToken{q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toString(),
                         q->value(3).toString(),   q->value(4).toString(),   QString(),
                         q->value(5).toLongLong()};
    return list;
}

Expected<void> UserStore::revokeToken(const QString &tokenKey)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db, QStringLiteral("DELETE FROM api_tokens WHERE token_key = ?"), {tokenKey});
    if (!q)
        return q.error();
    if (q->numRowsAffected() == 0)
        return Error{QObject::tr("no API token %1").arg(tokenKey)};
    return {};
}

Expected<User> UserStore::authenticateToken(const QString &consumerKey, const QString &tokenKey,
                                            const QString &tokenSecret) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT u.id, u.username, u.email, u.is_admin, u.created, t.consumer_key, "
                                     "t.token_secret FROM api_tokens t JOIN users u ON u.id = t.user_id "
                                     "WHERE t.token_key = ?"),
                      {tokenKey});
    if (!q)
        return q.error();
    if (!q->next() || !sameSecret(q->value(5).toString().toUtf8(), consumerKey.toUtf8()) ||
        !matchesHashedSecret(tokenSecret, q->value(6).toString()))
        return Error{QObject::tr("invalid API key")};
    return userFromQuery(*q);
}

} // namespace metaldesk
