#pragma once

#include "core/base/job.h"
#include "core/images/bootimagestore.h"

#include <memory>

namespace metaldesk {

// A whole-disk image of one's own for the catalogue: the catalogue entry as the user describes it
// (name, title, architecture, firmware) and the file it comes from.
struct ImageUpload {
    BootImage image;
    QString sourcePath;
    QString expectedSha256; // hex, optional: the upload is refused when the file does not match
};

// What a file's first bytes say it is: "raw.gz", "raw.xz", "raw.bz2", "qcow2", or "raw" (a disk
// with an MBR or a GPT, or one ext2/3/4 filesystem). Anything else is refused with the reason, as
// is a file that cannot be read.
Expected<QString> diskImageFormat(const QString &path);

// The catalogue entry an upload would make (its format from the file's content), or why it cannot
// be made: not a disk image, a bad name, architecture or firmware, a malformed SHA-256. Reads only
// the file's first bytes.
Expected<BootImage> checkUpload(const ImageUpload &upload);

// Checks it as checkUpload does, then copies the file under `bootRoot`/images/ (a qcow2 is converted to raw with
// qemu-img first), hashing it as it goes, through a temporary name so that a half-copied image is never served; checks
// the expected SHA-256. Reports progress in bytes and stops when cancelled, leaving nothing behind. Writes no row: the
// entry it returns is for BootImageStore::add.
Expected<BootImage> storeUpload(const ImageUpload &upload, const QString &bootRoot, JobContext &context);

// The upload as a job: the copy, then the catalogue entry (administrators only) as its commit.
std::unique_ptr<ResultJob<BootImage>> makeImageUploadJob(std::shared_ptr<Database> db, ImageUpload upload,
                                                         QString bootRoot, Actor actor);

} // namespace metaldesk
