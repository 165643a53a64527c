#include "servers/boot/bootfiles.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace metaldesk::boot {

namespace {

struct BootFilesText {
    Q_DECLARE_TR_FUNCTIONS(BootFiles)
};

// The bootloaders the DHCP server names (pxebootfile.cpp); served from the ipxe package.
constexpr const char *bootloaders[] = {"undionly.kpxe", "snponly.efi", "ipxe.efi"};

// UEFI machines get Debian's shim, signed by Microsoft's UEFI CA, which loads the network GRUB
// signed by Debian from the same place under the name shim asks for (packages shim-signed and
// grub-efi-amd64-signed): Secure Boot machines boot too, as they do from MAAS.
struct SignedLoader {
    const char *served;
    const char *file; // under BootFilesConfig::signedLoaderDir, as Debian installs it
};
constexpr SignedLoader signedLoaders[] = {{"shimx64.efi", "shim/shimx64.efi.signed"},
                                          {"grubx64.efi", "grub/x86_64-efi-signed/grubnetx64.efi.signed"}};

// `path` relative to the root, with no "." or ".." left; empty if it cannot be made safely.
QString cleanRelative(const QByteArray &path)
{
    if (path.contains('\0') || path.contains('\\'))
        return {};
    const QString text = QString::fromUtf8(path);
    if (text.toUtf8() != path) // not valid UTF-8
        return {};
    QStringList parts;
    for (const QString &part : text.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        if (part == QLatin1String(".."))
            return {}; // refused even when it would stay inside: no client needs it
        if (part != QLatin1String("."))
            parts << part;
    }
    return parts.join(QLatin1Char('/'));
}

// The canonical file under `dir`, or why not. Symlinks are followed, then the result must still
// be inside the canonical `dir`.
Resolved fileUnder(const QString &dir, const QString &relative)
{
    const QString base = QFileInfo(dir).canonicalFilePath();
    if (base.isEmpty())
        return Refused{Refusal::NotFound, BootFilesText::tr("the boot directory %1 does not exist").arg(dir)};
    const QFileInfo info(base + QLatin1Char('/') + relative);
    const QString canonical = info.canonicalFilePath(); // empty when missing or a dangling link
    if (canonical.isEmpty())
        return Refused{Refusal::NotFound, BootFilesText::tr("no file %1").arg(relative)};
    if (!canonical.startsWith(base + QLatin1Char('/')))
        return Refused{Refusal::BadPath, BootFilesText::tr("%1 leads outside the boot directory").arg(relative)};
    if (!QFileInfo(canonical).isFile())
        return Refused{Refusal::NotFound, BootFilesText::tr("%1 is not a file").arg(relative)};
    return OnDisk{canonical};
}

} // namespace

int openOnDisk(const OnDisk &file)
{
    const QByteArray path = QFile::encodeName(file.path);
    // O_NONBLOCK: opening a FIFO returns at once (no effect on a regular file's reads); O_NOFOLLOW:
    // a symlink put in the file's place is refused.
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    // What was opened must be a regular file at the canonical path: a directory above it swapped
    // for a symlink since the path was resolved shows here as another path.
    struct stat st {};
    char opened[PATH_MAX];
    const ssize_t length =
        ::readlink(QByteArray("/proc/self/fd/" + QByteArray::number(fd)).constData(), opened, sizeof opened);
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || length <= 0 || QByteArray(opened, length) != path) {
        ::close(fd);
        errno = ENOENT;
        return -1;
    }
    return fd;
}

BootFilesConfig BootFilesConfig::defaults()
{
    BootFilesConfig c;
    c.root = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/boot");
    c.bootloaderDir = QStringLiteral("/usr/lib/ipxe");
    c.signedLoaderDir = QStringLiteral("/usr/lib");
    // The build writes the environment beside the program's folder (build/<preset>/bootenv).
    const QString built = QCoreApplication::applicationDirPath() + QStringLiteral("/../bootenv/environment");
    if (QFileInfo(built + QStringLiteral("/vmlinuz")).isFile())
        c.environmentDir = QDir::cleanPath(built);
    return c;
}

QString BootFilesConfig::environment() const
{
    return environmentDir.isEmpty() ? root + QStringLiteral("/environment") : environmentDir;
}

