#include "app/shell/mainwindow.h"

#include "app/images/imagespage.h"
#include "app/machines/chassispage.h"
#include "app/machines/machinespage.h"
#include "app/network/networkpage.h"
#include "app/network/servicespage.h"
#include "app/shell/appicon.h"
#include "app/shell/desktoptray.h"
#include "app/shell/language.h"
#include "app/shell/notificationmodel.h"
#include "app/shell/notificationpanel.h"
#include "app/shell/signindialog.h"
#include "app/shell/textstyle.h"
#include "app/users/userspage.h"
#include "core/runtime/coreservices.h"
#include "servers/boot/bootfiles.h"

#include <QActionGroup>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace metaldesk {

MainWindow::MainWindow(CoreServices &core, ServiceHost &host, QWidget *parent)
    : QMainWindow(parent),
      navigation_(new QListWidget(this)),
      pages_(new QStackedWidget(this)),
      machinesPage_(new MachinesPage(core, this)),
      chassisPage_(new ChassisPage(core, this)),
      imagesPage_(new ImagesPage(
          core,
          [&core] {
              auto files = boot::BootFilesConfig::fromConfig(*core.config);
              return (files ? *files : boot::BootFilesConfig::defaults()).root;
          }(),
          this)),
      servicesPage_(new ServicesPage(host, core, this)),
      networkPage_(new NetworkPage(core, host, this)),
      usersPage_(new UsersPage(*core.users, this)),
      core_(core),
      accountButton_(new QToolButton(this)),
      accountMenu_(nullptr),
      signIn_(nullptr),
      signOut_(nullptr),
      notifications_(new NotificationModel(*core.feed, host, this)),
      notificationPanel_(new NotificationPanel(notifications_, this)),
      notificationsButton_(new QToolButton(this))
{
    setWindowTitle(tr("MetalDesk"));

    navigation_->setObjectName(QStringLiteral("navigation"));
    navigation_->setSelectionMode(QAbstractItemView::SingleSelection);
    navigation_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    navigation_->setIconSize(QSize(24, 24));
    pages_->setObjectName(QStringLiteral("pages"));
    connect(navigation_, &QListWidget::currentRowChanged, pages_, &QStackedWidget::setCurrentIndex);
    // "Machines" in the navigation means the list, as in MAAS, even while a machine's details show.
    connect(navigation_, &QListWidget::itemClicked, this, [this](QListWidgetItem *item) {
        if (pages_->widget(navigation_->row(item)) == machinesPage_)
            machinesPage_->showList();
    });

    addPage(machinesPage_, style()->standardIcon(QStyle::SP_ComputerIcon), tr("Machines"));
    addPage(chassisPage_,
            QIcon::fromTheme(QStringLiteral("network-server"), style()->standardIcon(QStyle::SP_DriveHDIcon)),
            tr("Chassis"));
    addPage(imagesPage_,
            QIcon::fromTheme(QStringLiteral("media-optical"), style()->standardIcon(QStyle::SP_DriveCDIcon)),
            tr("Images"));
    addPage(
        servicesPage_,
        QIcon::fromTheme(QStringLiteral("utilities-system-monitor"), style()->standardIcon(QStyle::SP_BrowserReload)),
        tr("Services"));
    addPage(networkPage_,
            QIcon::fromTheme(QStringLiteral("network-wired"), style()->standardIcon(QStyle::SP_DriveNetIcon)),
            tr("Network"));
    addPage(usersPage_, QIcon::fromTheme(QStringLiteral("system-users"), usersIcon()), tr("Users"));
    navigation_->setCurrentRow(0);
    connect(machinesPage_, &MachinesPage::chassisRequested, this, [this](qint64 chassisId) {
        chassisPage_->refresh();
        chassisPage_->select(chassisId);
        showPage(chassisPage_);
    });

    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->addWidget(navigation_);
    auto *right = new QVBoxLayout;
    right->addWidget(notificationPanel_);
    right->addWidget(pages_, 1);
    layout->addLayout(right, 1);
    setCentralWidget(central);

    // Failures: the panel opens the moment one arrives; the status bar keeps the count.
    notificationsButton_->setObjectName(QStringLiteral("notificationsButton"));
    notificationsButton_->setAutoRaise(true);
    statusBar()->addWidget(notificationsButton_);
    notificationPanel_->setVisible(notifications_->rowCount() > 0);
    connect(notifications_, &NotificationModel::notified, this, [this] {
        notificationPanel_->show();
        updateNotificationsButton();
    });
    connect(notifications_, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateNotificationsButton);
    connect(notificationsButton_, &QToolButton::clicked, this, [this] {
        notificationPanel_->setVisible(!notificationPanel_->isVisible() && notifications_->rowCount() > 0);
    });
    connect(notificationPanel_, &NotificationPanel::openMachine, this, &MainWindow::openProblem);
    connect(notificationPanel_, &NotificationPanel::openServices, this, [this] { openProblem({}); });
    updateNotificationsButton();
    buildSettingsMenu();
    buildAccountMenu();
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    QAction *about = help->addAction(tr("&About MetalDesk"), this, &MainWindow::showAbout);
    about->setObjectName(QStringLiteral("about"));

    accountButton_->setObjectName(QStringLiteral("accountButton"));
    accountButton_->setAutoRaise(true);
    accountButton_->setPopupMode(QToolButton::InstantPopup);
    accountButton_->setMenu(accountMenu_);
    statusBar()->addPermanentWidget(accountButton_);
    setUser(std::nullopt);

    restoreSettings();
    // Quitting from outside (SIGTERM, the session ending) closes no window: save then as well.
    if (QCoreApplication::instance())
        connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, this, &MainWindow::saveSettings);
}

