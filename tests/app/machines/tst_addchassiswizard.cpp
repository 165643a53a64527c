// The Add chassis wizard as an administrator uses it, against a real libvirtd with QEMU VMs: a host
// that does not answer says why on the first page; Next lists the VMs and goes on; the prefix
// narrows the list as it is typed; a VM without a NIC is shown but cannot be checked; Finish
// leaves one machine per checked VM, powered through libvirt. And against govmomi's vSphere
// simulator: the certificate shown by its fingerprint and trusted only once confirmed, a wrong
// password in vSphere's words, VMs sharing a MAC refused. Screenshots in English and Korean.

#include "app/machines/addchassiswizard.h"
#include "app/machines/chassispage.h"
#include "core/chassis/chassisstore.h"
#include "core/runtime/coreservices.h"
#include "guitest.h"
#include "libvirtsession.h"
#include "vcsim.h"

#include "skip.h"
#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestAddChassisWizard : public QObject {
    Q_OBJECT

    QTemporaryDir settingsDir_;
    QTemporaryDir daemonDir_;
    std::unique_ptr<testing::LibvirtSession> libvirt_;
    std::unique_ptr<testing::Vcsim> vcenter_;
    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<CoreServices> core_;
    const Actor admin_{1, u"admin"_s, true};

    static QString nic(const QString &mac)
    {
        return u"<interface type='user'><mac address='%1'/></interface>"_s.arg(mac);
    }
    template <typename T>
    static T *child(QWidget *w, const QString &name)
    {
        T *found = w->findChild<T *>(name);
        if (!found)
            qFatal("no %s", qPrintable(name));
        return found;
    }
    static QStringList rows(QTreeWidget *list)
    {
        QStringList names;
        for (int i = 0; i < list->topLevelItemCount(); ++i)
            names << list->topLevelItem(i)->text(0);
        return names;
    }

    // Walks the wizard to its result, saving a screenshot of each page with the suffix.
    void walk(const QString &suffix)
    {
        AddChassisWizard wizard(*core_, admin_);
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        auto *address = child<QLineEdit>(&wizard, u"chassisAddress"_s);
        address->setText(daemonDir_.filePath(u"nowhere"_s).prepend(u"qemu+unix:///session?socket="_s));
        QTest::mouseClick(child<QPushButton>(&wizard, u"testConnection"_s), Qt::LeftButton);
        auto *connection = child<QLabel>(&wizard, u"connectionResult"_s);
        QTRY_VERIFY_WITH_TIMEOUT(connection->text().contains(u"nowhere"_s) &&
                                     wizard.button(QWizard::NextButton)->isEnabled() &&
                                     child<QPushButton>(&wizard, u"testConnection"_s)->isEnabled(),
                                 20000);
        QVERIFY(!wizard.listed());
        QVERIFY(wizard.grab().save(u"%1/add-chassis-unreachable-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        QCOMPARE(wizard.currentId(), int(AddChassisWizard::HostPage));

        address->setText(libvirt_->uri());
        child<QLineEdit>(&wizard, u"chassisName"_s)->setText(u"lab host"_s);
        wizard.next(); // lists, then goes on by itself
        wizard.next(); // impatient: still one page on, never past the VMs to adding them
        QTRY_COMPARE_WITH_TIMEOUT(wizard.currentId(), int(AddChassisWizard::VmsPage), 20000);
        QTest::qWait(300);
        QCOMPARE(wizard.currentId(), int(AddChassisWizard::VmsPage));
        auto *list = child<QTreeWidget>(&wizard, u"vmList"_s);
        QCOMPARE(rows(list), QStringList({u"lab-a"_s, u"lab-b"_s, u"lab-nonic"_s, u"other-c"_s}));
        QTest::keyClicks(child<QLineEdit>(&wizard, u"prefixFilter"_s), u"lab-"_s);
        QCOMPARE(rows(list), QStringList({u"lab-a"_s, u"lab-b"_s, u"lab-nonic"_s}));
        QCOMPARE(list->topLevelItem(0)->checkState(0), Qt::Checked);
        QVERIFY(!(list->topLevelItem(2)->flags() & Qt::ItemIsEnabled)); // no NIC: cannot be chosen
        QVERIFY(list->topLevelItem(2)->text(4).contains(u"no network interface"_s) || suffix != u"en"_s);
        list->topLevelItem(1)->setCheckState(0, Qt::Unchecked); // lab-b stays out
        QVERIFY(wizard.grab().save(u"%1/add-chassis-vms-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));

        wizard.next(); // adds on the pool, then goes on by itself
        wizard.next(); // impatient: adds once
        QTRY_COMPARE_WITH_TIMEOUT(wizard.currentId(), int(AddChassisWizard::ResultPage), 20000);
        QVERIFY2(child<QLabel>(&wizard, u"syncResult"_s)->text().contains(u"lab-a"_s),
                 qPrintable(child<QLabel>(&wizard, u"syncResult"_s)->text()));
        QVERIFY(wizard.grab().save(u"%1/add-chassis-result-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        wizard.accept();
    }

    // A vCenter: the certificate to confirm, a wrong password, then its VMs.
    void walkVsphere(const QString &suffix)
    {
        AddChassisWizard wizard(*core_, admin_);
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        auto *type = child<QComboBox>(&wizard, u"chassisType"_s);
        type->setCurrentIndex(type->findData(u"vmware"_s));
        auto *user = child<QLineEdit>(&wizard, u"chassisUser"_s);
        auto *password = child<QLineEdit>(&wizard, u"chassisPassword"_s);
        QVERIFY(user->isVisible() && password->isVisible());
        auto *address = child<QLineEdit>(&wizard, u"chassisAddress"_s);
        QCOMPARE(address->text(), QString()); // not libvirt's URI
        address->setText(u"127.0.0.1:%1"_s.arg(vcenter_->port()));
        user->setText(u"admin"_s);
        password->setText(u"wrong"_s);
        child<QLineEdit>(&wizard, u"chassisName"_s)->setText(u"vcenter"_s);
        auto *test = child<QPushButton>(&wizard, u"testConnection"_s);
        auto *connection = child<QLabel>(&wizard, u"connectionResult"_s);
        auto *trust = child<QCheckBox>(&wizard, u"trustCertificate"_s);
        QVERIFY(!trust->isVisible());
        QTest::mouseClick(test, Qt::LeftButton);
        // TLS comes first: the certificate, by its fingerprint, not trusted by itself.
        QTRY_VERIFY_WITH_TIMEOUT(trust->isVisible() && test->isEnabled(), 20000);
        QVERIFY2(connection->text().contains(vcenter_->fingerprint()), qPrintable(connection->text()));
        QCOMPARE(trust->toolTip(), vcenter_->fingerprint());
        QVERIFY(!trust->isChecked() && !wizard.listed());
        QVERIFY(wizard.grab().save(
            u"%1/add-chassis-vsphere-certificate-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        trust->click(); // confirmed: lists again, trusting that certificate
        QTRY_VERIFY_WITH_TIMEOUT(connection->text().contains(u"InvalidLogin"_s) && test->isEnabled(), 20000);
        QVERIFY(!wizard.listed());
        QVERIFY(trust->isVisible() && trust->isChecked());
        QVERIFY(
            wizard.grab().save(u"%1/add-chassis-vsphere-login-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));

        password->setText(QLatin1String(testing::Vcsim::password));
        wizard.next();
        QTRY_COMPARE_WITH_TIMEOUT(wizard.currentId(), int(AddChassisWizard::VmsPage), 20000);
        auto *list = child<QTreeWidget>(&wizard, u"vmList"_s);
        QCOMPARE(rows(list), QStringList({u"DC0_C0_RP0_VM0"_s, u"DC0_C0_RP0_VM1"_s, u"DC0_H0_VM0"_s, u"DC0_H0_VM1"_s}));
        // vcsim gives the two VMs of one host one MAC: the second of each pair cannot be chosen.
        QVERIFY(!(list->topLevelItem(1)->flags() & Qt::ItemIsEnabled));
        QVERIFY(list->topLevelItem(1)->text(4).contains(u"DC0_C0_RP0_VM0"_s));
        QVERIFY(!(list->topLevelItem(3)->flags() & Qt::ItemIsEnabled));
        QVERIFY(wizard.grab().save(u"%1/add-chassis-vsphere-vms-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        wizard.next();
        QTRY_COMPARE_WITH_TIMEOUT(wizard.currentId(), int(AddChassisWizard::ResultPage), 20000);
        const QString result = child<QLabel>(&wizard, u"syncResult"_s)->text();
        QVERIFY2(result.contains(u"dc0-h0-vm0"_s) && result.contains(u"dc0-c0-rp0-vm0"_s), qPrintable(result));
        QVERIFY(
            wizard.grab().save(u"%1/add-chassis-vsphere-result-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        wizard.accept();
        auto machines = core_->machines->list();
        QVERIFY(machines);
        QCOMPARE(machines->size(), 2);
        for (const Machine &m : *machines) {
            QCOMPARE(m.powerType, u"vmware"_s);
            QCOMPARE(m.powerParameters.value(u"power_fingerprint"_s).toString(), vcenter_->fingerprint());
        }
    }

    // The vCenter gets another certificate: Re-sync refuses it with both fingerprints and offers
    // to trust it, which asks, re-pins the chassis and its machines, and syncs.
    void trustRenewedCertificate(const QString &suffix)
    {
        ChassisPage page(*core_);
        page.setUser(admin_);
        page.resize(1000, 400);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto *table = child<QTableWidget>(&page, u"chassisTable"_s);
        QCOMPARE(table->rowCount(), 1);
        table->selectRow(0);
        const QString before = vcenter_->fingerprint();
        vcenter_->stop();
        QCOMPARE(vcenter_->renewCertificate(), QString());
        QCOMPARE(vcenter_->start(), QString());
        const QString after = vcenter_->fingerprint();
        auto *trust = child<QPushButton>(&page, u"trustChassisCertificate"_s);
        QVERIFY(!trust->isVisible());
        QTest::mouseClick(child<QPushButton>(&page, u"resyncChassis"_s), Qt::LeftButton);
        auto *result = child<QLabel>(&page, u"chassisResult"_s);
        QTRY_VERIFY_WITH_TIMEOUT(trust->isVisible(), 20000);
        QVERIFY2(result->text().contains(before) && result->text().contains(after), qPrintable(result->text()));
        QVERIFY(
            page.grab().save(u"%1/chassis-certificate-changed-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        QTimer::singleShot(100, &page, [&page, suffix] {
            auto *ask = page.findChild<QMessageBox *>(u"trustCertificateQuestion"_s);
            if (!ask)
                return;
            ask->grab().save(u"%1/chassis-trust-certificate-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix));
            for (QAbstractButton *b : ask->buttons())
                if (ask->buttonRole(b) == QMessageBox::AcceptRole)
                    b->click();
        });
        page.trustNewCertificate();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isSyncing() && !trust->isVisible(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(table->item(0, 6)->text().isEmpty(), 20000); // the problem is gone
        auto machines = core_->machines->list();
        QVERIFY(machines);
        for (const Machine &m : *machines)
            QCOMPARE(m.powerParameters.value(u"power_fingerprint"_s).toString(), after);
    }

    // The Chassis page after the walk: its row, a Re-sync that finds a VM defined since, and Remove.
    void usePage(const QString &suffix)
    {
        ChassisPage page(*core_);
        page.setUser(admin_);
        page.resize(1000, 400);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto *table = child<QTableWidget>(&page, u"chassisTable"_s);
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), u"lab host"_s);
        QCOMPARE(table->item(0, 4)->text(), u"1"_s);
        QCOMPARE(libvirt_->defineVm(u"lab-new"_s, nic(u"52:54:00:d0:00:09"_s)), QString());
        auto undefine = qScopeGuard([&] { libvirt_->virsh({u"undefine"_s, u"lab-new"_s}); });
        QTest::mouseClick(child<QPushButton>(&page, u"resyncChassis"_s), Qt::LeftButton);
        auto *result = child<QLabel>(&page, u"chassisResult"_s);
        QTRY_VERIFY_WITH_TIMEOUT(result->text().contains(u"lab-new"_s), 20000);
        QTRY_COMPARE(table->item(0, 4)->text(), u"3"_s); // lab-a, lab-b (not chosen in the wizard) and lab-new
        QVERIFY2(result->text().contains(u"lab-b"_s), qPrintable(result->text())); // not chosen before: added now
        QVERIFY(page.grab().save(u"%1/chassis-page-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix)));
        QTimer::singleShot(100, &page, [&page, suffix] {
            auto *ask = page.findChild<QMessageBox *>(u"removeChassisQuestion"_s);
            if (!ask)
                return;
            ask->grab().save(u"%1/chassis-remove-%2.png"_s.arg(QStringLiteral(SCREENSHOT_DIR), suffix));
            for (QAbstractButton *b : ask->buttons())
                if (ask->buttonRole(b) == QMessageBox::DestructiveRole)
                    b->click();
        });
        page.removeSelected();
        QCOMPARE(table->rowCount(), 0);
        QCOMPARE(*core_->machines->count(), 3); // the machines stay
    }

private slots:
    void initTestCase()
    {
        QVERIFY(guitest::setUpGuiTest(u"tst_addchassiswizard"_s, settingsDir_.path(), false));
        libvirt_ = std::make_unique<testing::LibvirtSession>(daemonDir_.path());
        if (const QString why = libvirt_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"no libvirtd to test against: "_s + why));
        QCOMPARE(libvirt_->defineVm(u"lab-a"_s, nic(u"52:54:00:d0:00:01"_s)), QString());
        QCOMPARE(libvirt_->defineVm(u"lab-b"_s, nic(u"52:54:00:d0:00:02"_s)), QString());
        QCOMPARE(libvirt_->defineVm(u"lab-nonic"_s), QString());
        QCOMPARE(libvirt_->defineVm(u"other-c"_s, nic(u"52:54:00:d0:00:03"_s)), QString());
        vcenter_ = std::make_unique<testing::Vcsim>(daemonDir_.path());
        if (const QString why = vcenter_->start(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(u"no vSphere simulator to test against: "_s + why));
    }
    void init()
    {
        const QString fresh = guitest::startFresh(dir_, core_);
        QVERIFY2(fresh.isEmpty(), qPrintable(fresh));
    }
    void cleanup()
    {
        core_.reset();
        dir_.reset();
    }
    void cleanupTestCase()
    {
        vcenter_.reset();
        libvirt_.reset();
    }

    void addsTheCheckedVmsOfALibvirtHost()
    {
        walk(u"en"_s);
        if (QTest::currentTestFailed())
            return;
        auto machines = core_->machines->list();
        QVERIFY(machines);
        QCOMPARE(machines->size(), 1);
        const Machine &a = machines->first();
        QCOMPARE(a.hostname, u"lab-a"_s);
        QCOMPARE(a.powerType, u"virsh"_s);
        QCOMPARE(a.powerParameters.value(u"power_id"_s).toString(), u"lab-a"_s);
        auto chassis = ChassisStore(core_->db, nullptr).list();
        QVERIFY(chassis && chassis->size() == 1);
        QCOMPARE(chassis->first().name, u"lab host"_s);
        QCOMPARE(chassis->first().prefixFilter, u"lab-"_s);
        QCOMPARE(a.chassisId, chassis->first().id);
        usePage(u"en"_s);
    }

    void addsTheVmsOfAVcenter()
    {
        walkVsphere(u"en"_s);
        if (!QTest::currentTestFailed())
            trustRenewedCertificate(u"en"_s);
    }

    void speaksKorean()
    {
        QTranslator korean, koreanQt;
        QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
        const QFont original = QApplication::font();
        QCoreApplication::installTranslator(&korean);
        QCoreApplication::installTranslator(&koreanQt);
        QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
        auto restore = qScopeGuard([&] {
            QCoreApplication::removeTranslator(&korean);
            QCoreApplication::removeTranslator(&koreanQt);
            QApplication::setFont(original);
        });
        walk(u"ko"_s);
        if (!QTest::currentTestFailed())
            usePage(u"ko"_s);
        if (QTest::currentTestFailed())
            return;
        cleanup();
        init();
        walkVsphere(u"ko"_s);
        if (!QTest::currentTestFailed())
            trustRenewedCertificate(u"ko"_s);
    }
};

QTEST_MAIN(TestAddChassisWizard)
#include "tst_addchassiswizard.moc"
