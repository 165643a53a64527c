// A machine's details, offscreen, over a real SQLite database: opened from the machine list by
// double-click or Enter, they show what commissioning found (stored as the metadata service stores
// it), why a machine failed, the machine's events, and follow changes made through the core live.
#include "app/machines/actiondialog.h"
#include "app/machines/machinedetails.h"
#include "app/machines/machineeventmodel.h"
#include "app/machines/machinespage.h"
#include "app/machines/machinetablemodel.h"
#include "app/machines/placementdialog.h"
#include "app/shell/mainwindow.h"
#include "core/addresses/leasestore.h"
#include "core/boot/nodereports.h"
#include "core/machines/consolestore.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "ipmisim.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStackedWidget>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QToolButton>
#include <QTranslator>
#include <QTreeWidget>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;

// Runs one core call once and fails the test with the core's own message.
#define STEP(...)                                                                                                      \
    do {                                                                                                               \
        const auto result_ = (__VA_ARGS__);                                                                            \
        QVERIFY2(result_.ok(), qPrintable(result_.errorMessage()));                                                    \
    } while (false)

namespace {

// What bootenv/inventory.sh prints for a small home-lab PC (the shape of bootenv/README.md, "The
// inventory"): UEFI, an NVMe SSD and a SATA disk, an onboard NIC that booted and an add-in card
// with no cable.
const QByteArray kInventory =
    R"j({"architecture":"amd64/generic","firmware":"uefi","cpu":{"model":"Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz","count":6},)j"
    R"j("memory_mib":32768,"disks":[{"name":"nvme0n1","model":"Samsung SSD 970 EVO Plus 500GB","serial":"S4EVNF0M812345A","size_bytes":500107862016},)j"
    R"j({"name":"sda","model":"WDC WD20EFRX-68EUZN0","serial":"WD-WCC4M2LKX7JN","size_bytes":2000398934016}],)j"
    R"j("nics":[{"mac":"6c:4b:90:1a:2b:3c","driver":"e1000e","link":true},{"mac":"a0:36:9f:0d:4e:5f","driver":"igb","link":false}],)j"
    R"j("dmi":{"vendor":"LENOVO","product":"ThinkCentre M720q (10T8SDJ900)","serial":"MJ0C7XYZ"},"boot_mac":"6c:4b:90:1a:2b:3c"})j";

const QString kFailure = QStringLiteral("No disk found: the SATA controller is in RAID mode; switch it to AHCI in the "
                                        "firmware setup");

bool hasHangul(const QString &text)
{
    return std::any_of(text.begin(), text.end(),
                       [](QChar c) { return c.unicode() >= 0xac00 && c.unicode() <= 0xd7a3; });
}

// Every translatable text comes back longer and in Hangul, as a Korean translation might.
} // namespace

class TestMachineDetails : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void showsTheCommissioningResultsOnDoubleClick();
    void opensWithEnterAndGoesBack();
    void saysWhatIsNotKnownBeforeCommissioning();
    void showsWhyCommissioningFailed();
    void followsChangesLive();
    void powerTabChecksThePowerAndKeepsTheSettings();
    void administratorsEditThePlacement();
    void consoleTabShowsTheLastScreen();
    void fitsLongerTranslatedTextsInAKoreanFont();
    void speaksKoreanWithTheShippedTranslation();

private:
    // A machine created by the admin with its power driver, optionally through Commission.
    QString createMachine(const QString &hostname, const QStringList &macs);
    QString commissionedMachine(const QString &hostname);
    void populate();
    void showWindow();
    QModelIndex rowOf(const QString &hostname) const;
    void doubleClick(const QString &hostname);
    void verifyNothingIsCut();
    template <typename T>
    T *find(const char *name) const
    {
        return window_ ? window_->findChild<T *>(QLatin1String(name)) : nullptr;
    }
    QString text(const char *labelName) const
    {
        auto *label = find<QLabel>(labelName);
        return label ? label->text() : QStringLiteral("<no label %1>").arg(QLatin1String(labelName));
    }
    QStringList rowTexts(QTableWidget *table, int row) const
    {
        QStringList texts;
        for (int column = 0; column < table->columnCount(); ++column)
            texts << (table->item(row, column) ? table->item(row, column)->text() : QStringLiteral("<none>"));
        return texts;
    }
    void settle();
    void screenshot(const QString &name);

    QTemporaryDir settingsDir_;
    QTemporaryDir bmcDir_;
    std::unique_ptr<testing::IpmiSim> bmc_; // the machines' BMC: OpenIPMI's simulator on 127.0.0.1
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<NodeReports> reports_;
    ServiceHost host_; // no services: this suite looks at machines only
    std::unique_ptr<MainWindow> window_;
    Actor admin_;
    Actor alice_;

    MachinesPage *page_ = nullptr;
    MachineDetails *details_ = nullptr;
    QTableView *table_ = nullptr;
    QTabWidget *tabs_ = nullptr;
};

// What MetalDesk read from a libvirt VM's serial console, as the console watcher keeps it: here a
// deployed kernel that lacked its disk driver, sitting in an initramfs shell.
const QString kInitramfsScreen =
    QStringLiteral("metaldesk: deploy: the image is on the disk; rebooting\n"
                   "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)\n"
                   "[    2.914011] Run /init as init process\n"
                   "Begin: Loading essential drivers ... done.\n"
                   "Begin: Running /scripts/local-premount ... done.\n"
                   "Begin: Waiting for root file system ... Begin: Running /scripts/local-block ... done.\n"
                   "Gave up waiting for root file system device.  Common problems:\n"
                   " - Boot args (cat /proc/cmdline)\n"
                   "   - Check rootdelay= (did the system wait long enough?)\n"
                   " - Missing modules (cat /proc/modules; ls /dev)\n"
                   "ALERT!  UUID=5e1d6f3a-0c2b-4d8e-9a51-2f7c3b6d9e10 does not exist.  Dropping to a shell!\n"
                   "\n"
                   "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) built-in shell (ash)\n"
                   "Enter 'help' for a list of built-in commands.\n"
                   "\n"
                   "(initramfs) ");

void TestMachineDetails::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(QStringLiteral("tst_machinedetails"), settingsDir_.path(), false));
    bmc_ = std::make_unique<testing::IpmiSim>(bmcDir_.path());
    if (const QString why = bmc_->start(); !why.isEmpty())
        QFAIL(qPrintable(why));
}

