#pragma once

#include "core/chassis/chassissync.h"

#include <QWizard>
#include <memory>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace metaldesk {

struct CoreServices;
class JobProgressBar;
template <typename Result>
class ResultJob;

// Add chassis (MAAS's): a libvirt host, or a vCenter/ESXi host with its credentials → Test
// connection lists its VMs in a job (the real error when it cannot; a certificate no authority
// vouches for is shown by its fingerprint, trusted only once the user confirms it) → the VMs, filtered by a name prefix
// as typed, each with what will happen to it, checked or not → the chassis is stored and the chosen VMs become machines
// in New (optionally commissioned) → what was created, updated and skipped, each with why.
class AddChassisWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId {
        HostPage,
        VmsPage,
        ResultPage
    };
    AddChassisWizard(CoreServices &core, const Actor &admin, QWidget *parent = nullptr);
    ~AddChassisWizard() override;

    Chassis chassis() const; // as typed
    // The listing's outcome, once Test connection has run.
    bool listed() const { return vms_.has_value(); }
    void testConnection();
    bool validateCurrentPage() override;
    void initializePage(int id) override;

signals:
    void listingFinished();

private:
    void listingDone();
    void startAdding(); // stores the chassis and the chosen VMs' machines, on the pool
    void addingDone();
    void typeChanged();
    QString connectionKey() const; // what the listing depends on: a change makes it stale
    void showPlan();
    QSet<QString> chosen() const;

    CoreServices &core_;
    Actor admin_;
    QComboBox *type_;
    QLineEdit *address_;
    QLineEdit *user_;
    QLineEdit *password_;
    QCheckBox *trust_;
    QFormLayout *form_ = nullptr;
    QLineEdit *name_;
    QPushButton *test_;
    JobProgressBar *progress_;
    QLabel *connection_;
    QLineEdit *prefix_;
    QTreeWidget *vmList_;
    QCheckBox *commission_;
    QLabel *summary_;
    QLabel *result_;
    std::unique_ptr<ResultJob<QList<ChassisVm>>> job_;
    std::optional<QList<ChassisVm>> vms_;
    QString listedKey_;
    QString listedAddress_;
    std::shared_ptr<QString> presented_ = std::make_shared<QString>(); // the certificate's fingerprint, from the job
    QString trusted_;                                                  // the fingerprint the user confirmed
    SyncPlan plan_;
    // The final step: its writes run in the job's commit, off the window's thread.
    std::optional<Chassis> added_;                 // set by the commit, read when it finished
    std::optional<Expected<SyncOutcome>> outcome_; // likewise
    bool applied_ = false;
    std::unique_ptr<ResultJob<bool>> addJob_; // last: goes first, waiting for its commit
};

} // namespace metaldesk
