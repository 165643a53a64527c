#include "signindialog.h"

#include "textstyle.h"
#include "userstore.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace metaldesk {

SignInDialog::SignInDialog(UserStore &users, Mode mode, QWidget *parent)
    : QDialog(parent), users_(users), mode_(mode), username_(new QLineEdit(this)), password_(new QLineEdit(this)),
      problem_(new QLabel(this))
{
    setObjectName(QStringLiteral("signInDialog"));
    const bool creating = mode == Mode::CreateAdmin;
    setWindowTitle(creating ? tr("Welcome to MetalDesk") : tr("Sign in to MetalDesk"));
    auto *layout = new QVBoxLayout(this);
    if (creating) {
        auto *intro = new QLabel(tr("Create the administrator account. The administrator commissions machines, "
                                    "manages users and changes the settings; other users acquire and deploy "
                                    "machines."),
                                 this);
        intro->setWordWrap(true);
        layout->addWidget(intro);
    }
    username_->setObjectName(QStringLiteral("username"));
    password_->setObjectName(QStringLiteral("password"));
    password_->setEchoMode(QLineEdit::Password);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("User name:"), username_);
    if (creating) {
        email_ = new QLineEdit(this);
        email_->setObjectName(QStringLiteral("email"));
        email_->setPlaceholderText(tr("optional"));
        form->addRow(tr("Email:"), email_);
    }
    form->addRow(tr("Password:"), password_);
    if (creating) {
        repeat_ = new QLineEdit(this);
        repeat_->setObjectName(QStringLiteral("repeatPassword"));
        repeat_->setEchoMode(QLineEdit::Password);
        form->addRow(tr("Repeat the password:"), repeat_);
    }
    layout->addLayout(form);
    problem_->setObjectName(QStringLiteral("signInProblem"));
    problem_->setWordWrap(true);
    setTextColor(problem_, kErrorColor);
    problem_->hide();
    layout->addWidget(problem_);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    confirm_ = buttons->button(QDialogButtonBox::Ok);
    confirm_->setObjectName(QStringLiteral("signInConfirm"));
    confirm_->setText(creating ? tr("Create and sign in") : tr("Sign in"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SignInDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    setMinimumWidth(fontMetrics().averageCharWidth() * 60);
}

void SignInDialog::showProblem(const QString &problem)
{
    problem_->setText(asSentence(problem));
    problem_->show();
}

void SignInDialog::accept()
{
    const QString username = username_->text().trimmed();
    if (mode_ == Mode::CreateAdmin) {
        if (const QString why = UserStore::validateUsername(username); !why.isEmpty())
            return showProblem(why);
        if (password_->text().isEmpty())
            return showProblem(tr("choose a password"));
        if (password_->text() != repeat_->text())
            return showProblem(tr("the two passwords differ"));
    }
    // Password hashing takes a moment by design (PBKDF2, as MAAS).
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Expected<User> user = mode_ == Mode::CreateAdmin
                                    ? users_.createUser(username, email_->text().trimmed(), password_->text(), true)
                                    : users_.authenticate(username, password_->text());
    QApplication::restoreOverrideCursor();
    if (!user) {
        password_->selectAll();
        password_->setFocus();
        return showProblem(user.errorMessage());
    }
    user_ = Actor{user->id, user->username, user->isAdmin};
    QDialog::accept();
}

} // namespace metaldesk