void MainWindow::buildSettingsMenu()
{
    QMenu *settings = menuBar()->addMenu(tr("&Settings"));
    settings->setObjectName(QStringLiteral("settingsMenu"));
    QMenu *languages = settings->addMenu(tr("&Language"));
    auto *group = new QActionGroup(this);
    // Each language in its own words: whoever cannot read the current one still finds theirs.
    const std::pair<QString, QString> choices[] = {
        {QString(), tr("The system's (%1)").arg(QLocale::system().nativeLanguageName())},
        {QStringLiteral("en"), QStringLiteral("English")},
        {QStringLiteral("ko"), QStringLiteral("한국어")},
    };
    for (const auto &[code, name] : choices) {
        QAction *choice = languages->addAction(name);
        choice->setObjectName(QStringLiteral("language-") + (code.isEmpty() ? QStringLiteral("system") : code));
        choice->setCheckable(true);
        choice->setChecked(language::chosen() == code);
        group->addAction(choice);
        connect(choice, &QAction::triggered, this, [this, code = code] {
            language::choose(code);
            emit languageChosen();
        });
    }
    // Here as well as in the tray's menu: a desktop without a tray shows notifications too.
    QAction *notify = settings->addAction(tr("Desktop &notifications"));
    notify->setObjectName(QStringLiteral("desktopNotifications"));
    notify->setCheckable(true);
    notify->setToolTip(tr("A desktop notification for each failure and for each commissioning, deployment or "
                          "release that finished"));
    connect(settings, &QMenu::aboutToShow, notify, [notify] { notify->setChecked(DesktopTray::notificationsOn()); });
    connect(notify, &QAction::toggled, this, &DesktopTray::setNotificationsOn);
}

void MainWindow::updateNotificationsButton()
{
    const int count = notifications_->rowCount();
    notificationsButton_->setText(NotificationModel::countText(count));
    notificationsButton_->setToolTip(count == 0 ? tr("Failures appear here the moment they happen")
                                                : tr("Show or hide the problems"));
    QFont font = notificationsButton_->font();
    font.setBold(count > 0);
    notificationsButton_->setFont(font);
    QPalette colours = palette();
    if (count > 0)
        colours.setColor(QPalette::ButtonText, kErrorColor);
    // Enabled even with nothing to show: a disabled button's grey is too faint to read (1.6:1).
    notificationsButton_->setPalette(colours);
}

void MainWindow::buildAccountMenu()
{
    accountMenu_ = menuBar()->addMenu(tr("&Account"));
    accountMenu_->setObjectName(QStringLiteral("accountMenu"));
    signIn_ = accountMenu_->addAction(tr("Sign &in…"), this, &MainWindow::signIn);
    signIn_->setObjectName(QStringLiteral("signIn"));
    signOut_ = accountMenu_->addAction(tr("Sign &out"), this, &MainWindow::signOut);
    signOut_->setObjectName(QStringLiteral("signOut"));
}

