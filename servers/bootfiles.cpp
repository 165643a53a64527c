#include "bootfiles.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace metaldesk::boot {

namespace {

struct BootFilesText {
    Q_DECLARE_TR_FUNCTIONS(BootFiles)
};

// The bootloaders the DHCP server names (pxebootfile.cpp); served from the ipxe package.
constexpr const char *bootloaders[] = {"undionly.kpxe", "snponly.efi", "ipxe.efi"};

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

BootFilesConfig BootFilesConfig::defaults()
{
    return {QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/boot"),
            QStringLiteral("/usr/lib/ipxe")};
}

BootFiles::BootFiles(BootFilesConfig config, const BootDecider &decider)
    : config_(std::move(config)), generated_(decider)
{
}

Resolved BootFiles::resolve(const QByteArray &path, const Endpoint &endpoint) const
{
    const QString relative = cleanRelative(path);
    if (relative.isEmpty())
        return Refused{Refusal::BadPath, BootFilesText::tr("refused path '%1'")
                                             .arg(QString::fromUtf8(path.left(200)).replace(QChar(0), u'?'))};
    if (auto generated = generated_.lookup(relative, endpoint)) {
        if (!*generated)
            return Refused{Refusal::Unavailable, generated->errorMessage()};
        return Generated{std::move(**generated)};
    }
    for (const char *name : bootloaders) {
        if (relative == QLatin1String(name)) {
            Resolved r = fileUnder(config_.bootloaderDir, relative);
            if (std::holds_alternative<Refused>(r))
                return Refused{Refusal::NotFound, missingBootloaders()};
            return r;
        }
    }
    return fileUnder(config_.root, relative);
}

QString BootFiles::missingBootloaders() const
{
    QStringList missing;
    for (const char *name : bootloaders)
        if (!QFileInfo(config_.bootloaderDir + QLatin1Char('/') + QLatin1String(name)).isFile())
            missing << QLatin1String(name);
    if (missing.isEmpty())
        return {};
    return BootFilesText::tr("the iPXE bootloaders %1 are missing from %2: install Debian's ipxe package "
                             "(sudo apt install ipxe)")
        .arg(missing.join(QStringLiteral(", ")), config_.bootloaderDir);
}

} // namespace metaldesk::boot
