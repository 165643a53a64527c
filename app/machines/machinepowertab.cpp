#include "app/machines/machinepowertab.h"

#include "core/lifecycle/permissions.h"

#include "app/machines/machinetablemodel.h"
#include "app/machines/powersettingsform.h"
#include "app/shell/textstyle.h"
#include "core/runtime/coreservices.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace metaldesk {

MachinePowerTab::MachinePowerTab(CoreServices &core, QWidget *parent)
    : QWidget(parent),
      core_(core),
      state_(new QLabel(this)),
      check_(new QPushButton(tr("&Check power now"), this)),
      checkResult_(new QLabel(this)),
      form_(new PowerSettingsForm(core.power->drivers(), this)),
      formNote_(new QLabel(this)),
      save_(new QPushButton(tr("&Save power settings"), this))
{
    setObjectName(QStringLiteral("powerTab"));
    state_->setObjectName(QStringLiteral("powerState"));
    QFont bold = state_->font();
    bold.setBold(true);
    state_->setFont(bold);
    check_->setObjectName(QStringLiteral("checkPower"));
    check_->setToolTip(tr("Ask the machine's power driver whether it is on or off"));
    checkResult_->setObjectName(QStringLiteral("checkResult"));
    checkResult_->setWordWrap(true);
    checkResult_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    formNote_->setObjectName(QStringLiteral("powerSettingsNote"));
    formNote_->setWordWrap(true);
    save_->setObjectName(QStringLiteral("savePower"));

    auto *stateRow = new QHBoxLayout;
    stateRow->addWidget(new QLabel(tr("Power:"), this));
    stateRow->addWidget(state_);
    stateRow->addSpacing(fontMetrics().averageCharWidth() * 4);
    stateRow->addWidget(check_);
    stateRow->addStretch(1);

    auto *settings = new QGroupBox(tr("Power settings"), this);
    auto *settingsLayout = new QVBoxLayout(settings);
    settingsLayout->addWidget(form_);
    settingsLayout->addWidget(formNote_);
    auto *saveRow = new QHBoxLayout;
    saveRow->addStretch(1);
    saveRow->addWidget(save_);
    settingsLayout->addLayout(saveRow);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(stateRow);
    layout->addWidget(checkResult_);
    layout->addWidget(settings);
    layout->addStretch(1);

    connect(check_, &QPushButton::clicked, this, &MachinePowerTab::checkPowerNow);
    connect(save_, &QPushButton::clicked, this, &MachinePowerTab::saveSettings);
    connect(form_, &PowerSettingsForm::changed, this, &MachinePowerTab::updateButtons);
    // Emitted on the service's threads: queued here.
    connect(core_.power.get(), &PowerService::finished, this, &MachinePowerTab::finished);
}

void MachinePowerTab::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    form_->setEditable(canEdit());
    updateButtons();
}

void MachinePowerTab::showMachine(const Machine &machine)
{
    const bool other = !machine_ || machine_->systemId != machine.systemId;
    const bool settingsChanged =
        other || machine_->powerType != machine.powerType || machine_->powerParameters != machine.powerParameters;
    machine_ = machine;
    if (other) {
        checking_ = false;
        checkResult_->clear();
        checkResult_->hide();
    }
    if (settingsChanged)
        form_->setSettings(machine.powerType, machine.powerParameters);
    state_->setText(MachineTableModel::powerStateText(machine.powerState));
    setTextColor(state_,
                 machine.powerState == QLatin1String("error") ? kErrorColor : palette().color(QPalette::WindowText));
    updateButtons();
}

void MachinePowerTab::checkPowerNow()
{
    if (!machine_ || !user_ || machine_->powerType.isEmpty() || checking_)
        return;
    checking_ = true;
    checkResult_->setText(tr("Checking…"));
    setTextColor(checkResult_, palette().color(QPalette::WindowText));
    checkResult_->show();
    core_.power->check(machine_->systemId, *user_);
    updateButtons();
}

void MachinePowerTab::finished(const QString &systemId, bool ok)
{
    if (!machine_ || systemId != machine_->systemId || !checking_)
        return;
    checking_ = false;
    // The outcome is the power event just written: "Power checked: on", or why it failed.
    checkResult_->setText(asSentence(lastPowerEvent()));
    setTextColor(checkResult_, ok ? palette().color(QPalette::WindowText) : kErrorColor);
    updateButtons();
}

QString MachinePowerTab::lastPowerEvent() const
{
    auto events = core_.events->forMachine(machine_->systemId, 20);
    if (!events)
        return events.errorMessage();
    for (const Event &e : std::as_const(*events))
        if (e.type == QLatin1String("power"))
            return e.text();
    return {};
}

bool MachinePowerTab::canEdit() const { return user_ && isAllowed(Capability::EditPowerSettings, *user_); }

void MachinePowerTab::saveSettings()
{
    if (!machine_ || !canEdit() || !form_->problem().isEmpty())
        return;
    auto saved = core_.power->saveSettings(*user_, machine_->systemId, form_->powerType(), form_->parameters());
    formNote_->setText(saved ? tr("Saved.") : asSentence(saved.errorMessage()));
    setTextColor(formNote_, saved ? palette().color(QPalette::WindowText) : kErrorColor);
    // The change feed brings the saved settings back through showMachine.
}

void MachinePowerTab::updateButtons()
{
    const bool hasDriver = machine_ && !machine_->powerType.isEmpty();
    check_->setEnabled(user_ && hasDriver && !checking_);
    check_->setToolTip(hasDriver ? tr("Ask the machine's power driver whether it is on or off")
                                 : tr("Set a power driver first"));
    const bool admin = canEdit();
    const bool edited =
        machine_ && (form_->powerType() != machine_->powerType || form_->parameters() != machine_->powerParameters);
    const QString problem = form_->problem();
    save_->setVisible(admin);
    save_->setEnabled(admin && edited && problem.isEmpty());
    if (!admin)
        formNote_->setText(tr("Only administrators can change the power settings."));
    else if (!problem.isEmpty())
        formNote_->setText(asSentence(problem));
    else if (edited)
        formNote_->setText(tr("Not saved yet."));
    else if (formNote_->text() != tr("Saved."))
        formNote_->clear();
    setTextColor(formNote_, admin && !problem.isEmpty() ? kErrorColor : hintColor(palette()));
}

} // namespace metaldesk
