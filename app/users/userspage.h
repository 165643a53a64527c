#pragma once

#include "core/machines/machine.h"
#include "core/users/userstore.h"

#include <QDialog>
#include <QWidget>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace metaldesk {

class AccountForm;

// Users and their API keys. An administrator sees every user and adds new ones (administrators
// or not); everyone sees their own account. An API key (what juju and other MAAS clients are
// given) is shown whole once, when it is created, with a button that copies it; the list shows
// only its name, when it was made and the start of its consumer key. Revoking takes effect at once.
class UsersPage : public QWidget {
    Q_OBJECT
public:
    explicit UsersPage(UserStore &users, QWidget *parent = nullptr);

    // Whose page this is; none: nothing is shown.
    void setUser(const std::optional<Actor> &user);
    // Reads the users and the selected user's keys again.
    void reload();

private:
    void showKeys();
    void addUser();
    void createKey();
    void revokeKey();
    std::optional<User> selectedUser() const;

    UserStore &users_;
    std::optional<Actor> user_;
    QList<User> shown_;
    QTableWidget *userTable_;
    QPushButton *addUser_;
    QLabel *keysTitle_;
    QLabel *noKeys_; // in the table's place while the user has no key: what to do instead
    QTableWidget *keyTable_;
    QPushButton *createKey_;
    QPushButton *revokeKey_;
    QLabel *problem_;
};

// Adding a user: name, email, password twice, and whether they administer MetalDesk.
class AddUserDialog : public QDialog {
    Q_OBJECT
public:
    AddUserDialog(UserStore &users, const Actor &by, QWidget *parent = nullptr);
    void accept() override;

private:
    UserStore &users_;
    Actor by_;
    AccountForm *form_;
};

// A new API key, shown once: the whole key, a Copy button, and where it goes.
class NewKeyDialog : public QDialog {
    Q_OBJECT
public:
    NewKeyDialog(const QString &apiKey, QWidget *parent = nullptr);
};

} // namespace metaldesk
