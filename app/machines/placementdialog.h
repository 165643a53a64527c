#pragma once

#include "core/machines/labelstore.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace metaldesk {

// Edit placement (MAAS's "Edit" on a machine's configuration): the zone, the resource pool and the
// tags API clients such as juju allocate by. A zone or pool typed that does not exist yet is
// created; the machine's change is written in one go (LabelStore::place) or not at all.
class PlacementDialog : public QDialog {
    Q_OBJECT
public:
    PlacementDialog(LabelStore &labels, const Actor &admin, const Machine &machine, QWidget *parent = nullptr);

    // The tags as typed: separated by commas or spaces, without duplicates.
    QStringList tags() const;
    void accept() override;

private:
    void validate();

    LabelStore &labels_;
    Actor admin_;
    QString systemId_;
    QComboBox *zone_;
    QComboBox *pool_;
    QLineEdit *tags_;
    QLabel *problem_;
    QDialogButtonBox *buttons_;
    QStringList knownZones_;
    QStringList knownPools_;
};

} // namespace metaldesk