void TestMachineDetails::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    // What the metadata service uses when booting machines report.
    reports_ = std::make_unique<NodeReports>(core_->db, core_->feed.get(), core_->engine.get());
    UserStore users(core_->db, 1000); // few hash iterations: fast tests
    auto admin =
        users.createUser(QStringLiteral("admin"), QStringLiteral("admin@example.org"), QStringLiteral("pw"), true);
    QVERIFY2(admin, qPrintable(admin.errorMessage()));
    auto alice =
        users.createUser(QStringLiteral("alice"), QStringLiteral("alice@example.org"), QStringLiteral("pw"), false);
    QVERIFY2(alice, qPrintable(alice.errorMessage()));
    admin_ = {admin->id, admin->username, true};
    alice_ = {alice->id, alice->username, false};
}

void TestMachineDetails::cleanup()
{
    window_.reset(); // before the services it uses
    reports_.reset();
    core_.reset();
    dir_.reset();
}

QString TestMachineDetails::createMachine(const QString &hostname, const QStringList &macs)
{
    NewMachine spec;
    spec.hostname = hostname;
    spec.architecture = QStringLiteral("amd64/generic");
    spec.macAddresses = macs;
    spec.powerType = QStringLiteral("ipmi");
    spec.powerParameters = bmc_->powerParameters();
    auto created = core_->engine->createMachine(spec, admin_);
    if (!created) {
        qWarning() << "cannot create" << hostname << created.errorMessage();
        return {};
    }
    return created->systemId;
}

QString TestMachineDetails::commissionedMachine(const QString &hostname)
{
    const QString id = createMachine(hostname, {QStringLiteral("6c:4b:90:1a:2b:3c")});
    if (id.isEmpty() || !core_->engine->performAction(id, NodeAction::Commission, admin_))
        return {};
    core_->power->waitForDone(); // the power cycle Commission asked for, before the states below
    // As POST metaldesk/v1/commission does it: stored, applied, then Ready.
    auto done = reports_->commission(id, kInventory);
    if (!std::holds_alternative<Commissioned>(done)) {
        qWarning() << "commissioning refused:" << std::get<ReportError>(done).reason;
        return {};
    }
    if (!core_->machines->setPowerState(id, QStringLiteral("off")))
        return {};
    return id;
}

// A commissioned machine, a new one, and one whose commissioning failed.
void TestMachineDetails::populate()
{
    QVERIFY(!commissionedMachine(QStringLiteral("tidy-lemur")).isEmpty());
    QVERIFY(!createMachine(QStringLiteral("amber-falcon"), {QStringLiteral("52:54:00:00:00:01")}).isEmpty());
    const QString failed = createMachine(QStringLiteral("node-7"), {QStringLiteral("52:54:00:00:00:07")});
    QVERIFY(!failed.isEmpty());
    STEP(core_->engine->performAction(failed, NodeAction::Commission, admin_));
    QVERIFY(core_->power->waitForDone(30000));
    const QByteArray report = QJsonDocument(QJsonObject{{QStringLiteral("purpose"), QStringLiteral("commission")},
                                                        {QStringLiteral("result"), QStringLiteral("failed")},
                                                        {QStringLiteral("reason"), kFailure}})
                                  .toJson(QJsonDocument::Compact);
    QVERIFY(std::holds_alternative<Accepted>(reports_->reportStatus(failed, report)));
    QVERIFY(core_->power->waitForDone(30000));
}

void TestMachineDetails::showWindow()
{
    window_ = std::make_unique<MainWindow>(*core_, host_);
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    page_ = window_->machinesPage();
    details_ = page_->details();
    table_ = find<QTableView>("machineTable");
    tabs_ = find<QTabWidget>("detailsTabs");
    QVERIFY(page_ && details_ && table_ && tabs_);
    QVERIFY(!page_->isShowingDetails());
}

QModelIndex TestMachineDetails::rowOf(const QString &hostname) const
{
    QAbstractItemModel *model = table_->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, MachineTableModel::NameColumn);
        if (index.data().toString() == hostname)
            return index;
    }
    return {};
}

