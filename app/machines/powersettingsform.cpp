#include "app/machines/powersettingsform.h"

#include "core/power/powerdrivers.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFormLayout>
#include <QLineEdit>

namespace metaldesk {

PowerSettingsForm::PowerSettingsForm(const PowerDrivers &drivers, QWidget *parent)
    : QWidget(parent), drivers_(drivers), type_(new QComboBox(this)), form_(new QFormLayout(this))
{
    setObjectName(QStringLiteral("powerSettings"));
    type_->setObjectName(QStringLiteral("powerType"));
    type_->addItem(tr("None"), QString());
    type_->setToolTip(tr("How MetalDesk switches the machine on and off; none: it does not"));
    for (const PowerDriver *driver : drivers_.all())
        type_->addItem(driver->label(), driver->type());
    form_->setContentsMargins(0, 0, 0, 0);
    form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form_->addRow(tr("Power driver:"), type_);
    connect(type_, &QComboBox::currentIndexChanged, this, [this] {
        rebuild();
        emit changed();
    });
}

void PowerSettingsForm::setSettings(const QString &powerType, const QJsonObject &parameters)
{
    values_ = parameters;
    const int index = type_->findData(powerType);
    const QSignalBlocker quiet(type_);
    type_->setCurrentIndex(index < 0 ? 0 : index);
    rebuild();
}

QString PowerSettingsForm::powerType() const { return type_->currentData().toString(); }

QJsonObject PowerSettingsForm::parameters() const
{
    QJsonObject result;
    for (auto it = fields_.cbegin(); it != fields_.cend(); ++it)
        if (const QString value = it.value()->text().trimmed(); !value.isEmpty())
            result.insert(it.key(), value);
    return result;
}

QString PowerSettingsForm::problem() const { return powerSettingsProblem(drivers_, powerType(), parameters()); }

void PowerSettingsForm::setEditable(bool editable)
{
    editable_ = editable;
    type_->setEnabled(editable);
    for (QLineEdit *field : std::as_const(fields_))
        field->setReadOnly(!editable);
}

void PowerSettingsForm::rebuild()
{
    for (auto it = fields_.cbegin(); it != fields_.cend(); ++it)
        if (!it.value()->text().isEmpty())
            values_.insert(it.key(), it.value()->text());
    while (form_->rowCount() > 1)
        form_->removeRow(1);
    fields_.clear();
    const PowerDriver *driver = drivers_.find(powerType());
    if (!driver)
        return;
    for (const PowerParameter &p : driver->parameters()) {
        auto *field = new QLineEdit(this);
        field->setObjectName(p.name);
        field->setText(values_.value(p.name).toVariant().toString());
        field->setPlaceholderText(p.required ? tr("required") : p.defaultValue);
        field->setReadOnly(!editable_);
        if (p.secret)
            field->setEchoMode(QLineEdit::Password); // never shown, nor in a screenshot
        connect(field, &QLineEdit::textChanged, this, &PowerSettingsForm::changed);
        fields_.insert(p.name, field);
        form_->addRow(QCoreApplication::translate("PowerParameter", p.label) + QLatin1Char(':'), field);
    }
}

} // namespace metaldesk
