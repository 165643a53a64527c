#include "app/machines/machinespage.h"

#include "core/lifecycle/permissions.h"

#include "app/machines/actiondialog.h"
#include "app/machines/addchassiswizard.h"
#include "app/machines/addmachinedialog.h"
#include "app/machines/machinedetails.h"
#include "app/machines/machinefilterproxy.h"
#include "app/machines/machinetablemodel.h"
#include "app/machines/takeactionmenu.h"
#include "app/shell/flowlayout.h"
#include "app/shell/roomycellstyle.h"
#include "app/shell/textstyle.h"
#include "core/runtime/coreservices.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace metaldesk {

namespace {
// Bumped when the columns change, so an old saved header layout is not applied to new columns.
// 2: IP addresses, last event, chassis, zone and tags; 3: some columns hidden by default.
constexpr int kHeaderLayoutVersion = 3;
} // namespace

MachinesPage::MachinesPage(CoreServices &core, QWidget *parent)
    : QWidget(parent),
      core_(core),
      model_(new MachineTableModel(*core.machines, *core.feed, this)),
      proxy_(new MachineFilterProxy(this)),
      filter_(new QLineEdit(this)),
      count_(new QLabel(this)),
      takeActionButton_(new QToolButton(this)),
      addMachineButton_(new QToolButton(this)),
      takeActionMenu_(new TakeActionMenu(this)),
      actionResult_(new QLabel(this)),
      statusGroups_(new QWidget(this)),
      statusGroupsDue_(new QTimer(this)),
      views_(new QStackedWidget(this)),
      list_(new QWidget(this)),
      details_(new MachineDetails(core, this)),
      content_(new QStackedWidget(this)),
      view_(new QTableView(this))
{
    proxy_->setSourceModel(model_);

    filter_->setObjectName(QStringLiteral("machineFilter"));
    filter_->setPlaceholderText(tr("Filter machines: text or status:ready owner:alice"));
    filter_->setClearButtonEnabled(true);
    filter_->setToolTip(tr("<p>Words match the name, system ID, MAC address, owner, architecture or status.</p>"
                           "<p>Terms narrow the list further, and all must hold:<br>"
                           "<b>status:</b>ready &nbsp; <b>owner:</b>alice &nbsp; <b>arch:</b>amd64 &nbsp; "
                           "<b>power:</b>on &nbsp; <b>name:</b> &nbsp; <b>id:</b> &nbsp; <b>mac:</b><br>"
                           "status:ready,broken matches either; status:!deployed excludes; "
                           "owner:=al matches exactly.</p>"));
    // The whole hint must stay readable, in whatever language it is.
    filter_->setMinimumWidth(filter_->fontMetrics().horizontalAdvance(filter_->placeholderText()) +
                             6 * filter_->fontMetrics().averageCharWidth());
    connect(filter_, &QLineEdit::textChanged, proxy_, &MachineFilterProxy::setFilterText);
    auto *find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        showList(); // the filter belongs to the list
        filter_->setFocus(Qt::ShortcutFocusReason);
        filter_->selectAll();
    });

    count_->setObjectName(QStringLiteral("machineCount"));
    count_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    addMachineButton_->setObjectName(QStringLiteral("addMachine"));
    addMachineButton_->setText(tr("&Add machine"));
    addMachineButton_->setToolTip(tr("Add one machine by its MAC addresses and power settings (Ctrl+N)"));
    connect(addMachineButton_, &QToolButton::clicked, this, &MachinesPage::addMachine);
    // MAAS's "Add hardware": one machine, or every VM of a host (a chassis), from the arrow.
    auto *addMenu = new QMenu(addMachineButton_);
    QAction *addOne = addMenu->addAction(tr("Add &machine…"), this, &MachinesPage::addMachine);
    addOne->setObjectName(QStringLiteral("addOneMachine"));
    QAction *addChassis = addMenu->addAction(tr("Add &chassis…"), this, &MachinesPage::addChassis);
    addChassis->setObjectName(QStringLiteral("addChassis"));
    addChassis->setToolTip(tr("Add every VM of a libvirt host as a machine that MetalDesk powers"));
    addMachineButton_->setMenu(addMenu);
    addMachineButton_->setPopupMode(QToolButton::MenuButtonPopup);
    auto *add = new QShortcut(QKeySequence::New, this);
    connect(add, &QShortcut::activated, this, &MachinesPage::addMachine);

    // Take action: the menu is built for the selection each time it opens.
    takeActionButton_->setObjectName(QStringLiteral("takeAction"));
    takeActionButton_->setText(tr("&Take action"));
    takeActionButton_->setToolButtonStyle(Qt::ToolButtonTextOnly);
    takeActionButton_->setPopupMode(QToolButton::InstantPopup);
    takeActionButton_->setMenu(takeActionMenu_);
    connect(takeActionMenu_, &QMenu::aboutToShow, this,
            [this] { takeActionMenu_->setMachines(selectedMachines(), user_.value_or(Actor{})); });
    connect(takeActionMenu_, &TakeActionMenu::actionChosen, this, &MachinesPage::takeAction);
    connect(&running_, &QFutureWatcher<QList<ActionOutcome>>::finished, this, &MachinesPage::showOutcomes);
    statusGroups_->setObjectName(QStringLiteral("statusGroups"));
    // Buttons that look like buttons, wrapping to more rows rather than cutting any (a long
    // language, a narrow window).
    auto *groupsLayout = new FlowLayout(statusGroups_);
    groupsLayout->setContentsMargins(0, 0, 0, 0);
    statusGroupsDue_->setSingleShot(true);
    statusGroupsDue_->setInterval(100);
    connect(statusGroupsDue_, &QTimer::timeout, this, &MachinesPage::updateStatusGroups);
    connect(model_, &MachineTableModel::statusCountsChanged, statusGroupsDue_, [this] {
        if (!statusGroupsDue_->isActive())
            statusGroupsDue_->start();
    });
    connect(filter_, &QLineEdit::textChanged, this, &MachinesPage::updateStatusGroups);
    actionResult_->setObjectName(QStringLiteral("actionResult"));
    actionResult_->setWordWrap(true);
    actionResult_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    actionResult_->hide();

    view_->setObjectName(QStringLiteral("machineTable"));
    auto *cellStyle = new RoomyCellStyle; // the widget does not own its style: this page does
    cellStyle->setParent(this);
    view_->setStyle(cellStyle);
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(MachineTableModel::NameColumn, Qt::AscendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setAlternatingRowColors(true);
    // The context menu (right click, the Menu key) is the Take action menu.
    view_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view_, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        if (!takeActionButton_->isEnabled())
            return;
        takeActionMenu_->setMachines(selectedMachines(), *user_);
        takeActionMenu_->popup(view_->viewport()->mapToGlobal(at));
    });
    view_->setWordWrap(false);
    view_->setShowGrid(false);
    view_->verticalHeader()->hide();
    view_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    // Denser than the style's default: a lab has dozens of machines, and more should fit on screen.
    view_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() * 3 / 2 + 2);
    view_->horizontalHeader()->setSectionsMovable(true);
    view_->horizontalHeader()->setHighlightSections(false);
    view_->horizontalHeader()->setStretchLastSection(true);
    applyDefaultColumnWidths();
    // What fits a 1280-pixel window shows at first; the header's menu shows or hides the rest.
    for (int column :
         {MachineTableModel::MacColumn, MachineTableModel::ChassisColumn, MachineTableModel::ZoneColumn,
          MachineTableModel::TagsColumn, MachineTableModel::SystemIdColumn, MachineTableModel::LastEventColumn})
        view_->horizontalHeader()->hideSection(column);
    view_->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view_->horizontalHeader(), &QWidget::customContextMenuRequested, this, &MachinesPage::showColumnMenu);

    buildEmptyState();
    content_->addWidget(view_);
    content_->addWidget(emptyState_);

    auto *top = new QHBoxLayout;
    top->addWidget(filter_, 1);
    top->addSpacing(fontMetrics().averageCharWidth() * 2);
    top->addWidget(count_);
    top->addSpacing(fontMetrics().averageCharWidth() * 2);
    top->addWidget(addMachineButton_);
    top->addWidget(takeActionButton_);
    auto *listLayout = new QVBoxLayout(list_);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addLayout(top);
    listLayout->addWidget(statusGroups_);
    listLayout->addWidget(content_, 1);
    views_->addWidget(list_);
    views_->addWidget(details_);
    auto *layout = new QVBoxLayout(this);
    // What an action did shows above the list and above a machine's details alike.
    layout->addWidget(actionResult_);
    layout->addWidget(views_, 1);

    // Double-click or Enter (or a single click where the platform opens items so).
    connect(view_, &QAbstractItemView::activated, this, [this](const QModelIndex &index) {
        const QString systemId = index.data(MachineTableModel::SystemIdRole).toString();
        // The Chassis cell leads to its chassis, as a link would; any other cell to the machine.
        if (const int row = model_->rowOf(systemId); index.column() == MachineTableModel::ChassisColumn && row >= 0)
            if (const auto chassis = model_->machineAt(row).chassisId) {
                emit chassisRequested(*chassis);
                return;
            }
        showMachine(systemId);
    });
    connect(details_, &MachineDetails::backRequested, this, &MachinesPage::showList);
    connect(details_, &MachineDetails::actionRequested, this, [this](NodeAction action) {
        if (const int row = model_->rowOf(details_->systemId()); row >= 0)
            takeActionOn({model_->machineAt(row)}, action);
    });

    // The source model decides empty vs not; the proxy decides what the count shows.
    connect(model_, &QAbstractItemModel::rowsInserted, this, &MachinesPage::updateEmptyState);
    connect(model_, &QAbstractItemModel::rowsRemoved, this, &MachinesPage::updateEmptyState);
    connect(model_, &QAbstractItemModel::modelReset, this, &MachinesPage::updateEmptyState);
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, &MachinesPage::updateCount);
    connect(proxy_, &QAbstractItemModel::rowsRemoved, this, &MachinesPage::updateCount);
    connect(proxy_, &QAbstractItemModel::modelReset, this, &MachinesPage::updateCount);
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, &MachinesPage::updateCount);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateCount();
        updateTakeAction();
        emit selectionChanged();
    });
    updateEmptyState();
    updateTakeAction();
    updateStatusGroups();
}