void TestMachineDetails::doubleClick(const QString &hostname)
{
    const QModelIndex index = rowOf(hostname);
    QVERIFY2(index.isValid(), qPrintable(hostname));
    const QPoint centre = table_->visualRect(index.siblingAtColumn(MachineTableModel::StatusColumn)).center();
    // As a mouse sends it: the first click, then the double-click.
    QTest::mouseClick(table_->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseDClick(table_->viewport(), Qt::LeftButton, {}, centre);
    QTest::mouseRelease(table_->viewport(), Qt::LeftButton, {}, centre);
    QVERIFY(page_->isShowingDetails());
    QVERIFY(details_->isVisible());
    QVERIFY(!table_->isVisible());
    QCOMPARE(text("detailsHostname"), hostname);
}

void TestMachineDetails::settle()
{
    // Texts set since the last pass (a new machine, a tab shown) resize widgets at the next
    // layout pass, which the event loop would run before the user sees anything.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
}

void TestMachineDetails::screenshot(const QString &name)
{
    settle();
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/") + name));
}

void TestMachineDetails::showsTheCommissioningResultsOnDoubleClick()
{
    populate();
    // The address the DHCP server leased to the NIC it booted from.
    STEP(LeaseStore(core_->db).save({QHostAddress(QStringLiteral("192.168.100.57")).toIPv4Address(),
                                     QStringLiteral("6c:4b:90:1a:2b:3c"),
                                     {},
                                     Lease::State::Bound,
                                     QDateTime::currentMSecsSinceEpoch() + 600000}));
    showWindow();
    doubleClick(QStringLiteral("tidy-lemur"));
    QCOMPARE(tabs_->currentIndex(), int(MachineDetails::SummaryTab));

    // The header: who and what the machine is now.
    QCOMPARE(text("detailsStatus"), QStringLiteral("Ready"));
    QCOMPARE(text("detailsPower"), QStringLiteral("Off (ipmi)"));
    QCOMPARE(text("detailsOwner"), QStringLiteral("—"));
    QCOMPARE(text("detailsArchitecture"), QStringLiteral("amd64/generic"));
    QVERIFY(!find<QLabel>("detailsBanner")->isVisible());

    // The summary, from the stored inventory.
    QVERIFY(!find<QLabel>("summaryNotice")->isVisible());
    QCOMPARE(text("summaryCpuCount"), QStringLiteral("6"));
    QCOMPARE(text("summaryCpuModel"), QStringLiteral("Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz"));
    QCOMPARE(text("summaryMemory"), QStringLiteral("32.0 GiB"));
    QCOMPARE(text("summaryStorage"), QStringLiteral("2.5 TB"));
    QCOMPARE(find<QLabel>("summaryStorage")->toolTip(), QStringLiteral("2,500,506,796,032 bytes"));
    QCOMPARE(text("summaryDisks"), QStringLiteral("2 disks"));
    QCOMPARE(text("summaryBootDisk"), QStringLiteral("nvme0n1"));
    QCOMPARE(text("summaryFirmware"), QStringLiteral("UEFI"));
    QCOMPARE(text("summaryVendor"), QStringLiteral("LENOVO"));
    QCOMPARE(text("summaryProduct"), QStringLiteral("ThinkCentre M720q (10T8SDJ900)"));
    QCOMPARE(text("summarySerial"), QStringLiteral("MJ0C7XYZ"));
    QCOMPARE(text("summaryInterfaces"), QStringLiteral("2 interfaces"));
    QCOMPARE(text("summaryBootInterface"), QStringLiteral("eth0 (6c:4b:90:1a:2b:3c)"));
    screenshot(QStringLiteral("machine-details-summary-en.png"));
    verifyNothingIsCut();

    // Storage: every disk with its model, serial and size; the boot disk marked.
    tabs_->setCurrentIndex(MachineDetails::StorageTab);
    auto *disks = find<QTableWidget>("storageTable");
    QVERIFY(disks && disks->isVisible());
    QCOMPARE(disks->rowCount(), 2);
    QCOMPARE(rowTexts(disks, 0),
             (QStringList{QStringLiteral("nvme0n1"), QStringLiteral("Samsung SSD 970 EVO Plus 500GB"),
                          QStringLiteral("S4EVNF0M812345A"), QStringLiteral("500.1 GB"), QStringLiteral("✓")}));
    QCOMPARE(rowTexts(disks, 1), (QStringList{QStringLiteral("sda"), QStringLiteral("WDC WD20EFRX-68EUZN0"),
                                              QStringLiteral("WD-WCC4M2LKX7JN"), QStringLiteral("2.0 TB"), QString()}));
    QCOMPARE(text("storageTotal"), QStringLiteral("2 disks, 2.5 TB in total"));
    screenshot(QStringLiteral("machine-details-storage-en.png"));
    verifyNothingIsCut();

    // Network: the machine's interfaces with what the inventory says of each; the boot one marked.
    tabs_->setCurrentIndex(MachineDetails::NetworkTab);
    auto *nics = find<QTableWidget>("networkTable");
    QVERIFY(nics && nics->isVisible());
    QVERIFY(!find<QLabel>("networkNotice")->isVisible());
    QCOMPARE(nics->rowCount(), 2);
    QCOMPARE(text("networkAddresses"), QStringLiteral("192.168.100.57"));
    QCOMPARE(rowTexts(nics, 0), (QStringList{QStringLiteral("eth0"), QStringLiteral("6c:4b:90:1a:2b:3c"),
                                             QStringLiteral("e1000e"), QStringLiteral("Up"), QStringLiteral("✓")}));
    QCOMPARE(rowTexts(nics, 1), (QStringList{QStringLiteral("eth1"), QStringLiteral("a0:36:9f:0d:4e:5f"),
                                             QStringLiteral("igb"), QStringLiteral("Down"), QString()}));
    screenshot(QStringLiteral("machine-details-network-en.png"));
    verifyNothingIsCut();

    // Commissioning: when the results came, and the inventory itself, readable.
    tabs_->setCurrentIndex(MachineDetails::CommissioningTab);
    QVERIFY(QRegularExpression(QStringLiteral("^\\d{1,2}/\\d{1,2}/\\d{4} \\d{1,2}:\\d\\d:\\d\\d (AM|PM)$"))
                .match(text("commissioningReceived"))
                .hasMatch());
    QVERIFY(!find<QLabel>("commissioningNotice")->isVisible());
    // What was found, as a person reads it: processor, memory, each disk and each interface.
    auto *hardware = find<QTreeWidget>("commissioningHardware");
    QVERIFY(hardware && hardware->isVisible());
    auto found = [hardware](const QString &what) {
        const auto items = hardware->findItems(what, Qt::MatchExactly | Qt::MatchRecursive, 0);
        return items.isEmpty() ? QStringLiteral("(no row %1)").arg(what) : items.first()->text(1);
    };
    QCOMPARE(found(QStringLiteral("Processor")), QStringLiteral("Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz · 6 cores"));
    QCOMPARE(found(QStringLiteral("Memory")), QStringLiteral("32.0 GiB"));
    QCOMPARE(found(QStringLiteral("Firmware")), QStringLiteral("UEFI"));
    QCOMPARE(found(QStringLiteral("System")),
             QStringLiteral("LENOVO · ThinkCentre M720q (10T8SDJ900) · serial MJ0C7XYZ"));
    QCOMPARE(found(QStringLiteral("Disks")), QStringLiteral("2 disks"));
    QCOMPARE(found(QStringLiteral("nvme0n1")),
             QStringLiteral("Samsung SSD 970 EVO Plus 500GB · 500.1 GB · serial S4EVNF0M812345A"));
    QCOMPARE(found(QStringLiteral("Network interfaces")), QStringLiteral("2 interfaces"));
    QCOMPARE(found(QStringLiteral("6c:4b:90:1a:2b:3c")), QStringLiteral("e1000e · link up · boots from the network"));
    screenshot(QStringLiteral("machine-details-commissioning-en.png"));
    verifyNothingIsCut();
    // The data as the machine sent it, one click away.
    auto *output = find<QPlainTextEdit>("commissioningOutput");
    QVERIFY(output && !output->isVisible());
    QTest::mouseClick(find<QPushButton>("commissioningShowRaw"), Qt::LeftButton);
    QVERIFY(output->isVisible());
    QVERIFY(!hardware->isVisible());
    QCOMPARE(QJsonDocument::fromJson(output->toPlainText().toUtf8()), QJsonDocument::fromJson(kInventory));
    QVERIFY(output->toPlainText().contains(
        QStringLiteral("\n            \"model\": \"Samsung SSD 970 EVO Plus 500GB\",\n")));
    QVERIFY(output->isReadOnly());
    screenshot(QStringLiteral("machine-details-commissioning-raw-en.png"));
    verifyNothingIsCut();
    QTest::mouseClick(find<QPushButton>("commissioningShowRaw"), Qt::LeftButton);
    QVERIFY(hardware->isVisible());

    // Events, newest first: Ready after the results, the results, the power cycle Commission
    // asked of the BMC, Commissioning, created.
    tabs_->setCurrentIndex(MachineDetails::EventsTab);
    auto *events = find<QTableView>("eventsTable");
    QVERIFY(events && events->isVisible());
    QAbstractItemModel *model = events->model();
    auto cell = [model](int row, int column) { return model->index(row, column).data().toString(); };
    QCOMPARE(model->rowCount(), 5);
    QCOMPARE(cell(0, MachineEventModel::StatusColumn), QStringLiteral("Commissioning → Ready"));
    QCOMPARE(cell(0, MachineEventModel::DescriptionColumn), QStringLiteral("Commissioning finished"));
    QCOMPARE(cell(0, MachineEventModel::UserColumn), QStringLiteral("Boot environment"));
    QVERIFY(cell(1, MachineEventModel::DescriptionColumn)
                .startsWith(QStringLiteral("Commissioning results received: 6 CPUs")));
    QCOMPARE(cell(2, MachineEventModel::DescriptionColumn), QStringLiteral("Power cycled (IPMI)"));
    QCOMPARE(cell(2, MachineEventModel::UserColumn), QStringLiteral("admin"));
    QCOMPARE(cell(3, MachineEventModel::StatusColumn), QStringLiteral("New → Commissioning"));
    QCOMPARE(cell(3, MachineEventModel::UserColumn), QStringLiteral("admin"));
    QCOMPARE(cell(4, MachineEventModel::DescriptionColumn), QStringLiteral("Machine created"));
    QCOMPARE(cell(4, MachineEventModel::LevelColumn), QStringLiteral("Info"));
    for (int row = 1; row < model->rowCount(); ++row)
        QVERIFY(cell(row - 1, MachineEventModel::TimeColumn) >= cell(row, MachineEventModel::TimeColumn));
    screenshot(QStringLiteral("machine-details-events-en.png"));
    verifyNothingIsCut();

    // Another machine opens at its own Summary.
    QTest::mouseClick(find<QToolButton>("detailsBack"), Qt::LeftButton);
    doubleClick(QStringLiteral("amber-falcon"));
    QCOMPARE(tabs_->currentIndex(), int(MachineDetails::SummaryTab));
    QCOMPARE(text("summaryCpuModel"), QStringLiteral("—"));
}

void TestMachineDetails::opensWithEnterAndGoesBack()
{
    populate();
    showWindow();
    const QModelIndex amber = rowOf(QStringLiteral("amber-falcon"));
    table_->setFocus();
    table_->setCurrentIndex(amber);
    QTest::keyClick(table_, Qt::Key_Return);
    QVERIFY(page_->isShowingDetails());
    QCOMPARE(text("detailsHostname"), QStringLiteral("amber-falcon"));

    // Escape: the list again, with the machine still current and the keyboard on the table.
    QVERIFY(details_->isAncestorOf(QApplication::focusWidget()));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    QVERIFY(!page_->isShowingDetails());
    QVERIFY(table_->isVisible());
    QCOMPARE(table_->currentIndex().row(), amber.row());
    QTRY_COMPARE(QApplication::focusWidget(), table_);

    // Enter again, then the Back button of the breadcrumb.
    QTest::keyClick(table_, Qt::Key_Enter);
    QVERIFY(page_->isShowingDetails());
    auto *back = find<QToolButton>("detailsBack");
    QCOMPARE(back->text(), QStringLiteral("Machines"));
    QTest::mouseClick(back, Qt::LeftButton);
    QVERIFY(!page_->isShowingDetails());

    // Alt+Left, as in a browser.
    doubleClick(QStringLiteral("node-7"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Left, Qt::AltModifier);
    QVERIFY(!page_->isShowingDetails());

    // "Machines" in the navigation is the list, as in MAAS.
    doubleClick(QStringLiteral("node-7"));
    auto *navigation = find<QListWidget>("navigation");
    QTest::mouseClick(navigation->viewport(), Qt::LeftButton, {},
                      navigation->visualItemRect(navigation->item(0)).center());
    QVERIFY(!page_->isShowingDetails());
    QVERIFY(table_->isVisible());

    // Ctrl+F is the list's filter, so it leaves the details too.
    doubleClick(QStringLiteral("node-7"));
    QTest::keySequence(window_.get(), QKeySequence::Find);
    QVERIFY(!page_->isShowingDetails());
    QTRY_COMPARE(QApplication::focusWidget(), find<QWidget>("machineFilter"));
}

void TestMachineDetails::saysWhatIsNotKnownBeforeCommissioning()
{
    populate();
    showWindow();
    doubleClick(QStringLiteral("amber-falcon"));
    const QString notKnown = QStringLiteral("Not known until the machine is commissioned");
    QCOMPARE(text("detailsStatus"), QStringLiteral("New"));
    QCOMPARE(text("detailsPower"), QStringLiteral("Unknown (ipmi)"));
    QVERIFY(find<QLabel>("summaryNotice")->isVisible());
    QCOMPARE(text("summaryNotice"), notKnown);
    for (const char *name : {"summaryCpuCount", "summaryCpuModel", "summaryMemory", "summaryStorage", "summaryFirmware",
                             "summaryVendor", "summarySerial", "summaryDisks"}) {
        QCOMPARE(text(name), QStringLiteral("—"));
        QCOMPARE(find<QLabel>(name)->toolTip(), notKnown);
    }
    // The architecture and the MAC it was added with are known.
    QCOMPARE(text("summaryArchitecture"), QStringLiteral("amd64/generic"));
    QCOMPARE(text("summaryInterfaces"), QStringLiteral("1 interface"));
    QCOMPARE(text("summaryBootInterface"), QStringLiteral("eth0 (52:54:00:00:00:01)"));
    // Nobody is signed in: the header's actions are closed, and say why.
    QVERIFY(!find<QPushButton>("detailsPowerOn")->isEnabled());
    QCOMPARE(find<QPushButton>("detailsPowerOn")->toolTip(), QStringLiteral("Sign in to act on machines"));
    QVERIFY(!find<QToolButton>("detailsTakeAction")->isEnabled());
    // Signed in, the way forward is there: a new machine is commissioned.
    window_->setUser(admin_);
    QCOMPARE(find<QPushButton>("nextStep-commission")->text(), QStringLiteral("Commission…"));
    screenshot(QStringLiteral("machine-details-new-en.png"));
    verifyNothingIsCut();

    tabs_->setCurrentIndex(MachineDetails::StorageTab);
    QVERIFY(find<QLabel>("storagePlaceholder")->isVisible());
    QCOMPARE(text("storagePlaceholder"), notKnown);
    tabs_->setCurrentIndex(MachineDetails::CommissioningTab);
    QVERIFY(find<QLabel>("commissioningPlaceholder")->isVisible());
    QCOMPARE(text("commissioningPlaceholder"), notKnown);
    tabs_->setCurrentIndex(MachineDetails::NetworkTab);
    QVERIFY(find<QLabel>("networkNotice")->isVisible());
    QCOMPARE(text("networkAddresses"), QStringLiteral("—"));
    QVERIFY(text("networkNotice").contains(notKnown));
    auto *nics = find<QTableWidget>("networkTable");
    QCOMPARE(nics->rowCount(), 1);
    QCOMPARE(rowTexts(nics, 0), (QStringList{QStringLiteral("eth0"), QStringLiteral("52:54:00:00:00:01"),
                                             QStringLiteral("—"), QStringLiteral("—"), QStringLiteral("✓")}));
    QCOMPARE(nics->item(0, MachineDetails::NicDriverColumn)->toolTip(), notKnown);
    verifyNothingIsCut();
}

void TestMachineDetails::showsWhyCommissioningFailed()
{
    populate();
    showWindow();
    doubleClick(QStringLiteral("node-7"));
    QCOMPARE(text("detailsStatus"), QStringLiteral("Failed commissioning"));
    auto *banner = find<QLabel>("detailsBanner");
    QVERIFY(banner->isVisible());
    QVERIFY2(banner->text().contains(QStringLiteral("Failed commissioning:")), qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(kFailure.toHtmlEscaped()), qPrintable(banner->text()));
    // Red, as failures are on the other pages.
    QCOMPARE(banner->palette().color(QPalette::WindowText), QColor(0xb0, 0x00, 0x20));
    QCOMPARE(find<QLabel>("detailsStatus")->palette().color(QPalette::WindowText), QColor(0xb0, 0x00, 0x20));
    // The whole reason, not its first line.
    QVERIFY(banner->height() >= banner->heightForWidth(banner->width()));
    QCOMPARE(text("summaryNotice"), QStringLiteral("Not known until the machine is commissioned"));
    // The ways forward, once someone is signed in: commission again, or mark it broken.
    QVERIFY(!find<QWidget>("detailsNextSteps")->isVisible());
    window_->setUser(admin_);
    QVERIFY(find<QWidget>("detailsNextSteps")->isVisible());
    QCOMPARE(find<QPushButton>("nextStep-commission")->text(), QStringLiteral("Commission again…"));
    auto *markBroken = find<QPushButton>("nextStep-mark-broken");
    QVERIFY(markBroken);
    screenshot(QStringLiteral("machine-details-failed-en.png"));
    verifyNothingIsCut();

    tabs_->setCurrentIndex(MachineDetails::EventsTab);
    QAbstractItemModel *events = find<QTableView>("eventsTable")->model();
    QCOMPARE(events->index(0, MachineEventModel::StatusColumn).data().toString(),
             QStringLiteral("Commissioning → Failed commissioning"));
    QCOMPARE(events->index(0, MachineEventModel::DescriptionColumn).data().toString(), kFailure);
    QCOMPARE(events->index(0, MachineEventModel::LevelColumn).data().toString(), QStringLiteral("Error"));

    // Taken from here, as from the list: the dialog, then the machine is Broken and offers Mark fixed.
    bool confirmed = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = qobject_cast<ActionDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        confirmed = true;
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm")), Qt::LeftButton);
    });
    tabs_->setCurrentIndex(MachineDetails::SummaryTab);
    QTest::mouseClick(markBroken, Qt::LeftButton);
    QVERIFY(confirmed);
    QTRY_COMPARE(text("detailsStatus"), QStringLiteral("Broken"));
    QTRY_VERIFY(find<QPushButton>("nextStep-mark-fixed"));
    QVERIFY(!find<QPushButton>("nextStep-commission"));
}

