#include "app/images/imagespage.h"

#include "app/images/imagesourcedialog.h"
#include "app/images/imageuploaddialog.h"
#include "app/shell/jobprogressbar.h"
#include "app/shell/textstyle.h"
#include "core/images/signedcontent.h"
#include "core/lifecycle/permissions.h"
#include "core/runtime/coreservices.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QThreadPool>
#include <QVBoxLayout>

namespace metaldesk {

namespace {

QTableWidget *makeTable(const QStringList &headers, QWidget *parent)
{
    auto *table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setWordWrap(false);
    return table;
}

void fillRow(QTableWidget *table, int row, const QStringList &cells)
{
    for (int column = 0; column < cells.size(); ++column) {
        auto *item = new QTableWidgetItem(cells[column]);
        item->setToolTip(cells[column]);
        table->setItem(row, column, item);
    }
}

} // namespace

ImagesPage::ImagesPage(CoreServices &core, QString bootRoot, QWidget *parent)
    : QWidget(parent),
      core_(core),
      bootRoot_(std::move(bootRoot)),
      sourceTable_(makeTable({tr("Mirror"), tr("Imports"), tr("Signed by")}, this)),
      imageTable_(makeTable({tr("Image"), tr("Architecture"), tr("Version"), tr("Format"), tr("Boots"), tr("Size"),
                             tr("State"), tr("Used by"), tr("Origin")},
                            this)),
      addSource_(new QPushButton(tr("&Add source…"), this)),
      removeSource_(new QPushButton(tr("Re&move source…"), this)),
      import_(new QPushButton(tr("&Import now"), this)),
      pause_(new QPushButton(tr("&Pause"), this)),
      addImage_(new QPushButton(tr("Add i&mage…"), this)),
      progress_(new JobProgressBar(this)),
      files_(makeTable({tr("File"), tr("Size"), tr("Progress"), tr("Speed"), tr("Time left"), tr("State")}, this)),
      result_(new QLabel(this)),
      noSource_(new QLabel(this))
{
    sourceTable_->setObjectName(QStringLiteral("imageSources"));
    imageTable_->setObjectName(QStringLiteral("imageCatalogue"));
    addSource_->setObjectName(QStringLiteral("addImageSource"));
    removeSource_->setObjectName(QStringLiteral("removeImageSource"));
    import_->setObjectName(QStringLiteral("importImages"));
    pause_->setObjectName(QStringLiteral("pauseImport"));
    addImage_->setObjectName(QStringLiteral("addImage"));
    addImage_->setToolTip(tr("Add an image of your own to the catalogue: a whole-disk image (raw, gzip, xz, bzip2 or "
                             "qcow2) or a root filesystem tarball (.tar.gz)"));
    pause_->setToolTip(tr("Stop the import and keep what was fetched: Resume goes on from there"));
    result_->setObjectName(QStringLiteral("importResult"));
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    noSource_->setObjectName(QStringLiteral("noImageSource"));
    noSource_->setWordWrap(true);
    noSource_->setText(tr("No image source yet. Add one to import Ubuntu's images as MAAS does (images.maas.io), "
                          "or add a whole-disk image of your own (Add image). Machines enlist and commission without "
                          "any image."));
    progress_->hide();
    files_->setObjectName(QStringLiteral("importFiles"));
    files_->setSelectionMode(QAbstractItemView::NoSelection);
    files_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    files_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Fixed);
    files_->setColumnWidth(2, 180);
    files_->horizontalHeader()->setStretchLastSection(false);
    files_->hide();
    sourceTable_->setMaximumHeight(sourceTable_->verticalHeader()->defaultSectionSize() * 5);

    auto *sourcesTitle = new QLabel(tr("<b>Sources</b>"), this);
    auto *catalogueTitle = new QLabel(tr("<b>Catalogue</b>"), this);
    auto *catalogueButtons = new QHBoxLayout;
    catalogueButtons->addWidget(catalogueTitle);
    catalogueButtons->addStretch(1);
    catalogueButtons->addWidget(addImage_);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(addSource_);
    buttons->addWidget(removeSource_);
    buttons->addWidget(import_);
    buttons->addWidget(pause_);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(sourcesTitle);
    layout->addLayout(buttons);
    layout->addWidget(noSource_);
    layout->addWidget(sourceTable_);
    layout->addWidget(progress_);
    layout->addWidget(files_);
    layout->addWidget(result_);
    layout->addLayout(catalogueButtons);
    layout->addWidget(imageTable_, 1);

