#pragma once

#include "core/base/text.h"
#include "core/lifecycle/nodestatus.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace metaldesk {

// Field names follow MAAS's API where MAAS has one, so the API maps one to one.
struct Interface {
    qint64 id = 0;
    QString name;       // "eth0"
    QString macAddress; // normalised: lower case, colon separated
};

struct Machine {
    qint64 id = 0;
    QString systemId; // six characters of MAAS's "znum" alphabet
    QString hostname;
    NodeStatus status = NodeStatus::New;
    std::optional<NodeStatus> previousStatus;
    QString statusMessage; // why it failed or broke, in English
    // The same as a Text (JSON), for the reader's language; empty when an older version set it. Kept
    // unparsed: a list of 100,000 machines reads it for the few whose message is shown.
    QByteArray statusMessageJson;
    Text statusMessageText() const;
    QString statusMessageInWords() const; // in the language installed now
    std::optional<qint64> statusExpires;  // ms since epoch: when a monitored status times out
    std::optional<qint64> ownerId;
    QString owner;        // the owner's user name, "" when unowned
    QString architecture; // "amd64/generic"
    QString powerType;    // "" = none set, "manual", "ipmi", ...
    QJsonObject powerParameters;
    QString powerState = QStringLiteral("unknown"); // on, off, unknown, error
    int cpuCount = 0;
    qint64 memory = 0;  // MiB, as MAAS
    qint64 storage = 0; // bytes, the sum of the disks
    QString bootDisk;
    std::optional<qint64> chassisId;
    QString chassisVm;             // the VM's UUID on its chassis
    bool chassisVmMissing = false; // the chassis's last sync did not find it
    QString osystem;
    QString distroSeries;
    qint64 created = 0;
    qint64 updated = 0;
    QList<Interface> interfaces;
    QString zone = QStringLiteral("default"); // MAAS's availability zone
    QString pool = QStringLiteral("default"); // MAAS's resource pool
    QStringList tags;                         // sorted
    QString agentName;                        // what the API client that allocated it calls itself
};

// What a new machine starts with (by hand, by chassis discovery, or by enlistment).
struct NewMachine {
    QString hostname; // empty: a random two-word name
    QString architecture;
    QStringList macAddresses;
    QString powerType;
    QJsonObject powerParameters;
    std::optional<qint64> chassisId;
    QString chassisVm; // the VM's UUID on that chassis
    NodeStatus initialStatus = NodeStatus::New;
};

// Who did something: a user, or a part of MetalDesk itself ("timeout", "metadata").
struct Actor {
    qint64 userId = 0; // 0 for MetalDesk itself
    QString username;
    bool isAdmin = false;
    static Actor system(const QString &component) { return {0, component, true}; }
    bool isSystem() const { return userId == 0; }
};

// How a part of MetalDesk that acts (an Actor::system name, as events keep it) is named to a person:
// a source to translate in the "Actor" context; nullptr for any other name (a user's).
const char *systemActorLabel(const QString &name);

enum class EventLevel {
    Info = 0,
    Warning = 1,
    Error = 2
};

struct Event {
    qint64 id = 0;
    qint64 created = 0;
    QString systemId;
    QString hostname;
    QString username;
    QString type; // "status", "created", "deleted", "power", ...
    EventLevel level = EventLevel::Info;
    std::optional<NodeStatus> fromStatus;
    std::optional<NodeStatus> toStatus;
    Text message;        // what happened, rendered in the reader's language (recorded since schema 11)
    QString description; // the message in English (the API's and the logs'), or as an older version recorded it
    // In the language installed now; an event older than its text is shown as it was recorded.
    QString text() const { return message.isEmpty() ? description : message.translated(); }
    bool isAsRecorded() const { return message.isEmpty() && !description.isEmpty(); }
};

// "52-54-00-AB-CD-EF", "5254.00ab.cdef" or "525400abcdef" → "52:54:00:ab:cd:ef"; empty if not a MAC.
QString normaliseMacAddress(const QString &text);
// A DNS label (RFC 1123): 1–63 of a–z, 0–9 and '-', not starting or ending with '-'.
bool isValidHostname(const QString &hostname);

} // namespace metaldesk