void MainWindow::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    machinesPage_->setUser(user);
    chassisPage_->setUser(user);
    imagesPage_->setUser(user);
    usersPage_->setUser(user);
    networkPage_->setUser(user);
    if (!user)
        accountButton_->setText(tr("Not signed in: sign in to act"));
    else
        accountButton_->setText(user->isAdmin ? tr("Signed in as %1 (administrator)").arg(user->username)
                                              : tr("Signed in as %1").arg(user->username));
    accountButton_->setToolTip(user ? tr("Sign in as another user, or sign out") : tr("Sign in to act on machines"));
    signIn_->setText(user ? tr("Sign &in as another user…") : tr("Sign &in…"));
    signOut_->setEnabled(user.has_value());
}

void MainWindow::signIn()
{
    SignInDialog dialog(*core_.users, this);
    if (dialog.exec() == QDialog::Accepted)
        setUser(dialog.user());
}

void MainWindow::signOut()
{
    // The window stays, showing what it showed; nothing can be changed until someone signs in.
    setUser(std::nullopt);
    statusBar()->showMessage(tr("Signed out."), 5000);
}

void MainWindow::showAbout()
{
    // The database names where everything is kept; displayName() never includes a password. The
    // data folder is the SQLite file's (--database may put it anywhere), else the default one.
    const DatabaseSpec &spec = core_.db->spec();
    const QString folder =
        QFileInfo(spec.kind == DatabaseSpec::Kind::Sqlite ? spec.path : defaultDatabasePath()).absolutePath();
    const QString text =
        tr("<h3>MetalDesk %1</h3>"
           "<p>Metal-as-a-Service for the home lab: discover, commission, deploy and release machines.</p>"
           "<p><b>Database:</b> %2<br><b>Data folder:</b> %3<br><b>Qt:</b> %4</p>")
            .arg(QCoreApplication::applicationVersion().toHtmlEscaped(), spec.displayName().toHtmlEscaped(),
                 folder.toHtmlEscaped(), QString::fromLatin1(qVersion()));
    QMessageBox box(QMessageBox::Information, tr("About MetalDesk"), text, QMessageBox::Close, this);
    box.setObjectName(QStringLiteral("aboutBox"));
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    box.exec();
}

void MainWindow::addPage(QWidget *page, const QIcon &icon, const QString &title)
{
    pages_->addWidget(page);
    auto *item = new QListWidgetItem(icon, title, navigation_);
    // Ctrl+1, Ctrl+2, ...: every page without the mouse.
    const int number = navigation_->count();
    auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_0 + number)), this);
    connect(shortcut, &QShortcut::activated, this, [this, page] { showPage(page); });
    item->setToolTip(tr("%1 (%2)").arg(title, shortcut->key().toString(QKeySequence::NativeText)));
    // Roomy rows, as wide as the title needs in whatever language.
    const QFontMetrics fm = fontMetrics();
    item->setSizeHint(QSize(navigation_->iconSize().width() + fm.horizontalAdvance(title) + 3 * fm.averageCharWidth(),
                            qMax(navigation_->iconSize().height(), fm.height()) + fm.height()));
    navigation_->setFixedWidth(navigation_->sizeHintForColumn(0) + 2 * navigation_->frameWidth() +
                               2 * fm.averageCharWidth());
}

void MainWindow::openProblem(const QString &systemId)
{
    if (systemId.isEmpty()) {
        showPage(servicesPage_);
        return;
    }
    showPage(machinesPage_);
    machinesPage_->showMachine(systemId);
}

void MainWindow::showPage(QWidget *page)
{
    const int index = pages_->indexOf(page);
    if (index >= 0)
        navigation_->setCurrentRow(index);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    settings.setValue(QStringLiteral("mainWindow/page"), navigation_->currentRow());
    machinesPage_->saveSettings(settings);
}

void MainWindow::restoreSettings()
{
    const QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray()))
        // First run: room for every column of the machine list, but never larger than the screen.
        resize(QSize(1280, 760).boundedTo(screen()->availableGeometry().size() * 0.9));
    restoreState(settings.value(QStringLiteral("mainWindow/state")).toByteArray());
    // The page the user was on when the window last closed.
    const int page = settings.value(QStringLiteral("mainWindow/page"), 0).toInt();
    if (page >= 0 && page < navigation_->count())
        navigation_->setCurrentRow(page);
    machinesPage_->restoreSettings(settings);
}

} // namespace metaldesk
