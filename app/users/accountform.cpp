#include "app/users/accountform.h"

#include "app/shell/textstyle.h"

#include <QApplication>
#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace metaldesk {

AccountForm::AccountForm(Role role, QWidget *parent)
    : QWidget(parent),
      role_(role),
      username_(new QLineEdit(this)),
      email_(new QLineEdit(this)),
      password_(new QLineEdit(this)),
      repeat_(new QLineEdit(this)),
      problem_(new QLabel(this))
{
    setObjectName(QStringLiteral("accountForm"));
    username_->setObjectName(QStringLiteral("newUsername"));
    email_->setObjectName(QStringLiteral("newEmail"));
    email_->setPlaceholderText(tr("optional"));
    password_->setObjectName(QStringLiteral("newPassword"));
    repeat_->setObjectName(QStringLiteral("newRepeat"));
    password_->setEchoMode(QLineEdit::Password);
    repeat_->setEchoMode(QLineEdit::Password);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("User name:"), username_);
    form->addRow(tr("Email:"), email_);
    form->addRow(tr("Password:"), password_);
    form->addRow(tr("Repeat the password:"), repeat_);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    if (role == Role::Chosen) {
        admin_ = new QCheckBox(tr("Administrator: commissions machines, manages users and settings"), this);
        admin_->setObjectName(QStringLiteral("newIsAdmin"));
        layout->addWidget(admin_);
    }
    problem_->setObjectName(QStringLiteral("accountProblem"));
    problem_->setWordWrap(true);
    setTextColor(problem_, kErrorColor);
    problem_->hide();
    layout->addWidget(problem_);
    for (QLineEdit *field : {username_, password_, repeat_})
        connect(field, &QLineEdit::textChanged, this, [this] {
            showProblem(problemAsTyped());
            emit changed();
        });
}

QString AccountForm::problemAsTyped() const
{
    const QString username = username_->text().trimmed();
    if (!username.isEmpty())
        if (QString why = UserStore::validateUsername(username); !why.isEmpty())
            return why;
    if (!password_->text().isEmpty() && !repeat_->text().isEmpty() && password_->text() != repeat_->text())
        return tr("the two passwords differ");
    return {};
}

bool AccountForm::isReady() const
{
    return UserStore::validateUsername(username_->text().trimmed()).isEmpty() && !password_->text().isEmpty() &&
           password_->text() == repeat_->text();
}

void AccountForm::showProblem(const QString &problem)
{
    problem_->setText(asSentence(problem));
    problem_->setVisible(!problem.isEmpty());
}

std::optional<User> AccountForm::create(UserStore &users, const Actor &by)
{
    const QString username = username_->text().trimmed();
    if (const QString why = UserStore::validateUsername(username); !why.isEmpty()) {
        showProblem(why);
        return std::nullopt;
    }
    if (password_->text().isEmpty()) {
        showProblem(tr("choose a password"));
        return std::nullopt;
    }
    if (password_->text() != repeat_->text()) {
        showProblem(tr("the two passwords differ"));
        return std::nullopt;
    }
    const bool admin = role_ == Role::Administrator || admin_->isChecked();
    QApplication::setOverrideCursor(Qt::WaitCursor); // hashing the password takes a moment (PBKDF2, as MAAS)
    auto user = users.addUser(by, username, email_->text().trimmed(), password_->text(), admin);
    QApplication::restoreOverrideCursor();
    if (!user) {
        showProblem(user.errorMessage());
        return std::nullopt;
    }
    showProblem({});
    return *user;
}

} // namespace metaldesk