void TestMachineDetails::followsChangesLive()
{
    const QString id = createMachine(QStringLiteral("brisk-otter"), {QStringLiteral("6c:4b:90:1a:2b:3c")});
    QVERIFY(!id.isEmpty());
    const QString other = createMachine(QStringLiteral("quiet-bison"), {QStringLiteral("52:54:00:00:00:02")});
    QVERIFY(!other.isEmpty());
    STEP(core_->engine->performAction(id, NodeAction::Commission, admin_));
    showWindow();
    doubleClick(QStringLiteral("brisk-otter"));
    QCOMPARE(text("detailsStatus"), QStringLiteral("Commissioning"));
    QVERIFY(text("summaryNotice").contains(QStringLiteral("being commissioned")));
    tabs_->setCurrentIndex(MachineDetails::EventsTab);
    QAbstractItemModel *events = find<QTableView>("eventsTable")->model();
    const int before = events->rowCount();

    // The inventory arrives on the metadata service's thread.
    QString error;
    std::unique_ptr<QThread> worker(QThread::create([&] {
        auto done = reports_->commission(id, kInventory);
        if (!std::holds_alternative<Commissioned>(done))
            error = std::get<ReportError>(done).reason;
    }));
    worker->start();
    QVERIFY(worker->wait(10000));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_COMPARE(text("detailsStatus"), QStringLiteral("Ready"));
    QTRY_COMPARE(text("summaryCpuCount"), QStringLiteral("6"));
    QVERIFY(!find<QLabel>("summaryNotice")->isVisible());
    QCOMPARE(text("summaryFirmware"), QStringLiteral("UEFI"));
    QTRY_COMPARE(events->rowCount(), before + 2);
    QCOMPARE(events->index(0, MachineEventModel::StatusColumn).data().toString(),
             QStringLiteral("Commissioning → Ready"));
    QCOMPARE(tabs_->currentIndex(), int(MachineDetails::EventsTab)); // the user stays where they were

    STEP(core_->engine->performAction(id, NodeAction::Acquire, alice_));
    QTRY_COMPARE(text("detailsOwner"), QStringLiteral("alice"));
    QCOMPARE(text("detailsStatus"), QStringLiteral("Allocated"));
    QTRY_COMPARE(events->rowCount(), before + 3);
    QCOMPARE(events->index(0, MachineEventModel::UserColumn).data().toString(), QStringLiteral("alice"));
    // Each event once, even when the feed delivers one already read.
    QSet<QString> seen;
    for (int row = 0; row < events->rowCount(); ++row)
        seen.insert(events->index(row, MachineEventModel::TimeColumn).data().toString() +
                    events->index(row, MachineEventModel::DescriptionColumn).data().toString());
    QCOMPARE(seen.size(), events->rowCount());

    // Changes to other machines leave it alone; its own power and deletion show.
    STEP(core_->machines->setPowerState(other, QStringLiteral("on")));
    STEP(core_->engine->performAction(other, NodeAction::Delete, admin_));
    STEP(core_->machines->setPowerState(id, QStringLiteral("on")));
    QTRY_COMPARE(text("detailsPower"), QStringLiteral("On (ipmi)"));
    STEP(core_->engine->performAction(id, NodeAction::Delete, admin_));
    QTRY_VERIFY(find<QLabel>("detailsBanner")->isVisible());
    QVERIFY(find<QLabel>("detailsBanner")->text().contains(QStringLiteral("deleted")));
    QCOMPARE(text("detailsHostname"), QStringLiteral("brisk-otter"));
}

