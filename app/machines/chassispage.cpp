#include "app/machines/chassispage.h"

#include "app/machines/addchassiswizard.h"
#include "app/shell/jobprogressbar.h"
#include "app/shell/textstyle.h"
#include "core/base/job.h"
#include "core/chassis/chassisstore.h"
#include "core/lifecycle/permissions.h"
#include "core/runtime/coreservices.h"
#include "core/vsphere/vspheresession.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QThreadPool>
#include <QVBoxLayout>

namespace metaldesk {

namespace {
enum Column {
    NameColumn,
    TypeColumn,
    AddressColumn,
    PrefixColumn,
    MachinesColumn,
    SyncColumn,
    ProblemColumn,
    ColumnCount
};
} // namespace

ChassisPage::ChassisPage(CoreServices &core, QWidget *parent)
    : QWidget(parent),
      core_(core),
      table_(new QTableWidget(0, ColumnCount, this)),
      add_(new QPushButton(tr("&Add chassis…"), this)),
      resync_(new QPushButton(tr("&Re-sync"), this)),
      remove_(new QPushButton(tr("Re&move…"), this)),
      trust_(new QPushButton(tr("&Trust the new certificate…"), this)),
      progress_(new JobProgressBar(this)),
      result_(new QLabel(this)),
      empty_(new QLabel(this))
{
    table_->setObjectName(QStringLiteral("chassisTable"));
    table_->setHorizontalHeaderLabels(
        {tr("Name"), tr("Type"), tr("Address"), tr("Prefix"), tr("Machines"), tr("Last sync"), tr("Problem")});
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    // The address (a long URI) takes what is left, elided in the middle where the host and path are
    // both still seen; the full text is its tool tip.
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(AddressColumn, QHeaderView::Stretch);
    table_->setTextElideMode(Qt::ElideMiddle);
    table_->setWordWrap(false);
    add_->setObjectName(QStringLiteral("addChassis"));
    resync_->setObjectName(QStringLiteral("resyncChassis"));
    remove_->setObjectName(QStringLiteral("removeChassis"));
    trust_->setObjectName(QStringLiteral("trustChassisCertificate"));
    trust_->hide();
    result_->setObjectName(QStringLiteral("chassisResult"));
    result_->setWordWrap(true);
    result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    empty_->setObjectName(QStringLiteral("chassisEmpty"));
    empty_->setWordWrap(true);
    empty_->setText(tr("No chassis yet. A chassis is a libvirt, vCenter or ESXi host whose VMs MetalDesk adds as "
                       "machines and powers through the host: Add chassis lists them."));
    progress_->hide();

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add_);
    buttons->addWidget(resync_);
    buttons->addWidget(remove_);
    buttons->addWidget(trust_);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(empty_);
    layout->addWidget(table_, 1);
    layout->addWidget(progress_);
    layout->addWidget(result_);

    connect(add_, &QPushButton::clicked, this, [this] {
        if (!user_)
            return;
        AddChassisWizard wizard(core_, *user_, this);
        wizard.exec();
        refresh();
    });
    connect(resync_, &QPushButton::clicked, this, &ChassisPage::resyncSelected);
    connect(remove_, &QPushButton::clicked, this, &ChassisPage::removeSelected);
    connect(trust_, &QPushButton::clicked, this, &ChassisPage::trustNewCertificate);
    connect(table_, &QTableWidget::itemSelectionChanged, this, &ChassisPage::updateButtons);
    connect(core_.feed.get(), &ChangeFeed::chassisChanged, this, &ChassisPage::refresh, Qt::QueuedConnection);
    refresh();
    setUser(std::nullopt);
}

ChassisPage::~ChassisPage() = default;

void ChassisPage::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    updateButtons();
}

bool ChassisPage::isSyncing() const { return job_ && !job_->isFinished(); }

