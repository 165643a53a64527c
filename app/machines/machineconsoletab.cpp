#include "app/machines/machineconsoletab.h"

#include "app/shell/textstyle.h"
#include "core/lifecycle/nodestatus.h"
#include "core/machines/consolestore.h"
#include "core/runtime/coreservices.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFontDatabase>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

namespace metaldesk {

MachineConsoleTab::MachineConsoleTab(CoreServices &core, QWidget *parent)
    : QWidget(parent), core_(core), state_(new QLabel), screen_(new QPlainTextEdit), timer_(new QTimer(this))
{
    state_->setObjectName(QStringLiteral("consoleState"));
    state_->setWordWrap(true);
    state_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    screen_->setObjectName(QStringLiteral("consoleScreen"));
    screen_->setReadOnly(true);
    screen_->setLineWrapMode(QPlainTextEdit::NoWrap);
    screen_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // A terminal's look: the screen reads as what the machine printed, not as a form.
    QPalette terminal = screen_->palette();
    terminal.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    terminal.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    screen_->setPalette(terminal);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(state_);
    layout->addWidget(screen_, 1);
    timer_->setInterval(2000);
    connect(timer_, &QTimer::timeout, this, &MachineConsoleTab::refresh);
}

void MachineConsoleTab::showMachine(const Machine &machine)
{
    const bool other = !machine_ || machine_->systemId != machine.systemId;
    machine_ = machine;
    if (other)
        screen_->clear();
    refresh();
}

void MachineConsoleTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
    timer_->start();
}

void MachineConsoleTab::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    timer_->stop();
}

void MachineConsoleTab::refresh()
{
    if (!machine_)
        return;
    setTextColor(state_, palette().color(QPalette::WindowText));
    if (machine_->powerType != QLatin1String("virsh")) {
        screen_->clear();
        screen_->hide();
        state_->setText(tr("MetalDesk reads the serial console of machines powered through libvirt. For this "
                           "machine, use the console of its BMC or hypervisor."));
        return;
    }
    screen_->show();
    auto record = ConsoleStore(core_.db).get(machine_->systemId);
    if (!record) {
        setTextColor(state_, kErrorColor);
        state_->setText(asSentence(tr("the console could not be read: %1").arg(record.errorMessage())));
        return;
    }
    if (!*record) {
        screen_->clear();
        state_->setText(tr("Nothing read yet. MetalDesk reads this VM's serial console while the machine "
                           "commissions, deploys, releases or tests."));
        return;
    }
    const ConsoleRecord &r = **record;
    const QString when = dateTimeText(r.updated);
    if (r.note.isEmpty()) {
        state_->setText(tr("Live from libvirt (the last screen, read at %1).").arg(when));
    } else {
        setTextColor(state_, kWarningColor);
        const QString note = QCoreApplication::translate("Console", r.note.toUtf8().constData());
        state_->setText(tr("The last screen, read at %1. %2").arg(when, asSentence(note)));
    }
    if (screen_->toPlainText() != r.screen) {
        screen_->setPlainText(r.screen);
        screen_->verticalScrollBar()->setValue(screen_->verticalScrollBar()->maximum());
    }
}

} // namespace metaldesk
