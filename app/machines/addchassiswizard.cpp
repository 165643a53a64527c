#include "app/machines/addchassiswizard.h"

#include "app/shell/jobprogressbar.h"
#include "app/shell/textstyle.h"
#include "core/base/job.h"
#include "core/chassis/chassisstore.h"
#include "core/runtime/coreservices.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QThreadPool>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace metaldesk {

namespace {
enum Column {
    NameColumn,
    MacColumn,
    FirmwareColumn,
    PowerColumn,
    ActionColumn
};

QString powerText(PowerState state)
{
    switch (state) {
    case PowerState::On: return AddChassisWizard::tr("On");
    case PowerState::Off: return AddChassisWizard::tr("Off");
    case PowerState::Unknown: break;
    }
    return AddChassisWizard::tr("Unknown");
}

bool choosable(SyncAction action) { return action == SyncAction::Add || action == SyncAction::Update; }
} // namespace

AddChassisWizard::AddChassisWizard(CoreServices &core, const Actor &admin, QWidget *parent)
    : QWizard(parent),
      core_(core),
      admin_(admin),
      type_(new QComboBox),
      address_(new QLineEdit(QStringLiteral("qemu:///system"))),
      user_(new QLineEdit),
      password_(new QLineEdit),
      trust_(new QCheckBox),
      name_(new QLineEdit),
      test_(new QPushButton(tr("&Test connection"))),
      progress_(new JobProgressBar),
      connection_(new QLabel),
      prefix_(new QLineEdit),
      vmList_(new QTreeWidget),
      commission_(new QCheckBox(tr("&Commission the new machines (power them on through the host)"))),
      summary_(new QLabel),
      result_(new QLabel)
{
    setWindowTitle(tr("Add chassis"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnLastPage);
    setOption(QWizard::NoCancelButtonOnLastPage);

    // 1: the host.
    auto *host = new QWizardPage;
    host->setTitle(tr("Which host?"));
    host->setSubTitle(tr("MetalDesk lists the host's VMs and adds them as machines that it powers through the "
                         "host. Nothing is changed on the host until a machine is powered on."));
    for (const QString &type : chassisTypes())
        type_->addItem(chassisTypeLabel(type), type);
    type_->setObjectName(QStringLiteral("chassisType"));
    address_->setObjectName(QStringLiteral("chassisAddress"));
    user_->setObjectName(QStringLiteral("chassisUser"));
    password_->setObjectName(QStringLiteral("chassisPassword"));
    password_->setEchoMode(QLineEdit::Password);
    trust_->setObjectName(QStringLiteral("trustCertificate"));
    trust_->hide();
    name_->setObjectName(QStringLiteral("chassisName"));
    name_->setPlaceholderText(tr("the host's name"));
    test_->setObjectName(QStringLiteral("testConnection"));
    connection_->setObjectName(QStringLiteral("connectionResult"));
    connection_->setWordWrap(true);
    connection_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    progress_->hide();
    auto *form = new QFormLayout;
    form->addRow(tr("T&ype:"), type_);
    form->addRow(tr("&Address:"), address_);
    form->addRow(tr("&User:"), user_);
    form->addRow(tr("&Password:"), password_);
    form->addRow(tr("&Name:"), name_);
    form_ = form;
    auto *hostLayout = new QVBoxLayout(host);
    hostLayout->addLayout(form);
    auto *testRow = new QHBoxLayout;
    testRow->addWidget(test_);
    testRow->addStretch(1);
    hostLayout->addLayout(testRow);
    hostLayout->addWidget(progress_);
    hostLayout->addWidget(connection_);
    hostLayout->addWidget(trust_);
    hostLayout->addStretch(1);
    connect(test_, &QPushButton::clicked, this, &AddChassisWizard::testConnection);
    const auto stale = [this] {
        if (listed() && connectionKey() != listedKey_) {
            vms_.reset();
            connection_->clear();
        }
    };
    connect(address_, &QLineEdit::textChanged, this, stale);
    connect(user_, &QLineEdit::textChanged, this, stale);
    connect(password_, &QLineEdit::textChanged, this, stale);
    connect(type_, &QComboBox::currentIndexChanged, this, [this, stale] {
        typeChanged();
        stale();
    });
    // Confirming the fingerprint lists again, now trusting that certificate (and only it).
    connect(trust_, &QCheckBox::toggled, this, [this](bool on) {
        trusted_ = on ? *presented_ : QString();
        if (on)
            testConnection();
    });
    typeChanged();
    setPage(HostPage, host);

    // 2: its VMs.
    auto *vms = new QWizardPage;
    vms->setTitle(tr("Which VMs?"));
    vms->setSubTitle(tr("Checked VMs become machines in New. A VM whose MAC address another machine already has "
                        "is not added: one machine per MAC."));
    prefix_->setObjectName(QStringLiteral("prefixFilter"));
    prefix_->setPlaceholderText(tr("all VMs"));
    prefix_->setClearButtonEnabled(true);
    vmList_->setObjectName(QStringLiteral("vmList"));
    vmList_->setRootIsDecorated(false);
    vmList_->setHeaderLabels({tr("VM"), tr("MAC addresses"), tr("Firmware"), tr("Power"), tr("What happens")});
    vmList_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    vmList_->header()->setStretchLastSection(true);
    commission_->setObjectName(QStringLiteral("commissionAdded"));
    summary_->setObjectName(QStringLiteral("planSummary"));
    summary_->setWordWrap(true);
    auto *prefixForm = new QFormLayout;
    prefixForm->addRow(tr("Only VMs whose name starts with:"), prefix_);
    auto *vmsLayout = new QVBoxLayout(vms);
    vmsLayout->addLayout(prefixForm);
    vmsLayout->addWidget(vmList_, 1);
    vmsLayout->addWidget(commission_);
    vmsLayout->addWidget(summary_);
    connect(prefix_, &QLineEdit::textChanged, this, &AddChassisWizard::showPlan);
    connect(vmList_, &QTreeWidget::itemChanged, this, [this] {
        summary_->setText(tr("VMs to add or update: %1.").arg(chosen().size()));
        setTextColor(summary_, palette().color(QPalette::WindowText));
    });
    setPage(VmsPage, vms);

    // 3: what happened.
    auto *done = new QWizardPage;
    done->setTitle(tr("Chassis added"));
    result_->setObjectName(QStringLiteral("syncResult"));
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *doneLayout = new QVBoxLayout(done);
    doneLayout->addWidget(result_);
    doneLayout->addStretch(1);
    setPage(ResultPage, done);
    resize(860, 560);
}

AddChassisWizard::~AddChassisWizard() = default;

Chassis AddChassisWizard::chassis() const
{
    Chassis c;
    c.type = type_->currentData().toString();
    c.address = address_->text().trimmed();
    c.name = name_->text().trimmed();
    c.prefixFilter = prefix_->text();
    if (c.type == QLatin1String("vmware")) {
        // "host" or "host:port", as vSphere's own clients take it.
        const QUrl url = QUrl::fromUserInput(QStringLiteral("https://") + c.address);
        if (url.isValid() && !url.host().isEmpty()) {
            c.address = url.host();
            if (url.port() > 0)
                c.parameters.insert(QStringLiteral("power_port"), QString::number(url.port()));
        }
        c.parameters.insert(QStringLiteral("power_user"), user_->text());
        c.parameters.insert(QStringLiteral("power_pass"), password_->text());
        if (!trusted_.isEmpty())
            c.parameters.insert(QStringLiteral("power_fingerprint"), trusted_);
    }
    return c;
}

QString AddChassisWizard::connectionKey() const
{
    return type_->currentData().toString() + QLatin1Char('\n') + address_->text().trimmed() + QLatin1Char('\n') +
           user_->text() + QLatin1Char('\n') + password_->text();
}

void AddChassisWizard::typeChanged()
{
    const bool vsphere = type_->currentData().toString() == QLatin1String("vmware");
    form_->setRowVisible(user_, vsphere);
    form_->setRowVisible(password_, vsphere);
    if (vsphere) {
        if (address_->text().startsWith(QLatin1String("qemu")))
            address_->clear();
        address_->setPlaceholderText(tr("vcenter.example.lan or esxi1:443"));
        address_->setToolTip(tr("The vCenter or ESXi host's name or address, with :PORT when it is not 443. The "
                                "user needs to read VMs and to switch them (an ESXi host's root will do)"));
    } else {
        if (address_->text().isEmpty())
            address_->setText(QStringLiteral("qemu:///system"));
        address_->setPlaceholderText(QString());
        address_->setToolTip(tr("qemu:///system on this computer; qemu+ssh://USER@HOST/system for another, with "
                                "SSH key authentication for the user MetalDesk runs as (root's keys when it runs "
                                "as root)"));
    }
}

void AddChassisWizard::testConnection()
{
    if (job_ && !job_->isFinished())
        return;
    const Chassis target = chassis();
    listedKey_ = connectionKey();
    listedAddress_ = target.address;
    vms_.reset();
    presented_ = std::make_shared<QString>();
    job_ = std::make_unique<ResultJob<QList<ChassisVm>>>(
        tr("Listing the VMs of %1").arg(target.address), [target, presented = presented_](JobContext &context) {
            context.setMessage(AddChassisWizard::tr("Connecting to %1").arg(target.address));
            return listChassisVms(target, context.reporter(), presented.get());
        });
    connect(job_.get(), &Job::finished, this, &AddChassisWizard::listingDone);
    progress_->show();
    progress_->follow(job_.get());
    connection_->setText(tr("Connecting to %1…").arg(target.address));
    setTextColor(connection_, palette().color(QPalette::WindowText));
    test_->setEnabled(false);
    job_->start(QThreadPool::globalInstance());
}

void AddChassisWizard::listingDone()
{
    test_->setEnabled(true);
    progress_->hide();
    if (job_->state() == JobState::Succeeded && job_->result()) {
        vms_ = *job_->result();
        QString text = tr("Connected to %1. VMs found: %2.").arg(listedAddress_).arg(vms_->size());
        if (std::any_of(vms_->begin(), vms_->end(), [](const ChassisVm &vm) { return !vm.powerAllowed; }))
            text += QLatin1Char(' ') + tr("This ESXi licence allows discovery only: its VMs are added with manual "
                                          "power (you switch them on and off), and commissioning waits for you.");
        connection_->setText(text);
        setTextColor(connection_, palette().color(QPalette::WindowText));
        trust_->setVisible(!trusted_.isEmpty());
    } else {
        connection_->setText(asSentence(tr("Cannot list the VMs: %1").arg(job_->errorMessage())));
        setTextColor(connection_, kErrorColor);
        // A certificate to confirm: offered by its fingerprint, never trusted by itself.
        if (!presented_->isEmpty() && *presented_ != trusted_) {
            const QSignalBlocker quiet(trust_);
            trust_->setChecked(false);
            trusted_.clear();
            trust_->setText(tr("I compared the fingerprint above with the one the host shows: trust this certificate"));
            trust_->setToolTip(*presented_);
            trust_->show();
        }
    }
    emit listingFinished();
}

void AddChassisWizard::initializePage(int id)
{
    if (id == VmsPage)
        showPlan();
    QWizard::initializePage(id);
}

void AddChassisWizard::showPlan()
{
    if (!vms_)
        return;
    auto machines = core_.machines->list();
    if (!machines) {
        summary_->setText(asSentence(machines.errorMessage()));
        setTextColor(summary_, kErrorColor);
        return;
    }
    plan_ = planChassisSync(*vms_, prefix_->text(), std::nullopt, *machines);
    const QSignalBlocker quiet(vmList_);
    vmList_->clear();
    for (const SyncItem &item : std::as_const(plan_.items)) {
        if (item.action == SyncAction::Filtered)
            continue;
        auto *row = new QTreeWidgetItem(vmList_);
        row->setText(NameColumn, item.vm.name);
        row->setText(MacColumn, item.vm.macAddresses.join(QStringLiteral(", ")));
        row->setText(FirmwareColumn, item.vm.firmware.toUpper());
        row->setText(PowerColumn, powerText(item.vm.power));
        row->setText(ActionColumn, item.reason.isEmpty()
                                       ? syncActionText(item.action)
                                       : syncActionText(item.action) + QStringLiteral(": ") + item.reason);
        row->setData(NameColumn, Qt::UserRole, item.vm.uuid);
        if (choosable(item.action)) {
            row->setCheckState(NameColumn, Qt::Checked);
        } else {
            row->setFlags(row->flags() & ~Qt::ItemIsEnabled);
            row->setToolTip(ActionColumn, item.reason);
        }
    }
    const int hidden = int(std::count_if(plan_.items.begin(), plan_.items.end(),
                                         [](const SyncItem &i) { return i.action == SyncAction::Filtered; }));
    summary_->setText(
        tr("VMs to add or update: %1.").arg(chosen().size()) +
        (hidden ? QLatin1Char(' ') + tr("VMs outside the prefix, not shown: %1.").arg(hidden) : QString()));
    setTextColor(summary_, palette().color(QPalette::WindowText));
}

QSet<QString> AddChassisWizard::chosen() const
{
    QSet<QString> uuids;
    for (int i = 0; i < vmList_->topLevelItemCount(); ++i)
        if (const QTreeWidgetItem *row = vmList_->topLevelItem(i); row->checkState(NameColumn) == Qt::Checked)
            uuids.insert(row->data(NameColumn, Qt::UserRole).toString());
    return uuids;
}

bool AddChassisWizard::validateCurrentPage()
{
    if (currentId() == HostPage) {
        if (listed() && listedKey_ == connectionKey())
            return true;
        if (job_ && !job_->isFinished())
            return false; // a listing runs: its end goes on by itself, once
        // Next lists first, and goes on by itself when the listing worked.
        connect(
            this, &AddChassisWizard::listingFinished, this,
            [this] {
                if (listed())
                    next();
            },
            Qt::SingleShotConnection);
        testConnection();
        return false;
    }
    if (currentId() != VmsPage || applied_)
        return true;
    if (!(addJob_ && !addJob_->isFinished()))
        startAdding(); // Next again while it runs does nothing more
    return false;
}

void AddChassisWizard::startAdding()
{
    const QSet<QString> uuids = chosen();
    const Chassis target = chassis();
    const Actor admin = admin_;
    const bool commission = commission_->isChecked();
    const QList<ChassisVm> vms = *vms_;
    added_.reset();
    outcome_.reset();
    addJob_ = std::make_unique<ResultJob<bool>>(
        tr("Adding %1").arg(target.address), [](JobContext &) -> Expected<bool> { return true; },
        [this, target, admin, commission, vms, uuids](const bool &) -> Expected<void> {
            auto added = ChassisStore(core_.db, core_.feed.get()).add(admin, target);
            if (!added)
                return added.error();
            added_ = *added;
            // The plan against the new chassis: nothing is its machine yet, so the same as shown.
            auto machines = core_.machines->list();
            outcome_ = machines ? applyChassisSync(core_, *added,
                                                   planChassisSync(vms, added->prefixFilter, added->id, *machines),
                                                   uuids, admin, commission)
                                : Expected<SyncOutcome>(machines.error());
            if (!*outcome_) // the chassis row says it too
                (void)ChassisStore(core_.db, core_.feed.get()).recordSync(added->id, outcome_->errorMessage());
            return {};
        });
    connect(addJob_.get(), &Job::finished, this, &AddChassisWizard::addingDone);
    summary_->setText(tr("Adding the chassis and its machines…"));
    setTextColor(summary_, palette().color(QPalette::WindowText));
    addJob_->start(QThreadPool::globalInstance());
}

void AddChassisWizard::addingDone()
{
    if (addJob_->state() != JobState::Succeeded || !added_) {
        summary_->setText(asSentence(addJob_->errorMessage()));
        setTextColor(summary_, kErrorColor);
        return;
    }
    applied_ = true;
    if (!*outcome_) {
        // If even the chassis row could not be written, the page below still says it.
        result_->setText(asSentence(
            tr("The chassis %1 was added, but its VMs were not: %2").arg(added_->name, outcome_->errorMessage())));
        setTextColor(result_, kErrorColor);
        next();
        return;
    }
    const SyncOutcome &outcome = **outcome_;
    QStringList lines;
    lines << tr("Chassis %1 added.").arg(added_->name);
    if (!outcome.created.isEmpty())
        lines << tr("Created in New: %1.").arg(outcome.created.join(QStringLiteral(", ")));
    if (!outcome.updated.isEmpty())
        lines << tr("Updated: %1.").arg(outcome.updated.join(QStringLiteral(", ")));
    for (const auto &[vm, why] : std::as_const(outcome.skipped))
        lines << tr("Not added: %1 (%2).").arg(vm, why);
    if (outcome.created.isEmpty() && outcome.updated.isEmpty())
        lines << tr("No machine was added. Re-sync the chassis after adding VMs to the host.");
    else if (commission_->isChecked())
        lines << tr("Commissioning has started: the machines are powered on through the host.");
    result_->setText(lines.join(QLatin1Char('\n')));
    setTextColor(result_, palette().color(QPalette::WindowText));
    next();
}

} // namespace metaldesk
