#include "app/machines/machinedetails.h"

#include "app/machines/machineconsoletab.h"
#include "app/machines/machineeventmodel.h"
#include "app/machines/machinepowertab.h"
#include "app/machines/machinetablemodel.h"
#include "app/machines/placementdialog.h"
#include "app/machines/takeactionmenu.h"
#include "app/shell/roomycellstyle.h"
#include "app/shell/textstyle.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/lifecycle/permissions.h"
#include "core/machines/labelstore.h"
#include "core/runtime/coreservices.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QLoggingCategory>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcMachineDetails, "metaldesk.gui.details")

namespace {

// Shown where a value is not known, as in the machine list.
QString noValue() { return QStringLiteral("—"); }
// Marks the boot interface and the boot disk.
QString bootMark() { return QStringLiteral("✓"); }

// Failed commissioning, failed deployment, ... and Broken: the states whose reason the user must see.
bool isFailure(NodeStatus status) { return status == NodeStatus::Broken || isFailedStatus(status); }

QLabel *valueLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    // Serial numbers, MACs and models are what people copy into tickets and spreadsheets.
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    return label;
}

// A caption over its value, as in MAAS's machine header.
QLayout *fact(const QString &caption, QLabel *value)
{
    auto *captionLabel = new QLabel(caption);
    setTextColor(captionLabel, hintColor(captionLabel->palette()));
    auto *layout = new QVBoxLayout;
    layout->setSpacing(2);
    layout->addWidget(captionLabel);
    layout->addWidget(value);
    return layout;
}

// A list as the machine list looks: whole rows, no grid, roomy cells and rows, columns as wide as
// their texts and the last one taking the rest.
void styleAsList(QTableView *view, QStyle *cellStyle)
{
    view->setStyle(cellStyle);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setShowGrid(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() * 3 / 2 + 2);
    QHeaderView *header = view->horizontalHeader();
    header->setHighlightSections(false);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setStretchLastSection(true);
}

QTableWidget *tableWidget(QWidget *parent, const QString &objectName, const QStringList &headers, QStyle *cellStyle)
{
    auto *table = new QTableWidget(0, int(headers.size()), parent);
    table->setObjectName(objectName);
    table->setHorizontalHeaderLabels(headers);
    styleAsList(table, cellStyle);
    return table;
}

QTableWidgetItem *cell(const QString &text, const QString &toolTip = {})
{
    auto *item = new QTableWidgetItem(text);
    item->setToolTip(toolTip);
    return item;
}

QLabel *placeholderLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.2);
    label->setFont(font);
    setTextColor(label, hintColor(label->palette()));
    return label;
}

QLabel *noticeLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setFrameShape(QFrame::StyledPanel);
    label->setMargin(8);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

