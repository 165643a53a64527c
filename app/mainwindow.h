#pragma once

#include <QMainWindow>

class QListWidget;
class QStackedWidget;

namespace metaldesk {

struct CoreServices;
class MachinesPage;

// The console's frame: a navigation list on the left, the pages beside it, a status bar. It only
// wires pages together; each page is its own class over the services it is given.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(CoreServices &core, QWidget *parent = nullptr);

    MachinesPage *machinesPage() const { return machinesPage_; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void addPage(QWidget *page, const QIcon &icon, const QString &title);
    void saveSettings() const;
    void restoreSettings();

    QListWidget *navigation_;
    QStackedWidget *pages_;
    MachinesPage *machinesPage_;
};

} // namespace metaldesk
