#pragma once

#include "core/machines/machine.h"
#include "core/storage/changefeed.h"
#include "core/storage/database.h"

namespace metaldesk {

// Reads machines and changes their descriptive fields. It never changes a status, an owner or a
// machine's existence: those belong to the LifecycleEngine.
class MachineStore {
public:
    MachineStore(std::shared_ptr<Database> db, ChangeFeed *feed) : db_(std::move(db)), feed_(feed) {}

    Expected<Machine> get(const QString &systemId) const;
    Expected<std::optional<Machine>> findByMac(const QString &macAddress) const;
    Expected<QList<Machine>> list() const;
    Expected<int> count() const;
    // The IP addresses machines hold now, by system id: the static address a deployment gave, or
    // else the addresses of unexpired DHCP leases on their interfaces. One machine, or all ("").
    Expected<QHash<QString, QStringList>> ipAddresses(const QString &systemId = {}) const;
    // Every machine's newest event, by system id (what the machine list's Last event shows).
    Expected<QHash<QString, Text>> lastEvents() const; // by system id; an older event as it was recorded
    // The chassis (a vSphere host, a libvirt host) machines were found in: id → name.
    Expected<QHash<qint64, QString>> chassisNames() const;

    // Stores them as given: no permission or validity check. The window and the API go through
    // PowerService::saveSettings, which checks both.
    Expected<void> setPowerSettings(const QString &systemId, const QString &powerType, const QJsonObject &parameters);
    Expected<void> setPowerState(const QString &systemId, const QString &powerState);
    // Which VM of its chassis the machine is, and whether the chassis's last sync found it.
    Expected<void> setChassisVm(const QString &systemId, const QString &vmUuid, bool missing);
    struct Hardware {
        QString architecture;
        int cpuCount = 0;
        qint64 memory = 0;  // MiB
        qint64 storage = 0; // bytes
        QString bootDisk;
    };
    Expected<void> setHardware(const QString &systemId, const Hardware &hardware);
    // Adds the MACs the machine does not have yet as interfaces (eth<N>, after its others), as a
    // commissioning inventory reports them. MACs that belong to another machine are left there and
    // returned in `elsewhere`. Returns the MACs added.
    Expected<QStringList> addInterfaces(const QString &systemId, const QStringList &macAddresses,
                                        QStringList *elsewhere = nullptr);
    // The same two writes inside a caller's transaction (the engine's, when a machine's report is
    // written with the status it moves the machine to). They emit nothing: the caller does.
    static Expected<void> writeHardware(const QSqlDatabase &connection, qint64 machineId, const Hardware &hardware);
    static Expected<QStringList> insertInterfaces(const QSqlDatabase &connection, qint64 machineId,
                                                  const QStringList &macAddresses, QStringList *elsewhere);

    // The database it reads, for the services built beside it (the boot decision's token and
    // settings stores).
    const std::shared_ptr<Database> &database() const { return db_; }

    // Shared with the engine, which reads a machine inside its own transactions.
    static Expected<std::optional<Machine>> load(const QSqlDatabase &connection, const SecretBox &secrets,
                                                 const QString &where, const QVariantList &values);

private:
    Expected<void> update(const QString &systemId, const QString &assignments, QVariantList values);
    std::shared_ptr<Database> db_;
    ChangeFeed *feed_;
};

} // namespace metaldesk