MachineDetails::MachineDetails(CoreServices &core, QWidget *parent)
    : QWidget(parent),
      machines_(*core.machines),
      labels_(std::make_unique<LabelStore>(core.db, core.feed.get())),
      results_(core.db),
      events_(new MachineEventModel(*core.events, *core.feed, this)),
      cellStyle_(new RoomyCellStyle),
      tabs_(new QTabWidget(this)),
      powerTab_(new MachinePowerTab(core)),
      consoleTab_(new MachineConsoleTab(core))
{
    cellStyle_->setParent(this); // the views do not own their style
    setObjectName(QStringLiteral("machineDetails"));
    tabs_->setObjectName(QStringLiteral("detailsTabs"));
    tabs_->setDocumentMode(true);
    // Built in the order of the Tab enum.
    tabs_->addTab(buildSummaryTab(), tr("Summary"));
    tabs_->addTab(buildNetworkTab(), tr("Network"));
    tabs_->addTab(buildStorageTab(), tr("Storage"));
    tabs_->addTab(buildCommissioningTab(), tr("Commissioning"));
    tabs_->addTab(powerTab_, tr("Power"));
    tabs_->addTab(consoleTab_, tr("Console"));
    tabs_->addTab(buildEventsTab(), tr("Events"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(buildHeader());
    layout->addSpacing(fontMetrics().height() / 2);
    layout->addWidget(tabs_, 1);

    for (const QKeySequence &key : {QKeySequence(Qt::Key_Escape), QKeySequence(QKeySequence::Back)}) {
        auto *shortcut = new QShortcut(key, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &MachineDetails::backRequested);
    }
    // With this widget as the context, changes made on other threads arrive queued on this one.
    connect(core.feed.get(), &ChangeFeed::machineChanged, this, &MachineDetails::machineChanged);
    connect(core.feed.get(), &ChangeFeed::machineRemoved, this, &MachineDetails::machineRemoved);
}

MachineDetails::~MachineDetails() = default;

QWidget *MachineDetails::buildHeader()
{
    auto *header = new QWidget(this);
    back_ = new QToolButton(header);
    back_->setObjectName(QStringLiteral("detailsBack"));
    back_->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
    back_->setText(tr("Machines"));
    back_->setToolTip(tr("Back to the machine list (Esc)"));
    back_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    back_->setAutoRaise(true);
    connect(back_, &QToolButton::clicked, this, &MachineDetails::backRequested);

    // The breadcrumb: Machines › name.
    auto *separator = new QLabel(QStringLiteral("›"), header);
    hostname_ = valueLabel(header, QStringLiteral("detailsHostname"));
    QFont title = hostname_->font();
    title.setPointSizeF(title.pointSizeF() * 1.5);
    title.setBold(true);
    hostname_->setFont(title);
    separator->setFont(title);
    setTextColor(separator, hintColor(separator->palette()));
    systemIdLabel_ = valueLabel(header, QStringLiteral("detailsSystemId"));
    setTextColor(systemIdLabel_, hintColor(systemIdLabel_->palette()));
    systemIdLabel_->setToolTip(tr("The machine's unique id, as API clients see it"));

    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(back_);
    titleRow->addWidget(separator);
    titleRow->addWidget(hostname_);
    titleRow->addSpacing(fontMetrics().averageCharWidth());
    titleRow->addWidget(systemIdLabel_, 0, Qt::AlignBottom);
    titleRow->addStretch(1);
    // Placement is shown with the network (Summary); changed from here, where it is always in reach.
    editPlacement_ = new QPushButton(tr("Edit placement…"), header);
    editPlacement_->setObjectName(QStringLiteral("editPlacement"));
    editPlacement_->setToolTip(tr("Change the zone, the resource pool and the tags"));
    editPlacement_->hide(); // until an administrator looks (setUser)
    connect(editPlacement_, &QPushButton::clicked, this, &MachineDetails::editPlacement);
    titleRow->addWidget(editPlacement_);
    // Acting on this machine from its own page: power first, as the commonest, then every action.
    powerOn_ = new QPushButton(tr("Power on"), header);
    powerOn_->setObjectName(QStringLiteral("detailsPowerOn"));
    connect(powerOn_, &QPushButton::clicked, this, [this] { emit actionRequested(NodeAction::PowerOn); });
    powerOff_ = new QPushButton(tr("Power off"), header);
    powerOff_->setObjectName(QStringLiteral("detailsPowerOff"));
    connect(powerOff_, &QPushButton::clicked, this, [this] { emit actionRequested(NodeAction::PowerOff); });
    takeActionMenu_ = new TakeActionMenu(header);
    connect(takeActionMenu_, &QMenu::aboutToShow, this, [this] {
        if (machine_ && user_)
            takeActionMenu_->setMachines({*machine_}, *user_);
    });
    connect(takeActionMenu_, &TakeActionMenu::actionChosen, this, &MachineDetails::actionRequested);
    takeAction_ = new QToolButton(header);
    takeAction_->setObjectName(QStringLiteral("detailsTakeAction"));
    takeAction_->setText(tr("Take action"));
    takeAction_->setPopupMode(QToolButton::InstantPopup);
    takeAction_->setMenu(takeActionMenu_);
    titleRow->addWidget(powerOn_);
    titleRow->addWidget(powerOff_);
    titleRow->addWidget(takeAction_);

    status_ = valueLabel(header, QStringLiteral("detailsStatus"));
    QFont bold = status_->font();
    bold.setBold(true);
    status_->setFont(bold);
    power_ = valueLabel(header, QStringLiteral("detailsPower"));
    owner_ = valueLabel(header, QStringLiteral("detailsOwner"));
    architecture_ = valueLabel(header, QStringLiteral("detailsArchitecture"));
    auto *facts = new QHBoxLayout;
    // Lined up under the name, not under the Back button.
    facts->setContentsMargins(back_->sizeHint().width(), 0, 0, 0);
    const int gap = fontMetrics().averageCharWidth() * 6;
    facts->addLayout(fact(tr("Status"), status_));
    facts->addSpacing(gap);
    facts->addLayout(fact(tr("Power"), power_));
    facts->addSpacing(gap);
    facts->addLayout(fact(tr("Owner"), owner_));
    facts->addSpacing(gap);
    facts->addLayout(fact(tr("Architecture"), architecture_));
    facts->addStretch(1);

    // Why the machine failed, where it cannot be missed.
    banner_ = noticeLabel(header, QStringLiteral("detailsBanner"));
    banner_->setTextFormat(Qt::RichText);
    banner_->hide();

    auto *layout = new QVBoxLayout(header);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(titleRow);
    layout->addLayout(facts);
    layout->addWidget(banner_);
    nextSteps_ = new QWidget(header);
    nextSteps_->setObjectName(QStringLiteral("detailsNextSteps"));
    auto *steps = new QHBoxLayout(nextSteps_);
    steps->setContentsMargins(0, 0, 0, 0);
    steps->addStretch(1);
    layout->addWidget(nextSteps_);
    return header;
}

QLabel *MachineDetails::addField(QFormLayout *form, const QString &label, const QString &objectName)
{
    QLabel *value = valueLabel(form->parentWidget(), objectName);
    // Long CPU models and product names wrap rather than widen the window.
    value->setWordWrap(true);
    form->addRow(label, value);
    return value;
}

QWidget *MachineDetails::buildSummaryTab()
{
    auto *content = new QWidget;
    summaryNotice_ = noticeLabel(content, QStringLiteral("summaryNotice"));

    auto group = [content](const QString &title, const QString &objectName) {
        auto *box = new QGroupBox(title, content);
        box->setObjectName(objectName);
        auto *form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form->setLabelAlignment(Qt::AlignLeft);
        form->setRowWrapPolicy(QFormLayout::DontWrapRows);
        return std::pair{box, form};
    };
    auto [processor, processorForm] = group(tr("Processor"), QStringLiteral("summaryProcessor"));
    summaryArchitecture_ = addField(processorForm, tr("Architecture:"), QStringLiteral("summaryArchitecture"));
    cpuModel_ = addField(processorForm, tr("Model:"), QStringLiteral("summaryCpuModel"));
    cpuCount_ = addField(processorForm, tr("CPU cores:"), QStringLiteral("summaryCpuCount"));

    auto [memory, memoryForm] = group(tr("Memory and storage"), QStringLiteral("summaryMemoryStorage"));
    memory_ = addField(memoryForm, tr("Memory:"), QStringLiteral("summaryMemory"));
    storage_ = addField(memoryForm, tr("Storage:"), QStringLiteral("summaryStorage"));
    diskCount_ = addField(memoryForm, tr("Disks:"), QStringLiteral("summaryDisks"));
    bootDisk_ = addField(memoryForm, tr("Boot disk:"), QStringLiteral("summaryBootDisk"));

    auto [system, systemForm] = group(tr("Firmware and system"), QStringLiteral("summarySystem"));
    firmware_ = addField(systemForm, tr("Firmware:"), QStringLiteral("summaryFirmware"));
    vendor_ = addField(systemForm, tr("Vendor:"), QStringLiteral("summaryVendor"));
    product_ = addField(systemForm, tr("Product:"), QStringLiteral("summaryProduct"));
    serial_ = addField(systemForm, tr("Serial number:"), QStringLiteral("summarySerial"));

    // Zone, pool and tags: where the machine sits, what API clients (juju) allocate by.
    auto [network, networkForm] = group(tr("Network and placement"), QStringLiteral("summaryNetwork"));
    nicCount_ = addField(networkForm, tr("Interfaces:"), QStringLiteral("summaryInterfaces"));
    bootInterface_ = addField(networkForm, tr("Boot interface:"), QStringLiteral("summaryBootInterface"));
    zone_ = addField(networkForm, tr("Zone:"), QStringLiteral("summaryZone"));
    pool_ = addField(networkForm, tr("Resource pool:"), QStringLiteral("summaryPool"));
    tags_ = addField(networkForm, tr("Tags:"), QStringLiteral("summaryTags"));

    auto *grid = new QGridLayout;
    grid->setHorizontalSpacing(fontMetrics().height());
    grid->setVerticalSpacing(fontMetrics().height() / 2);
    grid->addWidget(processor, 0, 0);
    grid->addWidget(memory, 0, 1);
    grid->addWidget(system, 1, 0);
    grid->addWidget(network, 1, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    // What happened to the machine lately fills the rest: the same events as the Events tab.
    auto *latest = new QGroupBox(tr("Latest events"), content);
    latest->setObjectName(QStringLiteral("summaryEvents"));
    auto *latestView = new QTableView(latest);
    latestView->setObjectName(QStringLiteral("summaryEventsTable"));
    latestView->setModel(events_);
    styleAsList(latestView, cellStyle_);
    latestView->hideColumn(MachineEventModel::UserColumn);
    // As tall as the room left, at least the latest event: its usual (tall) size hint would make
    // the summary scroll.
    latestView->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Ignored);
    latestView->setMinimumHeight(latestView->horizontalHeader()->sizeHint().height() +
                                 latestView->verticalHeader()->defaultSectionSize() + 2 * latestView->frameWidth());
    auto *latestLayout = new QVBoxLayout(latest);
    latestLayout->addWidget(latestView, 1);

    auto *layout = new QVBoxLayout(content);
    layout->addWidget(summaryNotice_);
    layout->addLayout(grid);
    layout->addWidget(latest, 1);

    // Scrolls rather than squeezes in a small window.
    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("summaryScroll"));
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}

QWidget *MachineDetails::buildNetworkTab()
{
    auto *page = new QWidget;
    networkNotice_ = noticeLabel(page, QStringLiteral("networkNotice"));
    nics_ = tableWidget(page, QStringLiteral("networkTable"),
                        {tr("Name"), tr("MAC address"), tr("Driver"), tr("Link"), tr("Boot")}, cellStyle_);
    nics_->horizontalHeaderItem(NicBootColumn)->setToolTip(tr("The interface the machine boots from over the network"));
    addresses_ = valueLabel(page, QStringLiteral("networkAddresses"));
    auto *addressRow = new QFormLayout;
    addressRow->addRow(tr("IP addresses:"), addresses_);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(networkNotice_);
    layout->addLayout(addressRow);
    layout->addWidget(nics_, 1);
    return page;
}

QWidget *MachineDetails::buildStorageTab()
{
    storagePages_ = new QStackedWidget;
    auto *page = new QWidget;
    storageTotal_ = valueLabel(page, QStringLiteral("storageTotal"));
    disks_ = tableWidget(page, QStringLiteral("storageTable"),
                         {tr("Name"), tr("Model"), tr("Serial number"), tr("Size"), tr("Boot")}, cellStyle_);
    disks_->horizontalHeaderItem(DiskSizeColumn)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    disks_->horizontalHeaderItem(DiskBootColumn)->setToolTip(tr("The disk a deployment writes the image to"));
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(storageTotal_);
    layout->addWidget(disks_, 1);
    storagePlaceholder_ = placeholderLabel(storagePages_, QStringLiteral("storagePlaceholder"));
    storagePages_->addWidget(page);
    storagePages_->addWidget(storagePlaceholder_);
    return storagePages_;
}

QWidget *MachineDetails::buildCommissioningTab()
{
    commissioningPages_ = new QStackedWidget;
    auto *page = new QWidget;
    received_ = valueLabel(page, QStringLiteral("commissioningReceived"));
    auto *form = new QFormLayout;
    form->addRow(tr("Results received:"), received_);
    commissioningNotice_ = noticeLabel(page, QStringLiteral("commissioningNotice"));
    // What commissioning found, as a person reads it; the data as the machine sent it one click away.
    hardware_ = new QTreeWidget(page);
    hardware_->setObjectName(QStringLiteral("commissioningHardware"));
    hardware_->setColumnCount(2);
    hardware_->setHeaderLabels({tr("Hardware"), tr("Found")});
    hardware_->setRootIsDecorated(true);
    hardware_->setUniformRowHeights(true);
    hardware_->setSelectionMode(QAbstractItemView::NoSelection);
    hardware_->setStyle(cellStyle_); // room between a MAC address and its driver
    hardware_->setAlternatingRowColors(true);
    hardware_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    hardware_->header()->setStretchLastSection(true);
    auto *rawToggle = new QPushButton(tr("Show the data as the machine reported it"), page);
    rawToggle->setObjectName(QStringLiteral("commissioningShowRaw"));
    rawToggle->setCheckable(true);
    output_ = new QPlainTextEdit(page);
    output_->setObjectName(QStringLiteral("commissioningOutput"));
    output_->setReadOnly(true);
    output_->setLineWrapMode(QPlainTextEdit::NoWrap);
    output_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    output_->hide();
    connect(rawToggle, &QPushButton::toggled, this, [this, rawToggle](bool shown) {
        output_->setVisible(shown);
        hardware_->setVisible(!shown);
        rawToggle->setText(shown ? tr("Show the summary") : tr("Show the data as the machine reported it"));
    });
    auto *layout = new QVBoxLayout(page);
    layout->addLayout(form);
    layout->addWidget(commissioningNotice_);
    layout->addWidget(hardware_, 1);
    layout->addWidget(output_, 1);
    layout->addWidget(rawToggle, 0, Qt::AlignLeft);
    commissioningPlaceholder_ = placeholderLabel(commissioningPages_, QStringLiteral("commissioningPlaceholder"));
    commissioningPages_->addWidget(page);
    commissioningPages_->addWidget(commissioningPlaceholder_);
    return commissioningPages_;
}

QWidget *MachineDetails::buildEventsTab()
{
    eventsView_ = new QTableView;
    eventsView_->setObjectName(QStringLiteral("eventsTable"));
    eventsView_->setModel(events_);
    styleAsList(eventsView_, cellStyle_);
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(eventsView_);
    return page;
}

void MachineDetails::showMachine(const QString &systemId)
{
    systemId_ = systemId;
    removed_ = false;
    events_->setMachine(systemId);
    reload();
    tabs_->setCurrentIndex(SummaryTab);
    for (QScrollArea *scroll : findChildren<QScrollArea *>())
        scroll->ensureVisible(0, 0);
}

void MachineDetails::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    powerTab_->setUser(user);
    editPlacement_->setVisible(user_ && isAllowed(Capability::EditMachineLabels, *user_));
    updateActions();
}