void ChassisPage::refresh()
{
    const std::optional<Chassis> was = selected();
    auto all = ChassisStore(core_.db, nullptr).list();
    if (!all) {
        result_->setText(asSentence(tr("Cannot read the chassis: %1").arg(all.errorMessage())));
        setTextColor(result_, kErrorColor);
        return;
    }
    chassis_ = *all;
    table_->setRowCount(int(chassis_.size()));
    for (int row = 0; row < chassis_.size(); ++row) {
        const Chassis &c = chassis_[row];
        const QString sync = c.lastSync ? dateTimeText(*c.lastSync) : tr("never");
        const QStringList cells{c.name,
                                chassisTypeLabel(c.type),
                                c.address,
                                c.prefixFilter.isEmpty() ? tr("(all VMs)") : c.prefixFilter,
                                QString::number(c.machineCount),
                                sync,
                                c.lastError};
        for (int column = 0; column < ColumnCount; ++column) {
            auto *item = new QTableWidgetItem(cells[column]);
            if (column == AddressColumn)
                item->setToolTip(c.address);
            if (column == ProblemColumn && !c.lastError.isEmpty()) {
                item->setForeground(kErrorColor);
                item->setToolTip(c.lastError);
            }
            table_->setItem(row, column, item);
        }
        if (was && was->id == c.id)
            table_->selectRow(row);
    }
    if (!selected() && !chassis_.isEmpty())
        table_->selectRow(0);
    empty_->setVisible(chassis_.isEmpty());
    updateButtons();
}

void ChassisPage::select(qint64 chassisId)
{
    for (int row = 0; row < chassis_.size(); ++row)
        if (chassis_[row].id == chassisId)
            table_->selectRow(row);
}

std::optional<Chassis> ChassisPage::selected() const
{
    const auto rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.first().row() >= chassis_.size())
        return std::nullopt;
    return chassis_[rows.first().row()];
}

void ChassisPage::updateButtons()
{
    const bool admin = user_ && isAllowed(Capability::AddMachine, *user_);
    add_->setVisible(admin);
    resync_->setVisible(admin);
    remove_->setVisible(admin);
    const bool chosen = selected().has_value();
    resync_->setEnabled(chosen && !isSyncing());
    remove_->setEnabled(chosen && !isSyncing());
    resync_->setToolTip(chosen ? tr("List the host's VMs again: add new ones, update changed ones, mark removed ones")
                               : tr("Select a chassis first"));
}

void ChassisPage::resyncSelected()
{
    const auto chassis = selected();
    if (!chassis || !user_ || isSyncing())
        return;
    syncing_ = *chassis;
    outcome_.reset();
    trust_->hide();
    presented_ = std::make_shared<QString>();
    const Chassis target = *chassis;
    const Actor actor = *user_;
    // Both steps on the pool, never on the window's thread: the listing is the job's work (cancel
    // stops it, nothing written), the sync its commit.
    job_ = std::make_unique<ResultJob<Expected<QList<ChassisVm>>>>(
        tr("Re-syncing %1").arg(target.name),
        [target, presented = presented_](JobContext &context) -> Expected<Expected<QList<ChassisVm>>> {
            context.setMessage(ChassisPage::tr("Listing the VMs of %1").arg(target.address));
            return listChassisVms(target, context.reporter(), presented.get());
        },
        [this, target, actor](const Expected<QList<ChassisVm>> &listing) -> Expected<void> {
            auto synced = resyncChassis(core_, target, listing, actor);
            if (!synced)
                return synced.error();
            outcome_ = *synced; // read by syncDone, after the job's finished signal
            return {};
        });
    connect(job_.get(), &Job::finished, this, &ChassisPage::syncDone);
    progress_->show();
    progress_->follow(job_.get());
    result_->clear();
    job_->start(QThreadPool::globalInstance());
    updateButtons();
}

void ChassisPage::syncDone()
{
    progress_->hide();
    updateButtons();
    if (job_->state() == JobState::Cancelled) {
        result_->setText(tr("Re-sync of %1 stopped: nothing was changed.").arg(syncing_.name));
        setTextColor(result_, palette().color(QPalette::WindowText));
    } else if (job_->state() != JobState::Succeeded || !outcome_) {
        result_->setText(asSentence(tr("Re-sync of %1 failed: %2").arg(syncing_.name, job_->errorMessage())));
        setTextColor(result_, kErrorColor);
        // A vSphere host that showed another certificate than the pinned one: offered, never taken.
        const QString pinned =
            normaliseFingerprint(syncing_.parameters.value(QLatin1String("power_fingerprint")).toString());
        if (syncing_.type == QLatin1String("vmware") && presented_ && !presented_->isEmpty() && *presented_ != pinned) {
            newCertificate_ = *presented_;
            trust_->setVisible(user_ && user_->isAdmin);
        }
    } else {
        QStringList parts;
        parts << tr("Re-synced %1.").arg(syncing_.name);
        if (!outcome_->created.isEmpty())
            parts << tr("New: %1.").arg(outcome_->created.join(QStringLiteral(", ")));
        if (!outcome_->updated.isEmpty())
            parts << tr("Updated: %1.").arg(outcome_->updated.join(QStringLiteral(", ")));
        if (!outcome_->vanished.isEmpty())
            parts << tr("No longer on the host: %1.").arg(outcome_->vanished.join(QStringLiteral(", ")));
        for (const auto &[vm, why] : std::as_const(outcome_->skipped))
            parts << tr("Not added: %1 (%2).").arg(vm, why);
        if (parts.size() == 1)
            parts << tr("Nothing changed.");
        result_->setText(parts.join(QLatin1Char(' ')));
        setTextColor(result_, palette().color(QPalette::WindowText));
    }
    refresh();
}

