#include "app/images/imageuploaddialog.h"

#include "app/shell/textstyle.h"
#include "core/machines/inventory.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace metaldesk {

ImageUploadDialog::ImageUploadDialog(QWidget *parent)
    : QDialog(parent),
      file_(new QLineEdit(this)),
      fileInfo_(new QLabel(this)),
      name_(new QLineEdit(this)),
      title_(new QLineEdit(this)),
      architecture_(new QComboBox(this)),
      bios_(new QCheckBox(tr("&BIOS"), this)),
      uefi_(new QCheckBox(tr("&UEFI"), this)),
      sha256_(new QLineEdit(this)),
      problem_(new QLabel(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Add image"));
    file_->setObjectName(QStringLiteral("uploadFile"));
    file_->setPlaceholderText(tr("a whole-disk image (.img, .raw, .gz, .xz, .bz2, .qcow2) or a root .tar.gz"));
    fileInfo_->setObjectName(QStringLiteral("uploadFileInfo"));
    fileInfo_->setWordWrap(true);
    // Room for a refusal's two lines from the start: the form does not grow for a wrapped label.
    fileInfo_->setMinimumHeight(fontMetrics().lineSpacing() * 2 + 2);
    name_->setObjectName(QStringLiteral("uploadName"));
    name_->setPlaceholderText(QStringLiteral("debian/bookworm"));
    name_->setToolTip(tr("os/release, as MAAS names images; an API client deploys it by its release"));
    title_->setObjectName(QStringLiteral("uploadTitle"));
    title_->setPlaceholderText(tr("Debian 12 with our tools"));
    architecture_->setObjectName(QStringLiteral("uploadArchitecture"));
    architecture_->addItems(supportedArchitectures());
    bios_->setObjectName(QStringLiteral("uploadBios"));
    uefi_->setObjectName(QStringLiteral("uploadUefi"));
    bios_->setChecked(true);
    uefi_->setChecked(true);
    sha256_->setObjectName(QStringLiteral("uploadSha256"));
    sha256_->setPlaceholderText(tr("optional: the file's SHA-256, checked as it is copied"));
    problem_->setObjectName(QStringLiteral("uploadProblem"));
    problem_->setWordWrap(true);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("&Add image"));

    auto *browse = new QPushButton(tr("&Choose…"), this);
    browse->setObjectName(QStringLiteral("uploadChoose"));
    setTabOrder(file_, browse); // beside its field, not after the dialog's buttons (made later)
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(file_, 1);
    fileRow->addWidget(browse);
    auto *firmware = new QHBoxLayout;
    firmware->addWidget(bios_);
    firmware->addWidget(uefi_);
    firmware->addStretch(1);
    auto *form = new QFormLayout;
    auto *fileLabel = new QLabel(tr("&File:"), this);
    fileLabel->setBuddy(file_);
    form->addRow(fileLabel, fileRow);
    form->addRow(QString(), fileInfo_);
    form->addRow(tr("&Name:"), name_);
    form->addRow(tr("&Title:"), title_);
    form->addRow(tr("A&rchitecture:"), architecture_);
    form->addRow(tr("Boots on:"), firmware);
    form->addRow(tr("&SHA-256:"), sha256_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(problem_);
    layout->addWidget(buttons_);
    resize(fontMetrics().averageCharWidth() * 100, sizeHint().height());

    connect(browse, &QPushButton::clicked, this, &ImageUploadDialog::chooseFile);
    connect(file_, &QLineEdit::textChanged, this, [this] {
        // The first 64 KiB say what the file is: cheap enough to read as the path changes.
        const QString path = file_->text().trimmed();
        fileUsable_ = false;
        if (path.isEmpty()) {
            fileInfo_->clear();
        } else if (auto format = diskImageFormat(path)) {
            fileUsable_ = true;
            const QString size = QLocale().formattedDataSize(QFileInfo(path).size());
            fileInfo_->setText(
                *format == QLatin1String("qcow2")
                    ? tr("A qcow2 image of %1: converted to a raw disk as it is added.").arg(size)
                : *format == QLatin1String("root-tgz")
                    ? tr("A root filesystem tarball of %1: installed with the kernel and initrd in its /boot.")
                          .arg(size)
                    : tr("A whole-disk image (%1), %2.").arg(*format, size));
            setTextColor(fileInfo_, palette().color(QPalette::WindowText));
        } else {
            // It starts with the file's name: kept as it is spelled, not capitalised.
            fileInfo_->setText(format.errorMessage() + QLatin1Char('.'));
            setTextColor(fileInfo_, kErrorColor);
        }
        revalidate();
    });
    for (QLineEdit *edit : {name_, title_, sha256_})
        connect(edit, &QLineEdit::textChanged, this, &ImageUploadDialog::revalidate);
    connect(bios_, &QCheckBox::toggled, this, &ImageUploadDialog::revalidate);
    connect(uefi_, &QCheckBox::toggled, this, &ImageUploadDialog::revalidate);
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    file_->setFocus();
    revalidate();
}

ImageUpload ImageUploadDialog::upload() const
{
    ImageUpload u;
    u.sourcePath = file_->text().trimmed();
    u.expectedSha256 = sha256_->text().trimmed();
    u.image.name = name_->text().trimmed();
    u.image.title = title_->text().trimmed();
    u.image.architecture = architecture_->currentText();
    if (bios_->isChecked())
        u.image.firmware << QStringLiteral("bios");
    if (uefi_->isChecked())
        u.image.firmware << QStringLiteral("uefi");
    return u;
}

void ImageUploadDialog::revalidate()
{
    const ImageUpload u = upload();
    // The file's own problem is said beside it; the rest (name, firmware, SHA-256) here, as the
    // upload itself will check it.
    QString wrong;
    if (u.sourcePath.isEmpty())
        wrong = tr("Choose the image file");
    else if (u.image.name.isEmpty())
        wrong = tr("Give the image a name, as os/release (debian/bookworm)");
    else if (auto checked = checkUpload(u); !checked && fileUsable_)
        wrong = checked.errorMessage();
    problem_->setText(asSentence(wrong));
    setTextColor(problem_, kErrorColor);
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(wrong.isEmpty() && fileUsable_);
}

void ImageUploadDialog::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("The image file"), QString(), tr("Images (*.img *.raw *.gz *.xz *.bz2 *.qcow2 *.tgz);;All files (*)"));
    if (!path.isEmpty())
        file_->setText(path);
}

} // namespace metaldesk
