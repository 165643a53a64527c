#include "app/network/networkpage.h"

#include "core/lifecycle/permissions.h"

#include "app/shell/textstyle.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/runtime/services.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkInterface>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace metaldesk {

namespace {

QString key(const char *name) { return QLatin1String(name); }

// The interface's first IPv4 address and its prefix, or a null address.
QNetworkAddressEntry ipv4Entry(const QNetworkInterface &nic)
{
    for (const QNetworkAddressEntry &entry : nic.addressEntries())
        if (entry.ip().protocol() == QAbstractSocket::IPv4Protocol)
            return entry;
    return {};
}

} // namespace

NetworkPage::NetworkPage(CoreServices &core, ServiceHost &host, QWidget *parent)
    : QWidget(parent),
      core_(core),
      host_(host),
      interface_(new QComboBox(this)),
      managed_(new QRadioButton(tr("Managed: MetalDesk gives the addresses"), this)),
      proxy_(new QRadioButton(tr("Proxy: another DHCP server gives the addresses"), this)),
      modeExplanation_(new QLabel(this)),
      range_(new QLineEdit(this)),
      reserved_(new QLineEdit(this)),
      router_(new QLineEdit(this)),
      dns_(new QLineEdit(this)),
      domain_(new QLineEdit(this)),
      leaseSeconds_(new QLineEdit(this)),
      validation_(new QLabel(this)),
      probeButton_(new QPushButton(tr("Check for other DHCP servers"), this)),
      probeResult_(new QLabel(this)),
      revertButton_(new QPushButton(tr("Revert"), this)),
      applyButton_(new QPushButton(tr("Apply"), this)),
      applyResult_(new QLabel(this)),
      dhcpStatus_(new QLabel(this))
{
    interface_->setObjectName(QStringLiteral("bootInterface"));
    managed_->setObjectName(QStringLiteral("modeManaged"));
    proxy_->setObjectName(QStringLiteral("modeProxy"));
    modeExplanation_->setObjectName(QStringLiteral("modeExplanation"));
    range_->setObjectName(QStringLiteral("dynamicRange"));
    reserved_->setObjectName(QStringLiteral("reservedRange"));
    router_->setObjectName(QStringLiteral("gateway"));
    dns_->setObjectName(QStringLiteral("dns"));
    domain_->setObjectName(QStringLiteral("domain"));
    leaseSeconds_->setObjectName(QStringLiteral("leaseSeconds"));
    validation_->setObjectName(QStringLiteral("validationMessage"));
    probeButton_->setObjectName(QStringLiteral("probeButton"));
    probeResult_->setObjectName(QStringLiteral("probeResult"));
    revertButton_->setObjectName(QStringLiteral("revertButton"));
    applyButton_->setObjectName(QStringLiteral("applyButton"));
    applyResult_->setObjectName(QStringLiteral("applyResult"));
    dhcpStatus_->setObjectName(QStringLiteral("dhcpStatus"));

    auto *modes = new QButtonGroup(this);
    modes->addButton(managed_);
    modes->addButton(proxy_);
    managed_->setChecked(true);
    for (QLabel *label : {modeExplanation_, validation_, probeResult_, applyResult_, dhcpStatus_}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    setTextColor(validation_, kErrorColor);
    setTextColor(modeExplanation_, hintColor(palette()));
    leaseSeconds_->setPlaceholderText(tr("%1 (the default)").arg(dhcp::Settings{}.leaseSeconds));
    domain_->setPlaceholderText(QStringLiteral("maas"));
    applyButton_->setDefault(true);

    auto *intro = new QLabel(tr("The boot network is where machines network-boot. MetalDesk answers DHCP there "
                                "only, on the interface chosen here."),
                             this);
    intro->setWordWrap(true);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Boot interface:"), interface_);
    // Right under the interface it checks and above the mode its answer decides.
    auto *probeColumn = new QVBoxLayout;
    probeColumn->addWidget(probeButton_, 0, Qt::AlignLeft);
    probeColumn->addWidget(probeResult_);
    // Hidden until there is something to say: no empty line in the form.
    probeResult_->hide();
    // A label, even an empty one: QFormLayout gives label-less rows their sizeHint() height, not
    // their height for the width (a wrapped text came out padded with blank lines).
    form->addRow(new QLabel(this), probeColumn);
    auto *modeColumn = new QVBoxLayout;
    modeColumn->addWidget(managed_);
    modeColumn->addWidget(proxy_);
    form->addRow(tr("DHCP mode:"), modeColumn);
    // A row of its own, as wide as the fields: the longer proxy text wraps on fewer lines.
    form->addRow(new QLabel(this), modeExplanation_);
    form->addRow(tr("Dynamic range:"), range_);
    form->addRow(tr("Reserved range:"), reserved_);
    form->addRow(tr("Gateway:"), router_);
    form->addRow(tr("DNS servers:"), dns_);
    form->addRow(tr("Domain:"), domain_);
    form->addRow(tr("Lease time (seconds):"), leaseSeconds_);
    auto *settings = new QGroupBox(tr("DHCP on the boot network"), this);
    settings->setLayout(form);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(applyResult_, 1);
    buttons->addWidget(revertButton_, 0, Qt::AlignTop);
    buttons->addWidget(applyButton_, 0, Qt::AlignTop);

    // A form reads best at a form's width, not stretched across a wide window.
    auto *column = new QWidget(this);
    column->setMaximumWidth(fontMetrics().averageCharWidth() * 110);
    auto *columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    columnLayout->addWidget(intro);
    columnLayout->addWidget(settings);
    columnLayout->addWidget(validation_);
    columnLayout->addLayout(buttons);
    columnLayout->addSpacing(fontMetrics().height());
    columnLayout->addWidget(dhcpStatus_);
    columnLayout->addStretch(1);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(column, 1);
    layout->addStretch(0);

    connect(interface_, &QComboBox::currentIndexChanged, this, [this] {
        updateHints();
        revalidate();
    });
    connect(managed_, &QRadioButton::toggled, this, [this] {
        updateModeWidgets();
        revalidate();
    });
    for (QLineEdit *edit : {range_, reserved_, router_, dns_, domain_, leaseSeconds_})
        connect(edit, &QLineEdit::textChanged, this, &NetworkPage::revalidate);
    connect(probeButton_, &QPushButton::clicked, this, &NetworkPage::startProbe);
    connect(&probeWatcher_, &QFutureWatcher<ProbeOutcome>::finished, this, &NetworkPage::probeFinished);
    connect(revertButton_, &QPushButton::clicked, this, &NetworkPage::load);
    connect(applyButton_, &QPushButton::clicked, this, &NetworkPage::apply);
    setUser(std::nullopt);
    connect(&host_, &ServiceHost::serviceStateChanged, this, &NetworkPage::updateDhcpStatus);
    connect(&host_, &ServiceHost::servicesChanged, this, &NetworkPage::updateDhcpStatus);

    load();
}

NetworkPage::~NetworkPage()
{
    probeWatcher_.disconnect(this);
    probeWatcher_.waitForFinished(); // two seconds at most: the probe captures nothing of ours
}

void NetworkPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Settings may have changed elsewhere (set-config, another instance): reread them, unless
    // the user is in the middle of editing.
    if (!applyButton_->isEnabled())
        load();
}