void MachinesPage::updateStatusGroups()
{
    auto *layout = static_cast<FlowLayout *>(statusGroups_->layout());
    const QStringList terms = filter_->text().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    int at = 0;
    for (NodeStatus status : allNodeStatuses()) {
        const int count = model_->countIn(status);
        const QString key = QString::fromLatin1(nodeStatusKey(status)).toLower();
        const QString name = QStringLiteral("group-") + key;
        auto *button = statusGroups_->findChild<QToolButton *>(name, Qt::FindDirectChildrenOnly);
        if (count == 0) {
            delete button;
            continue;
        }
        if (!button) {
            button = new QToolButton(statusGroups_);
            button->setObjectName(name);
            button->setCheckable(true);
            connect(button, &QToolButton::clicked, this, [this, key](bool on) { toggleStatusGroup(key, on); });
        }
        layout->insertWidget(at++, button); // in lifecycle order
        button->setText(tr("%1 %2").arg(MachineTableModel::statusText(status)).arg(count));
        button->setToolTip(
            tr("Show only the machines that are %1 (status:%2)").arg(MachineTableModel::statusText(status), key));
        button->setChecked(terms.contains(QStringLiteral("status:") + key));
    }
    statusGroups_->setVisible(at > 0);
}

void MachinesPage::toggleStatusGroup(const QString &key, bool on)
{
    // One status at a time, as MAAS's groups: any other status term goes; the rest of the filter stays.
    QStringList terms;
    for (const QString &term : filter_->text().split(QLatin1Char(' '), Qt::SkipEmptyParts))
        if (!term.startsWith(QLatin1String("status:")))
            terms << term;
    if (on)
        terms << QStringLiteral("status:") + key;
    filter_->setText(terms.join(QLatin1Char(' ')));
}

