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
// server and what it means, managed or proxy mode), the services that cannot run (each with its fix,
// to copy, and a check again once fixed), and how machines arrive; the steps listed beside them.
// Ends signed in as the administrator.
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
    void showServices();
    void showSteps();

    CoreServices &core_;
    ServiceHost &host_;
    Actor user_;
    AccountForm *account_;
    NetworkPage *network_;
    QLabel *privileges_;
    QLabel *steps_;
};

} // namespace metaldesk