void MachineDetails::updateActions()
{
    // Power from any status where a driver can do it (the table says where); the reason otherwise.
    for (auto [button, action] :
         {std::pair{powerOn_, NodeAction::PowerOn}, std::pair{powerOff_, NodeAction::PowerOff}}) {
        const QString why = !machine_ ? QString()
                            : !user_  ? tr("Sign in to act on machines")
                                      : LifecycleEngine::refusal(action, *machine_, *user_);
        button->setEnabled(machine_ && why.isEmpty());
        button->setToolTip(why.isEmpty() ? tr("%1 %2").arg(TakeActionMenu::actionName(action),
                                                           machine_ ? machine_->hostname : QString())
                                         : why);
    }
    // No dead end: a new machine is commissioned, a failed one commissioned again or marked
    // broken, a broken one marked fixed; each only when the lifecycle table offers it to this user.
    auto *steps = static_cast<QHBoxLayout *>(nextSteps_->layout());
    while (steps->count() > 1) {
        QLayoutItem *item = steps->takeAt(0);
        delete item->widget();
        delete item; // the layout's item is the caller's once taken (LeakSanitizer found it)
    }
    QList<std::pair<NodeAction, QString>> next;
    if (machine_ && user_) {
        if (machine_->status == NodeStatus::New)
            next = {{NodeAction::Commission, tr("Commission…")}};
        else if (machine_->status == NodeStatus::Broken)
            next = {{NodeAction::MarkFixed, tr("Mark fixed…")}};
        else if (isFailedStatus(machine_->status))
            next = {{NodeAction::Commission, tr("Commission again…")}, {NodeAction::MarkBroken, tr("Mark broken…")}};
    }
    int at = 0;
    for (const auto &[action, text] : std::as_const(next)) {
        if (!LifecycleEngine::offers(action, *machine_, *user_))
            continue;
        auto *button = new QPushButton(text, nextSteps_);
        button->setObjectName(QStringLiteral("nextStep-") + QLatin1String(nodeActionSpec(action).name));
        connect(button, &QPushButton::clicked, this, [this, action = action] { emit actionRequested(action); });
        steps->insertWidget(at++, button);
    }
    nextSteps_->setVisible(at > 0);
    takeAction_->setEnabled(machine_ && user_);
    takeAction_->setToolTip(!user_ ? tr("Sign in to act on machines") : tr("The actions open to you for this machine"));
}

