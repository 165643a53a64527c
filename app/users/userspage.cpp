#include "app/users/userspage.h"

#include "core/lifecycle/permissions.h"

#include "app/shell/textstyle.h"
#include "app/users/accountform.h"
#include "core/users/userstore.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace metaldesk {

namespace {
QLabel *problemLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QStringLiteral("usersProblem"));
    label->setWordWrap(true);
    setTextColor(label, kErrorColor);
    label->hide();
    return label;
}

void showProblem(QLabel *label, const QString &problem)
{
    label->setText(asSentence(problem));
    label->setVisible(!problem.isEmpty());
}

QTableWidget *table(const QString &objectName, const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setObjectName(objectName);
    t->setHorizontalHeaderLabels(headers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->hide();
    t->setShowGrid(false);
    t->horizontalHeader()->setStretchLastSection(true);
    return t;
}

QString dateText(qint64 ms) { return dateTimeText(ms); }
} // namespace

UsersPage::UsersPage(UserStore &users, QWidget *parent)
    : QWidget(parent),
      users_(users),
      userTable_(table(QStringLiteral("userTable"), {tr("User name"), tr("Email"), tr("Role")}, this)),
      addUser_(new QPushButton(tr("&Add user…"), this)),
      keysTitle_(new QLabel(this)),
      keyTable_(table(QStringLiteral("keyTable"), {tr("Name"), tr("Created"), tr("Consumer key")}, this)),
      createKey_(new QPushButton(tr("&Create API key…"), this)),
      revokeKey_(new QPushButton(tr("&Revoke"), this)),
      problem_(problemLabel(this))
{
    setObjectName(QStringLiteral("usersPage"));
    addUser_->setObjectName(QStringLiteral("addUser"));
    createKey_->setObjectName(QStringLiteral("createKey"));
    revokeKey_->setObjectName(QStringLiteral("revokeKey"));
    keysTitle_->setObjectName(QStringLiteral("keysTitle"));
    QFont bold = keysTitle_->font();
    bold.setBold(true);
    keysTitle_->setFont(bold);

    auto *userButtons = new QHBoxLayout;
    userButtons->addWidget(addUser_);
    userButtons->addStretch(1);
    auto *keyButtons = new QHBoxLayout;
    keyButtons->addWidget(createKey_);
    keyButtons->addWidget(revokeKey_);
    keyButtons->addStretch(1);
    auto *hint = new QLabel(tr("API keys let juju and other MAAS clients act as that user: "
                               "http://<this host>:5240/MAAS with the key."),
                            this);
    hint->setWordWrap(true);
    setTextColor(hint, hintColor(hint->palette()));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(userTable_, 2);
    layout->addLayout(userButtons);
    layout->addSpacing(fontMetrics().height());
    layout->addWidget(keysTitle_);
    layout->addWidget(hint);
    layout->addWidget(keyTable_, 1);
    noKeys_ = new QLabel(this);
    noKeys_->setObjectName(QStringLiteral("noKeys"));
    noKeys_->setAlignment(Qt::AlignCenter);
    noKeys_->setWordWrap(true);
    noKeys_->setFrameShape(QFrame::StyledPanel);
    noKeys_->hide();
    layout->addWidget(noKeys_, 1);
    layout->addLayout(keyButtons);
    layout->addWidget(problem_);

    connect(userTable_, &QTableWidget::itemSelectionChanged, this, &UsersPage::showKeys);
    connect(keyTable_, &QTableWidget::itemSelectionChanged, this,
            [this] { revokeKey_->setEnabled(!keyTable_->selectedItems().isEmpty()); });
    connect(addUser_, &QPushButton::clicked, this, &UsersPage::addUser);
    connect(createKey_, &QPushButton::clicked, this, &UsersPage::createKey);
    connect(revokeKey_, &QPushButton::clicked, this, &UsersPage::revokeKey);
    setUser(std::nullopt);
}

void UsersPage::setUser(const std::optional<Actor> &user)
{
    user_ = user;
    addUser_->setVisible(user_ && isAllowed(Capability::AddUser, *user_));
    reload();
}

void UsersPage::reload()
{
    const std::optional<User> before = selectedUser();
    shown_.clear();
    if (user_) {
        auto all = users_.list();
        if (!all)
            showProblem(problem_, all.errorMessage());
        for (const User &u : all ? *all : QList<User>())
            if (isAllowed(Capability::SeeOtherUsers, *user_) || u.id == user_->userId)
                shown_ << u;
    }
    userTable_->setRowCount(int(shown_.size()));
    int select = shown_.isEmpty() ? -1 : 0;
    for (int row = 0; row < shown_.size(); ++row) {
        const User &u = shown_[row];
        userTable_->setItem(row, 0, new QTableWidgetItem(u.username));
        userTable_->setItem(row, 1, new QTableWidgetItem(u.email.isEmpty() ? QStringLiteral("—") : u.email));
        userTable_->setItem(row, 2, new QTableWidgetItem(u.isAdmin ? tr("Administrator") : tr("User")));
        if (before && before->id == u.id)
            select = row;
        else if (!before && user_ && u.id == user_->userId)
            select = row;
    }
    userTable_->resizeColumnsToContents();
    if (select >= 0)
        userTable_->selectRow(select);
    showKeys();
}