Expected<BootFilesConfig> BootFilesConfig::fromConfig(const ConfigStore &config)
{
    BootFilesConfig c = defaults();
    for (const auto &[key, field] :
         {std::pair{setting::BootRoot, &c.root}, std::pair{setting::BootLoaderDir, &c.bootloaderDir},
          std::pair{setting::BootEnvironmentDir, &c.environmentDir}}) {
        auto value = config.value(key);
        if (!value)
            return value.error();
        if (!value->trimmed().isEmpty())
            *field = value->trimmed();
    }
    return c;
}

BootFiles::BootFiles(BootFilesConfig config, const BootDecider &decider, const LeaseStore *leases)
    : config_(std::move(config)), generated_(decider, leases)
{
}

Resolved BootFiles::resolve(const QByteArray &path, const Endpoint &endpoint) const
{
    const QString relative = cleanRelative(path);
    if (relative.isEmpty())
        return Refused{
            Refusal::BadPath,
            BootFilesText::tr("refused path '%1'").arg(QString::fromUtf8(path.left(200)).replace(QChar(0), u'?'))};
    if (auto generated = generated_.lookup(relative, endpoint)) {
        if (!*generated)
            return Refused{Refusal::Unavailable, generated->errorMessage()};
        return Generated{std::move(**generated)};
    }
    for (const SignedLoader &loader : signedLoaders) {
        if (relative == QLatin1String(loader.served)) {
            Resolved r = fileUnder(config_.signedLoaderDir, QLatin1String(loader.file));
            if (std::holds_alternative<Refused>(r))
                return Refused{Refusal::NotFound, missingBootloaders()};
            return r;
        }
    }
    for (const char *name : bootloaders) {
        if (relative == QLatin1String(name)) {
            Resolved r = fileUnder(config_.bootloaderDir, relative);
            if (std::holds_alternative<Refused>(r))
                return Refused{Refusal::NotFound, missingBootloaders()};
            return r;
        }
    }
    static const QString environment = QStringLiteral("environment/");
    if (relative.startsWith(environment)) {
        Resolved r = fileUnder(config_.environment(), relative.mid(environment.size()));
        if (const auto *refused = std::get_if<Refused>(&r); refused && refused->reason == Refusal::NotFound) {
            if (const QString missing = missingEnvironment(); !missing.isEmpty())
                return Refused{Refusal::NotFound, missing};
        }
        return r;
    }
    return fileUnder(config_.root, relative);
}

QString BootFiles::missingEnvironment() const
{
    for (const char *name : {"vmlinuz", "initrd.img"})
        if (!QFileInfo(config_.environment() + QLatin1Char('/') + QLatin1String(name)).isFile())
            return BootFilesText::tr("the built-in boot environment is missing from %1: build it with "
                                     "tools/build-bootenv --out DIR and set boot_environment_dir to DIR/environment")
                .arg(config_.environment());
    return {};
}

QString BootFiles::missingBootloaders() const
{
    QStringList missing;
    for (const char *name : bootloaders)
        if (!QFileInfo(config_.bootloaderDir + QLatin1Char('/') + QLatin1String(name)).isFile())
            missing << QLatin1String(name);
    QStringList missingSigned;
    for (const SignedLoader &loader : signedLoaders)
        if (!QFileInfo(config_.signedLoaderDir + QLatin1Char('/') + QLatin1String(loader.file)).isFile())
            missingSigned << config_.signedLoaderDir + QLatin1Char('/') + QLatin1String(loader.file);
    QStringList problems;
    if (!missing.isEmpty())
        problems << BootFilesText::tr("the iPXE bootloaders %1 are missing from %2: install Debian's ipxe package "
                                      "(sudo apt install ipxe)")
                        .arg(missing.join(QStringLiteral(", ")), config_.bootloaderDir);
    if (!missingSigned.isEmpty())
        problems << BootFilesText::tr("UEFI machines cannot boot: %1 is missing: install Debian's signed shim and "
                                      "GRUB (sudo apt install shim-signed grub-efi-amd64-signed)")
                        .arg(missingSigned.join(QStringLiteral(", ")));
    return problems.join(QStringLiteral("; "));
}

} // namespace metaldesk::boot