void MachineDetails::editPlacement()
{
    if (!machine_ || !user_)
        return;
    PlacementDialog dialog(*labels_, *user_, *machine_, this);
    dialog.exec(); // the change feed reloads what it wrote
}

void MachineDetails::machineChanged(const QString &systemId)
{
    if (systemId == systemId_ && !removed_)
        reload();
}

void MachineDetails::machineRemoved(const QString &systemId)
{
    if (systemId != systemId_)
        return;
    removed_ = true;
    setTextColor(banner_, kWarningColor);
    banner_->setText(tr("<b>This machine has been deleted.</b> What is shown is how it was."));
    banner_->show();
}

void MachineDetails::reload()
{
    if (systemId_.isEmpty())
        return;
    auto machine = machines_.get(systemId_);
    if (!machine) {
        qCWarning(lcMachineDetails) << "cannot read machine" << systemId_ << ":" << machine.errorMessage();
        setTextColor(banner_, kErrorColor);
        banner_->setText(tr("<b>The machine could not be read:</b> %1").arg(machine.errorMessage().toHtmlEscaped()));
        banner_->show();
        return;
    }
    std::optional<NodeResult> result;
    std::optional<Inventory> inventory;
    QString problem;
    if (auto stored = results_.latest(systemId_, QLatin1String(NodeReports::kCommissioningResult)); !stored) {
        problem = tr("The commissioning results could not be read: %1").arg(stored.errorMessage());
    } else if (*stored) {
        result = **stored;
        if (auto parsed = parseInventory(result->output))
            inventory = std::move(*parsed);
        else
            problem = tr("The stored results are not an inventory MetalDesk can read: %1").arg(parsed.errorMessage());
    }
    machine_ = *machine;
    showHeader(*machine);
    showSummary(*machine, inventory);
    showPlacement(*machine);
    showNetwork(*machine, inventory);
    showStorage(*machine, inventory);
    showCommissioning(*machine, result, inventory, problem);
    powerTab_->showMachine(*machine);
    consoleTab_->showMachine(*machine);
}

