#pragma once

#include "core/lifecycle/lifecycletables.h"
#include "core/machines/inventory.h"
#include "core/machines/machine.h"
#include "core/machines/noderesults.h"

#include <QWidget>
#include <memory>
#include <optional>

class QFormLayout;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QToolButton;
class QStyle;
class QTableWidget;
class QTreeWidget;

namespace metaldesk {

struct CoreServices;
class MachineEventModel;
class MachineConsoleTab;
class MachinePowerTab;
class MachineStore;
class LabelStore;
class TakeActionMenu;

// One machine, as MAAS's machine details show it: a header with the name, status (and, in a
// failed state, why), owner and power; tabs with the hardware summary, the network interfaces,
// the disks, the commissioning results as the machine reported them, its power, a libvirt VM's
// serial console, and its events.
// Before commissioning the hardware reads as not known yet. Kept current from the change feed.
class MachineDetails : public QWidget {
    Q_OBJECT
public:
    enum Tab {
        SummaryTab,
        NetworkTab,
        StorageTab,
        CommissioningTab,
        PowerTab,
        ConsoleTab,
        EventsTab
    };
    enum NicColumn {
        NicNameColumn,
        NicMacColumn,
        NicDriverColumn,
        NicLinkColumn,
        NicBootColumn,
        NicColumnCount
    };
    enum DiskColumn {
        DiskNameColumn,
        DiskModelColumn,
        DiskSerialColumn,
        DiskSizeColumn,
        DiskBootColumn,
        DiskColumnCount
    };

    explicit MachineDetails(CoreServices &core, QWidget *parent = nullptr);
    ~MachineDetails() override;

    // Shows this machine, from its Summary.
    void showMachine(const QString &systemId);
    const QString &systemId() const { return systemId_; }
    QTabWidget *tabs() const { return tabs_; }
    // Who looks: administrators may change the power settings and the placement.
    void setUser(const std::optional<Actor> &user);

    // Disk and memory sizes in the unit that suits them ("500.1 GB", "2.0 TB", "50.3 MB"), decimal
    // as disk makers count.
    static QString sizeText(qint64 bytes);
    // "1 disk", "3 disks".
    static QString diskCountText(int count);
    static QString speedText(qint64 mbps); // "1 Gb/s", "100 Mb/s"; empty when not reported

signals:
    // The user wants the machine list again (the Back button, Escape, Alt+Left).
    void backRequested();
    // Take action (or a power button) on this machine: the page takes it, as from the list.
    void actionRequested(metaldesk::NodeAction action);

private:
    QWidget *buildHeader();
    QWidget *buildSummaryTab();
    QWidget *buildNetworkTab();
    QWidget *buildStorageTab();
    QWidget *buildCommissioningTab();
    QWidget *buildEventsTab();
    QLabel *addField(QFormLayout *form, const QString &label, const QString &objectName);

    void reload();
    void machineChanged(const QString &systemId);
    void machineRemoved(const QString &systemId);
    void showHeader(const Machine &m);
    // Take action and the power buttons: open as the lifecycle table allows this user, else why not.
    void updateActions();
    void showSummary(const Machine &m, const std::optional<Inventory> &inventory);
    void showPlacement(const Machine &m);
    void editPlacement();
    void showNetwork(const Machine &m, const std::optional<Inventory> &inventory);
    void showStorage(const Machine &m, const std::optional<Inventory> &inventory);
    void showCommissioning(const Machine &m, const std::optional<NodeResult> &result,
                           const std::optional<Inventory> &inventory, const QString &problem);
    void showHardware(const std::optional<Inventory> &inventory);
    // A label's text, or the dash that says "nothing here" (with why, as its tool tip).
    void setValue(QLabel *label, const QString &text, const QString &whyEmpty = {});

    const MachineStore &machines_;
    std::unique_ptr<LabelStore> labels_;
    std::optional<Actor> user_;
    std::optional<Machine> machine_;
    NodeResultStore results_;
    MachineEventModel *events_;
    QString systemId_;
    bool removed_ = false;
    QStyle *cellStyle_; // the lists' roomy cells, as in the machine list

    // Header.
    QToolButton *back_;
    QLabel *hostname_;
    QLabel *systemIdLabel_;
    QLabel *status_;
    QLabel *power_;
    QLabel *owner_;
    QLabel *architecture_;
    QLabel *banner_;
    QWidget *nextSteps_; // under the banner: the way forward from where the machine is (Commission, ...)
    QToolButton *takeAction_;
    TakeActionMenu *takeActionMenu_;
    QPushButton *powerOn_;
    QPushButton *powerOff_;
    QTabWidget *tabs_;

    // Summary.
    QLabel *summaryNotice_;
    QLabel *cpuModel_;
    QLabel *cpuCount_;
    QLabel *summaryArchitecture_;
    QLabel *memory_;
    QLabel *storage_;
    QLabel *diskCount_;
    QLabel *bootDisk_;
    QLabel *firmware_;
    QLabel *vendor_;
    QLabel *product_;
    QLabel *serial_;
    QLabel *nicCount_;
    QLabel *bootInterface_;
    QLabel *zone_;
    QLabel *pool_;
    QLabel *tags_;
    QPushButton *editPlacement_;

    // Network, Storage, Commissioning, Events.
    QLabel *networkNotice_;
    QLabel *addresses_;
    QTableWidget *nics_;
    QStackedWidget *storagePages_;
    QLabel *storagePlaceholder_;
    QLabel *storageTotal_;
    QTableWidget *disks_;
    QStackedWidget *commissioningPages_;
    QLabel *commissioningPlaceholder_;
    QLabel *received_;
    QLabel *commissioningNotice_;
    QTreeWidget *hardware_;
    QPlainTextEdit *output_;
    MachinePowerTab *powerTab_;
    MachineConsoleTab *consoleTab_;
    QTableView *eventsView_;
};

} // namespace metaldesk