    connect(addSource_, &QPushButton::clicked, this, &ImagesPage::addSource);
    connect(removeSource_, &QPushButton::clicked, this, &ImagesPage::removeSelectedSource);
    connect(import_, &QPushButton::clicked, this, &ImagesPage::importNow);
    connect(pause_, &QPushButton::clicked, this, &ImagesPage::pauseImport);
    connect(addImage_, &QPushButton::clicked, this, &ImagesPage::addImage);
    connect(sourceTable_, &QTableWidget::itemSelectionChanged, this, &ImagesPage::updateButtons);
    refresh();
    setUser(std::nullopt);
}

ImagesPage::~ImagesPage() = default;

void ImagesPage::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    updateButtons();
}

bool ImagesPage::isImporting() const { return job_ && !job_->isFinished(); }

bool ImagesPage::isUploading() const { return upload_ && !upload_->isFinished(); }

void ImagesPage::refresh()
{
    auto sources = ImageSourceStore(core_.db).list();
    auto images = BootImageStore(core_.db).list();
    auto users = BootImageStore(core_.db).machinesUsing();
    if (!sources || !images || !users) {
        result_->setText(asSentence(tr("Cannot read the images: %1")
                                        .arg(!sources  ? sources.errorMessage()
                                             : !images ? images.errorMessage()
                                                       : users.errorMessage())));
        setTextColor(result_, kErrorColor);
        return;
    }
    sources_ = *sources;
    sourceTable_->setRowCount(int(sources_.size()));
    for (int row = 0; row < sources_.size(); ++row) {
        const ImageSource &s = sources_[row];
        QStringList spaced;
        for (const QString &f : s.fingerprints)
            spaced << spacedFingerprint(f);
        const QString keys = s.keyring.isEmpty() ? tr("nobody: unsigned") : spaced.join(QStringLiteral("; "));
        fillRow(sourceTable_, row, {s.url, s.selections.join(QStringLiteral(", ")), keys});
    }
    if (!selectedSource() && !sources_.isEmpty())
        sourceTable_->selectRow(0);
    noSource_->setVisible(sources_.isEmpty());

    imageTable_->setRowCount(int(images->size()));
    for (int row = 0; row < images->size(); ++row) {
        const BootImage &i = images->at(row);
        const QString state = i.deployable()   ? tr("deployable")
                              : i.isPrevious() ? tr("previous version, kept as a fallback: Deploy offers it")
                              : i.state == QLatin1String("verified")
                                  ? tr("verified, not deployable: no kernel and initrd to install with it")
                                  : i.state;
        const QStringList machines = users->value(i.location);
        QStringList boots; // the firmware it boots on, as the machines' details name it
        for (const QString &f : i.firmware)
            boots << (f == QLatin1String("bios")   ? QStringLiteral("BIOS")
                      : f == QLatin1String("uefi") ? QStringLiteral("UEFI")
                                                   : f);
        // A few names, then how many more: the column stays narrow with a rack of machines.
        const QString usedBy =
            machines.isEmpty() ? QStringLiteral("—")
            : machines.size() <= 3
                ? QLocale().createSeparatedList(machines)
                : tr("%1, %2 and %n more", nullptr, int(machines.size() - 2)).arg(machines[0], machines[1]);
        fillRow(imageTable_, row,
                {i.title.isEmpty() ? i.name : QStringLiteral("%1 — %2").arg(i.name, i.title), i.architecture,
                 i.version.isEmpty() ? QStringLiteral("—") : i.version, i.format, boots.join(QStringLiteral(", ")),
                 QLocale().formattedDataSize(i.size), state, usedBy, i.origin});
        if (machines.size() > 3)
            imageTable_->item(row, 7)->setToolTip(machines.join(QLatin1Char('\n')));
    }
    updateButtons();
}

std::optional<ImageSource> ImagesPage::selectedSource() const
{
    const auto rows = sourceTable_->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.first().row() >= sources_.size())
        return std::nullopt;
    return sources_[rows.first().row()];
}

void ImagesPage::updateButtons()
{
    const bool admin = user_ && isAllowed(Capability::ManageImages, *user_);
    addSource_->setVisible(admin);
    removeSource_->setVisible(admin);
    import_->setVisible(admin);
    pause_->setVisible(admin && isImporting());
    addImage_->setVisible(admin);
    // One job at a time follows the progress bar.
    addImage_->setEnabled(!isImporting() && !isUploading());
    pause_->setEnabled(!pauseAsked_);
    removeSource_->setEnabled(selectedSource().has_value() && !isImporting());
    import_->setEnabled(!sources_.isEmpty() && !isImporting() && !isUploading());
    import_->setText(paused_ ? tr("&Resume import") : tr("&Import now"));
    import_->setToolTip(sources_.isEmpty() ? tr("Add a source first")
                        : paused_          ? tr("Go on with the paused import: what was fetched is not fetched again")
                                           : tr("Fetch what the sources select, checking every signature and file"));
}