void TestMachineDetails::powerTabChecksThePowerAndKeepsTheSettings()
{
    populate();
    showWindow();
    window_->setUser(admin_);
    doubleClick(QStringLiteral("tidy-lemur"));
    tabs_->setCurrentIndex(MachineDetails::PowerTab);
    QCOMPARE(text("powerState"), QStringLiteral("Off"));
    auto *check = find<QPushButton>("checkPower");
    auto *save = find<QPushButton>("savePower");
    auto *password = find<QLineEdit>("power_pass");
    auto *address = find<QLineEdit>("power_address");
    QVERIFY(check && save && password && address);
    QCOMPARE(password->echoMode(), QLineEdit::Password);
    QCOMPARE(address->text(), QStringLiteral("127.0.0.1"));
    QVERIFY(!save->isEnabled()); // nothing changed yet
    // The protocol and the privilege are chosen from what IPMI takes; unset, the default applies.
    auto *privilege = find<QComboBox>("privilege_level");
    QVERIFY(privilege && find<QComboBox>("power_driver"));
    QCOMPARE(privilege->currentText(), QStringLiteral("Default (OPERATOR)"));
    QCOMPARE(privilege->count(), 4);
    // Right-sized: a port field is not as wide as the page.
    QVERIFY(find<QLineEdit>("power_port")->width() <
            15 * find<QLineEdit>("power_port")->fontMetrics().averageCharWidth());

    // Check power now asks the BMC: the machine was switched on behind MetalDesk's back.
    bmc_->setPoweredOn(true);
    QTest::mouseClick(check, Qt::LeftButton);
    QTRY_COMPARE(text("checkResult"), QStringLiteral("Power checked: on."));
    QTRY_COMPARE(text("powerState"), QStringLiteral("On"));
    QCOMPARE(text("detailsPower"), QStringLiteral("On (ipmi)"));
    QVERIFY(check->isEnabled());
    screenshot(QStringLiteral("machine-details-power-en.png"));

    // The header's power buttons act on this machine, from its page; the result shows above it.
    auto *powerOff = find<QPushButton>("detailsPowerOff");
    QVERIFY(powerOff && powerOff->isEnabled());
    QVERIFY(find<QToolButton>("detailsTakeAction")->isEnabled());
    // It asks first, as Take action does (the dialog is modal: worked from its event loop).
    bool confirmed = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = qobject_cast<ActionDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        QVERIFY(dialog->machines().size() == 1);
        confirmed = true;
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("actionConfirm")), Qt::LeftButton);
    });
    QTest::mouseClick(powerOff, Qt::LeftButton);
    QVERIFY(confirmed);
    QTRY_COMPARE(text("actionResult"), QStringLiteral("Power off: started for tidy-lemur."));
    QVERIFY(find<QLabel>("actionResult")->isVisible());
    QTRY_VERIFY(!bmc_->poweredOn());
    QTRY_COMPARE(text("detailsPower"), QStringLiteral("Off (ipmi)"));

    // A required setting left empty is named, and nothing can be saved.
    address->clear();
    QCOMPARE(text("powerSettingsNote"), QStringLiteral("IPMI power needs: BMC address."));
    QVERIFY(!save->isEnabled());
    QTest::keyClicks(address, QStringLiteral("127.0.0.1"));
    // A wrong password, saved: the next check fails and says why, here and in the notifications.
    password->clear();
    QTest::keyClicks(password, QStringLiteral("wrong-password"));
    QCOMPARE(text("powerSettingsNote"), QStringLiteral("Not saved yet."));
    QVERIFY(save->isEnabled());
    QTest::mouseClick(save, Qt::LeftButton);
    QCOMPARE(text("powerSettingsNote"), QStringLiteral("Saved."));
    QTRY_COMPARE(
        core_->machines->get(details_->systemId())->powerParameters.value(QStringLiteral("power_pass")).toString(),
        QStringLiteral("wrong-password"));
    QTest::mouseClick(check, Qt::LeftButton);
    QTRY_VERIFY2(text("checkResult").contains(QStringLiteral("refused the user name or password")),
                 qPrintable(text("checkResult")));
    QTRY_COMPARE(text("powerState"), QStringLiteral("Error"));
    QVERIFY(!text("checkResult").contains(QStringLiteral("wrong-password")));
    auto *problems = find<QToolButton>("notificationsButton");
    QVERIFY(problems);
    QTRY_COMPARE(problems->text(), QStringLiteral("1 problem"));
    screenshot(QStringLiteral("machine-details-power-error-en.png"));

    // A plain user sees the settings and may check the power, but not change them.
    window_->setUser(alice_);
    address = find<QLineEdit>("power_address"); // the saved settings were shown again, in new fields
    QVERIFY(address && address->isReadOnly());
    QVERIFY(!save->isVisible());
    QCOMPARE(text("powerSettingsNote"), QStringLiteral("Only administrators can change the power settings."));
    QVERIFY(check->isEnabled());
}

