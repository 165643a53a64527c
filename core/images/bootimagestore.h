#pragma once

#include "core/machines/machine.h"
#include "core/storage/database.h"

#include <QHash>
#include <QStringList>

namespace metaldesk {

// One file of an imported image (MAAS's boot-kernel, boot-initrd, squashfs, manifest), kept once
// in the image store under its SHA-256.
struct BootImageFile {
    QString ftype;
    QString location; // under the boot root: "images/sha256/<hex>"
    QString sha256;
    qint64 size = 0;
};

// An image MetalDesk can deploy: a whole-disk image (raw, or compressed with gzip, xz or bzip2)
// that the built-in environment writes to the machine's disk, or an image imported from a
// simplestreams mirror (format "squashfs": a root filesystem with its kernel and initrd).
struct BootImage {
    qint64 id = 0;
    QString name;         // "debian/bookworm", "ubuntu/noble": os/release, as MAAS names them
    QString title;        // "Debian 12 (bookworm)"
    QString architecture; // "amd64/generic"
    QStringList firmware; // what it boots on: "bios", "uefi"
    QString format;       // "raw", "raw.gz", "raw.xz", "raw.bz2"; imported: "squashfs", "root-tgz"
    // Where the environment fetches it: a path under the boot root ("images/debian-12.img.xz", served
    // by the HTTP boot server) or an http(s) URL.
    QString location;
    qint64 size = 0;
    QString sha256;
    QString origin; // "uploaded by admin", "imported from <source>"
    // "deployable"; "verified": imported and every file checked, but not installable (a root
    // tarball without its kernel and initrd), so Deploy does not offer it; "previous": the version
    // a newer import replaced, kept (with its files) as a fallback that Deploy offers by choice.
    QString state = QStringLiteral("deployable");
    qint64 created = 0;
    QString version;            // the mirror's version name ("20261201"); empty for an upload
    QList<BootImageFile> files; // an imported image's files, the main one's location also in `location`

    // The file of that type ("boot-kernel"); nullptr when the image has none.
    const BootImageFile *file(const QString &ftype) const
    {
        for (const BootImageFile &f : files)
            if (f.ftype == ftype)
                return &f;
        return nullptr;
    }
    // A root filesystem the built-in environment installs (partitions, extracts, adds kernel and
    // GRUB), not a whole disk it writes as it is.
    bool isRootFilesystem() const { return format == QLatin1String("squashfs") || format == QLatin1String("root-tgz"); }

    QString os() const { return name.section(QLatin1Char('/'), 0, 0); }
    QString release() const { return name.section(QLatin1Char('/'), 1); }
    bool deployable() const { return state == QLatin1String("deployable"); }
    bool isPrevious() const { return state == QLatin1String("previous"); }
    // What Deploy may install when the user picks it: the current image or its previous version.
    bool installable() const { return deployable() || isPrevious(); }
    // Whether a machine of that architecture ("amd64/generic"; empty when not known yet) runs it:
    // the same, or, as MAAS has it, any kernel flavour ("amd64/ga-24.04") on a generic machine.
    bool runsOn(const QString &machineArchitecture) const;
};

// The image catalogue: what Deploy offers and what the API lists as boot resources.
class BootImageStore {
public:
    explicit BootImageStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    Expected<QList<BootImage>> list() const;
    // The current deployable image a deployment asks for by name ("debian/bookworm") or release alone
    // ("bookworm", as API clients send distro_series), for a machine of this architecture and
    // firmware ("" when not known); nullopt when there is none.
    Expected<std::optional<BootImage>> forDeployment(const QString &nameOrRelease, const QString &architecture,
                                                     const QString &firmware = {}) const;
    // The catalogue's image at that location ("images/sha256/<hex>"), as deploy settings name it;
    // nullopt for a location that is not in the catalogue (a URL given by hand).
    Expected<std::optional<BootImage>> atLocation(const QString &location) const;
    // The machines deploying or deployed with each image, by the image's location, their
    // hostnames sorted: which machines use an image (the Images page).
    Expected<QHash<QString, QStringList>> machinesUsing() const;
    // Adds (or replaces) an image of that name and architecture; the previous version an import
    // kept stays. Administrators only.
    Expected<BootImage> add(const Actor &actor, BootImage image);
    Expected<void> remove(const Actor &actor, const QString &name, const QString &architecture);
    // Puts imported images in the catalogue, all in one transaction: an import publishes all it
    // verified or nothing. Each becomes the current image of its name and architecture; the one it
    // replaces, when deployable and of another version, is kept as the previous version (one only).
    Expected<void> publish(const Actor &actor, const QList<BootImage> &images);

    // Empty when the image can be added: a name "os/release", a known architecture, firmware from
    // bios and uefi, a whole-disk format, a location; otherwise which is wrong and why.
    static QString problem(const BootImage &image);
    // "raw.xz" from "debian-12.img.xz"; empty when the name says no whole-disk format.
    static QString formatOf(const QString &fileName);

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
