// The main window's Machines page, offscreen, over a real SQLite database: what it lists, how it
// filters and sorts, and that it follows changes made through the core live, row by row.
#include "app/machines/chassispage.h"
#include "app/machines/machinefilterproxy.h"
#include "app/machines/machinespage.h"
#include "app/machines/machinetablemodel.h"
#include "app/network/networkpage.h"
#include "app/network/servicespage.h"
#include "app/shell/consoleshell.h"
#include "app/shell/language.h"
#include "app/shell/mainwindow.h"
#include "core/addresses/leasestore.h"
#include "core/addresses/staticaddresses.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "rawsql.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHeaderView>
#include <QHostAddress>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QToolButton>
#include <QTranslator>
#include <QtTest>

#include "guitest.h"

using namespace metaldesk;

// Runs one core call once and fails the test with the core's own message.
#define STEP(...)                                                                                                      \
    do {                                                                                                               \
        const auto result_ = (__VA_ARGS__);                                                                            \
        QVERIFY2(result_.ok(), qPrintable(result_.errorMessage()));                                                    \
    } while (false)

class TestMachinesPage : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void explainsHowMachinesArriveWhenThereAreNone();
    void listsMachinesWithStatusOwnerAndHardware();
    void showsAddressesChassisAndTheLastEventLive();
    void filtersByFreeTextAndMaasTerms();
    void updatesOnlyTheChangedRowWithoutReset();
    void followsChangesMadeOnAnotherThread();
    void addsAndRemovesRowsLiveThroughTheFilter();
    void sortsHardwareColumnsAsNumbers();
    void groupsByStatusWithLiveCounts();
    void keepsTheStatusCountsExactUnderRapidChanges();
    void showsVersionAndDatabaseInAbout();
    void switchesTheLanguageAtOnce();
    void remembersGeometryAndColumns(); // and the page, reached from the keyboard
    void fitsLongerTranslatedTextsInAKoreanFont();
    void speaksKoreanWithTheShippedTranslation();

private:
    void populate();
    void verifyCellsFit();
    void verifyNothingIsCut();
    void showWindow();
    QString cell(const QString &hostname, int column, int role = Qt::DisplayRole) const;
    int proxyRowOf(const QString &hostname) const;
    Actor actor(const QString &username) const;

    QTemporaryDir settingsDir_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    ServiceHost host_; // no services: this suite looks at machines only
    std::unique_ptr<MainWindow> window_;
    QHash<QString, User> users_;
    QHash<QString, QString> ids_; // hostname → system id

    QLineEdit *filter_ = nullptr;
    QTableView *table_ = nullptr;
    QLabel *count_ = nullptr;
    MachineFilterProxy *proxy_ = nullptr;
    MachineTableModel *model_ = nullptr;
};

void TestMachinesPage::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(QStringLiteral("tst_machinespage"), settingsDir_.path(), false));
}

void TestMachinesPage::init()
{
    const QString fresh = guitest::startFresh(dir_, core_);
    QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    UserStore users(core_->db, 1000); // few hash iterations: fast tests
    for (const auto &[name, admin] : {std::pair{"admin", true}, {"alice", false}, {"bob", false}}) {
        const QString username = QLatin1String(name);
        auto user = users.createUser(username, username + QStringLiteral("@example.org"), QStringLiteral("pw"), admin);
        QVERIFY2(user, qPrintable(user.errorMessage()));
        users_.insert(username, *user);
    }
}

void TestMachinesPage::cleanup()
{
    window_.reset(); // before the services it uses
    core_.reset();
    dir_.reset();
    users_.clear();
    ids_.clear();
}

Actor TestMachinesPage::actor(const QString &username) const
{
    const User &u = users_[username];
    return {u.id, u.username, u.isAdmin};
}

