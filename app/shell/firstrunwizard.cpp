#include "app/shell/firstrunwizard.h"

#include "app/network/networkpage.h"
#include "app/shell/textstyle.h"
#include "app/users/accountform.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/runtime/services.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QVBoxLayout>

namespace metaldesk {

namespace {
// The administrator's page: Next waits until the account form is ready.
class AccountStep : public QWizardPage {
public:
    using QWizardPage::QWizardPage;
    void setForm(AccountForm *form)
    {
        form_ = form;
        connect(form, &AccountForm::changed, this, &QWizardPage::completeChanged);
    }
    bool isComplete() const override { return form_ && form_->isReady(); }

private:
    AccountForm *form_ = nullptr;
};

QWizardPage *makePage(const QString &title, const QString &intro, const QString &objectName, QWizard *parent,
                      QWizardPage *p = nullptr)
{
    if (!p)
        p = new QWizardPage(parent);
    p->setObjectName(objectName);
    p->setTitle(title);
    auto *layout = new QVBoxLayout(p);
    auto *text = new QLabel(intro, p);
    text->setWordWrap(true);
    layout->addWidget(text);
    return p;
}
} // namespace

FirstRunWizard::FirstRunWizard(CoreServices &core, ServiceHost &host, QWidget *parent)
    : QWizard(parent),
      core_(core),
      host_(host),
      account_(new AccountForm(AccountForm::Role::Administrator)),
      network_(new NetworkPage(core, host)),
      privileges_(new QLabel),
      steps_(new QLabel)
{
    setObjectName(QStringLiteral("firstRunWizard"));
    setWindowTitle(tr("Welcome to MetalDesk"));
    setWizardStyle(QWizard::ClassicStyle); // the same on every desktop, and in the screenshots
    setOption(QWizard::NoBackButtonOnStartPage);

    auto *accountStep = new AccountStep(this);
    QWizardPage *account =
        makePage(tr("The administrator"),
                 tr("Create the administrator account. The administrator commissions machines, manages users and "
                    "changes the settings; other users acquire and deploy machines."),
                 QStringLiteral("accountPage"), this, accountStep);
    account->layout()->addWidget(account_);
    accountStep->setForm(account_);
    setPage(AccountPageId, account);

    QWizardPage *network =
        makePage(tr("The boot network"),
                 tr("Choose the interface where your machines network-boot, for example a second NIC on a switch of "
                    "its own. MetalDesk answers DHCP there only. Check for other DHCP servers first: where your home "
                    "router already gives addresses, choose proxy mode, and MetalDesk adds only the boot "
                    "information. Apply your choice, or go on and set it later on the Network page."),
                 QStringLiteral("networkStepPage"), this);
    // The whole Network page, scrolled where the wizard is shorter than it: nothing squeezed.
    auto *scroll = new QScrollArea(network);
    scroll->setObjectName(QStringLiteral("networkScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(network_);
    network->layout()->addWidget(scroll);
    setPage(NetworkPageId, network);

    QWizardPage *privileges = makePage(tr("The services"),
                                       tr("Machines boot from MetalDesk's DHCP, TFTP and HTTP services, which must be "
                                          "able to listen on their ports. DHCP and TFTP use ports below 1024, which "
                                          "need root or the capability to bind them."),
                                       QStringLiteral("privilegesPage"), this);
    privileges_->setObjectName(QStringLiteral("privilegesResult"));
    privileges_->setWordWrap(true);
    privileges_->setTextInteractionFlags(Qt::TextSelectableByMouse); // the fix is a command to copy
    privileges->layout()->addWidget(privileges_);
    auto *checkAgain = new QPushButton(tr("Check &again"), privileges);
    checkAgain->setObjectName(QStringLiteral("checkServicesAgain"));
    checkAgain->setToolTip(tr("Starts again each service that could not run, once you have fixed its cause"));
    auto *copy = new QPushButton(tr("&Copy the problems"), privileges);
    copy->setObjectName(QStringLiteral("copyServiceProblems"));
    auto *row = new QHBoxLayout;
    row->addWidget(checkAgain);
    row->addWidget(copy);
    row->addStretch(1);
    static_cast<QVBoxLayout *>(privileges->layout())->addLayout(row);
    static_cast<QVBoxLayout *>(privileges->layout())->addStretch(1);
    connect(checkAgain, &QPushButton::clicked, this, [this] {
        const QStringList problems = retryFailedServices(host_, core_);
        if (!problems.isEmpty())
            privileges_->setText(problems.join(QStringLiteral("\n\n")));
    });
    connect(copy, &QPushButton::clicked, this, [this] { QGuiApplication::clipboard()->setText(privileges_->text()); });
    // A service restarted by Check again says how it went a moment later, from its own thread.
    connect(&host_, &ServiceHost::serviceStateChanged, this, [this] {
        if (currentId() == PrivilegesPageId)
            showServices();
    });
    setPage(PrivilegesPageId, privileges);

    setPage(MachinesPageId,
            makePage(tr("Your machines"),
                     tr("Set your machines to boot from the network first, then switch them on: each one appears on "
                        "the Machines page as New within a minute, named with two random words, and switches itself "
                        "off. Then select machines and use Take action: Commission, Acquire, Deploy, Release.\n\n"
                        "Virtual machines on a vSphere or libvirt host: add the host on the Chassis page (Add "
                        "chassis), and MetalDesk lists its machines and switches them on and off itself."),
                     QStringLiteral("machinesStepPage"), this));
    // The steps beside the pages, the current one marked: where the user is, and how much is left.
    steps_->setObjectName(QStringLiteral("wizardSteps"));
    steps_->setTextFormat(Qt::RichText);
    steps_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    steps_->setMargin(fontMetrics().averageCharWidth() * 2);
    setSideWidget(steps_);
    connect(this, &QWizard::currentIdChanged, this, &FirstRunWizard::showSteps);
    showSteps();
    // Room for the Network page without scrolling where the screen allows.
    if (const QScreen *shown = screen())
        resize(QSize(fontMetrics().averageCharWidth() * 130, fontMetrics().height() * 48)
                   .boundedTo(shown->availableGeometry().size()));
}

bool FirstRunWizard::validateCurrentPage()
{
    if (currentId() == AccountPageId && user_.username.isEmpty()) {
        const std::optional<User> admin = account_->create(*core_.users, Actor::system(QStringLiteral("first run")));
        if (!admin)
            return false;
        user_ = Actor{admin->id, admin->username, true};
        network_->setUser(user_);
    }
    return QWizard::validateCurrentPage();
}

void FirstRunWizard::showSteps()
{
    QStringList lines;
    for (int id : pageIds()) {
        const QString title = page(id)->title().toHtmlEscaped();
        // The current step marked in bold as well as by the arrow: not by colour alone.
        lines << (id == currentId() ? QStringLiteral("<b>▸ %1</b>").arg(title)
                                    : QStringLiteral("&nbsp;&nbsp;&nbsp;%1").arg(title));
    }
    steps_->setText(lines.join(QStringLiteral("<br><br>")));
}

void FirstRunWizard::initializePage(int id)
{
    QWizard::initializePage(id);
    if (id == PrivilegesPageId)
        showServices();
}

void FirstRunWizard::showServices()
{
    // What the host's services said when they started (or restarted, when the boot network was applied).
    QStringList failed;
    for (const ServiceHost::Entry &e : host_.services())
        if (e.state == QLatin1String("failed"))
            failed << tr("%1: %2").arg(e.thread->objectName(), e.detail);
    if (failed.isEmpty()) {
        privileges_->setText(tr("Every MetalDesk service that is set up is running."));
        setTextColor(privileges_, palette().color(QPalette::WindowText));
    } else {
        privileges_->setText(tr("These services cannot run; each line says how to fix it:") + QStringLiteral("\n\n") +
                             failed.join(QStringLiteral("\n\n")));
        setTextColor(privileges_, kErrorColor);
    }
}

} // namespace metaldesk