void NetworkPage::load()
{
    stored_.clear();
    QString problem;
    for (const QString &name : dhcp::ServerConfig::keys()) {
        auto value = core_.config->value(name);
        if (!value)
            problem = value.errorMessage();
        stored_.insert(name, value ? *value : QString());
    }
    const QSignalBlocker blockCombo(interface_);
    const QSignalBlocker blockManaged(managed_);
    fillInterfaces(stored_.value(key("dhcp_interface")));
    (stored_.value(key("dhcp_mode")) == QLatin1String("proxy") ? proxy_ : managed_)->setChecked(true);
    const std::pair<QLineEdit *, const char *> fields[] = {
        {range_, "dhcp_range"}, {reserved_, "dhcp_reserved_range"}, {router_, "dhcp_router"},
        {dns_, "dhcp_dns"},     {domain_, "dhcp_domain"},           {leaseSeconds_, "dhcp_lease_seconds"},
    };
    for (const auto &[edit, name] : fields) {
        const QSignalBlocker block(edit);
        edit->setText(stored_.value(key(name)));
    }
    applyResult_->setText(problem.isEmpty() ? readOnlyNote() : tr("Cannot read the settings: %1").arg(problem));
    setTextColor(applyResult_, problem.isEmpty() ? hintColor(palette()) : kErrorColor);
    loadedOnce_ = true;
    updateModeWidgets();
    updateHints();
    revalidate();
    updateDhcpStatus();
}