void ImagesPage::addSource()
{
    if (!user_)
        return;
    ImageSourceDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    auto saved = ImageSourceStore(core_.db).save(*user_, dialog.source());
    if (!saved) {
        result_->setText(asSentence(tr("The source was not added: %1").arg(saved.errorMessage())));
        setTextColor(result_, kErrorColor);
        return;
    }
    result_->setText(tr("%1 is a source: Import now fetches what it selects.").arg(saved->url));
    setTextColor(result_, palette().color(QPalette::WindowText));
    refresh();
}

void ImagesPage::removeSelectedSource()
{
    const auto source = selectedSource();
    if (!source || !user_)
        return;
    if (QMessageBox::question(this, tr("Remove image source"),
                              tr("Remove %1? The images it imported stay in the catalogue.").arg(source->url)) !=
        QMessageBox::Yes)
        return;
    if (auto removed = ImageSourceStore(core_.db).remove(*user_, source->url); !removed) {
        result_->setText(asSentence(removed.errorMessage()));
        setTextColor(result_, kErrorColor);
    }
    refresh();
}

void ImagesPage::importNow()
{
    if (!user_ || isImporting() || isUploading() || sources_.isEmpty())
        return;
    auto settings = importSettingsFor(*core_.config, bootRoot_);
    if (!settings) {
        result_->setText(asSentence(settings.errorMessage()));
        setTextColor(result_, kErrorColor);
        return;
    }
    result_->clear();
    importSettings_ = *settings;
    pauseAsked_ = false;
    job_ = makeImageImportJob(core_.db, sources_, *settings, *user_);
    connect(job_.get(), &Job::finished, this, &ImagesPage::importDone);
    connect(job_.get(), &Job::progressChanged, this, &ImagesPage::showFiles);
    files_->setRowCount(0);
    progress_->show();
    progress_->follow(job_.get(), JobProgressBar::Unit::Bytes);
    job_->start(QThreadPool::globalInstance());
    updateButtons();
}

// One row per file of the import, as the job reports it: its bar, speed, time left and state
// (fetched files are verified: their SHA-256 matched while they streamed).
void ImagesPage::showFiles(const JobProgress &progress)
{
    files_->setVisible(!progress.parts.isEmpty());
    if (files_->rowCount() != progress.parts.size()) {
        files_->setRowCount(int(progress.parts.size()));
        for (int row = 0; row < files_->rowCount(); ++row) {
            auto *bar = new QProgressBar(files_);
            bar->setRange(0, 1000);
            bar->setTextVisible(true);
            files_->setCellWidget(row, 2, bar);
        }
        // As tall as its rows (six at most, then it scrolls): the catalogue keeps the rest.
        const int shown = qMin(files_->rowCount(), 6);
        files_->setFixedHeight(files_->horizontalHeader()->sizeHint().height() +
                               shown * files_->verticalHeader()->defaultSectionSize() + 2 * files_->frameWidth());
    }
    // A file not fetched when the import ended: what happens to it depends on how it ended.
    const JobState ended = job_ ? job_->state() : JobState::Succeeded;
    const bool running = ended == JobState::Waiting || ended == JobState::Running;
    const QString stopped = pauseAsked_ && ended == JobState::Cancelled ? tr("paused: Resume import goes on")
                            : ended == JobState::Cancelled              ? tr("cancelled")
                                                                        : tr("not fetched");
    for (int row = 0; row < progress.parts.size(); ++row) {
        const JobPart &p = progress.parts[row];
        QString state;
        switch (p.state) {
        case JobPart::State::Waiting: state = running ? tr("waiting") : stopped; break;
        case JobPart::State::Running: state = running ? tr("fetching, checking SHA-256") : stopped; break;
        case JobPart::State::Done: state = tr("✓ SHA-256 verified"); break;
        case JobPart::State::Failed: state = tr("failed: %1").arg(p.error); break;
        }
        const bool moving = running && p.state == JobPart::State::Running;
        const auto left = p.remainingMs();
        fillRow(files_, row,
                {p.name, QLocale().formattedDataSize(p.total), QString(),
                 moving && p.ratePerSecond > 0 ? tr("%1/s").arg(QLocale().formattedDataSize(qint64(p.ratePerSecond)))
                                               : QString(),
                 moving && left ? durationText(*left) : QString(), state});
        auto *bar = static_cast<QProgressBar *>(files_->cellWidget(row, 2));
        bar->setValue(p.total > 0 ? int(std::clamp<qint64>(p.done * 1000 / p.total, 0, 1000)) : 0);
        bar->setFormat(p.total > 0 ? QStringLiteral("%1%").arg(double(p.done) * 100.0 / double(p.total), 0, 'f', 1)
                                   : QString());
        if (p.state == JobPart::State::Failed)
            files_->item(row, 5)->setForeground(kErrorColor);
    }
}