void MachineDetails::setValue(QLabel *label, const QString &text, const QString &whyEmpty)
{
    label->setText(text.isEmpty() ? noValue() : text);
    label->setToolTip(text.isEmpty() ? whyEmpty : QString());
}

void MachineDetails::showHeader(const Machine &m)
{
    updateActions();
    hostname_->setText(m.hostname);
    systemIdLabel_->setText(m.systemId);
    const QString status = MachineTableModel::statusText(m.status);
    status_->setText(status);
    const bool failed = isFailure(m.status);
    setTextColor(status_, failed ? kErrorColor : palette().color(QPalette::WindowText));

    const QString power = MachineTableModel::powerStateText(m.powerState);
    power_->setText(m.powerType.isEmpty() ? tr("%1, no power driver").arg(power)
                                          : tr("%1 (%2)").arg(power, m.powerType));
    power_->setToolTip(m.powerType.isEmpty() ? tr("Set a power driver so that MetalDesk can switch the machine on "
                                                  "and off")
                                             : tr("Power driver: %1").arg(m.powerType));
    setValue(owner_, m.owner, tr("Nobody has acquired this machine"));
    setValue(architecture_, m.architecture, MachineTableModel::notCommissionedText());

    if (failed || !m.statusMessage.isEmpty()) {
        setTextColor(banner_, failed ? kErrorColor : kWarningColor);
        banner_->setText(
            m.statusMessage.isEmpty()
                ? QStringLiteral("<b>%1</b>").arg(status.toHtmlEscaped())
                : tr("<b>%1:</b> %2").arg(status.toHtmlEscaped(), m.statusMessageInWords().toHtmlEscaped()));
        banner_->show();
    } else {
        banner_->hide();
    }
}