void TestMachineDetails::administratorsEditThePlacement()
{
    populate();
    showWindow();
    window_->setUser(alice_);
    doubleClick(QStringLiteral("tidy-lemur"));
    QCOMPARE(text("summaryZone"), QStringLiteral("default"));
    QCOMPARE(text("summaryPool"), QStringLiteral("default"));
    QCOMPARE(text("summaryTags"), QStringLiteral("—"));
    auto *edit = find<QPushButton>("editPlacement");
    QVERIFY(edit);
    QVERIFY(!edit->isVisible()); // a plain user sees the placement but cannot change it
    window_->setUser(admin_);
    QVERIFY(edit->isVisible());

    // The dialog is modal: worked from the event loop it runs.
    bool worked = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = qobject_cast<PlacementDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto *zone = dialog->findChild<QComboBox *>(QStringLiteral("placementZone"));
        auto *tags = dialog->findChild<QLineEdit *>(QStringLiteral("placementTags"));
        auto *problem = dialog->findChild<QLabel *>(QStringLiteral("placementProblem"));
        auto *save = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Save);
        QVERIFY(zone && tags && problem && save);
        // A tag that cannot be one is named before anything is written.
        QTest::keyClicks(tags, QStringLiteral("gpu, bad/tag"));
        QVERIFY(!save->isEnabled());
        QVERIFY2(problem->text().contains(QStringLiteral("'bad/tag' is not a valid name")),
                 qPrintable(problem->text()));
        tags->clear();
        QTest::keyClicks(tags, QStringLiteral("gpu ssd, gpu"));
        zone->setCurrentText(QString());
        QTest::keyClicks(zone->lineEdit(), QStringLiteral("rack-2")); // a new zone
        QVERIFY(save->isEnabled());
        QCOMPARE(problem->text(), QStringLiteral("Save creates the zone 'rack-2'."));
        QVERIFY(dialog->grab().save(QStringLiteral(SCREENSHOT_DIR "/placement-dialog-en.png")));
        worked = true;
        QTest::mouseClick(save, Qt::LeftButton);
    });
    QTest::mouseClick(edit, Qt::LeftButton);
    QVERIFY(worked);
    auto m = core_->machines->get(details_->systemId());
    QVERIFY(m);
    QCOMPARE(m->zone, QStringLiteral("rack-2"));
    QCOMPARE(m->pool, QStringLiteral("default"));
    QCOMPARE(m->tags, (QStringList{QStringLiteral("gpu"), QStringLiteral("ssd")}));
    QTRY_COMPARE(text("summaryZone"), QStringLiteral("rack-2"));
    QCOMPARE(text("summaryTags"), QStringLiteral("gpu, ssd"));
    screenshot(QStringLiteral("machine-details-placement-en.png"));
    // And the list shows and finds it.
    find<QToolButton>("detailsBack")->click();
    auto *filter = find<QLineEdit>("machineFilter");
    QVERIFY(filter);
    QTest::keyClicks(filter, QStringLiteral("tag:gpu"));
    QTRY_COMPARE(table_->model()->rowCount(), 1);
    QCOMPARE(table_->model()->index(0, MachineTableModel::ZoneColumn).data().toString(), QStringLiteral("rack-2"));
}

