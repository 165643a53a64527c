#pragma once

#include "core/base/job.h"

#include <QFileDevice>
#include <QList>

namespace metaldesk {

// Where a whole-disk image holds data, so that a deployment writes only that (as bmaptool does):
// the image's ranges that are not all zeros, fetched with HTTP ranges and written at their offsets;
// the built-in environment zeroes the rest of the image's extent on the disk (BLKZEROOUT), which
// costs no data over the network and, on most disks, no writes. bootenv/README.md ("Block maps")
// has the text format the environment reads.
struct BlockRange {
    qint64 offset = 0;
    qint64 length = 0;
};

struct BlockMap {
    qint64 size = 0; // the raw image's size
    QList<BlockRange> ranges;
    QByteArray dataSha256;  // hex SHA-256 of the ranges' bytes, in order: what the environment checks
    QByteArray imageSha256; // hex SHA-256 of the whole raw image, zeros included

    QByteArray text() const;
};

// Granularity and merging: a run of zeros is a gap only when it is whole 4 KiB blocks (a disk's
// sector size divides it) and at least 1 MiB long; shorter runs travel inside their range, since
// each range costs the environment a request and a few processes.
inline constexpr qint64 kBlockMapBlock = 4096;
inline constexpr qint64 kBlockMapMinGap = 1 << 20;

// Reads a raw disk image from `in` to its end and maps it; when `sparseCopy` is given (open for
// writing, empty), writes the ranges into it at their offsets and leaves holes elsewhere. Reports
// progress in bytes read; stops when cancelled.
Expected<BlockMap> mapDiskImage(QIODevice &in, QFileDevice *sparseCopy, JobContext &context);

} // namespace metaldesk
