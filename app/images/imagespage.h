#pragma once

#include "core/images/imageimport.h"
#include "core/images/imageupload.h"

#include <QWidget>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;
class QTableWidget;

namespace metaldesk {

struct CoreServices;
class JobProgressBar;

// The images MetalDesk deploys and where they come from: the simplestreams sources (URL, what
// is selected, the keys their signatures must come from), Import now as a job with progress
// (the file being fetched, the rate, the time left; Pause keeps what was fetched for Resume, Cancel
// throws it away), and the catalogue with each image's
// version, size, format and state; Add image puts a whole-disk image of one's own in it, with
// the same progress. Administrators act; everyone else reads.
class ImagesPage : public QWidget {
    Q_OBJECT
public:
    ImagesPage(CoreServices &core, QString bootRoot, QWidget *parent = nullptr);
    ~ImagesPage() override;
    void setUser(const std::optional<Actor> &user);
    void refresh();
    void addSource();            // opens the source dialog
    void removeSelectedSource(); // asks first
    void importNow();            // or, after a pause, resumes
    void pauseImport();          // stops, keeping what was fetched for Resume (HTTP ranges)
    void addImage();             // opens the upload dialog, then copies the file in as a job
    bool isImporting() const;
    bool isUploading() const;

private:
    void updateButtons();
    void importDone();
    void showFiles(const JobProgress &progress);
    void uploadDone();
    std::optional<ImageSource> selectedSource() const;

    CoreServices &core_;
    QString bootRoot_;
    std::optional<Actor> user_;
    QList<ImageSource> sources_;
    QTableWidget *sourceTable_;
    QTableWidget *imageTable_;
    QPushButton *addSource_;
    QPushButton *removeSource_;
    QPushButton *import_;
    QPushButton *pause_;
    QPushButton *addImage_;
    bool paused_ = false;                          // the last import was paused, not cancelled: Import resumes it
    bool pauseAsked_ = false;                      // the running import is being paused
    std::optional<ImportSettings> importSettings_; // the running or paused import's
    JobProgressBar *progress_;
    QTableWidget *files_; // the import's files, each with its own bar
    QLabel *result_;
    QLabel *noSource_;
    std::unique_ptr<ResultJob<ImportOutcome>> job_;
    std::unique_ptr<ResultJob<BootImage>> upload_;
};

} // namespace metaldesk
