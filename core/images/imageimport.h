#pragma once

#include "core/base/job.h"
#include "core/images/bootimagestore.h"
#include "core/images/imagesources.h"

#include <memory>

namespace metaldesk {

struct ImportSettings {
    QString storeDir;                                          // where files are kept: <boot root>/images/sha256
    QString locationPrefix = QStringLiteral("images/sha256/"); // the same directory as the boot HTTP server names it
    QString proxy;                                             // "http://host:port", empty for none
    int attempts = 3;                                          // per file; a cut transfer resumes where it stopped
    int parallelDownloads = 2; // files fetched at once: two keep a link busy while one is hashed and synced
};

class ConfigStore;

// The settings an import runs with here: the store under `bootRoot` (the boot HTTP server's
// folder), the proxy from the config key image_proxy.
Expected<ImportSettings> importSettingsFor(const ConfigStore &config, const QString &bootRoot);

// What an import verified and fetched: the images to publish, and what it left out and why.
struct ImportOutcome {
    QList<BootImage> images;
    QStringList notes;
    qint64 fetchedBytes = 0;
};

// The work of an import: reads each source's index and products files (signatures checked
// against the source's keyring), takes the newest version of each selected product, and fetches
// the files the store does not hold yet, each checked against its SHA-256 as it streams. Files
// already there are checked again and fetched anew when they no longer match. Writes no database
// row: publishing is the job's commit.
Expected<ImportOutcome> importImages(const QList<ImageSource> &sources, const ImportSettings &settings,
                                     JobContext &context);

// Removes what cut or cancelled imports left half-fetched in the store (the `.part` files the next
// import would resume), when no import is running there. The bytes removed, or why nothing was.
Expected<qint64> discardPartialDownloads(const ImportSettings &settings);

// The import as a job, whose commit publishes every image it verified in one transaction: a
// cancelled, failed or killed import leaves the catalogue as it was.
std::unique_ptr<ResultJob<ImportOutcome>> makeImageImportJob(std::shared_ptr<Database> db, QList<ImageSource> sources,
                                                             ImportSettings settings, Actor actor);

} // namespace metaldesk
