#pragma once

#include "core/machines/machine.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace metaldesk {

class UserStore;

// Who uses the window: a user signs in with their password. (A fresh installation, with no user
// yet, starts with the first-run wizard instead, which creates the administrator.)
class SignInDialog : public QDialog {
    Q_OBJECT
public:
    explicit SignInDialog(UserStore &users, QWidget *parent = nullptr);

    // The signed-in user, once the dialog is accepted.
    const Actor &user() const { return user_; }

    void accept() override;

private:
    UserStore &users_;
    Actor user_;
    QLineEdit *username_;
    QLineEdit *password_;
    QLabel *problem_;
    QPushButton *confirm_;
};

} // namespace metaldesk