MachinesPage::~MachinesPage()
{
    running_.waitForFinished(); // it uses the core's services, which outlive this page but not the program
}

void MachinesPage::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    details_->setUser(user);
    addMachineButton_->setVisible(user_ && isAllowed(Capability::AddMachine, *user_));
    emptyAdd_->setVisible(addMachineButton_->isVisibleTo(this));
    emptyAddChassis_->setVisible(addMachineButton_->isVisibleTo(this));
    updateTakeAction();
}

void MachinesPage::addMachine()
{
    if (!user_ || !isAllowed(Capability::AddMachine, *user_))
        return;
    AddMachineDialog dialog(core_, *user_, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    auto added = core_.machines->get(dialog.addedSystemId());
    actionResult_->setText(tr("Added %1: it is New; commission it to learn its hardware.")
                               .arg(added ? added->hostname : dialog.addedSystemId()));
    setTextColor(actionResult_, palette().color(QPalette::WindowText));
    actionResult_->show();
}

void MachinesPage::addChassis()
{
    if (!user_ || !isAllowed(Capability::AddMachine, *user_))
        return;
    AddChassisWizard wizard(core_, *user_, this);
    wizard.exec();
}

void MachinesPage::updateTakeAction()
{
    const bool selected = view_->selectionModel()->hasSelection();
    takeActionButton_->setEnabled(user_ && selected && !running_.isRunning());
    if (running_.isRunning())
        takeActionButton_->setToolTip(tr("Wait until the action being taken is done"));
    else if (!user_)
        takeActionButton_->setToolTip(tr("Sign in to take actions on machines"));
    else if (!selected)
        takeActionButton_->setToolTip(tr("Select one or more machines first"));
    else
        takeActionButton_->setToolTip(tr("Act on the selected machines as %1").arg(user_->username));
    takeActionButton_->setStatusTip(takeActionButton_->toolTip());
}

QList<Machine> MachinesPage::selectedMachines() const
{
    QList<Machine> machines;
    for (const QString &id : selectedSystemIds())
        if (const int row = model_->rowOf(id); row >= 0)
            machines << model_->machineAt(row);
    return machines;
}

void MachinesPage::takeAction(NodeAction action) { takeActionOn(selectedMachines(), action); }

void MachinesPage::takeActionOn(const QList<Machine> &selected, NodeAction action)
{
    if (!user_ || selected.isEmpty() || running_.isRunning())
        return;
    // What cannot be read starts empty: the dialog still works, and says what it lacks.
    ActionDialog::Defaults defaults;
    if (const auto images = BootImageStore(core_.db).list())
        defaults.images = *images;
    if (const auto image = core_.config->value(setting::DefaultImage))
        defaults.image = *image;
    if (const auto erase = ActionRunner::defaultEraseMode(*core_.config))
        defaults.eraseMode = *erase;
    ActionDialog dialog(action, selected, *user_, defaults, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    runningAction_ = action;
    actionResult_->setText(
        tr("%1: %2 machines…").arg(TakeActionMenu::actionName(action)).arg(dialog.machines().size()));
    setTextColor(actionResult_, palette().color(QPalette::WindowText));
    actionResult_->show();
    // Every selected machine: those the action is not offered for come back refused, with why.
    running_.setFuture(QtConcurrent::run([runner = ActionRunner(*core_.engine), selected, request = dialog.request(),
                                          user = *user_] { return runner.run(selected, request, user); }));
    updateTakeAction();
}

void MachinesPage::showOutcomes()
{
    const QList<ActionOutcome> outcomes = running_.result();
    const QString name = TakeActionMenu::actionName(runningAction_);
    QStringList refused;
    qsizetype taken = 0;
    bool started = false; // what has only begun is "started", never "done"
    for (const ActionOutcome &o : outcomes) {
        if (o.taken()) {
            ++taken;
            started = started || o.started;
        } else {
            refused << tr("%1: %2").arg(o.hostname, o.refusal);
        }
    }
    QString text;
    if (taken == 0)
        text = tr("%1: not taken.").arg(name);
    else if (outcomes.size() == 1)
        text = started ? tr("%1: started for %2.").arg(name, outcomes.first().hostname)
                       : tr("%1: done for %2.").arg(name, outcomes.first().hostname);
    else if (refused.isEmpty())
        text = started ? tr("%1: started for all %2 machines.").arg(name).arg(outcomes.size())
                       : tr("%1: done for all %2 machines.").arg(name).arg(outcomes.size());
    else
        text = started ? tr("%1: started for %2 of %3 machines.").arg(name).arg(taken).arg(outcomes.size())
                       : tr("%1: done for %2 of %3 machines.").arg(name).arg(taken).arg(outcomes.size());
    if (!refused.isEmpty())
        text += QLatin1Char('\n') + tr("Not taken:") + QLatin1Char('\n') + refused.join(QLatin1Char('\n'));
    // In the text's own colour: a refusal is an answer with its reason, not a failure.
    actionResult_->setText(text);
    setTextColor(actionResult_, palette().color(QPalette::WindowText));
    actionResult_->show();
    updateTakeAction();
}

void MachinesPage::buildEmptyState()
{
    emptyState_ = new QWidget(this);
    emptyState_->setObjectName(QStringLiteral("machinesEmptyState"));
    emptyTitle_ = new QLabel;
    QFont title = emptyTitle_->font();
    title.setPointSizeF(title.pointSizeF() * 1.4);
    title.setBold(true);
    emptyTitle_->setFont(title);
    emptyTitle_->setAlignment(Qt::AlignHCenter);
    emptyTitle_->setWordWrap(true);
    emptyText_ = new QLabel;
    emptyText_->setObjectName(QStringLiteral("machinesEmptyText"));
    emptyText_->setAlignment(Qt::AlignHCenter);
    emptyText_->setWordWrap(true);
    emptyText_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    // A centred column of comfortable measure (long lines are hard to read), whatever the language.
    // The labels fill the column rather than being aligned in it, so word wrap gets their height right.
    auto *column = new QWidget(emptyState_);
    column->setMaximumWidth(fontMetrics().averageCharWidth() * 70);
    auto *texts = new QVBoxLayout(column);
    texts->addStretch(1);
    texts->addWidget(emptyTitle_);
    texts->addSpacing(fontMetrics().height() / 2);
    texts->addWidget(emptyText_);
    // The way out of the empty list, for those who may add machines.
    emptyAdd_ = new QPushButton(tr("Add machine…"));
    emptyAdd_->setObjectName(QStringLiteral("emptyAddMachine"));
    emptyAdd_->hide(); // until an administrator signs in (setUser)
    connect(emptyAdd_, &QPushButton::clicked, this, &MachinesPage::addMachine);
    texts->addSpacing(fontMetrics().height());
    texts->addWidget(emptyAdd_, 0, Qt::AlignHCenter);
    emptyAddChassis_ = new QPushButton(tr("Add chassis…"));
    emptyAddChassis_->setObjectName(QStringLiteral("emptyAddChassis"));
    emptyAddChassis_->hide();
    connect(emptyAddChassis_, &QPushButton::clicked, this, &MachinesPage::addChassis);
    texts->addWidget(emptyAddChassis_, 0, Qt::AlignHCenter);
    texts->addStretch(2);
    auto *layout = new QHBoxLayout(emptyState_);
    layout->addStretch(1);
    layout->addWidget(column, 4);
    layout->addStretch(1);
}

void MachinesPage::applyDefaultColumnWidths()
{
    // Widths come from the texts the cells will hold (in the current language and font), not from
    // fixed pixels, so translated headers and statuses are not cut.
    const QFontMetrics fm = view_->fontMetrics();
    // The cell's text margins on both sides (as the item delegate computes them), and some air.
    const int padding =
        2 * (view_->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view_) + 1) + fm.averageCharWidth();
    auto widest = [&fm](const QStringList &texts) {
        int w = 0;
        for (const QString &t : texts)
            w = qMax(w, fm.horizontalAdvance(t));
        return w;
    };
    // A machine at work shows its time left; an hour is the longest the timeouts give by default.
    Machine atWork;
    atWork.statusExpires = 60 * 60 * 1000;
    QStringList statuses;
    for (NodeStatus s : allNodeStatuses()) {
        atWork.status = s;
        statuses << MachineTableModel::statusWithTimeLeft(atWork, 0);
    }
    QStringList powerStates;
    for (const char *s : {"on", "off", "unknown", "error"})
        powerStates << MachineTableModel::powerStateText(QLatin1String(s));

    const QLocale locale;
    const QHash<int, QStringList> samples = {
        {MachineTableModel::NameColumn, {QStringLiteral("abundant-kingfisher")}},
        {MachineTableModel::StatusColumn, statuses},
        {MachineTableModel::PowerColumn, powerStates},
        {MachineTableModel::OwnerColumn, {QStringLiteral("administrator")}},
        {MachineTableModel::ArchitectureColumn, {QStringLiteral("amd64/generic"), QStringLiteral("arm64/generic")}},
        {MachineTableModel::CpuColumn, {locale.toString(128)}},
        {MachineTableModel::MemoryColumn, {MachineTableModel::memoryText(1024 * 1024)}},
        {MachineTableModel::StorageColumn, {MachineTableModel::storageText(Q_INT64_C(8000000000000))}},
        {MachineTableModel::MacColumn, {MachineTableModel::macText({QStringLiteral("52:54:00:ab:cd:ef"), {}, {}})}},
        {MachineTableModel::IpColumn, {QStringLiteral("192.168.100.200")}},
        {MachineTableModel::ChassisColumn, {QStringLiteral("esxi-01.lab.home.arpa")}},
        {MachineTableModel::ZoneColumn, {QStringLiteral("default")}},
        {MachineTableModel::TagsColumn, {QStringLiteral("gpu, virtual")}},
        {MachineTableModel::SystemIdColumn, {QStringLiteral("xyz8wm")}},
        {MachineTableModel::LastEventColumn, {tr("Commissioning results received: 16 CPUs")}},
    };
    QHeaderView *header = view_->horizontalHeader();
    // Status and power draw an icon before their text.
    const int iconSpace = view_->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, view_) +
                          2 * (view_->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view_) + 1);
    for (int column = 0; column < MachineTableModel::ColumnCount; ++column) {
        const bool withIcon = column == MachineTableModel::StatusColumn || column == MachineTableModel::PowerColumn;
        header->resizeSection(column, qMax(header->sectionSizeHint(column),
                                           widest(samples.value(column)) + padding + (withIcon ? iconSpace : 0)));
    }
}

