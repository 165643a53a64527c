#include "app/shell/signindialog.h"

#include "app/shell/textstyle.h"
#include "core/users/userstore.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace metaldesk {

SignInDialog::SignInDialog(UserStore &users, QWidget *parent)
    : QDialog(parent),
      users_(users),
      username_(new QLineEdit(this)),
      password_(new QLineEdit(this)),
      problem_(new QLabel(this))
{
    setObjectName(QStringLiteral("signInDialog"));
    setWindowTitle(tr("Sign in to MetalDesk"));
    username_->setObjectName(QStringLiteral("username"));
    password_->setObjectName(QStringLiteral("password"));
    password_->setEchoMode(QLineEdit::Password);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("User name:"), username_);
    form->addRow(tr("Password:"), password_);
    problem_->setObjectName(QStringLiteral("signInProblem"));
    problem_->setWordWrap(true);
    setTextColor(problem_, kErrorColor);
    problem_->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    confirm_ = buttons->button(QDialogButtonBox::Ok);
    confirm_->setObjectName(QStringLiteral("signInConfirm"));
    confirm_->setText(tr("Sign in"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(problem_);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SignInDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    setMinimumWidth(fontMetrics().averageCharWidth() * 50);
}

void SignInDialog::accept()
{
    // Password hashing takes a moment by design (PBKDF2, as MAAS).
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Expected<User> user = users_.authenticate(username_->text().trimmed(), password_->text());
    QApplication::restoreOverrideCursor();
    if (!user) {
        problem_->setText(asSentence(user.errorMessage()));
        problem_->show();
        password_->selectAll();
        password_->setFocus();
        return;
    }
    user_ = Actor{user->id, user->username, user->isAdmin};
    QDialog::accept();
}

} // namespace metaldesk