namespace {
// A SHA-256 fingerprint ("AB:CD:…", 32 bytes) as two lines of 16 bytes: a dialog never wraps it in
// the middle of a byte, and the halves are easy to compare with the host's.
QString fingerprintLines(const QString &fingerprint)
{
    if (fingerprint.size() != 32 * 3 - 1)
        return fingerprint;
    return QLatin1Char('\n') + fingerprint.left(16 * 3 - 1) + QLatin1Char('\n') + fingerprint.mid(16 * 3);
}
} // namespace

void ChassisPage::trustNewCertificate()
{
    if (!user_ || newCertificate_.isEmpty() || isSyncing())
        return;
    const auto chassis = selected();
    if (!chassis || chassis->id != syncing_.id)
        return;
    const QString pinned = chassis->parameters.value(QLatin1String("power_fingerprint")).toString();
    QMessageBox ask(QMessageBox::Warning, tr("Trust the new certificate"),
                    tr("%1 now shows another certificate.\n\nNow: %2\nTrusted until now: %3\n\nTrust the new one "
                       "only if you replaced the host's certificate and its fingerprint is the one the host shows. "
                       "Otherwise something else answers in the host's place: leave it refused.")
                        .arg(chassis->address, fingerprintLines(newCertificate_),
                             pinned.isEmpty() ? tr("(none)") : fingerprintLines(pinned)),
                    QMessageBox::Cancel, this);
    ask.setObjectName(QStringLiteral("trustCertificateQuestion"));
    QPushButton *confirm = ask.addButton(tr("Trust it and re-sync"), QMessageBox::AcceptRole);
    ask.setDefaultButton(QMessageBox::Cancel);
    ask.exec();
    if (ask.clickedButton() != confirm)
        return;
    auto trusted = trustChassisCertificate(core_, *chassis, newCertificate_, *user_);
    if (!trusted) {
        result_->setText(
            asSentence(tr("Cannot trust the certificate of %1: %2").arg(chassis->name, trusted.errorMessage())));
        setTextColor(result_, kErrorColor);
        return;
    }
    newCertificate_.clear();
    trust_->hide();
    refresh();
    select(chassis->id);
    resyncSelected();
}

void ChassisPage::removeSelected()
{
    const auto chassis = selected();
    if (!chassis || !user_)
        return;
    QMessageBox ask(QMessageBox::Question, tr("Remove chassis"),
                    tr("Remove the chassis %1? Its %2 machine(s) stay, with their power settings; delete them "
                       "from the Machines page if they should go too.")
                        .arg(chassis->name)
                        .arg(chassis->machineCount),
                    QMessageBox::Cancel, this);
    ask.setObjectName(QStringLiteral("removeChassisQuestion"));
    QPushButton *confirm = ask.addButton(tr("Remove, keep the machines"), QMessageBox::DestructiveRole);
    ask.setDefaultButton(QMessageBox::Cancel);
    ask.exec();
    if (ask.clickedButton() != confirm)
        return;
    if (auto removed = ChassisStore(core_.db, core_.feed.get()).remove(*user_, chassis->id); !removed) {
        result_->setText(asSentence(tr("Cannot remove %1: %2").arg(chassis->name, removed.errorMessage())));
        setTextColor(result_, kErrorColor);
        return;
    }
    result_->setText(tr("Removed the chassis %1; its machines stay.").arg(chassis->name));
    setTextColor(result_, palette().color(QPalette::WindowText));
    refresh();
}

} // namespace metaldesk
