#pragma once

#include "core/images/imageupload.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace metaldesk {

// Adds a whole-disk image of one's own: the file (chosen, or its path typed), what it is called
// in the catalogue (os/release and a title), the architecture and firmware it boots on, and an
// optional SHA-256 to check it against. Says what the file is as soon as it is chosen (raw, gzip,
// xz, bzip2, qcow2 to be converted) or why it cannot be used.
class ImageUploadDialog : public QDialog {
    Q_OBJECT
public:
    explicit ImageUploadDialog(QWidget *parent = nullptr);
    ImageUpload upload() const;

private:
    void revalidate();
    void chooseFile();

    QLineEdit *file_;
    QLabel *fileInfo_;
    QLineEdit *name_;
    QLineEdit *title_;
    QComboBox *architecture_;
    QCheckBox *bios_;
    QCheckBox *uefi_;
    QLineEdit *sha256_;
    QLabel *problem_;
    QDialogButtonBox *buttons_;
    bool fileUsable_ = false;
};

} // namespace metaldesk
