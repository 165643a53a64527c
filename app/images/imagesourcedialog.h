#pragma once

#include "core/images/imagesources.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace metaldesk {

// Adds a simplestreams mirror: its address (MAAS's to start with), what to import from it
// (ubuntu/noble/amd64), and the key its signatures must come from, chosen as a file or pasted;
// or, said explicitly, no signatures at all. Shows the key's fingerprint as it is read, and
// MAAS's expected one when that mirror's keyring is not on this computer.
class ImageSourceDialog : public QDialog {
    Q_OBJECT
public:
    explicit ImageSourceDialog(QWidget *parent = nullptr);
    ImageSource source() const;

private:
    void revalidate();
    void chooseKeyFile();

    QLineEdit *url_;
    QLineEdit *selections_;
    QLineEdit *keyFile_;
    QPlainTextEdit *pastedKey_;
    QCheckBox *unsigned_;
    QLabel *keyInfo_;
    QLabel *problem_;
    QDialogButtonBox *buttons_;
    QByteArray fileKey_;
};

} // namespace metaldesk