void TestMachineDetails::verifyNothingIsCut()
{
    settle();
    // Labels: one-line ones as wide as their text, wrapping ones as tall as theirs.
    for (QLabel *label : details_->findChildren<QLabel *>()) {
        if (!label->isVisible() || label->text().isEmpty())
            continue;
        const QString what = QStringLiteral("label %1 '%2' cut").arg(label->objectName(), label->text());
        if (label->wordWrap())
            QVERIFY2(label->height() >= label->heightForWidth(label->width()), qPrintable(what));
        else
            QVERIFY2(label->width() >= label->sizeHint().width(), qPrintable(what));
    }
    // The summary fits the window, its latest events included, without scrolling.
    auto *summary = find<QScrollArea>("summaryScroll");
    if (summary->isVisible())
        QVERIFY2(
            summary->verticalScrollBar()->maximum() == 0,
            qPrintable(QStringLiteral("the summary scrolls by %1 px").arg(summary->verticalScrollBar()->maximum())));
    QToolButton *back = find<QToolButton>("detailsBack");
    QVERIFY(back->width() >= back->sizeHint().width());
    // Tab titles whole.
    QTabBar *bar = tabs_->tabBar();
    for (int i = 0; i < bar->count(); ++i)
        QVERIFY2(bar->tabRect(i).width() >= bar->fontMetrics().horizontalAdvance(bar->tabText(i)),
                 qPrintable(QStringLiteral("tab '%1' cut").arg(bar->tabText(i))));
    QVERIFY(bar->tabRect(bar->count() - 1).right() <= bar->width());
    // Lists: every column as wide as its header and its cells (but an event's description, whose
    // tool tip has it whole), and all of them in view.
    for (QTableView *table : details_->findChildren<QTableView *>()) {
        if (!table->isVisible())
            continue;
        const QString name = table->objectName();
        const bool events = name != QLatin1String("networkTable") && name != QLatin1String("storageTable");
        const QFontMetrics fm = table->fontMetrics();
        const int textMargin = table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1;
        int total = 0;
        for (int column = 0; column < table->model()->columnCount(); ++column) {
            if (table->isColumnHidden(column))
                continue;
            const int width = table->columnWidth(column);
            total += width;
            if (events && column == MachineEventModel::DescriptionColumn)
                continue;
            QVERIFY2(width >= table->horizontalHeader()->sectionSizeHint(column),
                     qPrintable(QStringLiteral("header %1 of %2 cut").arg(column).arg(name)));
            for (int row = 0; row < table->model()->rowCount(); ++row) {
                const QString text = table->model()->index(row, column).data().toString();
                QVERIFY2(width >= fm.horizontalAdvance(text) + 2 * textMargin,
                         qPrintable(QStringLiteral("'%1' cut in %2").arg(text, name)));
            }
        }
        QVERIFY2(total <= table->viewport()->width(), qPrintable(name + QStringLiteral(" scrolls sideways")));
    }
}

void TestMachineDetails::fitsLongerTranslatedTextsInAKoreanFont()
{
    const QFont original = QApplication::font();
    guitest::PseudoKorean pseudo;
    QCoreApplication::installTranslator(&pseudo);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&pseudo);
        QApplication::setFont(original);
    });
    populate();
    showWindow();
    doubleClick(QStringLiteral("tidy-lemur"));
    QVERIFY(tabs_->tabText(MachineDetails::SummaryTab).startsWith(QStringLiteral("한국어")));
    for (int tab = 0; tab < tabs_->count(); ++tab) {
        tabs_->setCurrentIndex(tab);
        verifyNothingIsCut();
        if (QTest::currentTestFailed())
            return;
    }
    tabs_->setCurrentIndex(MachineDetails::SummaryTab);
    screenshot(QStringLiteral("machine-details-pseudo-ko.png"));
    tabs_->setCurrentIndex(MachineDetails::StorageTab);
    screenshot(QStringLiteral("machine-details-storage-pseudo-ko.png"));

    QTest::mouseClick(find<QToolButton>("detailsBack"), Qt::LeftButton);
    doubleClick(QStringLiteral("node-7"));
    screenshot(QStringLiteral("machine-details-failed-pseudo-ko.png"));
    verifyNothingIsCut();
}

