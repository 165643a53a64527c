#pragma once

#include "core/chassis/chassissync.h"

#include <QWidget>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;
class QTableWidget;

namespace metaldesk {

struct CoreServices;
class JobProgressBar;
template <typename Result>
class ResultJob;

// The chassis MetalDesk knows, each with its type, address, prefix, machines, last sync and the
// error of a sync that failed, in place (a vSphere host's changed certificate with a way to trust it). Add chassis
// opens the wizard; Re-sync lists the host again in a job with progress and applies what changed; Remove forgets the
// chassis and keeps its machines. Administrators act; everyone else reads.
class ChassisPage : public QWidget {
    Q_OBJECT
public:
    explicit ChassisPage(CoreServices &core, QWidget *parent = nullptr);
    ~ChassisPage() override;
    void setUser(const std::optional<Actor> &user);
    void refresh();
    void select(qint64 chassisId);
    void resyncSelected();
    void removeSelected(); // asks first
    // After a re-sync refused a vSphere host's changed certificate: asks, showing both
    // fingerprints, then trusts the new one and re-syncs.
    void trustNewCertificate();
    bool isSyncing() const;

private:
    std::optional<Chassis> selected() const;
    void updateButtons();
    void syncDone();

    CoreServices &core_;
    std::optional<Actor> user_;
    QList<Chassis> chassis_;
    QTableWidget *table_;
    QPushButton *add_;
    QPushButton *resync_;
    QPushButton *remove_;
    QPushButton *trust_;
    JobProgressBar *progress_;
    QLabel *result_;
    QLabel *empty_;
    std::unique_ptr<ResultJob<Expected<QList<ChassisVm>>>> job_;
    Chassis syncing_;
    std::shared_ptr<QString> presented_; // the certificate the host showed the job
    QString newCertificate_;             // what Trust would pin
    std::optional<SyncOutcome> outcome_; // written by the job's commit, read when it has finished
};

} // namespace metaldesk
