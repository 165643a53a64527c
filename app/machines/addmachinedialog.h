#pragma once

#include "core/machines/machine.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace metaldesk {

struct CoreServices;
class PowerSettingsForm;

// Add machine (MAAS's): one machine by its MAC addresses and power settings, for hardware that
// will not PXE-boot by itself into enlistment. Checked as typed; the engine creates it as New.
class AddMachineDialog : public QDialog {
    Q_OBJECT
public:
    AddMachineDialog(CoreServices &core, const Actor &admin, QWidget *parent = nullptr);

    // The machine as typed so far.
    NewMachine spec() const;
    // The machine added (after Accept), for the page to select.
    const QString &addedSystemId() const { return added_; }
    void accept() override;

private:
    void validate();

    CoreServices &core_;
    Actor admin_;
    QLineEdit *hostname_;
    QComboBox *architecture_;
    QLineEdit *macs_;
    PowerSettingsForm *power_;
    QLabel *problem_;
    QDialogButtonBox *buttons_;
    QString added_;
};

} // namespace metaldesk