void MachineDetails::showSummary(const Machine &m, const std::optional<Inventory> &inventory)
{
    const QString notKnown = MachineTableModel::notCommissionedText();
    // A member the machine left empty (QEMU has no DMI serial) is not "not known until commissioned".
    const QString unknown = inventory ? tr("The machine did not report it") : notKnown;
    summaryNotice_->setVisible(!inventory);
    summaryNotice_->setText(m.status == NodeStatus::Commissioning
                                ? tr("The machine is being commissioned: its hardware appears here when it reports.")
                                : notKnown);

    const QLocale locale;
    setValue(summaryArchitecture_, m.architecture, unknown);
    setValue(cpuModel_, inventory ? inventory->cpuModel : QString(), unknown);
    const int cpus = m.cpuCount > 0 ? m.cpuCount : (inventory ? inventory->cpuCount : 0);
    setValue(cpuCount_, cpus > 0 ? locale.toString(cpus) : QString(), unknown);
    const qint64 mebibytes = m.memory > 0 ? m.memory : (inventory ? inventory->memoryMiB : 0);
    setValue(memory_, mebibytes > 0 ? MachineTableModel::memoryText(mebibytes) : QString(), unknown);
    const qint64 bytes = m.storage > 0 ? m.storage : (inventory ? inventory->storageBytes() : 0);
    setValue(storage_, bytes > 0 ? sizeText(bytes) : QString(), unknown);
    if (bytes > 0)
        storage_->setToolTip(tr("%1 bytes").arg(locale.toString(bytes)));
    setValue(diskCount_, inventory ? diskCountText(int(inventory->disks.size())) : QString(), unknown);
    setValue(bootDisk_, m.bootDisk, unknown);

    setValue(firmware_, inventory ? inventory->firmware.toUpper() : QString(), unknown);
    setValue(vendor_, inventory ? inventory->dmiVendor : QString(), unknown);
    setValue(product_, inventory ? inventory->dmiProduct : QString(), unknown);
    setValue(serial_, inventory ? inventory->dmiSerial : QString(), unknown);

    const int nics = int(qMax(m.interfaces.size(), inventory ? inventory->nics.size() : 0));
    setValue(nicCount_, nics == 0 ? QString() : nics == 1 ? tr("1 interface") : tr("%1 interfaces").arg(nics), unknown);
    QString boot;
    const QString bootMac =
        inventory ? inventory->bootMac : (m.interfaces.isEmpty() ? QString() : m.interfaces.first().macAddress);
    for (const Interface &i : m.interfaces)
        if (i.macAddress == bootMac)
            boot = tr("%1 (%2)").arg(i.name, i.macAddress);
    if (boot.isEmpty())
        boot = bootMac;
    setValue(bootInterface_, boot, unknown);
}

void MachineDetails::showPlacement(const Machine &m)
{
    setValue(zone_, m.zone);
    setValue(pool_, m.pool);
    setValue(tags_, m.tags.join(QLatin1String(", ")), tr("No tags: administrators add them with Edit placement"));
}