void NetworkPage::fillInterfaces(const QString &current)
{
    interface_->clear();
    interface_->addItem(tr("None (DHCP off)"), QString());
    QList<QNetworkInterface> nics = QNetworkInterface::allInterfaces();
    // Real networks first: loopback is for trying things out.
    std::stable_sort(nics.begin(), nics.end(), [](const QNetworkInterface &a, const QNetworkInterface &b) {
        return !(a.flags() & QNetworkInterface::IsLoopBack) && (b.flags() & QNetworkInterface::IsLoopBack);
    });
    for (const QNetworkInterface &nic : nics) {
        const QNetworkAddressEntry entry = ipv4Entry(nic);
        if (!(nic.flags() & QNetworkInterface::IsUp) || entry.ip().isNull())
            continue;
        interface_->addItem(
            QStringLiteral("%1 — %2/%3").arg(nic.name(), entry.ip().toString()).arg(entry.prefixLength()), nic.name());
    }
    if (!current.isEmpty() && interface_->findData(current) < 0)
        // Kept, so that saving other settings does not silently change it; validation says why.
        interface_->addItem(tr("%1 (not available)").arg(current), current);
    interface_->setCurrentIndex(qMax(0, interface_->findData(current)));
}

QString NetworkPage::currentInterface() const { return interface_->currentData().toString(); }

QHash<QString, QString> NetworkPage::formValues() const
{
    QHash<QString, QString> values = stored_;
    values.insert(key("dhcp_interface"), currentInterface());
    values.insert(key("dhcp_mode"), proxy_->isChecked() ? QStringLiteral("proxy") : QStringLiteral("managed"));
    values.insert(key("dhcp_range"), range_->text().trimmed());
    values.insert(key("dhcp_reserved_range"), reserved_->text().trimmed());
    values.insert(key("dhcp_router"), router_->text().trimmed());
    values.insert(key("dhcp_dns"), dns_->text().trimmed());
    values.insert(key("dhcp_domain"), domain_->text().trimmed());
    values.insert(key("dhcp_lease_seconds"), leaseSeconds_->text().trimmed());
    return values;
}

bool NetworkPage::mayChange() const { return user_ && isAllowed(Capability::ChangeSettings, *user_); }

QString NetworkPage::readOnlyNote() const
{
    return mayChange() ? QString() : asSentence(capabilityRefusal(Capability::ChangeSettings, user_.value_or(Actor{})));
}

void NetworkPage::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    const bool may = mayChange();
    interface_->setEnabled(may);
    managed_->setEnabled(may);
    proxy_->setEnabled(may);
    applyButton_->setVisible(may);
    revertButton_->setVisible(may);
    if (loadedOnce_)
        load(); // whatever was typed before is not the new user's to keep
    else
        applyResult_->setText(readOnlyNote());
    updateModeWidgets();
}

void NetworkPage::updateModeWidgets()
{
    const bool managed = managed_->isChecked();
    for (QLineEdit *edit : {range_, reserved_, router_, dns_, domain_, leaseSeconds_})
        edit->setEnabled(managed && mayChange());
    modeExplanation_->setText(
        managed ? tr("MetalDesk gives addresses from the dynamic range to machines while they enlist and "
                     "commission, and addresses from the reserved range to deployed machines.")
                : tr("Another DHCP server gives addresses; MetalDesk only adds boot information. The address "
                     "settings below do not apply. Every computer on this network that starts from the network "
                     "then boots MetalDesk's environment, enlists and powers off: turn network boot off in "
                     "the firmware of computers that are not for MetalDesk."));
}

