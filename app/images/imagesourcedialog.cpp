#include "app/images/imagesourcedialog.h"

#include "app/shell/textstyle.h"
#include "core/images/signedcontent.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace metaldesk {

namespace {

// A fingerprint is compared group by group: it wraps as a whole, never between its groups.
QString unbroken(QString fingerprint) { return fingerprint.replace(QLatin1Char(' '), QChar(0x00a0)); }

} // namespace

ImageSourceDialog::ImageSourceDialog(QWidget *parent)
    : QDialog(parent),
      url_(new QLineEdit(QLatin1String(kMaasImagesUrl), this)),
      selections_(new QLineEdit(QStringLiteral("ubuntu/noble/amd64"), this)),
      keyFile_(new QLineEdit(this)),
      pastedKey_(new QPlainTextEdit(this)),
      unsigned_(new QCheckBox(tr("The mirror has no signatures: take its files unchecked"), this)),
      keyInfo_(new QLabel(this)),
      problem_(new QLabel(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Add image source"));
    url_->setObjectName(QStringLiteral("sourceUrl"));
    selections_->setObjectName(QStringLiteral("sourceSelections"));
    selections_->setToolTip(tr("os/release/architecture, separated by commas; * for any part"));
    keyFile_->setObjectName(QStringLiteral("sourceKeyFile"));
    keyFile_->setPlaceholderText(QLatin1String(kMaasKeyringPath));
    pastedKey_->setObjectName(QStringLiteral("sourcePastedKey"));
    pastedKey_->setPlaceholderText(tr("or paste the key: -----BEGIN PGP PUBLIC KEY BLOCK-----…"));
    pastedKey_->setTabChangesFocus(true);
    pastedKey_->setMaximumHeight(fontMetrics().height() * 5);
    unsigned_->setObjectName(QStringLiteral("sourceUnsigned"));
    keyInfo_->setObjectName(QStringLiteral("sourceKeyInfo"));
    keyInfo_->setWordWrap(true);
    keyInfo_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problem_->setObjectName(QStringLiteral("sourceProblem"));
    problem_->setWordWrap(true);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("&Add source"));

    auto *browse = new QPushButton(tr("&Choose…"), this);
    browse->setObjectName(QStringLiteral("sourceChooseKey"));
    setTabOrder(keyFile_, browse); // beside its field, not after the dialog's buttons (made later)
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(keyFile_, 1);
    keyRow->addWidget(browse);
    auto *form = new QFormLayout;
    form->addRow(tr("&Mirror:"), url_);
    form->addRow(tr("&Import:"), selections_);
    auto *keyLabel = new QLabel(tr("&Key file:"), this);
    keyLabel->setBuddy(keyFile_);
    form->addRow(keyLabel, keyRow);
    form->addRow(QString(), pastedKey_);
    form->addRow(QString(), unsigned_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(keyInfo_);
    layout->addWidget(problem_);
    layout->addWidget(buttons_);
    resize(fontMetrics().averageCharWidth() * 90, sizeHint().height());

    // Reading a key runs GnuPG: once the typing has paused, not at every keystroke.
    auto *keyTimer = new QTimer(this);
    keyTimer->setSingleShot(true);
    keyTimer->setInterval(300);
    connect(keyTimer, &QTimer::timeout, this, [this] {
        fileKey_.clear();
        const QString path = keyFile_->text().trimmed();
        if (!path.isEmpty()) {
            QFile f(path);
            if (f.open(QIODevice::ReadOnly))
                fileKey_ = f.readAll();
        }
        const QByteArray key = fileKey_.isEmpty() ? pastedKey_->toPlainText().toUtf8().trimmed() : fileKey_;
        if (key.isEmpty()) {
            const bool maas = ImageSourceStore::normalisedUrl(url_->text()) == QLatin1String(kMaasImagesUrl);
            keyInfo_->setText(maas ? tr("images.maas.io signs with key %1 (Ubuntu Cloud Image Builder). Debian does "
                                        "not package it: get ubuntu-cloudimage-keyring.gpg from Ubuntu and check "
                                        "its fingerprint is this one.")
                                         .arg(unbroken(spacedFingerprint(QLatin1String(kMaasKeyFingerprint))))
                                   : QString());
            setTextColor(keyInfo_, palette().color(QPalette::WindowText));
        } else if (auto keys = keyringFingerprints(key)) {
            QStringList spaced;
            for (const QString &k : *keys)
                spaced << unbroken(spacedFingerprint(k));
            keyInfo_->setText(tr("Signatures must come from: %1").arg(spaced.join(QStringLiteral("; "))));
            setTextColor(keyInfo_, palette().color(QPalette::WindowText));
        } else {
            keyInfo_->setText(asSentence(tr("This key cannot be used: %1").arg(keys.errorMessage())));
            setTextColor(keyInfo_, kErrorColor);
        }
        revalidate();
    });
    connect(browse, &QPushButton::clicked, this, &ImageSourceDialog::chooseKeyFile);
    connect(keyFile_, &QLineEdit::textChanged, keyTimer, qOverload<>(&QTimer::start));
    connect(pastedKey_, &QPlainTextEdit::textChanged, keyTimer, qOverload<>(&QTimer::start));
    connect(url_, &QLineEdit::textChanged, keyTimer, qOverload<>(&QTimer::start));
    connect(selections_, &QLineEdit::textChanged, this, &ImageSourceDialog::revalidate);
    connect(unsigned_, &QCheckBox::toggled, this, &ImageSourceDialog::revalidate);
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    url_->setFocus();
    keyTimer->start(0);
}

ImageSource ImageSourceDialog::source() const
{
    ImageSource s;
    s.url = ImageSourceStore::normalisedUrl(url_->text());
    for (const QString &part : selections_->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        s.selections << part.trimmed();
    s.keyring = fileKey_.isEmpty() ? pastedKey_->toPlainText().toUtf8().trimmed() : fileKey_;
    s.allowUnsigned = unsigned_->isChecked() && s.keyring.isEmpty();
    return s;
}

void ImageSourceDialog::revalidate()
{
    const ImageSource s = source();
    const QString wrong = ImageSourceStore::problem(s, false);
    const bool keyBad = keyInfo_->palette().color(QPalette::WindowText) == kErrorColor;
    // A missing key is already explained above, with the fingerprint to look for.
    const bool explained = s.keyring.isEmpty() && !s.allowUnsigned && !keyInfo_->text().isEmpty();
    problem_->setText(explained ? QString() : asSentence(wrong));
    setTextColor(problem_, kErrorColor);
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(wrong.isEmpty() && !keyBad);
}

void ImageSourceDialog::chooseKeyFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("The mirror's public key"), QString(),
                                                      tr("OpenPGP keys (*.gpg *.asc *.key);;All files (*)"));
    if (!path.isEmpty())
        keyFile_->setText(path);
}

} // namespace metaldesk