void MachineDetails::showNetwork(const Machine &m, const std::optional<Inventory> &inventory)
{
    const QString notKnown = MachineTableModel::notCommissionedText();
    networkNotice_->setVisible(!inventory);
    networkNotice_->setText(tr("Drivers and link states: %1").arg(notKnown));
    // What the machine's interfaces hold now: its static address once deployed, DHCP leases.
    auto addresses = machines_.ipAddresses(m.systemId);
    setValue(addresses_, addresses ? addresses->value(m.systemId).join(QLatin1String(", ")) : QString(),
             addresses ? tr("The machine holds no address now") : addresses.errorMessage());

    struct Row {
        QString name;
        QString mac;
        std::optional<Inventory::Nic> nic;
    };
    QList<Row> rows;
    for (const Interface &i : m.interfaces)
        rows.append({i.name, i.macAddress, std::nullopt});
    if (inventory) {
        for (const Inventory::Nic &nic : inventory->nics) {
            auto it = std::find_if(rows.begin(), rows.end(), [&nic](const Row &r) { return r.mac == nic.mac; });
            if (it != rows.end())
                it->nic = nic;
            else // reported, but its MAC belongs to another machine here
                rows.append({QString(), nic.mac, nic});
        }
    }
    // The inventory knows which NIC booted; without one, the first is the one MetalDesk boots.
    const QString bootMac = inventory ? inventory->bootMac : (rows.isEmpty() ? QString() : rows.first().mac);

    nics_->setRowCount(int(rows.size()));
    for (int row = 0; row < rows.size(); ++row) {
        const Row &r = rows.at(row);
        nics_->setItem(row, NicNameColumn,
                       r.name.isEmpty()
                           ? cell(noValue(), tr("This MAC address belongs to another machine in MetalDesk"))
                           : cell(r.name));
        nics_->setItem(row, NicMacColumn, cell(r.mac));
        if (r.nic) {
            nics_->setItem(row, NicDriverColumn, cell(r.nic->driver.isEmpty() ? noValue() : r.nic->driver));
            nics_->setItem(row, NicLinkColumn, cell(r.nic->link ? tr("Up") : tr("Down")));
        } else {
            const QString why = inventory ? tr("The machine did not report this interface") : notKnown;
            nics_->setItem(row, NicDriverColumn, cell(noValue(), why));
            nics_->setItem(row, NicLinkColumn, cell(noValue(), why));
        }
        const bool boot = r.mac == bootMac;
        nics_->setItem(row, NicBootColumn,
                       boot ? cell(bootMark(), tr("The machine boots from the network through this interface"))
                            : cell(QString()));
    }
}

void MachineDetails::showStorage(const Machine &m, const std::optional<Inventory> &inventory)
{
    if (!inventory || inventory->disks.isEmpty()) {
        disks_->setRowCount(0);
        storagePlaceholder_->setText(!inventory ? (m.status == NodeStatus::Commissioning
                                                       ? tr("The machine is being commissioned: its disks appear "
                                                            "here when it reports.")
                                                       : MachineTableModel::notCommissionedText())
                                                : tr("The machine reported no disks."));
        storagePages_->setCurrentWidget(storagePlaceholder_);
        return;
    }
    const QLocale locale;
    disks_->setRowCount(int(inventory->disks.size()));
    for (int row = 0; row < inventory->disks.size(); ++row) {
        const Inventory::Disk &d = inventory->disks.at(row);
        disks_->setItem(row, DiskNameColumn, cell(d.name));
        disks_->setItem(row, DiskModelColumn, cell(d.model.isEmpty() ? noValue() : d.model));
        disks_->setItem(row, DiskSerialColumn, cell(d.serial.isEmpty() ? noValue() : d.serial));
        QTableWidgetItem *size = cell(sizeText(d.sizeBytes), tr("%1 bytes").arg(locale.toString(d.sizeBytes)));
        size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        disks_->setItem(row, DiskSizeColumn, size);
        disks_->setItem(row, DiskBootColumn,
                        d.name == m.bootDisk ? cell(bootMark(), tr("A deployment writes the image to this disk"))
                                             : cell(QString()));
    }
    storageTotal_->setText(
        tr("%1, %2 in total").arg(diskCountText(int(inventory->disks.size())), sizeText(inventory->storageBytes())));
    storagePages_->setCurrentIndex(0);
}

