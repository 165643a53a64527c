#pragma once

#include "core/machines/machine.h"

#include <QWidget>
#include <optional>

class QLabel;
class QPushButton;

namespace metaldesk {

struct CoreServices;
class PowerSettingsForm;

// The details' Power tab: the machine's power state with "Check power now", and its power
// driver's settings, which administrators change here. The check runs on the power service's
// threads; its outcome arrives like every change, and a failure says why right here too.
class MachinePowerTab : public QWidget {
    Q_OBJECT
public:
    explicit MachinePowerTab(CoreServices &core, QWidget *parent = nullptr);

    // Who looks: administrators may change the settings; anyone may check the power.
    void setUser(const std::optional<Actor> &user);
    // The machine as just read (on every change).
    void showMachine(const Machine &machine);

    void checkPowerNow();
    bool canEdit() const;
    void saveSettings();

private:
    void finished(const QString &systemId, bool ok);
    void updateButtons();
    QString lastPowerEvent() const;

    CoreServices &core_;
    std::optional<Actor> user_;
    std::optional<Machine> machine_;
    bool checking_ = false;
    QLabel *state_;
    QPushButton *check_;
    QLabel *checkResult_;
    PowerSettingsForm *form_;
    QLabel *formNote_;
    QPushButton *save_;
};

} // namespace metaldesk
