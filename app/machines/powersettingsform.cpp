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
        type_->addItem(driver->label().translated(), driver->type());
    form_->setContentsMargins(0, 0, 0, 0);
    form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    type_->setMaximumWidth(fontMetrics().averageCharWidth() * 48);
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
    for (auto it = choices_.cbegin(); it != choices_.cend(); ++it)
        if (const QString value = it.value()->currentData().toString(); !value.isEmpty())
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
    for (QComboBox *choice : std::as_const(choices_))
        choice->setEnabled(editable);
}

void PowerSettingsForm::rebuild()
{
    for (auto it = fields_.cbegin(); it != fields_.cend(); ++it)
        if (!it.value()->text().isEmpty())
            values_.insert(it.key(), it.value()->text());
    for (auto it = choices_.cbegin(); it != choices_.cend(); ++it)
        if (const QString value = it.value()->currentData().toString(); !value.isEmpty())
            values_.insert(it.key(), value);
    while (form_->rowCount() > 1)
        form_->removeRow(1);
    fields_.clear();
    choices_.clear();
    const PowerDriver *driver = drivers_.find(powerType());
    if (!driver)
        return;
    // The fields come after the driver in the focus chain, not after the dialog's buttons (where
    // widgets made later would join it): Tab goes from the driver to its settings.
    QWidget *previous = type_;
    const int charWidth = fontMetrics().averageCharWidth();
    for (const PowerParameter &p : driver->parameters()) {
        const QString label = QCoreApplication::translate("PowerParameter", p.label) + QLatin1Char(':');
        if (!p.choices.isEmpty()) {
            // A fixed set: chosen, not typed. Empty data: not set, the driver's default applies.
            auto *choice = new QComboBox(this);
            choice->setObjectName(p.name);
            choice->setMaximumWidth(charWidth * 48);
            choice->addItem(tr("Default (%1)").arg(p.defaultValue), QString());
            for (const QString &value : p.choices)
                choice->addItem(value, value);
            const int at = choice->findData(values_.value(p.name).toString().toUpper());
            choice->setCurrentIndex(qMax(0, at));
            choice->setEnabled(editable_);
            connect(choice, &QComboBox::currentIndexChanged, this, &PowerSettingsForm::changed);
            choices_.insert(p.name, choice);
            form_->addRow(label, choice);
            QWidget::setTabOrder(previous, choice);
            previous = choice;
            continue;
        }
        auto *field = new QLineEdit(this);
        // Sized for what it holds: a port is a few digits, an address or a name a few dozen.
        field->setMaximumWidth(charWidth * (p.name.endsWith(QLatin1String("_port")) ? 10 : 48));
        field->setObjectName(p.name);
        field->setText(values_.value(p.name).toVariant().toString());
        field->setPlaceholderText(p.required ? tr("required") : p.defaultValue);
        field->setReadOnly(!editable_);
        if (p.secret)
            field->setEchoMode(QLineEdit::Password); // never shown, nor in a screenshot
        connect(field, &QLineEdit::textChanged, this, &PowerSettingsForm::changed);
        fields_.insert(p.name, field);
        form_->addRow(label, field);
        QWidget::setTabOrder(previous, field);
        previous = field;
    }
}

} // namespace metaldesk