// Twelve machines in the states a home lab has: new, commissioning, ready, owned, deployed, failed, broken.
void TestMachinesPage::populate()
{
    struct Spec {
        const char *name;
        const char *arch;
        int cpus;
        qint64 memoryMiB;
        qint64 storageBytes;
        NodeStatus status;
        const char *owner;
    };
    const Spec specs[] = {
        {"amber-falcon", "amd64/generic", 0, 0, 0, NodeStatus::New, ""},
        {"brisk-otter", "amd64/generic", 0, 0, 0, NodeStatus::Commissioning, ""},
        {"calm-heron", "amd64/generic", 4, 8192, Q_INT64_C(500107862016), NodeStatus::Ready, ""},
        {"dusty-lynx", "arm64/generic", 128, 524288, Q_INT64_C(7681501126656), NodeStatus::Ready, ""},
        {"eager-panda", "amd64/generic", 16, 65536, Q_INT64_C(1000204886016), NodeStatus::Ready, ""},
        {"fancy-moose", "amd64/generic", 2, 3968, Q_INT64_C(128035676160), NodeStatus::Allocated, "alice"},
        {"gentle-crab", "amd64/generic", 8, 16384, Q_INT64_C(256060514304), NodeStatus::Allocated, "alice"},
        {"humble-wolf", "amd64/generic", 32, 131072, Q_INT64_C(2000398934016), NodeStatus::Deployed, "bob"},
        {"node-2", "amd64/generic", 64, 262144, Q_INT64_C(4000787030016), NodeStatus::FailedDeployment, "alice"},
        {"node-10", "amd64/generic", 12, 32768, Q_INT64_C(480103981056), NodeStatus::Broken, ""},
        {"quiet-bison", "arm64/generic", 0, 0, 0, NodeStatus::New, ""},
        {"rapid-koala", "arm64/generic", 24, 98304, Q_INT64_C(960197124096), NodeStatus::Deployed, "bob"},
    };
    const Actor admin = actor(QStringLiteral("admin"));
    const Actor metadata = Actor::system(QStringLiteral("metadata"));
    int n = 0;
    for (const Spec &s : specs) {
        ++n;
        NewMachine spec;
        spec.hostname = QLatin1String(s.name);
        spec.architecture = QLatin1String(s.arch);
        spec.macAddresses = {QStringLiteral("52:54:00:00:00:%1").arg(n, 2, 16, QLatin1Char('0'))};
        if (n == 8) // a machine with two NICs
            spec.macAddresses << QStringLiteral("52:54:00:00:01:08");
        auto created = core_->engine->createMachine(spec, admin);
        QVERIFY2(created, qPrintable(created.errorMessage()));
        const QString id = created->systemId;
        ids_.insert(spec.hostname, id);
        if (s.cpus > 0) {
            STEP(core_->machines->setHardware(
                id, {spec.architecture, s.cpus, s.memoryMiB, s.storageBytes, QStringLiteral("sda")}));
            STEP(core_->machines->setPowerSettings(id, QStringLiteral("manual"), {}));
        }
        if (s.status == NodeStatus::New)
            continue;
        STEP(core_->engine->performAction(id, NodeAction::Commission, admin));
        if (s.status == NodeStatus::Commissioning)
            continue;
        STEP(core_->engine->changeStatus(id, NodeStatus::Ready, metadata,
                                         Text::plain(QStringLiteral("Commissioning finished"))));
        const QString owner = QLatin1String(s.owner);
        switch (s.status) {
        case NodeStatus::Allocated: STEP(core_->engine->performAction(id, NodeAction::Acquire, actor(owner))); break;
        case NodeStatus::Deployed:
            STEP(core_->engine->performAction(id, NodeAction::Deploy, actor(owner)));
            STEP(core_->engine->changeStatus(id, NodeStatus::Deployed, metadata,
                                             Text::plain(QStringLiteral("Deployed"))));
            break;
        case NodeStatus::FailedDeployment:
            STEP(core_->engine->performAction(id, NodeAction::Deploy, actor(owner)));
            STEP(core_->engine->markFailed(
                id, Text::plain(QStringLiteral("Installation failed: no disk for the root filesystem")), metadata));
            break;
        case NodeStatus::Broken: STEP(core_->engine->performAction(id, NodeAction::MarkBroken, admin)); break;
        default: break;
        }
        core_->power->waitForDone(); // the manual power's word on the actions above comes first
        STEP(core_->machines->setPowerState(id, s.status == NodeStatus::Deployed ? QStringLiteral("on")
                                                                                 : QStringLiteral("off")));
    }
    QCOMPARE(ids_.size(), 12);
}

void TestMachinesPage::showWindow()
{
    window_ = std::make_unique<MainWindow>(*core_, host_);
    window_->resize(1280, 720);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    filter_ = window_->findChild<QLineEdit *>(QStringLiteral("machineFilter"));
    table_ = window_->findChild<QTableView *>(QStringLiteral("machineTable"));
    count_ = window_->findChild<QLabel *>(QStringLiteral("machineCount"));
    QVERIFY(filter_ && table_ && count_);
    proxy_ = qobject_cast<MachineFilterProxy *>(table_->model());
    QVERIFY(proxy_);
    model_ = qobject_cast<MachineTableModel *>(proxy_->sourceModel());
    QVERIFY(model_);
}

int TestMachinesPage::proxyRowOf(const QString &hostname) const
{
    for (int row = 0; row < proxy_->rowCount(); ++row)
        if (proxy_->index(row, MachineTableModel::NameColumn).data().toString() == hostname)
            return row;
    return -1;
}

QString TestMachinesPage::cell(const QString &hostname, int column, int role) const
{
    const int row = proxyRowOf(hostname);
    return row < 0 ? QStringLiteral("<no row %1>").arg(hostname) : proxy_->index(row, column).data(role).toString();
}

void TestMachinesPage::explainsHowMachinesArriveWhenThereAreNone()
{
    showWindow();
    auto *empty = window_->findChild<QWidget *>(QStringLiteral("machinesEmptyState"));
    auto *text = window_->findChild<QLabel *>(QStringLiteral("machinesEmptyText"));
    QVERIFY(empty && text);
    QVERIFY(empty->isVisible());
    QVERIFY(!table_->isVisible());
    QVERIFY(text->text().contains(QStringLiteral("PXE-boot")));
    QVERIFY(!filter_->isEnabled());
    QCOMPARE(count_->text(), QStringLiteral("No machines"));
    // The explanation is shown whole, not cut to its first line.
    QVERIFY(text->height() >= text->heightForWidth(text->width()));
    QVERIFY(text->visibleRegion().boundingRect().height() >= text->heightForWidth(text->width()));
    // Nobody signed in: nothing to press. An administrator gets the way out: Add machine.
    auto *add = window_->findChild<QPushButton *>(QStringLiteral("emptyAddMachine"));
    QVERIFY(add && !add->isVisible());
    window_->setUser(Actor{1, QStringLiteral("admin"), true});
    QVERIFY(add->isVisible());
    // The status bar's account button takes its new, longer text whole at the next layout pass.
    auto *account = window_->findChild<QToolButton *>(QStringLiteral("accountButton"));
    QVERIFY(account && account->text().contains(QStringLiteral("admin")));
    QTRY_VERIFY(account->width() >= account->sizeHint().width());
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-empty-en.png")));

    // The first machine replaces the explanation with the list.
    NewMachine spec;
    spec.macAddresses = {QStringLiteral("52:54:00:12:34:56")};
    auto created = core_->engine->createMachine(spec, Actor::system(QStringLiteral("enlistment")));
    QVERIFY2(created, qPrintable(created.errorMessage()));
    QTRY_VERIFY(table_->isVisible());
    QVERIFY(!empty->isVisible());
    QVERIFY(filter_->isEnabled());
    QCOMPARE(window_->windowTitle(), QStringLiteral("MetalDesk"));
    QCOMPARE(proxy_->rowCount(), 1);
    QCOMPARE(count_->text(), QStringLiteral("1 machine"));
    QCOMPARE(cell(created->hostname, MachineTableModel::StatusColumn), QStringLiteral("New"));
}

