#pragma once

#include "core/machines/machine.h"
#include "core/storage/database.h"

namespace metaldesk {

struct User {
    qint64 id = 0;
    QString username;
    QString email;
    bool isAdmin = false;
    qint64 created = 0;
};

// An API key in MAAS's form "<consumer_key>:<token_key>:<token_secret>" (what juju is given).
struct ApiToken {
    qint64 id = 0;
    qint64 userId = 0;
    QString name;
    QString consumerKey;
    QString tokenKey;
    QString tokenSecret;
    qint64 created = 0;
    QString apiKey() const { return consumerKey + QLatin1Char(':') + tokenKey + QLatin1Char(':') + tokenSecret; }
};

// Users, their password hashes and their API tokens.
class UserStore {
public:
    // PBKDF2-HMAC-SHA256, Django's format (as MAAS stores them): pbkdf2_sha256$<iterations>$<salt>$<hash>.
    static constexpr int kDefaultIterations = 600000;

    explicit UserStore(std::shared_ptr<Database> db, int iterations = kDefaultIterations)
        : db_(std::move(db)), iterations_(iterations)
    {
    }

    // Adds an account for `by` (an administrator; MetalDesk itself on first run and for createadmin).
    Expected<User> addUser(const Actor &by, const QString &username, const QString &email, const QString &password,
                           bool isAdmin);
    // The same without asking who adds it: for tests that need accounts.
    Expected<User> createUser(const QString &username, const QString &email, const QString &password, bool isAdmin);
    Expected<User> find(const QString &username) const;
    Expected<QList<User>> list() const;
    // The user when the password is right; otherwise an error that does not say which part was wrong.
    Expected<User> authenticate(const QString &username, const QString &password) const;

    // A new token with its secret: the only time the secret is known (a hash of it is stored).
    Expected<ApiToken> createToken(qint64 userId, const QString &name = {});
    // A user's tokens, their secrets empty.
    Expected<QList<ApiToken>> tokens(qint64 userId) const;
    Expected<void> revokeToken(const QString &tokenKey);
    // The token's owner when the key's three parts match a live token.
    Expected<User> authenticateToken(const QString &consumerKey, const QString &tokenKey,
                                     const QString &tokenSecret) const;

    static QString hashPassword(const QString &password, int iterations);
    static bool verifyPassword(const QString &password, const QString &encoded);
    static QString validateUsername(const QString &username); // empty when fine, else why not

private:
    std::shared_ptr<Database> db_;
    int iterations_;
};

} // namespace metaldesk