void MachinesPage::showColumnMenu(const QPoint &at)
{
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("columnMenu"));
    QHeaderView *header = view_->horizontalHeader();
    for (int column = 0; column < MachineTableModel::ColumnCount; ++column) {
        QAction *toggle = menu.addAction(model_->headerData(column, Qt::Horizontal).toString());
        toggle->setObjectName(QStringLiteral("column-%1").arg(column));
        toggle->setCheckable(true);
        toggle->setChecked(!header->isSectionHidden(column));
        // The name says which machine a row is: it always shows.
        toggle->setEnabled(column != MachineTableModel::NameColumn);
        connect(toggle, &QAction::toggled, header,
                [header, column](bool on) { header->setSectionHidden(column, !on); });
    }
    menu.exec(header->mapToGlobal(at));
}

void MachinesPage::updateEmptyState()
{
    const bool empty = model_->rowCount() == 0;
    if (!model_->loadError().isEmpty()) {
        emptyTitle_->setText(tr("The machines could not be read"));
        emptyText_->setText(model_->loadError());
    } else {
        emptyTitle_->setText(tr("No machines yet"));
        emptyText_->setText(tr("Machines appear here when they PXE-boot on the boot network, or when you add them."));
    }
    content_->setCurrentWidget(empty ? emptyState_ : static_cast<QWidget *>(view_));
    filter_->setEnabled(!empty);
    updateCount();
}