void NetworkPage::updateHints()
{
    // Examples in the boot network's own addresses: "10.99.0.100-10.99.0.199".
    const QNetworkAddressEntry entry = ipv4Entry(QNetworkInterface::interfaceFromName(currentInterface()));
    if (entry.ip().isNull() || entry.prefixLength() > 24) {
        for (QLineEdit *edit : {range_, reserved_, router_, dns_})
            edit->setPlaceholderText({});
        return;
    }
    const quint32 base = entry.ip().toIPv4Address() & entry.netmask().toIPv4Address() & 0xffffff00u;
    auto at = [base](quint32 host) { return QHostAddress(base + host).toString(); };
    range_->setPlaceholderText(tr("for example %1-%2").arg(at(100), at(199)));
    reserved_->setPlaceholderText(tr("for example %1-%2").arg(at(200), at(249)));
    router_->setPlaceholderText(tr("for example %1").arg(at(1)));
    dns_->setPlaceholderText(tr("for example %1, %2 (comma-separated)").arg(at(1), QStringLiteral("9.9.9.9")));
}

void NetworkPage::revalidate()
{
    const QHash<QString, QString> values = formValues();
    const auto checked = dhcp::ServerConfig::fromValues(values);
    valid_ = checked.ok();
    if (!checked) {
        validation_->setText(asSentence(checked.errorMessage()));
        setTextColor(validation_, kErrorColor);
    } else if (currentInterface().isEmpty()) {
        validation_->setText(tr("No boot interface chosen: MetalDesk answers no DHCP."));
        setTextColor(validation_, hintColor(palette()));
    } else {
        validation_->clear();
    }
    validation_->setVisible(!validation_->text().isEmpty());
    bool changed = false;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        QString before = stored_.value(it.key());
        if (it.key() == QLatin1String("dhcp_mode") && before.isEmpty())
            before = QStringLiteral("managed"); // what an empty mode means
        changed = changed || before != it.value();
    }
    applyButton_->setEnabled(valid_ && changed);
    revertButton_->setEnabled(changed);
    probeButton_->setEnabled(!currentInterface().isEmpty() && !probeWatcher_.isRunning());
}

void NetworkPage::startProbe()
{
    const QString name = currentInterface();
    if (name.isEmpty() || probeWatcher_.isRunning())
        return;
    // Our own server, when it runs there, answers from the interface's address: that one is not
    // "another server". When it does not run, an answer from this host (a dnsmasq) counts.
    quint32 own = 0;
    for (const ServiceHost::Entry &e : host_.services())
        if (e.thread->objectName() == QLatin1String("dhcp") && e.state == QLatin1String("running") &&
            stored_.value(key("dhcp_interface")) == name)
            own = ipv4Entry(QNetworkInterface::interfaceFromName(name)).ip().toIPv4Address();
    // Tests serve on a high port (dhcp_port); answers still come to the client port, 68.
    const quint16 serverPort = quint16(stored_.value(key("dhcp_port")).toUInt());
    probeButton_->setEnabled(false);
    probeResult_->setText(tr("Asking on %1 whether another DHCP server answers…").arg(name));
    probeResult_->show();
    setTextColor(probeResult_, palette().color(QPalette::WindowText));
    probeWatcher_.setFuture(QtConcurrent::run([name, own, serverPort] {
        ProbeOutcome outcome;
        outcome.interfaceName = name;
        auto found = dhcp::probeForServers(name, 2000, own, serverPort ? serverPort : quint16(67));
        if (found)
            outcome.servers = *found;
        else
            outcome.error = found.errorMessage();
        return outcome;
    }));
}

void NetworkPage::probeFinished()
{
    const ProbeOutcome outcome = probeWatcher_.result();
    lastProbe_ = outcome;
    if (!outcome.error.isEmpty()) {
        probeResult_->setText(asSentence(outcome.error));
        setTextColor(probeResult_, kErrorColor);
    } else if (outcome.servers.isEmpty()) {
        probeResult_->setText(tr("No other DHCP server answered on %1.").arg(outcome.interfaceName));
        setTextColor(probeResult_, palette().color(QPalette::WindowText));
    } else {
        QStringList found;
        for (const dhcp::FoundServer &s : outcome.servers)
            found << s.describe();
        probeResult_->setText(tr("Another DHCP server answers on %1: %2. Proxy mode lets it keep giving the "
                                 "addresses while MetalDesk adds the boot information.")
                                  .arg(outcome.interfaceName, found.join(QStringLiteral(", "))));
        setTextColor(probeResult_, kWarningColor);
    }
    revalidate(); // re-enables the button
}

