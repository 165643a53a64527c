#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace metaldesk {

// Simplestreams v1 as MAAS's image mirrors write it (images.maas.io/ephemeral-v3): an index that
// names product files, and product files that list each product's versions and their files. The
// parsers take the JSON after its signature was checked; everything in it is still untrusted
// (fuzzed: tests/fuzz/fuzz_simplestreams).

// One entry of streams/v1/index.json: a products file.
struct StreamsIndexEntry {
    QString contentId; // "com.ubuntu.maas:stable:v3:download"
    QString datatype;  // "image-ids"
    QString path;      // "streams/v1/com.ubuntu.maas:stable:v3:download.sjson", relative to the mirror root
    QStringList products;
};

struct StreamsItem {
    QString name;      // the item's key: "boot-kernel", "squashfs"
    QString ftype;     // "boot-kernel", "boot-initrd", "squashfs", "manifest", "root-tgz"
    QString path;      // relative to the mirror root, checked by isSafeMirrorPath
    QByteArray sha256; // 64 lower-case hex digits
    qint64 size = 0;
};

struct StreamsVersion {
    QString name; // "20261201" or "20261201.1"
    QList<StreamsItem> items;
};

struct StreamsProduct {
    QString id;                     // "com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"
    QString os;                     // "ubuntu"
    QString release;                // "noble"
    QString title;                  // "24.04" (release_title), for the catalogue
    QString arch;                   // "amd64"
    QString subarch;                // "ga-24.04"
    QString kflavor;                // "generic"
    QString label;                  // "stable"
    QList<StreamsVersion> versions; // oldest first (version names sort by date)

    // MAAS's names: "ubuntu/noble" and "amd64/ga-24.04" (+"-<kflavor>" for a flavour other than
    // generic).
    QString imageName() const { return os + QLatin1Char('/') + release; }
    QString architecture() const;
};

Expected<QList<StreamsIndexEntry>> parseStreamsIndex(const QByteArray &json);
// The products of one products file. A product or version MetalDesk cannot use (an item with a
// bad path, size or checksum) is left out and said in `skipped` ("<product>: why"), so that one
// bad entry does not refuse the whole mirror; a file that is not a products file is an error.
Expected<QList<StreamsProduct>> parseStreamsProducts(const QByteArray &json, QStringList *skipped = nullptr);

// A path a mirror may name: relative, no "..", "." or empty segment, no backslash, no scheme, no
// control characters. What it names stays inside the mirror (and, for the files MetalDesk keeps,
// inside the image store).
bool isSafeMirrorPath(const QString &path);

} // namespace metaldesk
