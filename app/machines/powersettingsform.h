#pragma once

#include <QHash>
#include <QJsonObject>
#include <QWidget>

class QComboBox;
class QFormLayout;
class QLineEdit;

namespace metaldesk {

class PowerDrivers;

// A machine's power driver and its settings: a list of the drivers and, under it, one field per
// setting the chosen driver declares (passwords masked, defaults shown as placeholders). Used by
// Add machine and by the details' Power tab.
class PowerSettingsForm : public QWidget {
    Q_OBJECT
public:
    PowerSettingsForm(const PowerDrivers &drivers, QWidget *parent = nullptr);

    void setSettings(const QString &powerType, const QJsonObject &parameters);
    QString powerType() const;
    QJsonObject parameters() const; // the filled-in settings of the chosen driver
    // Empty when the chosen driver has every setting it needs; otherwise which are missing.
    QString problem() const;
    void setEditable(bool editable);

signals:
    void changed();

private:
    void rebuild();

    const PowerDrivers &drivers_;
    QComboBox *type_;
    QFormLayout *form_;
    QHash<QString, QLineEdit *> fields_;
    QHash<QString, QComboBox *> choices_; // settings with a fixed set of values; the first item: the default
    QJsonObject values_;                  // what was typed, kept while the user tries another driver
    bool editable_ = true;
};

} // namespace metaldesk
