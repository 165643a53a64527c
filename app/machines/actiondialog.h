#pragma once

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
    // `defaultImage`: what a deployment without an image of its own installs (shown as a hint).
    ActionDialog(NodeAction action, const QList<Machine> &machines, const Actor &actor, const QString &defaultImage,
                 QWidget *parent = nullptr);

    ActionRequest request() const;
    // The machines the action will be taken on (those it is offered for).
    const QList<Machine> &machines() const { return willAct_; }

private:
    void revalidate();

    NodeAction action_;
    QList<Machine> willAct_;
    QCheckBox *keepPoweredOn_ = nullptr;
    QLineEdit *image_ = nullptr;
    QPlainTextEdit *userData_ = nullptr;
    QComboBox *erase_ = nullptr;
    QLabel *problem_;
    QDialogButtonBox *buttons_;
};

} // namespace metaldesk
