#pragma once

#include "core/addresses/staticaddresses.h"
#include "core/base/ratelimiter.h"
#include "core/boot/cloudconfig.h"
#include "core/machines/inventory.h"
#include "core/machines/machinestore.h"
#include "core/machines/nodesettings.h"
#include "core/storage/configstore.h"
#include "core/storage/eventstore.h"
#include "core/users/nodetokens.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHostAddress>
#include <optional>
#include <variant>

namespace metaldesk {

class LifecycleEngine;

// Why a booting machine's report was not taken. The metadata service answers it with an HTTP
// status (400, 409, 403, 503) and the reason as the body.
struct ReportError {
    enum Kind {
        Invalid,     // the report is malformed, or describes what MetalDesk cannot serve (400)
        WrongStatus, // the machine is not in the status the report belongs to (409)
        Forbidden,   // the credential is another machine's (403)
        Unavailable, // the database failed (503)
        Limited,     // over a limit: anonymous enlistment's rate or count (429, with Retry-After)
    };
    Kind kind = Invalid;
    QString reason;
    int retryAfterSeconds = 0; // Limited: when trying again can succeed
};
template <typename T>
using ReportOutcome = std::variant<T, ReportError>;

struct Enlisted {
    QString systemId; // empty when the machine was known already: an anonymous caller learns no more
    QString hostname;
    bool created = false; // false: the machine was known already
};
struct Commissioned {
    bool powerOff = true; // false: the user asked to keep it on (MAAS's enable_ssh)
};
struct Accepted {};

// The boot network as the DHCP settings describe it: where deployed machines' addresses come from.
struct BootNetwork {
    quint32 reservedFirst = 0; // 0: no reserved range
    quint32 reservedLast = 0;
    int prefixLength = 24;
    quint32 router = 0; // 0: none
    QList<quint32> dnsServers;
};

// What the metadata service knows about the request that the core does not.
struct DeployContext {
    QString metadataUrl;  // "http://10.99.0.1:5240/MAAS/metadata/", as the machine reached us
    QString bootHttpBase; // "http://10.99.0.1:5248/": image paths are files of the boot HTTP server
    std::optional<BootNetwork> network;
};

// The answer of GET metaldesk/v1/deploy (bootenv/README.md, "Deploy").
struct Deployment {
    QString imageUrl; // empty: none chosen (the environment says so and fails the deployment)
    // A catalogue image's format ("raw.xz", "squashfs", "root-tgz"; empty for a URL given by hand)
    // and, for a root filesystem, its SHA-256 and the kernel and initrd installed with it.
    QString imageFormat;
    QString imageSha256;
    QString kernelUrl;
    QString kernelSha256;
    QString initrdUrl;
    QString initrdSha256;
    // A whole-disk catalogue image's block map and the raw image its ranges come from (absent for
    // images added before block maps, and URLs given by hand: those stream whole).
    QString rawUrl;
    QString blockMapUrl;
    QString blockMapSha256;
    QString disk; // empty: the first disk
    QString userData;
    QByteArray cloudConfig;
    std::optional<StaticNetwork> network;
};

// A stored result of a machine's boot environment (commissioning_results).
struct NodeResult {
    QString name;
    QByteArray output; // the inventory JSON as parsed (Inventory::toJson), not the bytes the machine sent
    qint64 created = 0;
};

// What booting machines report to the metadata service, and what it does with it: the logic
// behind /MAAS/metadata/, with no HTTP in it. Status changes go through the lifecycle engine, every
// report leaves an event. Each call works on its own; safe from any thread (one database connection
// per thread), as the engine is.
class NodeReports {
    Q_DECLARE_TR_FUNCTIONS(NodeReports)
public:
    NodeReports(std::shared_ptr<Database> db, ChangeFeed *feed, LifecycleEngine *engine);

    // An unknown machine introduces itself (anonymous, from `from`). A New machine is made with a
    // random two-word name, its MACs (the boot MAC first), architecture and hardware, in one
    // transaction with what it reported. Limited: `enlist_per_minute` calls per source address and
    // no more than `enlist_max_new_machines` New machines. A machine that has one of the MACs is left
    // as it is (no MAC is added anonymously) and the answer does not say which it is.
    ReportOutcome<Enlisted> enlist(QByteArrayView body, const QHostAddress &from = {});
    // The inventory of a commissioning machine: stored, applied to the machine and Ready, in one
    // transaction.
    ReportOutcome<Commissioned> commission(const QString &systemId, QByteArrayView body);
    // {"purpose": commission|deploy|release, "result": ok|failed|working, "reason": "..."}.
    ReportOutcome<Accepted> reportStatus(const QString &systemId, QByteArrayView body);
    // What a deploying machine installs; the static address is held for it here.
    ReportOutcome<Deployment> deployment(const QString &systemId, const DeployContext &context);
    // The user-data for the installed system's cloud-init. Asked while Deploying, it is the sign
    // that the installed system runs: the machine becomes Deployed (as MAAS's UserDataHandler).
    ReportOutcome<QByteArray> userData(const QString &systemId);
    // One event of cloud-init's webhook reporting (POST status/<system_id>).
    ReportOutcome<Accepted> cloudInitEvent(const QString &systemId, QByteArrayView body);

    ReportOutcome<Machine> machine(const QString &systemId) const;
    Expected<std::optional<NodeResult>> latestResult(const QString &systemId, const QString &name) const;

    static constexpr const char *kCommissioningResult = "metaldesk-inventory"; // the last commissioning's
    static constexpr const char *kEnlistmentResult = "metaldesk-enlistment";   // what enlisting reported
    // Events one machine's boot environment and installed system may add per minute; the rest are
    // counted and said in the machine's next event that is recorded (a stolen token cannot flood
    // the log). Anonymous enlistments naming the machine have a budget of their own, so that they
    // cannot use up the machine's.
    static constexpr int kEventsPerMinute = 30;

private:
    enum class Source {
        Machine,
        Anonymous
    }; // whose budget of events a record takes from
    void record(const Machine &machine, const QString &type, EventLevel level, const Text &message,
                Source source = Source::Machine);
    qint64 monotonicMs() const { return clock_.elapsed(); } // the limits' clock: a clock step moves nothing
    // The engine refused or failed a move to `to` (nullopt: to the machine's failure status).
    ReportError transitionError(const QString &systemId, const Error &error, std::optional<NodeStatus> to) const;
    ReportError ignored(const Machine &machine, const QString &purpose, const QList<NodeStatus> &expected);
    ReportError refuseEnlistment(const Text &reason, int retryAfterSeconds);

    std::shared_ptr<Database> db_;
    LifecycleEngine *engine_;
    MachineStore machines_;
    EventStore events_;
    NodeTokenStore tokens_;
    NodeSettingsStore settings_;
    StaticAddressStore addresses_;
    ConfigStore config_;
    ChangeFeed *feed_;
    QElapsedTimer clock_;
    RateLimiter enlistments_;   // per source address
    RateLimiter machineEvents_; // per machine
    RateLimiter limitWarnings_; // the event that says enlistment hit its count limit
};

} // namespace metaldesk