void TestMachinesPage::listsMachinesWithStatusOwnerAndHardware()
{
    populate();
    showWindow();
    QCOMPARE(model_->rowCount(), 12);
    QCOMPARE(proxy_->rowCount(), 12);
    QCOMPARE(model_->columnCount(), int(MachineTableModel::ColumnCount));
    QCOMPARE(count_->text(), QStringLiteral("12 machines"));
    QVERIFY(table_->isVisible());

    using M = MachineTableModel;
    const QString calm = QStringLiteral("calm-heron");
    QCOMPARE(cell(calm, M::StatusColumn), QStringLiteral("Ready"));
    QCOMPARE(cell(calm, M::PowerColumn), QStringLiteral("Off"));
    QCOMPARE(cell(calm, M::PowerColumn, Qt::ToolTipRole), QStringLiteral("Power driver: manual"));
    QCOMPARE(cell(calm, M::OwnerColumn), QStringLiteral("—"));
    QCOMPARE(cell(calm, M::ArchitectureColumn), QStringLiteral("amd64/generic"));
    QCOMPARE(cell(calm, M::CpuColumn), QStringLiteral("4"));
    QCOMPARE(cell(calm, M::MemoryColumn), QStringLiteral("8.0 GiB"));
    QCOMPARE(cell(calm, M::StorageColumn), QStringLiteral("500.1 GB"));
    QCOMPARE(cell(calm, M::MacColumn), QStringLiteral("52:54:00:00:00:03"));
    QCOMPARE(cell(calm, M::SystemIdColumn), ids_[calm]);
    QTRY_VERIFY(model_->activityLoaded());
    QCOMPARE(cell(calm, M::IpColumn), QStringLiteral("—"));
    QCOMPARE(cell(calm, M::LastEventColumn),
             QStringLiteral("Power is manual: restart calm-heron by hand (or switch it on)"));

    QCOMPARE(cell(QStringLiteral("fancy-moose"), M::StatusColumn), QStringLiteral("Allocated"));
    QCOMPARE(cell(QStringLiteral("fancy-moose"), M::OwnerColumn), QStringLiteral("alice"));
    QCOMPARE(cell(QStringLiteral("fancy-moose"), M::MemoryColumn), QStringLiteral("3.9 GiB"));
    QCOMPARE(cell(QStringLiteral("dusty-lynx"), M::MemoryColumn), QStringLiteral("512.0 GiB"));
    QCOMPARE(cell(QStringLiteral("dusty-lynx"), M::StorageColumn), QStringLiteral("7,681.5 GB"));
    QCOMPARE(cell(QStringLiteral("humble-wolf"), M::StatusColumn), QStringLiteral("Deployed"));
    QCOMPARE(cell(QStringLiteral("humble-wolf"), M::PowerColumn), QStringLiteral("On"));
    QCOMPARE(cell(QStringLiteral("humble-wolf"), M::MacColumn), QStringLiteral("52:54:00:00:00:08 (+1)"));
    QCOMPARE(cell(QStringLiteral("humble-wolf"), M::MacColumn, Qt::ToolTipRole),
             QStringLiteral("eth0: 52:54:00:00:00:08\neth1: 52:54:00:00:01:08"));
    // A machine at work says how long it has left before it times out.
    QCOMPARE(cell(QStringLiteral("brisk-otter"), M::StatusColumn), QStringLiteral("Commissioning · 30 min left"));
    QCOMPARE(cell(QStringLiteral("node-10"), M::StatusColumn), QStringLiteral("Broken"));

    // Hardware not known before commissioning reads as such, not as zero.
    QCOMPARE(cell(QStringLiteral("amber-falcon"), M::CpuColumn), QStringLiteral("—"));
    QCOMPARE(cell(QStringLiteral("amber-falcon"), M::MemoryColumn, Qt::ToolTipRole),
             QStringLiteral("Not known until the machine is commissioned"));
    QCOMPARE(cell(QStringLiteral("amber-falcon"), M::PowerColumn), QStringLiteral("Unknown"));

    // States at a glance: each kind its own icon (shape, not only colour), failures in red text.
    const auto data = [&](const QString &hostname, int column, int role) {
        return proxy_->index(proxyRowOf(hostname), column).data(role);
    };
    const auto iconImage = [&](const QString &hostname, int column) {
        return qvariant_cast<QIcon>(data(hostname, column, Qt::DecorationRole)).pixmap(16).toImage();
    };
    const QImage ready = iconImage(QStringLiteral("calm-heron"), M::StatusColumn);
    QVERIFY(!ready.isNull());
    QCOMPARE(iconImage(QStringLiteral("dusty-lynx"), M::StatusColumn), ready); // the same kind, the same icon
    QVERIFY(iconImage(QStringLiteral("node-2"), M::StatusColumn) != ready);
    QVERIFY(iconImage(QStringLiteral("node-10"), M::StatusColumn) != ready);
    QVERIFY(iconImage(QStringLiteral("humble-wolf"), M::PowerColumn) !=
            iconImage(QStringLiteral("calm-heron"), M::PowerColumn));
    QCOMPARE(qvariant_cast<QColor>(data(QStringLiteral("node-2"), M::StatusColumn, Qt::ForegroundRole)),
             QColor(0xb0, 0x00, 0x20));
    QVERIFY(!data(QStringLiteral("calm-heron"), M::StatusColumn, Qt::ForegroundRole).isValid());

    // The failure reason is on the status cell.
    const QString failed = QStringLiteral("node-2");
    QCOMPARE(cell(failed, M::StatusColumn), QStringLiteral("Failed deployment"));
    QCOMPARE(cell(failed, M::StatusColumn, Qt::ToolTipRole),
             QStringLiteral("Installation failed: no disk for the root filesystem"));

    // Sorted by name at first, naturally: node-2 before node-10.
    QCOMPARE(proxy_->index(0, M::NameColumn).data().toString(), QStringLiteral("amber-falcon"));
    QVERIFY(proxyRowOf(QStringLiteral("node-2")) < proxyRowOf(QStringLiteral("node-10")));

    // Every column is wide enough for its header and its widest cell, and at 1280×720 the columns
    // shown at first fit without scrolling sideways.
    verifyCellsFit();
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!table_->horizontalScrollBar()->isVisible());

    table_->selectRow(proxyRowOf(QStringLiteral("eager-panda")));
    QCOMPARE(window_->machinesPage()->selectedSystemIds(), QStringList{ids_[QStringLiteral("eager-panda")]});
    QCOMPARE(count_->text(), QStringLiteral("12 machines, 1 selected"));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-en.png")));
}