void MachinesPage::updateCount()
{
    const int total = model_->rowCount();
    const int shown = proxy_->rowCount();
    QString text;
    if (total == 0)
        text = tr("No machines");
    else if (shown == total)
        text = total == 1 ? tr("1 machine") : tr("%1 machines").arg(total);
    else
        text = total == 1 ? tr("%1 of 1 machine").arg(shown) : tr("%1 of %2 machines").arg(shown).arg(total);
    const qsizetype selected = view_->selectionModel() ? view_->selectionModel()->selectedRows().size() : 0;
    if (selected > 0)
        text = tr("%1, %2 selected").arg(text).arg(selected);
    count_->setText(text);
    // Wider now ("…, 1 selected"): laid out at once, so no paint shows the old width's cut text.
    if (count_->sizeHint().width() > count_->width())
        list_->layout()->activate();
}

bool MachinesPage::isShowingDetails() const { return views_->currentWidget() == details_; }

void MachinesPage::showMachine(const QString &systemId)
{
    if (systemId.isEmpty())
        return;
    details_->showMachine(systemId);
    views_->setCurrentWidget(details_);
    details_->tabs()->setFocus(Qt::OtherFocusReason); // so that Escape goes back at once
}

void MachinesPage::showList()
{
    if (!isShowingDetails())
        return;
    views_->setCurrentWidget(list_);
    // Back where the user left: the machine just shown current, in view, keyboard on the table.
    const int row = model_->rowOf(details_->systemId());
    if (row >= 0) {
        const QModelIndex index = proxy_->mapFromSource(model_->index(row, MachineTableModel::NameColumn));
        if (index.isValid()) {
            view_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
            view_->scrollTo(index);
        }
    }
    if (content_->currentWidget() == view_)
        view_->setFocus(Qt::OtherFocusReason);
}

QStringList MachinesPage::selectedSystemIds() const
{
    QModelIndexList rows = view_->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    QStringList ids;
    for (const QModelIndex &index : std::as_const(rows))
        ids << index.data(MachineTableModel::SystemIdRole).toString();
    return ids;
}

void MachinesPage::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("machinesPage/headerVersion"), kHeaderLayoutVersion);
    settings.setValue(QStringLiteral("machinesPage/header"), view_->horizontalHeader()->saveState());
}

void MachinesPage::restoreSettings(const QSettings &settings)
{
    if (settings.value(QStringLiteral("machinesPage/headerVersion")).toInt() != kHeaderLayoutVersion)
        return;
    QHeaderView *header = view_->horizontalHeader();
    if (header->restoreState(settings.value(QStringLiteral("machinesPage/header")).toByteArray()))
        view_->sortByColumn(header->sortIndicatorSection(), header->sortIndicatorOrder());
}

} // namespace metaldesk