void MachineDetails::showCommissioning(const Machine &m, const std::optional<NodeResult> &result,
                                       const std::optional<Inventory> &inventory, const QString &problem)
{
    if (!result) {
        QString text = MachineTableModel::notCommissionedText();
        if (!problem.isEmpty())
            text = problem;
        else if (m.status == NodeStatus::Commissioning)
            text = tr("The machine is being commissioned: its results appear here when it reports.");
        commissioningPlaceholder_->setText(text);
        commissioningPages_->setCurrentWidget(commissioningPlaceholder_);
        return;
    }
    received_->setText(MachineEventModel::timeText(result->created));
    QString notice;
    if (!problem.isEmpty())
        notice = problem;
    else if (m.status == NodeStatus::Commissioning)
        notice = tr("The machine is being commissioned again: these are the results of the previous commissioning.");
    else if (m.status == NodeStatus::FailedCommissioning)
        notice = tr("The last commissioning failed: these are the results of an earlier one.");
    commissioningNotice_->setText(notice);
    commissioningNotice_->setVisible(!notice.isEmpty());
    setTextColor(commissioningNotice_, problem.isEmpty() ? palette().color(QPalette::WindowText) : kErrorColor);

    // Indented for reading; as sent when it is not JSON at all.
    const QJsonDocument json = QJsonDocument::fromJson(result->output);
    const QString text = json.isNull() ? QString::fromUtf8(result->output) : QString::fromUtf8(json.toJson());
    if (output_->toPlainText() != text) // a reload must not throw the reader back to the top
        output_->setPlainText(text);
    showHardware(inventory);
    commissioningPages_->setCurrentIndex(0);
}

void MachineDetails::showHardware(const std::optional<Inventory> &inventory)
{
    hardware_->clear();
    if (!inventory)
        return; // the notice says why; the data as sent is still one click away
    auto row = [this](QTreeWidgetItem *parent, const QString &what, const QString &found) {
        auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(hardware_);
        item->setText(0, what);
        item->setText(1, found);
        item->setToolTip(1, found);
        return item;
    };
    auto joined = [](QStringList parts) {
        parts.removeAll(QString());
        return parts.join(QStringLiteral(" · "));
    };
    const QString unknown = tr("not reported");
    row(nullptr, tr("Processor"),
        joined(
            {inventory->cpuModel, inventory->cpuCount == 1 ? tr("1 core") : tr("%1 cores").arg(inventory->cpuCount)}));
    row(nullptr, tr("Memory"),
        inventory->memoryMiB > 0 ? MachineTableModel::memoryText(inventory->memoryMiB) : unknown);
    row(nullptr, tr("Firmware"),
        inventory->firmware == QLatin1String("uefi")   ? tr("UEFI")
        : inventory->firmware == QLatin1String("bios") ? tr("BIOS")
                                                       : inventory->firmware);
    row(nullptr, tr("Architecture"), inventory->architecture);
    const QString system =
        joined({inventory->dmiVendor, inventory->dmiProduct,
                inventory->dmiSerial.isEmpty() ? QString() : tr("serial %1").arg(inventory->dmiSerial)});
    row(nullptr, tr("System"), system.isEmpty() ? unknown : system);
    QTreeWidgetItem *disks = row(nullptr, tr("Disks"), diskCountText(int(inventory->disks.size())));
    for (const Inventory::Disk &d : inventory->disks)
        row(disks, d.name,
            joined({d.model, sizeText(d.sizeBytes), d.serial.isEmpty() ? QString() : tr("serial %1").arg(d.serial)}));
    const int nicCount = int(inventory->nics.size());
    QTreeWidgetItem *nics =
        row(nullptr, tr("Network interfaces"), nicCount == 1 ? tr("1 interface") : tr("%1 interfaces").arg(nicCount));
    for (const Inventory::Nic &n : inventory->nics)
        row(nics, n.mac,
            joined({n.driver, n.link ? tr("link up") : tr("no link"), speedText(n.speedMbps),
                    n.mac == inventory->bootMac ? tr("boots from the network") : QString()}));
    hardware_->expandAll();
}

QString MachineDetails::speedText(qint64 mbps)
{
    if (mbps <= 0)
        return {}; // not reported: the link's state says enough
    if (mbps >= 1000 && mbps % 1000 == 0)
        return tr("%1 Gb/s").arg(mbps / 1000);
    if (mbps >= 1000)
        return tr("%1 Gb/s").arg(QLocale().toString(double(mbps) / 1000, 'f', 1));
    return tr("%1 Mb/s").arg(mbps);
}

QString MachineDetails::diskCountText(int count) { return count == 1 ? tr("1 disk") : tr("%1 disks").arg(count); }

QString MachineDetails::sizeText(qint64 bytes)
{
    const QLocale locale;
    if (bytes >= Q_INT64_C(1000000000000))
        return tr("%1 TB").arg(locale.toString(double(bytes) / 1e12, 'f', 1));
    if (bytes >= Q_INT64_C(1000000000))
        return MachineTableModel::storageText(bytes);
    return tr("%1 MB").arg(locale.toString(double(bytes) / 1e6, 'f', 1));
}

} // namespace metaldesk