void TestMachinesPage::showsAddressesChassisAndTheLastEventLive()
{
    populate();
    // A VM found in a libvirt host (as chassis discovery will record it).
    {
        testing::RawSql sql(core_->db->spec());
        QCOMPARE(sql.exec(QStringLiteral("INSERT INTO chassis (name, chassis_type, address, created) VALUES "
                                         "('kvm-host.lab', 'virsh', 'qemu+ssh://kvm-host.lab/system', 0)")),
                 QString());
    }
    NewMachine vm;
    vm.hostname = QStringLiteral("vm-07");
    vm.chassisId = 1;
    vm.macAddresses = {QStringLiteral("52:54:00:00:07:07")};
    STEP(core_->engine->createMachine(vm, actor(QStringLiteral("admin"))));
    // What the boot servers write: a bound lease on calm-heron's NIC, and an expired one on
    // dusty-lynx's (it no longer holds it); a deployed machine's static address.
    LeaseStore leases(core_->db);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    STEP(leases.save({QHostAddress(QStringLiteral("192.168.100.57")).toIPv4Address(),
                      QStringLiteral("52:54:00:00:00:03"),
                      {},
                      Lease::State::Bound,
                      now + 600000}));
    STEP(leases.save({QHostAddress(QStringLiteral("192.168.100.58")).toIPv4Address(),
                      QStringLiteral("52:54:00:00:00:04"),
                      {},
                      Lease::State::Bound,
                      now - 1000}));
    const QString deployed = QStringLiteral("humble-wolf");
    const quint32 first = QHostAddress(QStringLiteral("192.168.100.200")).toIPv4Address();
    STEP(StaticAddressStore(core_->db).assign(ids_[deployed], first, first + 10));
    showWindow();
    using M = MachineTableModel;
    QTRY_VERIFY(model_->activityLoaded());
    QCOMPARE(cell(QStringLiteral("calm-heron"), M::IpColumn), QStringLiteral("192.168.100.57"));
    QCOMPARE(cell(QStringLiteral("dusty-lynx"), M::IpColumn), QStringLiteral("—"));
    QCOMPARE(cell(deployed, M::IpColumn), QStringLiteral("192.168.100.200"));
    QCOMPARE(cell(QStringLiteral("vm-07"), M::ChassisColumn), QStringLiteral("kvm-host.lab"));
    QCOMPARE(cell(deployed, M::ChassisColumn), QStringLiteral("—"));
    // The Chassis cell leads to the Chassis page with that chassis selected; another cell to the machine.
    emit table_->activated(table_->model()->index(proxyRowOf(QStringLiteral("vm-07")), M::ChassisColumn));
    auto *pages = window_->findChild<QStackedWidget *>(QStringLiteral("pages"));
    QCOMPARE(pages->currentWidget(), static_cast<QWidget *>(window_->chassisPage()));
    auto *chassisTable = window_->chassisPage()->findChild<QTableWidget *>(QStringLiteral("chassisTable"));
    QVERIFY(chassisTable && chassisTable->selectionModel()->hasSelection());
    QCOMPARE(chassisTable->selectionModel()->selectedRows().first().data().toString(), QStringLiteral("kvm-host.lab"));
    QTest::keyClick(window_.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(pages->currentWidget(), static_cast<QWidget *>(window_->machinesPage()));

    // Sorted by address as a number: .57 before .200 (as text it would come after).
    table_->sortByColumn(M::IpColumn, Qt::AscendingOrder);
    QCOMPARE(table_->model()->index(0, M::NameColumn).data().toString(), QStringLiteral("calm-heron"));
    QCOMPARE(table_->model()->index(1, M::NameColumn).data().toString(), deployed);

    // An event shows as the machine's last one at once; a status change re-reads its addresses.
    Event note;
    note.systemId = ids_[QStringLiteral("calm-heron")];
    note.type = QStringLiteral("power");
    note.description = QStringLiteral("Power checked: on");
    auto recorded = core_->events->record(note);
    STEP(recorded);
    emit core_->feed->eventRecorded(*recorded);
    QTRY_COMPARE(cell(QStringLiteral("calm-heron"), M::LastEventColumn), QStringLiteral("Power checked: on"));
    STEP(core_->engine->performAction(ids_[QStringLiteral("calm-heron")], NodeAction::Acquire,
                                      actor(QStringLiteral("admin"))));
    QTRY_COMPARE(cell(QStringLiteral("calm-heron"), M::LastEventColumn).left(8), QStringLiteral("Acquire "));
    STEP(StaticAddressStore(core_->db).assign(ids_[QStringLiteral("calm-heron")], first, first + 10));
    STEP(core_->engine->performAction(ids_[QStringLiteral("calm-heron")], NodeAction::Deploy,
                                      actor(QStringLiteral("admin"))));
    // Its own address now; the lease of the boot that installed it is not one it answers on.
    QTRY_COMPARE(cell(QStringLiteral("calm-heron"), M::IpColumn), QStringLiteral("192.168.100.201"));

    // Chassis and the last event are hidden at first: the header's menu shows them.
    QVERIFY(table_->isColumnHidden(M::ChassisColumn) && table_->isColumnHidden(M::LastEventColumn));
    for (int column : {int(M::ChassisColumn), int(M::LastEventColumn)}) {
        QTimer::singleShot(0, this, [column] {
            auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
            QVERIFY(menu);
            menu->findChild<QAction *>(QStringLiteral("column-%1").arg(column))->trigger();
            menu->close();
        });
        emit table_->horizontalHeader()->customContextMenuRequested(QPoint(5, 5));
        QVERIFY(!table_->isColumnHidden(column));
    }
    table_->scrollTo(table_->model()->index(0, M::LastEventColumn));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-addresses-en.png")));
}

void TestMachinesPage::filtersByFreeTextAndMaasTerms()
{
    populate();
    showWindow();
    auto filterBy = [this](const QString &text) {
        filter_->clear();
        QTest::keyClicks(filter_, text);
        return proxy_->rowCount();
    };
    QCOMPARE(filterBy(QStringLiteral("heron")), 1);
    QCOMPARE(filterBy(QStringLiteral("ARM64")), 3);
    QCOMPARE(filterBy(QStringLiteral("52:54:00:00:01")), 1); // the second NIC of humble-wolf
    QCOMPARE(filterBy(ids_[QStringLiteral("gentle-crab")].toUpper()), 1);
    QCOMPARE(filterBy(QStringLiteral("alice")), 3);
    QCOMPARE(filterBy(QStringLiteral("deployed")), 2);

    QCOMPARE(filterBy(QStringLiteral("status:ready")), 3);
    QCOMPARE(count_->text(), QStringLiteral("3 of 12 machines"));
    QCOMPARE(filterBy(QStringLiteral("status:Ready")), 3);
    QCOMPARE(filterBy(QStringLiteral("status:new")), 2);
    QCOMPARE(filterBy(QStringLiteral("status:failed-deployment")), 1);
    QCOMPARE(filterBy(QStringLiteral("status:faileddeployment")), 1);
    QCOMPARE(filterBy(QStringLiteral("status:ready,broken")), 4);
    QCOMPARE(filterBy(QStringLiteral("owner:alice")), 3);
    QCOMPARE(filterBy(QStringLiteral("owner:bob")), 2);
    QCOMPARE(filterBy(QStringLiteral("arch:arm64")), 3);
    QCOMPARE(filterBy(QStringLiteral("status:allocated owner:alice")), 2);
    QCOMPARE(filterBy(QStringLiteral("status:deployed owner:bob arch:arm64")), 1);
    QCOMPARE(filterBy(QStringLiteral("status:ready arch:arm64")), 1);
    QCOMPARE(filterBy(QStringLiteral("owner:alice moose")), 1);
    QCOMPARE(filterBy(QStringLiteral("status:deployed owner:alice")), 0);
    QCOMPARE(count_->text(), QStringLiteral("0 of 12 machines"));

    filter_->clear();
    QCOMPARE(proxy_->rowCount(), 12);
    QCOMPARE(count_->text(), QStringLiteral("12 machines"));
}

void TestMachinesPage::updatesOnlyTheChangedRowWithoutReset()
{
    populate();
    showWindow();
    QSignalSpy resets(model_, &QAbstractItemModel::modelReset);
    QSignalSpy changes(model_, &QAbstractItemModel::dataChanged);
    const QString calm = QStringLiteral("calm-heron");
    const QString id = ids_[calm];
    table_->selectRow(proxyRowOf(calm));

    QVERIFY(core_->engine->performAction(id, NodeAction::Acquire, actor(QStringLiteral("alice"))));
    QTRY_COMPARE(cell(calm, MachineTableModel::StatusColumn), QStringLiteral("Allocated"));
    QCOMPARE(cell(calm, MachineTableModel::OwnerColumn), QStringLiteral("alice"));
    QVERIFY(core_->engine->performAction(id, NodeAction::Deploy, actor(QStringLiteral("alice"))));
    QTRY_VERIFY(cell(calm, MachineTableModel::StatusColumn).startsWith(QStringLiteral("Deploying · ")));
    QVERIFY(core_->engine->markFailed(id, Text::plain(QStringLiteral("Timed out installing the image")),
                                      Actor::system(QStringLiteral("timeout"))));
    QTRY_COMPARE(cell(calm, MachineTableModel::StatusColumn), QStringLiteral("Failed deployment"));
    QCOMPARE(cell(calm, MachineTableModel::StatusColumn, Qt::ToolTipRole),
             QStringLiteral("Timed out installing the image"));
    QVERIFY(core_->machines->setPowerState(id, QStringLiteral("on")));
    QTRY_COMPARE(cell(calm, MachineTableModel::PowerColumn), QStringLiteral("On"));

    QCOMPARE(resets.size(), 0);
    QVERIFY(!changes.isEmpty());
    for (const QList<QVariant> &change : std::as_const(changes)) {
        const auto topLeft = change.at(0).value<QModelIndex>();
        const auto bottomRight = change.at(1).value<QModelIndex>();
        QCOMPARE(topLeft.row(), model_->rowOf(id));
        QCOMPARE(bottomRight.row(), topLeft.row());
    }
    // The row stayed selected through all of it.
    QCOMPARE(window_->machinesPage()->selectedSystemIds(), QStringList{id});
}

void TestMachinesPage::followsChangesMadeOnAnotherThread()
{
    populate();
    showWindow();
    QSignalSpy resets(model_, &QAbstractItemModel::modelReset);
    const QString eager = QStringLiteral("eager-panda");
    const QString id = ids_[eager];
    const Actor bob = actor(QStringLiteral("bob"));
    QString error;
    // The feed emits on this worker thread; the model must receive the change queued on its own.
    std::unique_ptr<QThread> worker(QThread::create([&] {
        if (auto done = core_->engine->performAction(id, NodeAction::Deploy, bob); !done)
            error = done.errorMessage();
        NewMachine spec;
        spec.hostname = QStringLiteral("from-a-thread");
        spec.macAddresses = {QStringLiteral("52:54:00:99:99:99")};
        if (auto created = core_->engine->createMachine(spec, Actor::system(QStringLiteral("enlistment"))); !created)
            error = created.errorMessage();
    }));
    worker->start();
    QVERIFY(worker->wait(10000));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_VERIFY(cell(eager, MachineTableModel::StatusColumn).startsWith(QStringLiteral("Deploying · ")));
    QCOMPARE(cell(eager, MachineTableModel::OwnerColumn), QStringLiteral("bob"));
    QTRY_COMPARE(proxy_->rowCount(), 13);
    QCOMPARE(cell(QStringLiteral("from-a-thread"), MachineTableModel::StatusColumn), QStringLiteral("New"));
    QCOMPARE(resets.size(), 0);
}

void TestMachinesPage::addsAndRemovesRowsLiveThroughTheFilter()
{
    populate();
    showWindow();
    QSignalSpy resets(model_, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(model_, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(model_, &QAbstractItemModel::rowsRemoved);
    const Actor admin = actor(QStringLiteral("admin"));

    QTest::keyClicks(filter_, QStringLiteral("status:new"));
    QCOMPARE(proxy_->rowCount(), 2);

    NewMachine spec;
    spec.hostname = QStringLiteral("zesty-newt");
    spec.architecture = QStringLiteral("amd64/generic");
    spec.macAddresses = {QStringLiteral("52:54:00:00:00:42")};
    auto created = core_->engine->createMachine(spec, admin);
    QVERIFY2(created, qPrintable(created.errorMessage()));
    QTRY_COMPARE(proxy_->rowCount(), 3);
    QVERIFY(proxyRowOf(spec.hostname) >= 0);
    QCOMPARE(count_->text(), QStringLiteral("3 of 13 machines"));
    QCOMPARE(inserted.size(), 1);

    // Commissioning moves it out of "status:new" without anyone refreshing.
    QVERIFY(core_->engine->performAction(created->systemId, NodeAction::Commission, admin));
    QTRY_COMPARE(proxy_->rowCount(), 2);
    QCOMPARE(count_->text(), QStringLiteral("2 of 13 machines"));

    filter_->clear();
    QCOMPARE(proxy_->rowCount(), 13);
    const QString gone = QStringLiteral("gentle-crab");
    QVERIFY(core_->engine->performAction(ids_[gone], NodeAction::Delete, admin));
    QTRY_COMPARE(proxy_->rowCount(), 12);
    QCOMPARE(proxyRowOf(gone), -1);
    QCOMPARE(model_->rowOf(ids_[gone]), -1);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(count_->text(), QStringLiteral("12 machines"));
    // The rows after the deleted one still map to their own machines.
    for (int row = 0; row < model_->rowCount(); ++row)
        QCOMPARE(model_->rowOf(model_->machineAt(row).systemId), row);
    QVERIFY(cell(QStringLiteral("zesty-newt"), MachineTableModel::StatusColumn)
                .startsWith(QStringLiteral("Commissioning · ")));
    QCOMPARE(resets.size(), 0);
}

void TestMachinesPage::sortsHardwareColumnsAsNumbers()
{
    populate();
    showWindow();
    QHeaderView *header = table_->horizontalHeader();
    auto clickHeader = [&](int column) {
        const QPoint centre(header->sectionViewportPosition(column) + header->sectionSize(column) / 2,
                            header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, centre);
    };
    auto cpuColumn = [&] {
        QList<int> cpus;
        for (int row = 0; row < proxy_->rowCount(); ++row) {
            const QString text = proxy_->index(row, MachineTableModel::CpuColumn).data().toString();
            if (text != QStringLiteral("—"))
                cpus << text.toInt();
        }
        return cpus;
    };
    const QList<int> ascending = {2, 4, 8, 12, 16, 24, 32, 64, 128};
    QList<int> descending = ascending;
    std::reverse(descending.begin(), descending.end());

    clickHeader(MachineTableModel::CpuColumn);
    QCOMPARE(header->sortIndicatorSection(), int(MachineTableModel::CpuColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder); // biggest first on the first click
    QCOMPARE(cpuColumn(), descending);
    clickHeader(MachineTableModel::CpuColumn);
    QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
    QCOMPARE(cpuColumn(), ascending);

    // A live change re-sorts the row into place.
    QVERIFY(core_->machines->setHardware(ids_[QStringLiteral("calm-heron")],
                                         {QStringLiteral("amd64/generic"), 96, 8192, 0, QString()}));
    QTRY_COMPARE(cpuColumn(), (QList<int>{2, 8, 12, 16, 24, 32, 64, 96, 128}));

    table_->sortByColumn(MachineTableModel::MemoryColumn, Qt::AscendingOrder);
    qint64 previous = -1;
    for (int row = 0; row < proxy_->rowCount(); ++row) {
        const qint64 memory =
            proxy_->index(row, MachineTableModel::MemoryColumn).data(MachineTableModel::SortRole).toLongLong();
        QVERIFY(memory >= previous);
        previous = memory;
    }
}

void TestMachinesPage::groupsByStatusWithLiveCounts()
{
    populate();
    showWindow();
    auto groups = [this] {
        QStringList texts;
        auto *strip = window_->findChild<QWidget *>(QStringLiteral("statusGroups"));
        for (int i = 0; i < strip->layout()->count(); ++i)
            if (auto *b = qobject_cast<QToolButton *>(strip->layout()->itemAt(i)->widget()))
                texts << b->text();
        return texts;
    };
    // In lifecycle order, only the statuses machines are in, with how many.
    QCOMPARE(groups(), QStringList({QStringLiteral("New 2"), QStringLiteral("Commissioning 1"),
                                    QStringLiteral("Ready 3"), QStringLiteral("Deployed 2"), QStringLiteral("Broken 1"),
                                    QStringLiteral("Allocated 2"), QStringLiteral("Failed deployment 1")}));
    auto *ready = window_->findChild<QToolButton *>(QStringLiteral("group-ready"));
    QTest::mouseClick(ready, Qt::LeftButton);
    QCOMPARE(filter_->text(), QStringLiteral("status:ready"));
    QCOMPARE(proxy_->rowCount(), 3);
    QVERIFY(ready->isChecked());
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest); // the count's new width
    QVERIFY(count_->width() >= count_->sizeHint().width());
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-group-ready-en.png")));
    // Another group replaces it; words typed stay.
    QTest::keyClicks(filter_, QStringLiteral(" node"));
    QTest::mouseClick(window_->findChild<QToolButton *>(QStringLiteral("group-broken")), Qt::LeftButton);
    QCOMPARE(filter_->text(), QStringLiteral("node status:broken"));
    QVERIFY(!ready->isChecked());
    QCOMPARE(proxy_->rowCount(), 1);
    filter_->clear();

    // Live: a machine commissioned moves from Ready to Commissioning within a tenth of a second or so.
    STEP(core_->engine->performAction(ids_[QStringLiteral("calm-heron")], NodeAction::Commission,
                                      actor(QStringLiteral("admin"))));
    QTRY_VERIFY(groups().contains(QStringLiteral("Ready 2")) && groups().contains(QStringLiteral("Commissioning 2")));
}

void TestMachinesPage::keepsTheStatusCountsExactUnderRapidChanges()
{
    populate();
    showWindow();
    // What the chips say, against what the database holds.
    auto chips = [this] {
        QStringList texts;
        for (auto *b : window_->findChild<QWidget *>(QStringLiteral("statusGroups"))->findChildren<QToolButton *>())
            texts << b->text();
        texts.sort();
        return texts;
    };
    auto counted = [this] {
        QMap<NodeStatus, int> counts;
        const auto machines = core_->machines->list();
        for (const Machine &m : machines ? *machines : QList<Machine>{})
            ++counts[m.status];
        QStringList texts;
        for (auto [status, count] : counts.asKeyValueRange())
            texts << QStringLiteral("%1 %2").arg(MachineTableModel::statusText(status)).arg(count);
        texts.sort();
        return texts;
    };
    QCOMPARE(chips(), counted());
    // Hundreds of changes as fast as the engine makes them, on another thread: Ready and Broken
    // machines swap back and forth.
    const QStringList names = {QStringLiteral("calm-heron"), QStringLiteral("dusty-lynx"),
                               QStringLiteral("eager-panda"), QStringLiteral("node-10")};
    const Actor admin = actor(QStringLiteral("admin"));
    QString error;
    std::unique_ptr<QThread> worker(QThread::create([&] {
        for (int i = 0; i < 301 && error.isEmpty(); ++i) {
            const QString id = ids_[names[i % names.size()]];
            const auto m = core_->machines->get(id);
            const NodeAction action =
                m && m->status == NodeStatus::Broken ? NodeAction::MarkFixed : NodeAction::MarkBroken;
            if (auto done = core_->engine->performAction(id, action, admin); !done)
                error = done.errorMessage();
        }
    }));
    worker->start();
    // The list stays usable meanwhile, and the chips settle on the database's counts.
    QTRY_VERIFY_WITH_TIMEOUT(worker->isFinished(), 60000);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QTRY_COMPARE(chips(), counted());
    QVERIFY(chips() != QStringList()); // not trivially equal
}

void TestMachinesPage::showsVersionAndDatabaseInAbout()
{
    QCoreApplication::setApplicationVersion(QStringLiteral("9.8.7"));
    auto restore = qScopeGuard([] { QCoreApplication::setApplicationVersion({}); });
    showWindow();
    QString shown;
    QTimer::singleShot(0, this, [&] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        QVERIFY(box);
        QVERIFY(QTest::qWaitForWindowExposed(box));
        shown = box->text();
        QVERIFY(box->grab().save(QStringLiteral(SCREENSHOT_DIR "/about-en.png")));
        box->close();
    });
    window_->findChild<QAction *>(QStringLiteral("about"))->trigger();
    // The version, the database in use and its folder: what a bug report needs, out of the status bar.
    QVERIFY2(shown.contains(QStringLiteral("MetalDesk 9.8.7")), qPrintable(shown));
    QVERIFY2(shown.contains(core_->db->spec().displayName()), qPrintable(shown));
    QVERIFY2(shown.contains(QFileInfo(core_->db->spec().path).absolutePath()), qPrintable(shown));
}

void TestMachinesPage::switchesTheLanguageAtOnce()
{
    populate();
    ConsoleShell shell(*core_, host_);
    shell.show(Actor{1, QStringLiteral("admin"), true});
    MainWindow *english = shell.window();
    QVERIFY(QTest::qWaitForWindowExposed(english));
    QCOMPARE(language::chosen(), QString());
    auto *korean = english->findChild<QAction *>(QStringLiteral("language-ko"));
    QVERIFY(korean && !korean->isChecked());
    QVERIFY(english->findChild<QAction *>(QStringLiteral("language-system"))->isChecked());
    // The user is on the Network page, in a window of their size.
    english->resize(790, 560); // within the offscreen screen (800x600), which restoring clamps to
    english->showPage(english->networkPage());
    auto restore = qScopeGuard([] {
        language::choose({});
        language::install(*qApp);
    });
    QSignalSpy replaced(&shell, &ConsoleShell::windowReplaced);
    korean->trigger();
    QCOMPARE(QSettings().value(QStringLiteral("interface/language")).toString(), QStringLiteral("ko"));
    QCOMPARE(language::locale().language(), QLocale::Korean);

    // At once, without a restart: the window speaks Korean, where the user was, still signed in.
    QTRY_COMPARE(replaced.size(), 1);
    MainWindow *window = shell.window();
    QVERIFY(window != english);
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QCOMPARE(window->findChild<QListWidget *>(QStringLiteral("navigation"))->item(0)->text(), QStringLiteral("머신"));
    QVERIFY(window->findChild<QAction *>(QStringLiteral("language-ko"))->isChecked());
    QCOMPARE(window->findChild<QStackedWidget *>(QStringLiteral("pages"))->currentWidget(),
             static_cast<QWidget *>(window->networkPage()));
    QCOMPARE(window->size(), QSize(790, 560));
    QCOMPARE(window->user()->username, QStringLiteral("admin"));
    QCOMPARE(window->findChild<QToolButton *>(QStringLiteral("accountButton"))->text(),
             QStringLiteral("로그인함: admin (관리자)"));
    QVERIFY(window->grab().save(QStringLiteral(SCREENSHOT_DIR "/language-switched-ko.png")));

    // And back to English the same way.
    window->findChild<QAction *>(QStringLiteral("language-en"))->trigger();
    QTRY_COMPARE(replaced.size(), 2);
    QCOMPARE(shell.window()->findChild<QListWidget *>(QStringLiteral("navigation"))->item(0)->text(),
             QStringLiteral("Machines"));
}

void TestMachinesPage::remembersGeometryAndColumns()
{
    populate();
    showWindow();
    window_->resize(790, 560); // within the offscreen screen (800x600): restoring clamps to it
    table_->horizontalHeader()->resizeSection(MachineTableModel::OwnerColumn, 177);
    table_->sortByColumn(MachineTableModel::StatusColumn, Qt::DescendingOrder);
    // Pages from the keyboard: Ctrl+5 is the fifth (Machines, Chassis, Images, Services, Network),
    // Ctrl+1 the first.
    QTest::keyClick(window_.get(), Qt::Key_5, Qt::ControlModifier);
    auto *pages = window_->findChild<QStackedWidget *>(QStringLiteral("pages"));
    QCOMPARE(pages->currentWidget(), static_cast<QWidget *>(window_->networkPage()));
    QTest::keyClick(window_.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(pages->currentWidget(), static_cast<QWidget *>(window_->machinesPage()));
    QTest::keyClick(window_.get(), Qt::Key_4, Qt::ControlModifier);
    QVERIFY(window_->close());

    MainWindow again(*core_, host_);
    QCOMPARE(again.size(), QSize(790, 560));
    auto *table = again.findChild<QTableView *>(QStringLiteral("machineTable"));
    QVERIFY(table);
    QCOMPARE(table->columnWidth(MachineTableModel::OwnerColumn), 177);
    QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), int(MachineTableModel::StatusColumn));
    QCOMPARE(table->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
    // Back on the page it was left on.
    QCOMPARE(again.findChild<QStackedWidget *>(QStringLiteral("pages"))->currentWidget(),
             static_cast<QWidget *>(again.servicesPage()));
}

void TestMachinesPage::fitsLongerTranslatedTextsInAKoreanFont()
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
    QVERIFY(cell(QStringLiteral("calm-heron"), MachineTableModel::StatusColumn).startsWith(QStringLiteral("한국어")));

    verifyNothingIsCut();
    if (QTest::currentTestFailed())
        return;
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-pseudo-ko.png")));
}

void TestMachinesPage::verifyCellsFit()
{
    const QFontMetrics fm = table_->fontMetrics();
    // The item delegate's margin on both sides of the text and of the icon (QCommonStyle: the
    // focus frame margin plus one).
    const int textMargin = table_->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table_) + 1;
    for (int column = 0; column < MachineTableModel::ColumnCount; ++column) {
        if (table_->isColumnHidden(column))
            continue;
        QVERIFY2(table_->columnWidth(column) >= table_->horizontalHeader()->sectionSizeHint(column),
                 qPrintable(QStringLiteral("header of column %1 cut").arg(column)));
        for (int row = 0; row < proxy_->rowCount(); ++row) {
            const QModelIndex index = proxy_->index(row, column);
            const QString text = index.data().toString();
            const int iconWidth =
                index.data(Qt::DecorationRole).isNull()
                    ? 0
                    : table_->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, table_) + 2 * textMargin;
            QVERIFY2(table_->columnWidth(column) >= fm.horizontalAdvance(text) + 2 * textMargin + iconWidth,
                     qPrintable(QStringLiteral("'%1' cut in column %2").arg(text).arg(column)));
        }
    }
}