std::optional<User> UsersPage::selectedUser() const
{
    const QList<QTableWidgetItem *> items = userTable_->selectedItems();
    if (items.isEmpty() || items.first()->row() >= shown_.size())
        return std::nullopt;
    return shown_[items.first()->row()];
}

void UsersPage::showKeys()
{
    const std::optional<User> u = selectedUser();
    keyTable_->setRowCount(0);
    // Administrators manage everyone's keys; a user, their own.
    createKey_->setEnabled(u.has_value());
    revokeKey_->setEnabled(false);
    keysTitle_->setText(u ? tr("API keys of %1").arg(u->username) : tr("API keys"));
    if (!u)
        return;
    auto keys = users_.tokens(u->id);
    if (!keys)
        return showProblem(problem_, keys.errorMessage());
    keyTable_->setRowCount(int(keys->size()));
    for (int row = 0; row < keys->size(); ++row) {
        const ApiToken &k = keys->at(row);
        auto *name = new QTableWidgetItem(k.name.isEmpty() ? tr("(no name)") : k.name);
        name->setData(Qt::UserRole, k.tokenKey);
        keyTable_->setItem(row, 0, name);
        keyTable_->setItem(row, 1, new QTableWidgetItem(dateText(k.created)));
        // The start of the consumer key only: enough to tell keys apart, never the secret.
        keyTable_->setItem(row, 2, new QTableWidgetItem(k.consumerKey.left(6) + QStringLiteral("…")));
    }
    keyTable_->resizeColumnsToContents();
    // An empty table says nothing: say what a key is for and how to make one.
    noKeys_->setText(
        tr("%1 has no API key yet. Create API key makes one for juju or another MAAS client.").arg(u->username));
    noKeys_->setVisible(keys->isEmpty());
    keyTable_->setVisible(!keys->isEmpty());
}

void UsersPage::addUser()
{
    AddUserDialog dialog(users_, *user_, this);
    if (dialog.exec() == QDialog::Accepted)
        reload();
}

void UsersPage::createKey()
{
    const std::optional<User> u = selectedUser();
    if (!u)
        return;
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("Create API key"), tr("A name for the key (where it will be used, e.g. juju):"),
                              QLineEdit::Normal, QStringLiteral("juju"), &ok);
    if (!ok)
        return;
    auto key = users_.createToken(u->id, name.trimmed());
    if (!key)
        return showProblem(problem_, key.errorMessage());
    showProblem(problem_, {});
    showKeys();
    NewKeyDialog(key->apiKey(), this).exec();
}

void UsersPage::revokeKey()
{
    const QList<QTableWidgetItem *> items = keyTable_->selectedItems();
    if (items.isEmpty())
        return;
    const QString tokenKey = keyTable_->item(items.first()->row(), 0)->data(Qt::UserRole).toString();
    if (auto revoked = users_.revokeToken(tokenKey); !revoked)
        return showProblem(problem_, revoked.errorMessage());
    showProblem(problem_, {});
    showKeys();
}

AddUserDialog::AddUserDialog(UserStore &users, const Actor &by, QWidget *parent)
    : QDialog(parent), users_(users), by_(by), form_(new AccountForm(AccountForm::Role::Chosen, this))
{
    setObjectName(QStringLiteral("addUserDialog"));
    setWindowTitle(tr("Add user"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Add user"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("addUserConfirm"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(form_);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &AddUserDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    QPushButton *add = buttons->button(QDialogButtonBox::Ok);
    add->setEnabled(false);
    connect(form_, &AccountForm::changed, add, [this, add] { add->setEnabled(form_->isReady()); });
    setMinimumWidth(fontMetrics().averageCharWidth() * 60);
}

void AddUserDialog::accept()
{
    if (form_->create(users_, by_))
        QDialog::accept();
}

NewKeyDialog::NewKeyDialog(const QString &apiKey, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("newKeyDialog"));
    setWindowTitle(tr("New API key"));
    auto *intro = new QLabel(tr("This is the only time the whole key is shown. Copy it now, and give it to juju "
                                "(juju add-credential, maas-oauth) or another MAAS client."),
                             this);
    intro->setWordWrap(true);
    auto *key = new QLineEdit(apiKey, this);
    key->setObjectName(QStringLiteral("newKey"));
    key->setReadOnly(true);
    key->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    key->setMinimumWidth(key->fontMetrics().horizontalAdvance(apiKey) + 4 * key->fontMetrics().averageCharWidth());
    auto *copy = new QPushButton(tr("&Copy"), this);
    copy->setObjectName(QStringLiteral("copyKey"));
    auto *copied = new QLabel(this);
    copied->setObjectName(QStringLiteral("keyCopied"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *row = new QHBoxLayout;
    row->addWidget(key, 1);
    row->addWidget(copy);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(row);
    layout->addWidget(copied);
    layout->addWidget(buttons);
    connect(copy, &QPushButton::clicked, this, [apiKey, copied] {
        QGuiApplication::clipboard()->setText(apiKey);
        copied->setText(tr("Copied to the clipboard."));
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    key->selectAll();
    key->setFocus();
}

} // namespace metaldesk
