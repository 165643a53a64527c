#pragma once

#include "core/images/bootimagestore.h"
#include "core/lifecycle/actionrunner.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace metaldesk {

// The dialog of one Take action: which of the selected machines it will be taken on and which not
// (with why), the action's options (Commission: keep powered on; Deploy: image and user-data;
// Release: erasing), and a button that names what it does ("Deploy 3 machines").
class ActionDialog : public QDialog {
    Q_OBJECT
public:
    // What the options start from, read from the catalogue and the settings by the page.
    struct Defaults {
        // Deploy offers the catalogue's deployable images that fit the machines (their
        // architecture), `image` (a name, os/release) first; and, last, another image by URL or path.
        QList<BootImage> images;
        QString image;
        QString eraseMode; // Release: "", "quick" or "secure" (ActionRunner::defaultEraseMode)
    };
    ActionDialog(NodeAction action, const QList<Machine> &machines, const Actor &actor, const Defaults &defaults = {},
                 QWidget *parent = nullptr);

    ActionRequest request() const;
    // The machines the action will be taken on (those it is offered for).
    const QList<Machine> &machines() const { return willAct_; }

private:
    void revalidate();

    NodeAction action_;
    QList<Machine> willAct_;
    QCheckBox *keepPoweredOn_ = nullptr;
    QComboBox *image_ = nullptr;    // the catalogue's images, then "another image"
    QLineEdit *imageUrl_ = nullptr; // that other image's URL or path
    QLabel *imageNote_ = nullptr;
    QPlainTextEdit *userData_ = nullptr;
    QComboBox *erase_ = nullptr;
    QLabel *problem_;
    QDialogButtonBox *buttons_;
};

} // namespace metaldesk