void TestMachinesPage::verifyNothingIsCut()
{
    verifyCellsFit();
    if (QTest::currentTestFailed())
        return;
    // Every status chip whole, inside the strip (they wrap rather than run off its end).
    auto *strip = window_->findChild<QWidget *>(QStringLiteral("statusGroups"));
    for (auto *chip : strip->findChildren<QToolButton *>()) {
        QVERIFY2(chip->width() >= chip->sizeHint().width() && strip->rect().contains(chip->geometry()),
                 qPrintable(chip->text()));
    }
    QVERIFY(filter_->width() > filter_->fontMetrics().horizontalAdvance(filter_->placeholderText()));
    QVERIFY(count_->width() >= count_->sizeHint().width());
    table_->selectRow(proxyRowOf(QStringLiteral("node-2")));
    // The longer "…, 1 selected" takes effect at the next layout pass.
    QTRY_VERIFY(count_->width() >= count_->sizeHint().width());
}

void TestMachinesPage::speaksKoreanWithTheShippedTranslation()
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

    showWindow();
    QVERIFY(window_->findChild<QLabel *>(QStringLiteral("machineCount"))->text() == QStringLiteral("머신 없음"));
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-empty-ko.png")));
    window_.reset();

    populate();
    showWindow();
    QCOMPARE(proxy_->headerData(MachineTableModel::StatusColumn, Qt::Horizontal).toString(), QStringLiteral("상태"));
    QCOMPARE(cell(QStringLiteral("calm-heron"), MachineTableModel::StatusColumn), QStringLiteral("준비됨"));
    QCOMPARE(cell(QStringLiteral("node-2"), MachineTableModel::StatusColumn), QStringLiteral("배포 실패"));
    QCOMPARE(count_->text(), QStringLiteral("머신 12대"));
    // The filter takes the statuses by their Korean names too, as its hint shows.
    QVERIFY(filter_->placeholderText().contains(QStringLiteral("status:준비됨")));
    filter_->setText(QStringLiteral("status:준비됨"));
    QCOMPARE(proxy_->rowCount(), 3);
    filter_->setText(QStringLiteral("status:!준비됨,배포됨"));
    QCOMPARE(proxy_->rowCount(), 7);
    filter_->clear();
    verifyNothingIsCut();
    if (QTest::currentTestFailed())
        return;
    QVERIFY(window_->grab().save(QStringLiteral(SCREENSHOT_DIR "/machines-ko.png")));
    QVERIFY(!table_->horizontalScrollBar()->isVisible());
}

QTEST_MAIN(TestMachinesPage)
#include "tst_machinespage.moc"
