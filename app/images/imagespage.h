#pragma once

#include "core/images/imageimport.h"

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
// (the file being fetched, the rate, the time left, Cancel), and the catalogue with each image's
// version, size, format and state. Administrators act; everyone else reads.
class ImagesPage : public QWidget {
    Q_OBJECT
public:
    ImagesPage(CoreServices &core, QString bootRoot, QWidget *parent = nullptr);
    ~ImagesPage() override;
    void setUser(const std::optional<Actor> &user);
    void refresh();
    void addSource();            // opens the source dialog
    void removeSelectedSource(); // asks first
    void importNow();
    bool isImporting() const;

private:
    void updateButtons();
    void importDone();
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
    JobProgressBar *progress_;
    QLabel *result_;
    QLabel *noSource_;
    std::unique_ptr<ResultJob<ImportOutcome>> job_;
};

} // namespace metaldesk