void TestMachineDetails::speaksKoreanWithTheShippedTranslation()
{
    // The real translation compiled into the program, as a Korean desktop loads it.
    QTranslator korean;
    QVERIFY(korean.load(QLocale(QLocale::Korean, QLocale::SouthKorea), QStringLiteral("metaldesk"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QApplication::setFont(QFont(QStringLiteral("Noto Sans CJK KR"), original.pointSize()));
    auto restore = qScopeGuard([&] {
        window_.reset();
        QCoreApplication::removeTranslator(&korean);
        QApplication::setFont(original);
    });
    populate();
    showWindow();
    doubleClick(QStringLiteral("amber-falcon"));
    // Texts shared with the machine list, translated already.
    QCOMPARE(text("summaryNotice"), QStringLiteral("머신을 커미션하기 전에는 알 수 없음"));
    QTest::mouseClick(find<QToolButton>("detailsBack"), Qt::LeftButton);
    doubleClick(QStringLiteral("tidy-lemur"));
    QCOMPARE(text("detailsStatus"), QStringLiteral("준비됨"));
    // The details' own texts, once the translation has them.
    if (!korean.translate("metaldesk::MachineDetails", "Summary").isEmpty()) {
        for (int tab = 0; tab < tabs_->count(); ++tab)
            QVERIFY2(hasHangul(tabs_->tabText(tab)),
                     qPrintable(QStringLiteral("not translated: ") + tabs_->tabText(tab)));
        QVERIFY(hasHangul(find<QToolButton>("detailsBack")->text()));
    }
    screenshot(QStringLiteral("machine-details-ko.png"));
    verifyNothingIsCut();
    tabs_->setCurrentIndex(MachineDetails::EventsTab);
    screenshot(QStringLiteral("machine-details-events-ko.png"));
    verifyNothingIsCut();
    tabs_->setCurrentIndex(MachineDetails::CommissioningTab);
    auto *hardware = find<QTreeWidget>("commissioningHardware");
    QVERIFY(hasHangul(hardware->topLevelItem(0)->text(0)));
    screenshot(QStringLiteral("machine-details-commissioning-ko.png"));
    verifyNothingIsCut();

    // The Power tab, with a check's answer, as an administrator sees it.
    window_->setUser(admin_);
    tabs_->setCurrentIndex(MachineDetails::PowerTab);
    QTest::mouseClick(find<QPushButton>("checkPower"), Qt::LeftButton);
    QTRY_VERIFY2(text("checkResult").startsWith(QStringLiteral("전원 확인됨: ")), qPrintable(text("checkResult")));
    QCOMPARE(find<QPushButton>("savePower")->text(), QStringLiteral("전원 설정 저장(&S)"));
    screenshot(QStringLiteral("machine-details-power-ko.png"));
    verifyNothingIsCut();

    // The Console tab of a libvirt machine, with what its console last showed.
    NewMachine vm;
    vm.hostname = QStringLiteral("kvm-guest-3");
    vm.macAddresses = {QStringLiteral("52:54:00:3c:00:03")};
    vm.powerType = QStringLiteral("virsh");
    vm.powerParameters = {{QStringLiteral("power_address"), QStringLiteral("qemu:///system")},
                          {QStringLiteral("power_id"), QStringLiteral("kvm-guest-3")}};
    auto created = core_->engine->createMachine(vm, admin_);
    QVERIFY2(created, qPrintable(created.errorMessage()));
    STEP(ConsoleStore(core_->db).save(created->systemId,
                                      ConsoleRecord{kInitramfsScreen, QStringLiteral("the VM is off"), 0}));
    QTest::mouseClick(find<QToolButton>("detailsBack"), Qt::LeftButton);
    doubleClick(QStringLiteral("kvm-guest-3"));
    tabs_->setCurrentIndex(MachineDetails::ConsoleTab);
    QTRY_VERIFY2(hasHangul(text("consoleState")), qPrintable(text("consoleState")));
    screenshot(QStringLiteral("machine-details-console-ko.png"));
    verifyNothingIsCut();
}

void TestMachineDetails::consoleTabShowsTheLastScreen()
{
    populate();
    NewMachine spec;
    spec.hostname = QStringLiteral("kvm-guest-3");
    spec.architecture = QStringLiteral("amd64/generic");
    spec.macAddresses = {QStringLiteral("52:54:00:3c:00:03")};
    spec.powerType = QStringLiteral("virsh");
    spec.powerParameters = {{QStringLiteral("power_address"), QStringLiteral("qemu:///system")},
                            {QStringLiteral("power_id"), QStringLiteral("kvm-guest-3")}};
    auto created = core_->engine->createMachine(spec, admin_);
    QVERIFY2(created, qPrintable(created.errorMessage()));
    const QString id = created->systemId;
    showWindow();

    // Not a libvirt machine: where its console is instead.
    doubleClick(QStringLiteral("tidy-lemur"));
    tabs_->setCurrentIndex(MachineDetails::ConsoleTab);
    QVERIFY(text("consoleState").contains(QLatin1String("BMC or hypervisor")));
    QVERIFY(!find<QPlainTextEdit>("consoleScreen")->isVisible());
    QTest::mouseClick(find<QToolButton>("detailsBack"), Qt::LeftButton);

    // A libvirt machine before anything was read, then as the watcher reads it.
    doubleClick(QStringLiteral("kvm-guest-3"));
    tabs_->setCurrentIndex(MachineDetails::ConsoleTab);
    QVERIFY2(text("consoleState").startsWith(QLatin1String("Nothing read yet")), qPrintable(text("consoleState")));
    STEP(ConsoleStore(core_->db).save(id, ConsoleRecord{kInitramfsScreen, {}, 0}));
    QTRY_VERIFY_WITH_TIMEOUT(text("consoleState").startsWith(QLatin1String("Live from libvirt")), 5000);
    auto *screen = find<QPlainTextEdit>("consoleScreen");
    QCOMPARE(screen->toPlainText(), kInitramfsScreen);
    QVERIFY(screen->isReadOnly());
    // The end of the screen is in view: the prompt where it sits.
    QCOMPARE(screen->verticalScrollBar()->value(), screen->verticalScrollBar()->maximum());

    // Switched off: the screen stays, and the tab says why nothing new comes.
    STEP(ConsoleStore(core_->db).save(id, ConsoleRecord{kInitramfsScreen, QStringLiteral("the VM is off"), 0}));
    QTRY_VERIFY_WITH_TIMEOUT(text("consoleState").endsWith(QLatin1String("The VM is off.")), 5000);
    QCOMPARE(screen->toPlainText(), kInitramfsScreen);
    screenshot(QStringLiteral("machine-details-console-en.png"));
    verifyNothingIsCut();
}

QTEST_MAIN(TestMachineDetails)
#include "tst_machinedetails.moc"
