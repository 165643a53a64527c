#pragma once

#include "core/machines/machine.h"

#include <QWizard>

class QLabel;

namespace metaldesk {

class AccountForm;
class NetworkPage;
class ServiceHost;
struct CoreServices;

// The first start of a fresh installation: the administrator account, the boot network (the
// Network page itself: the host's interfaces with their addresses, the look for another DHCP
// server and what it means, managed or proxy mode), what the servers could not do for lack of
// privileges (with the exact fix), and how machines arrive. Ends signed in as the administrator.
class FirstRunWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId {
        AccountPageId,
        NetworkPageId,
        PrivilegesPageId,
        MachinesPageId
    };

    FirstRunWizard(CoreServices &core, ServiceHost &host, QWidget *parent = nullptr);

    // The administrator created on the first page.
    const Actor &user() const { return user_; }

    bool validateCurrentPage() override;
    void initializePage(int id) override;

private:
    CoreServices &core_;
    ServiceHost &host_;
    Actor user_;
    AccountForm *account_;
    NetworkPage *network_;
    QLabel *privileges_;
};

} // namespace metaldesk