void ImagesPage::addImage()
{
    if (!user_ || isImporting() || isUploading())
        return;
    ImageUploadDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    ImageUpload upload = dialog.upload();
    upload.image.origin = tr("uploaded by %1").arg(user_->username);
    result_->clear();
    files_->hide();
    upload_ = makeImageUploadJob(core_.db, upload, bootRoot_, *user_);
    connect(upload_.get(), &Job::finished, this, &ImagesPage::uploadDone);
    progress_->show();
    progress_->follow(upload_.get(), JobProgressBar::Unit::Bytes);
    upload_->start(QThreadPool::globalInstance());
    updateButtons();
}

void ImagesPage::uploadDone()
{
    if (upload_->state() == JobState::Succeeded && upload_->result()) {
        const BootImage &i = *upload_->result();
        result_->setText(tr("%1 (%2) is in the catalogue, deployable: %3.")
                             .arg(i.name, i.architecture, QLocale().formattedDataSize(i.size)));
        setTextColor(result_, palette().color(QPalette::WindowText));
    } else if (upload_->state() == JobState::Cancelled) {
        result_->setText(tr("Adding the image was cancelled: nothing was kept."));
        setTextColor(result_, palette().color(QPalette::WindowText));
    } else {
        result_->setText(asSentence(tr("The image was not added: %1").arg(upload_->errorMessage())));
        setTextColor(result_, kErrorColor);
    }
    refresh();
}

void ImagesPage::pauseImport()
{
    if (!isImporting())
        return;
    pauseAsked_ = true;
    job_->cancel();
    updateButtons();
}

void ImagesPage::importDone()
{
    paused_ = false;
    showFiles(job_->progress()); // as it ended: the last progress may have come while it still ran
    if (job_->state() == JobState::Succeeded && job_->result()) {
        const ImportOutcome &outcome = *job_->result();
        QStringList names;
        for (const BootImage &i : outcome.images)
            names << QStringLiteral("%1 %2 (%3)").arg(i.name, i.architecture, i.version);
        // What was checked: the mirrors' signatures (by whose key) and every file's checksum.
        QStringList keys;
        bool unsignedSource = false;
        for (const ImageSource &s : std::as_const(sources_)) {
            unsignedSource = unsignedSource || s.keyring.isEmpty();
            for (const QString &f : s.fingerprints)
                keys << spacedFingerprint(f);
        }
        const QString signatures = keys.isEmpty() ? tr("unsigned source, as allowed")
                                   : unsignedSource
                                       ? tr("signature ✓ %1, and an unsigned source as allowed").arg(keys.join(u", "))
                                       : tr("signature ✓ %1").arg(keys.join(u", "));
        QString text =
            tr("Imported and verified: %1 (%2; SHA-256 ✓ of every file). Fetched %3.")
                .arg(names.join(QStringLiteral(", ")), signatures, QLocale().formattedDataSize(outcome.fetchedBytes));
        if (!outcome.notes.isEmpty())
            text += QLatin1Char(' ') + tr("Left out: %1.").arg(outcome.notes.join(QStringLiteral("; ")));
        result_->setText(text);
        setTextColor(result_, palette().color(QPalette::WindowText));
    } else if (job_->state() == JobState::Cancelled && pauseAsked_) {
        paused_ = true;
        progress_->hide(); // its "cancelled" would say the opposite of paused
        result_->setText(tr("Import paused: the catalogue is as it was. Resume import goes on from where it "
                            "stopped."));
        setTextColor(result_, palette().color(QPalette::WindowText));
    } else if (job_->state() == JobState::Cancelled) {
        // Cancel means the user does not want it: what was half-fetched goes too.
        auto removed = discardPartialDownloads(*importSettings_);
        result_->setText(removed ? tr("Import cancelled: the catalogue is as it was, and the %1 fetched so far were "
                                      "removed.")
                                       .arg(QLocale().formattedDataSize(*removed))
                                 : asSentence(tr("Import cancelled: the catalogue is as it was, but the partial "
                                                 "downloads stay: %1")
                                                  .arg(removed.errorMessage())));
        setTextColor(result_, palette().color(QPalette::WindowText));
    } else {
        result_->setText(asSentence(tr("Import failed, the catalogue is as it was: %1").arg(job_->errorMessage())));
        setTextColor(result_, kErrorColor);
    }
    pauseAsked_ = false;
    refresh();
}

} // namespace metaldesk
