#pragma once

#include "core/storage/configstore.h"
#include "servers/boot/bootscripts.h"

#include <QString>
#include <variant>

namespace metaldesk::boot {

// What a boot server sends for a requested path. The TFTP and HTTP servers both ask here, so one
// place decides which paths are allowed and where each file comes from.
struct Generated {
    QByteArray content; // a per-node file made from the boot decision
};
struct OnDisk {
    QString path; // canonical, inside the boot root or the bootloader directory
};
enum class Refusal {
    BadPath,     // NUL bytes, "..", a path that leaves the root (also through a symlink): a user's error
    NotFound,    // no such file (or a directory)
    Unavailable, // the database did not answer: the detail says why
};
struct Refused {
    Refusal reason;
    QString detail;
};
using Resolved = std::variant<Generated, OnDisk, Refused>;

// Opens a resolved file to send it: a descriptor, or -1 with errno when the path no longer names the
// regular file that was resolved (security review L9: a local writer swapped in a FIFO, which would
// block the server's thread at open(), or a symlink or directory leading elsewhere).
int openOnDisk(const OnDisk &file);

struct BootFilesConfig {
    QString root;           // the boot root: images and other files, served read-only
    QString bootloaderDir;  // Debian's ipxe package: undionly.kpxe, snponly.efi, ipxe.efi
    QString environmentDir; // the built-in environment (tools/build-bootenv), served as environment/
    // Where Debian's signed shim and GRUB are (shim/..., grub/x86_64-efi-signed/...): /usr/lib.
    QString signedLoaderDir;
    // Where the environment is: environmentDir, or <root>/environment when that is empty.
    QString environment() const;
    // The default root (<app data>/boot), /usr/lib/ipxe, and the environment the build made next
    // to the program (<build>/bootenv/environment) when there is one.
    static BootFilesConfig defaults();
    // The defaults, changed by the config keys boot_root, boot_loader_dir, boot_environment_dir.
    static Expected<BootFilesConfig> fromConfig(const ConfigStore &config);
};

class BootFiles {
public:
    // `leases`: see GeneratedFiles (who gets a machine's credentials).
    BootFiles(BootFilesConfig config, const BootDecider &decider, const LeaseStore *leases = nullptr);
    // `path` as the client sent it, already decoded (TFTP filename, HTTP path without the query).
    // A leading '/' means the boot root, not the file system's root.
    Resolved resolve(const QByteArray &path, const Endpoint &endpoint) const;
    const BootFilesConfig &config() const { return config_; }
    // Empty when the bootloaders (iPXE's, the signed shim and GRUB) are there; otherwise what to install.
    QString missingBootloaders() const;
    // Empty when the built-in environment is there; otherwise how to build it.
    QString missingEnvironment() const;

private:
    BootFilesConfig config_;
    GeneratedFiles generated_;
};

} // namespace metaldesk::boot
