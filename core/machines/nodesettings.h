#pragma once

#include <functional>

#include "core/storage/database.h"

#include <QStringList>

namespace metaldesk {

// What the user chose for a machine's next deployment. Minimal on purpose (no image catalogue
// yet): an image by URL, the user-data, and optionally a fixed address.
struct DeploySettings {
    // A whole-disk image (raw, .gz, .xz or .bz2): an http:// or https:// URL, or a path on the boot
    // HTTP server ("images/debian-12.img.xz", under boot_root). Empty: the setting deploy_image_url.
    QString imageUrl;
    // The catalogue image's name ("debian/bookworm") when the image came from the catalogue: the
    // machine shows it as its OS (osystem, distro_series) while deployed. Empty for a bare URL.
    QString image;
    QString userData; // handed to the installed system's cloud-init, as MAAS's user_data
    // "10.99.0.50/24". Empty: an address from the DHCP settings' reserved range when there is one,
    // else the installed system uses DHCP.
    QString staticAddress;
    QString gateway;        // empty: the DHCP settings' gateway
    QStringList dnsServers; // empty: the DHCP settings' DNS servers
};

struct NodeSettings {
    // Commissioning: stay powered on afterwards, with a shell on the console (MAAS's enable_ssh,
    // "allow SSH / keep powered on").
    bool keepPoweredOn = false;
    // Release with erasing (Disk erasing): "quick" or "secure"; empty: the setting disk_erase_mode
    // (quick unless set).
    QString eraseMode;
    DeploySettings deploy;
};

// Per-machine options of the actions (node_settings), set where the action is chosen and read by
// the boot decision and the metadata service. A machine without a row has the defaults. Also keeps
// whether the current deployment has written its image (MAAS's netboot off), so that a machine
// that reboots into the network again boots its disk instead of deploying once more.
class NodeSettingsStore {
public:
    explicit NodeSettingsStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    Expected<NodeSettings> get(const QString &systemId) const;
    Expected<void> setKeepPoweredOn(const QString &systemId, bool keepPoweredOn) const;
    Expected<void> setEraseMode(const QString &systemId, const QString &mode) const;
    Expected<void> setDeploySettings(const QString &systemId, const DeploySettings &settings) const;
    // The same writes in a transaction the caller holds: the lifecycle engine's, after it has
    // checked that the action goes ahead, so that a refused action writes nothing (security
    // review L3).
    static Expected<void> writeKeepPoweredOn(const QSqlDatabase &db, const QString &systemId, bool keepPoweredOn);
    static Expected<void> writeEraseMode(const QSqlDatabase &db, const QString &systemId, const QString &mode);
    static Expected<void> writeDeploySettings(const QSqlDatabase &db, const QString &systemId,
                                              const DeploySettings &settings);
    // Empty when the settings can be used; otherwise which one is wrong and how.
    static QString validate(const DeploySettings &settings);

    // The image of the deployment in progress is on the disk: until the machine's status changes
    // again, it boots from its disk.
    Expected<void> markInstalled(const QString &systemId) const;
    Expected<bool> isInstalled(const QString &systemId) const;

private:
    // Why `address` cannot be the machine's static address, or empty.
    static Expected<QString> staticAddressConflict(const QSqlDatabase &db, const QString &systemId,
                                                   const QString &address);
    static Expected<void> write(const QSqlDatabase &db, const QString &systemId, const QString &assignments,
                                QVariantList values);
    Expected<void> inTransaction(const std::function<Expected<void>(const QSqlDatabase &)> &body) const;
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
