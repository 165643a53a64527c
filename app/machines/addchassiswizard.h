#pragma once

#include "core/chassis/chassissync.h"

#include <QWizard>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace metaldesk {

struct CoreServices;
class JobProgressBar;
template <typename Result>
class ResultJob;

// Add chassis (MAAS's): a libvirt host → Test connection lists its VMs in a job (the real error
// when it cannot) → the VMs, filtered by a name prefix as typed, each with what will happen to it,
// checked or not → the chassis is stored and the chosen VMs become machines in New (optionally
// commissioned) → what was created, updated and skipped, each with why.
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
    void showPlan();
    QSet<QString> chosen() const;

    CoreServices &core_;
    Actor admin_;
    QComboBox *type_;
    QLineEdit *address_;
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
    QString listedAddress_;
    SyncPlan plan_;
};

} // namespace metaldesk
