#pragma once

#include "core/machines/machine.h"

#include <QWidget>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QTimer;

namespace metaldesk {

struct CoreServices;

// The details' Console tab: the last screenful of a libvirt machine's serial console, as the
// console watcher keeps it (read while the machine commissions, deploys, releases or tests), with
// when it was read and why it is not being read now. Refreshed every two seconds while shown.
class MachineConsoleTab : public QWidget {
    Q_OBJECT
public:
    explicit MachineConsoleTab(CoreServices &core, QWidget *parent = nullptr);
    void showMachine(const Machine &machine);
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    CoreServices &core_;
    std::optional<Machine> machine_;
    QLabel *state_;
    QPlainTextEdit *screen_;
    QTimer *timer_;
};

} // namespace metaldesk
