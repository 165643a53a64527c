#include "app/machines/addmachinedialog.h"

#include "app/machines/powersettingsform.h"
#include "app/shell/textstyle.h"
#include "core/runtime/coreservices.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace metaldesk {

AddMachineDialog::AddMachineDialog(CoreServices &core, const Actor &admin, QWidget *parent)
    : QDialog(parent),
      core_(core),
      admin_(admin),
      hostname_(new QLineEdit(this)),
      architecture_(new QComboBox(this)),
      macs_(new QLineEdit(this)),
      power_(new PowerSettingsForm(core.power->drivers(), this)),
      problem_(new QLabel(this)),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("addMachineDialog"));
    setWindowTitle(tr("Add machine"));
    hostname_->setObjectName(QStringLiteral("hostname"));
    hostname_->setPlaceholderText(tr("empty: a random two-word name"));
    architecture_->setObjectName(QStringLiteral("architecture"));
    architecture_->addItems(
        {QStringLiteral("amd64/generic"), QStringLiteral("arm64/generic"), QStringLiteral("i386/generic")});
    macs_->setObjectName(QStringLiteral("macAddresses"));
    macs_->setPlaceholderText(tr("52:54:00:12:34:56, another one, ..."));
    macs_->setToolTip(tr("The machine's network interfaces; the first is the one it boots from"));
    problem_->setObjectName(QStringLiteral("addMachineProblem"));
    problem_->setWordWrap(true);
    setTextColor(problem_, kErrorColor);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Add machine"));

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Hostname:"), hostname_);
    form->addRow(tr("Architecture:"), architecture_);
    form->addRow(tr("MAC addresses:"), macs_);
    auto *powerBox = new QGroupBox(tr("Power"), this);
    auto *powerLayout = new QVBoxLayout(powerBox);
    powerLayout->addWidget(power_);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(powerBox);
    layout->addWidget(problem_);
    layout->addStretch(1);
    layout->addWidget(buttons_);
    setMinimumWidth(fontMetrics().averageCharWidth() * 70);

    connect(buttons_, &QDialogButtonBox::accepted, this, &AddMachineDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &AddMachineDialog::reject);
    connect(hostname_, &QLineEdit::textChanged, this, &AddMachineDialog::validate);
    connect(macs_, &QLineEdit::textChanged, this, &AddMachineDialog::validate);
    connect(power_, &PowerSettingsForm::changed, this, &AddMachineDialog::validate);
    validate();
}

NewMachine AddMachineDialog::spec() const
{
    NewMachine spec;
    spec.hostname = hostname_->text().trimmed();
    spec.architecture = architecture_->currentText();
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    spec.macAddresses = macs_->text().split(separators, Qt::SkipEmptyParts);
    spec.powerType = power_->powerType();
    spec.powerParameters = power_->parameters();
    return spec;
}

void AddMachineDialog::validate()
{
    const NewMachine s = spec();
    QString problem = LifecycleEngine::validate(s);
    if (problem.isEmpty() && s.macAddresses.isEmpty())
        problem = tr("give at least one MAC address: the one the machine boots from");
    if (problem.isEmpty())
        problem = power_->problem();
    // Nothing typed yet is not an error worth red text: the button alone stays off.
    const bool untouched = hostname_->text().isEmpty() && macs_->text().isEmpty();
    problem_->setText(untouched ? QString() : asSentence(problem));
    problem_->setVisible(!untouched && !problem.isEmpty());
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

void AddMachineDialog::accept()
{
    auto created = core_.engine->createMachine(spec(), admin_);
    if (!created) { // a MAC of another machine, the database: said here, nothing is lost
        problem_->setText(asSentence(created.errorMessage()));
        problem_->show();
        return;
    }
    added_ = created->systemId;
    QDialog::accept();
}

} // namespace metaldesk
