#pragma once

#include "machine.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace metaldesk {

class UserStore;

// Who uses the window. With no user yet (a fresh installation) it creates the administrator
// account, as `metaldesk createadmin` would; otherwise it signs a user in with their password.
class SignInDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { SignIn, CreateAdmin };

    SignInDialog(UserStore &users, Mode mode, QWidget *parent = nullptr);

    Mode mode() const { return mode_; }
    // The signed-in user, once the dialog is accepted.
    const Actor &user() const { return user_; }

    void accept() override;

private:
    void showProblem(const QString &problem);

    UserStore &users_;
    Mode mode_;
    Actor user_;
    QLineEdit *username_;
    QLineEdit *email_ = nullptr;
    QLineEdit *password_;
    QLineEdit *repeat_ = nullptr;
    QLabel *problem_;
    QPushButton *confirm_;
};

} // namespace metaldesk
