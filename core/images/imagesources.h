#pragma once

#include "core/images/simplestreams.h"
#include "core/machines/machine.h"
#include "core/storage/database.h"

#include <QByteArray>
#include <QStringList>

namespace metaldesk {

// MAAS's default mirror and the key its index is signed with. Debian does not package Ubuntu's
// ubuntu-cloudimage-keyring: where the file is missing the user is shown the fingerprint and
// gives the key.
inline constexpr char kMaasImagesUrl[] = "https://images.maas.io/ephemeral-v3/stable/";
inline constexpr char kMaasKeyringPath[] = "/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg";
inline constexpr char kMaasKeyFingerprint[] = "4A3CE3CD565D7EB5C810E2B97FF3F408476CF100";
inline constexpr char kDefaultIndexPath[] = "streams/v1/index.sjson";

// A simplestreams mirror MetalDesk imports from, as MAAS's boot sources.
struct ImageSource {
    qint64 id = 0;
    QString url; // the mirror's root, ending in '/'
    QString indexPath = QLatin1String(kDefaultIndexPath);
    QByteArray keyring; // the public keys its index and products files must be signed by
    // The keyring's fingerprints, read once by GnuPG when the source is saved (so that listing
    // sources runs no GnuPG).
    QStringList fingerprints;
    // Plain .json with no signature is taken only when the user said so for this source.
    bool allowUnsigned = false;
    // What to take: "os/release/arch" ("ubuntu/noble/amd64"), "*" for any part.
    QStringList selections;
    qint64 created = 0;

    bool selects(const StreamsProduct &product) const;
};

class ImageSourceStore {
public:
    explicit ImageSourceStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

    Expected<QList<ImageSource>> list() const;
    // Adds a source, or replaces the one with the same URL. Administrators only.
    Expected<ImageSource> save(const Actor &actor, ImageSource source);
    Expected<void> remove(const Actor &actor, const QString &url);

    // Empty when the source can be saved; otherwise what is wrong: a URL that is not http(s), an
    // index path that leaves the mirror, a selection that is not os/release/arch, no keyring on a
    // source that is not marked unsigned, a keyring without keys (read by GnuPG only when
    // `readKeyring`: a dialog reads it once per change, not at each keystroke).
    static QString problem(const ImageSource &source, bool readKeyring = true);
    // The URL as stored: trimmed, ending in '/'.
    static QString normalisedUrl(const QString &url);

private:
    std::shared_ptr<Database> db_;
};

} // namespace metaldesk
