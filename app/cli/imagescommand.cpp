#include "app/cli/imagescommand.h"

#include "core/images/bootimagestore.h"
#include "core/images/imageimport.h"
#include "core/images/imageupload.h"
#include "core/runtime/coreservices.h"
#include "core/storage/settings.h"
#include "servers/boot/bootfiles.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QTextStream>
#include <QThreadPool>
#include <QUrl>

namespace metaldesk {

namespace {

struct ImagesText {
    Q_DECLARE_TR_FUNCTIONS(ImagesCommand)
};

// Runs a job to its end, its progress (bytes) logged every two seconds.
void runLogged(Job &job)
{
    logJobProgress(job, QStringLiteral("B"), 2000);
    QEventLoop loop;
    QObject::connect(&job, &Job::finished, &loop, &QEventLoop::quit);
    QThreadPool pool;
    job.start(&pool);
    loop.exec();
}

int printError(QTextStream &err, const QString &message, int status = 1)
{
    err << QStringLiteral("metaldesk: ") << message << Qt::endl;
    return status;
}

int listSources(const std::shared_ptr<Database> &db, QTextStream &out, QTextStream &err)
{
    auto sources = ImageSourceStore(db).list();
    if (!sources)
        return printError(err, sources.errorMessage());
    for (const ImageSource &s : std::as_const(*sources)) {
        const QString keys = s.keyring.isEmpty() ? ImagesText::tr("unsigned") : s.fingerprints.join(QLatin1Char(','));
        out << QStringLiteral("%1  %2  %3").arg(s.url, s.selections.join(QLatin1Char(',')), keys) << Qt::endl;
    }
    return 0;
}

int addSource(const std::shared_ptr<Database> &db, const CommandLine &cl, const Actor &me, QTextStream &err)
{
    ImageSource source;
    source.url = cl.imageWords.value(1);
    if (!cl.indexPath.isEmpty())
        source.indexPath = cl.indexPath;
    source.allowUnsigned = cl.allowUnsigned;
    source.selections = cl.selections;
    if (!cl.keyringFile.isEmpty()) {
        QFile keyring(cl.keyringFile);
        if (!keyring.open(QIODevice::ReadOnly))
            return printError(err, ImagesText::tr("cannot read %1: %2").arg(cl.keyringFile, keyring.errorString()));
        source.keyring = keyring.readAll();
    } else if (!cl.allowUnsigned && ImageSourceStore::normalisedUrl(source.url) == QLatin1String(kMaasImagesUrl)) {
        // MAAS's own keyring, where Ubuntu's package put it.
        QFile keyring{QLatin1String(kMaasKeyringPath)};
        if (keyring.open(QIODevice::ReadOnly))
            source.keyring = keyring.readAll();
    }
    auto saved = ImageSourceStore(db).save(me, source);
    if (!saved)
        return printError(err, saved.errorMessage(), 2);
    err << ImagesText::tr("%1 is an image source").arg(saved->url) << Qt::endl;
    return 0;
}

int importFromSources(const std::shared_ptr<Database> &db, const ConfigStore &config, const CommandLine &cl,
                      const Actor &me, QTextStream &out, QTextStream &err)
{
    auto sources = ImageSourceStore(db).list();
    if (!sources)
        return printError(err, sources.errorMessage());
    auto files = boot::BootFilesConfig::fromConfig(config);
    if (!files)
        return printError(err, files.errorMessage());
    auto settings = importSettingsFor(config, files->root);
    if (!settings)
        return printError(err, settings.errorMessage());
    if (!cl.proxy.isEmpty())
        settings->proxy = cl.proxy;
    auto job = makeImageImportJob(db, *sources, *settings, me);
    runLogged(*job);
    if (job->state() != JobState::Succeeded)
        return printError(err, job->errorMessage());
    const ImportOutcome &outcome = *job->result();
    for (const QString &note : outcome.notes)
        err << ImagesText::tr("left out: %1").arg(note) << Qt::endl;
    for (const BootImage &i : outcome.images)
        out << ImagesText::tr("%1 %2 version %3: %4, %5")
                   .arg(i.name, i.architecture, i.version, i.state, QLocale().formattedDataSize(i.size))
            << Qt::endl;
    return 0;
}

// A file is copied under the boot root (a qcow2 converted to raw first), its content checked and
// its SHA-256 compared with --sha256 when given, as the window's Add image does.
int addFile(const std::shared_ptr<Database> &db, const ConfigStore &config, const BootImage &image, const QString &path,
            const QString &sha256, const Actor &me, QTextStream &err)
{
    // A usage error (exit 2) when what was given cannot be an image, before anything is copied.
    const ImageUpload upload{image, path, sha256};
    if (auto checked = checkUpload(upload); !checked)
        return printError(err, checked.errorMessage(), 2);
    auto files = boot::BootFilesConfig::fromConfig(config);
    if (!files)
        return printError(err, files.errorMessage());
    auto job = makeImageUploadJob(db, upload, files->root, me);
    runLogged(*job);
    if (job->state() != JobState::Succeeded)
        return printError(err, job->errorMessage());
    const BootImage &added = *job->result();
    err << ImagesText::tr("%1 (%2) is in the catalogue: %3").arg(added.name, added.architecture, added.location)
        << Qt::endl;
    return 0;
}

} // namespace

int runImagesCommand(const CommandLine &cl)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    auto core = CoreServices::open(cl.database);
    if (!core) {
        err << QStringLiteral("metaldesk: ") << core.errorMessage() << Qt::endl;
        return 1;
    }
    BootImageStore images((*core)->db);
    const Actor me = Actor::system(QStringLiteral("command line"));
    const QString verb = cl.imageWords.value(0);
    if (verb == QLatin1String("sources"))
        return listSources((*core)->db, out, err);
    if (verb == QLatin1String("source-add"))
        return addSource((*core)->db, cl, me, err);
    if (verb == QLatin1String("source-remove")) {
        if (auto removed = ImageSourceStore((*core)->db).remove(me, cl.imageWords.value(1)); !removed)
            return printError(err, removed.errorMessage());
        return 0;
    }
    if (verb == QLatin1String("import"))
        return importFromSources((*core)->db, *(*core)->config, cl, me, out, err);
    if (verb == QLatin1String("list")) {
        auto all = images.list();
        if (!all) {
            err << QStringLiteral("metaldesk: ") << all.errorMessage() << Qt::endl;
            return 1;
        }
        for (const BootImage &i : std::as_const(*all))
            out << QStringLiteral("%1  %2  %3  %4  %5  %6")
                       .arg(i.name, -24)
                       .arg(i.architecture, -14)
                       .arg(i.firmware.join(QLatin1Char(',')), -10)
                       .arg(QLocale::c().formattedDataSize(i.size), 10)
                       .arg(i.state, i.version.isEmpty() ? i.location : i.version)
                << Qt::endl;
        return 0;
    }
    if (verb == QLatin1String("remove")) {
        if (auto removed = images.remove(me, cl.imageWords.value(1), cl.architecture); !removed) {
            err << QStringLiteral("metaldesk: ") << removed.errorMessage() << Qt::endl;
            return 1;
        }
        return 0;
    }
    // add NAME FILE-OR-URL
    BootImage image;
    image.name = cl.imageWords.value(1);
    image.title = cl.title;
    image.architecture = cl.architecture;
    image.firmware = cl.firmware.split(QLatin1Char(','), Qt::SkipEmptyParts);
    image.origin = ImagesText::tr("added from the command line");
    const QString source = cl.imageWords.value(2);
    const QUrl url(source);
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        return addFile((*core)->db, *(*core)->config, image, source, cl.sha256, me, err);
    // A URL is fetched by the machine's environment as it deploys: a whole disk only, since a root
    // tarball's kernel is taken out of it when it is added.
    if (url.fileName().endsWith(QLatin1String(".tar.gz")) || url.fileName().endsWith(QLatin1String(".tgz")))
        return printError(err, ImagesText::tr("a root filesystem tarball is added as a file (download it first): "
                                              "MetalDesk takes its kernel out of it"));
    image.format = BootImageStore::formatOf(url.fileName());
    image.location = source;
    auto added = images.add(me, image);
    if (!added)
        return printError(err, added.errorMessage());
    err << ImagesText::tr("%1 (%2) is in the catalogue: %3").arg(added->name, added->architecture, added->location)
        << Qt::endl;
    return 0;
}

} // namespace metaldesk
