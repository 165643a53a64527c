#include "core/users/nodetokens.h"

#include "core/base/secretcompare.h"

#include <QObject>

namespace metaldesk {

namespace {

QString randomText(QRandomGenerator &rng, int length)
{
    // MAAS's keys use letters and digits: safe on a kernel command line, in iPXE and in YAML.
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    QString text(length, QLatin1Char('0'));
    for (int i = 0; i < length; ++i)
        text[i] = QLatin1Char(alphabet[rng.bounded(quint32(sizeof alphabet - 1))]);
    return text;
}

} // namespace

QString NodeToken::toString() const
{
    return consumerKey + QLatin1Char(':') + tokenKey + QLatin1Char(':') + tokenSecret;
}

NodeToken NodeToken::generate(QRandomGenerator &rng)
{
    return {randomText(rng, 18), randomText(rng, 18), randomText(rng, 32)};
}

Expected<std::optional<NodeToken>> NodeTokenStore::stored(const QSqlDatabase &db, const QString &systemId) const
{
    auto q = runQuery(db,
                      QStringLiteral("SELECT t.consumer_key, t.token_key, t.token_secret FROM node_tokens t "
                                     "JOIN machines m ON m.id = t.machine_id WHERE m.system_id = ?"),
                      {systemId});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<NodeToken>();
    auto secret = db_->secrets().open(q->value(2).toString());
    if (!secret) // sealed under another key file: useless, so the caller makes a new one
        return std::optional<NodeToken>(NodeToken{q->value(0).toString(), q->value(1).toString(), QString()});
    return std::optional<NodeToken>(NodeToken{q->value(0).toString(), q->value(1).toString(), *secret});
}

Expected<NodeToken> NodeTokenStore::tokenFor(const QString &systemId) const
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto existing = stored(*db, systemId);
    if (!existing)
        return existing.error();
    if (*existing && !(*existing)->tokenSecret.isEmpty())
        return **existing;
    if (*existing) { // its secret does not open (another key file): replaced, as a revoke would
        auto gone = runQuery(*db,
                             QStringLiteral("DELETE FROM node_tokens WHERE machine_id = "
                                            "(SELECT id FROM machines WHERE system_id = ?)"),
                             {systemId});
        if (!gone)
            return gone.error();
    }
    const NodeToken token = NodeToken::generate();
    // Two threads may ask at once: the first insert wins and both read it back.
    auto inserted =
        runQuery(*db,
                 QStringLiteral("INSERT INTO node_tokens (machine_id, consumer_key, token_key, "
                                "token_secret, created) SELECT id, ?, ?, ?, ? FROM machines "
                                "WHERE system_id = ? ON CONFLICT (machine_id) DO NOTHING"),
                 {token.consumerKey, token.tokenKey, db_->secrets().seal(token.tokenSecret), nowMs(), systemId});
    if (!inserted)
        return inserted.error();
    auto made = stored(*db, systemId);
    if (!made)
        return made.error();
    if (!*made || (*made)->tokenSecret.isEmpty())
        return Error{QObject::tr("no machine with system id %1").arg(systemId)};
    return **made;
}

Expected<void> NodeTokenStore::revoke(const QSqlDatabase &db, qint64 machineId)
{
    auto done = runQuery(db, QStringLiteral("DELETE FROM node_tokens WHERE machine_id = ?"), {machineId});
    if (!done)
        return done.error();
    return {};
}

Expected<std::optional<QString>> NodeTokenStore::authenticate(const OAuthCredentials &credentials) const
{
    if (credentials.tokenKey.isEmpty())
        return std::optional<QString>();
    auto db = db_->connection();
    if (!db)
        return db.error();
    auto q = runQuery(*db,
                      QStringLiteral("SELECT m.system_id, t.consumer_key, t.token_secret FROM node_tokens t "
                                     "JOIN machines m ON m.id = t.machine_id WHERE t.token_key = ?"),
                      {credentials.tokenKey});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<QString>();
    // Evaluated in full (no short cut), as the comparisons themselves.
    const bool consumer = sameSecret(q->value(1).toString().toUtf8(), credentials.consumerKey.toUtf8());
    // Sealed at rest: opened to compare. One that does not open (another key file) matches nothing.
    const auto stored = db_->secrets().open(q->value(2).toString());
    const bool secret = stored && !stored->isEmpty() && sameSecret(stored->toUtf8(), credentials.tokenSecret.toUtf8());
    const bool noConsumerSecret = credentials.consumerSecret.isEmpty();
    if (!(consumer & secret & noConsumerSecret))
        return std::optional<QString>();
    return std::optional<QString>(q->value(0).toString());
}

} // namespace metaldesk
