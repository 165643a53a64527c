#pragma once

#include "core/storage/database.h"
#include "core/users/oauthheader.h"

#include <QRandomGenerator>
#include <optional>

namespace metaldesk {

// A machine's own credential for the metadata service, as MAAS gives each node one: the boot
// environment carries it on its kernel command line and the deployed system's cloud-init in its
// configuration. It lets its holder read and change that one machine only. The consumer secret is
// empty, as MAAS's node tokens have it.
struct NodeToken {
    QString consumerKey; // 18 characters, as MAAS's
    QString tokenKey;    // 18
    QString tokenSecret; // 32

    // "<consumer_key>:<token_key>:<token_secret>", what metaldesk.token= carries.
    QString toString() const;
    bool isEmpty() const { return tokenKey.isEmpty(); }
    // Letters and digits from `rng` (the system's generator unless a test gives its own).
    static NodeToken generate(QRandomGenerator &rng = *QRandomGenerator::system());
};

// The node tokens, one per machine, kept in the database (node_tokens, the secret sealed with the
// database's SecretBox) and removed with the machine.
// Safe to use from any thread (each uses its own connection).
class NodeTokenStore {
public:
    explicit NodeTokenStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    // The machine's token, made and stored the first time it is needed (after a revoke, again).
    Expected<NodeToken> tokenFor(const QString &systemId) const;
    // Ends the machine's token at once, inside the caller's transaction; the next tokenFor makes a
    // new one. The lifecycle engine calls it at each new boot purpose and owner.
    static Expected<void> revoke(const QSqlDatabase &db, qint64 machineId);
    // The system id of the machine these credentials belong to; nullopt when they match no machine
    // (unknown token, wrong consumer key or secret). Secrets are compared in constant time.
    Expected<std::optional<QString>> authenticate(const OAuthCredentials &credentials) const;

private:
    Expected<std::optional<NodeToken>> stored(const QSqlDatabase &db, const QString &systemId) const;
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