void NetworkPage::apply()
{
    if (!mayChange())
        return;
    QHash<QString, QString> values = formValues();
    if (!dhcp::ServerConfig::fromValues(values))
        return;
    const QString name = currentInterface();
    if (managed_->isChecked() && lastProbe_ && lastProbe_->interfaceName == name && !lastProbe_->servers.isEmpty() &&
        values.value(key("dhcp_allow_other_servers")) != QLatin1String("true")) {
        QStringList found;
        for (const dhcp::FoundServer &s : lastProbe_->servers)
            found << s.describe();
        QMessageBox box(QMessageBox::Warning, tr("Another DHCP server answers"),
                        tr("Another DHCP server answers on %1: %2.").arg(name, found.join(QStringLiteral(", "))),
                        QMessageBox::NoButton, this);
        box.setInformativeText(tr("Two servers giving addresses on one network hand out conflicting addresses, and "
                                  "machines may not boot. Proxy mode lets the other server keep giving the "
                                  "addresses while MetalDesk adds only the boot information."));
        QPushButton *useProxy = box.addButton(tr("Use proxy mode"), QMessageBox::AcceptRole);
        QPushButton *anyway = box.addButton(tr("Run managed DHCP anyway"), QMessageBox::DestructiveRole);
        box.addButton(QMessageBox::Cancel);
        useProxy->setObjectName(QStringLiteral("useProxyButton"));
        anyway->setObjectName(QStringLiteral("runManagedAnywayButton"));
        box.setDefaultButton(useProxy);
        box.exec();
        if (box.clickedButton() == useProxy) {
            proxy_->setChecked(true);
            values = formValues();
        } else if (box.clickedButton() == anyway) {
            values.insert(key("dhcp_allow_other_servers"), QStringLiteral("true"));
        } else {
            return;
        }
    }
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (stored_.value(it.key()) == it.value())
            continue;
        if (auto saved = core_.config->setValue(it.key(), it.value()); !saved) {
            applyResult_->setText(tr("Cannot save the settings: %1").arg(saved.errorMessage()));
            setTextColor(applyResult_, kErrorColor);
            return;
        }
        stored_.insert(it.key(), it.value());
    }
    if (auto restarted = restartBootNetwork(host_, core_); !restarted) {
        applyResult_->setText(tr("Saved, but DHCP did not restart: %1").arg(restarted.errorMessage()));
        setTextColor(applyResult_, kErrorColor);
    } else if (!restarted->isEmpty()) {
        applyResult_->setText(tr("Saved. DHCP restarted on %1, but: %2").arg(name, restarted->join(QLatin1Char(' '))));
        setTextColor(applyResult_, kErrorColor);
    } else {
        applyResult_->setText(name.isEmpty() ? tr("Saved. DHCP is off.")
                                             : tr("Saved. DHCP restarted on %1.").arg(name));
        setTextColor(applyResult_, palette().color(QPalette::WindowText));
    }
    revalidate();
    updateDhcpStatus();
}

void NetworkPage::updateDhcpStatus()
{
    const ServiceHost::Entry *dhcp = nullptr;
    for (const ServiceHost::Entry &e : host_.services())
        if (e.thread->objectName() == QLatin1String("dhcp"))
            dhcp = &e;
    QColor color = palette().color(QPalette::WindowText);
    if (!dhcp) {
        dhcpStatus_->setText(tr("DHCP is not running."));
    } else if (dhcp->state == QLatin1String("failed")) {
        dhcpStatus_->setText(tr("DHCP is not running: %1").arg(dhcp->detail));
        color = kErrorColor;
    } else if (dhcp->state == QLatin1String("running")) {
        dhcpStatus_->setText(tr("DHCP is running: %1.").arg(dhcp->service->description()));
    } else {
        dhcpStatus_->setText(tr("DHCP is starting."));
    }
    setTextColor(dhcpStatus_, color);
}

} // namespace metaldesk
