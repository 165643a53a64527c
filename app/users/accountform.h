#pragma once

#include "core/users/userstore.h"

#include <QWidget>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;

namespace metaldesk {

// A new account's fields: user name, email, the password twice and, where the choice is offered,
// whether the user administers MetalDesk. What is wrong is said as it is typed, and cleared once it
// no longer holds; isReady() gates the button that creates the account (Next, Add user). create()
// makes the user and says why when the store refuses. Used by the first-run wizard (the
// administrator) and by Add user.
class AccountForm : public QWidget {
    Q_OBJECT
public:
    enum class Role {
        Chosen,
        Administrator
    };

    explicit AccountForm(Role role, QWidget *parent = nullptr);

    // The new user, added by `by`, or nullopt with the reason shown under the fields.
    std::optional<User> create(UserStore &users, const Actor &by);
    // A valid user name and the same password twice.
    bool isReady() const;

signals:
    void changed();

private:
    void showProblem(const QString &problem);
    // What is wrong with what is typed so far; empty also while a field is still empty.
    QString problemAsTyped() const;

    Role role_;
    QLineEdit *username_;
    QLineEdit *email_;
    QLineEdit *password_;
    QLineEdit *repeat_;
    QCheckBox *admin_ = nullptr;
    QLabel *problem_;
};

} // namespace metaldesk
