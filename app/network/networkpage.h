#pragma once

#include "core/machines/machine.h"
#include "servers/dhcp/dhcpprobe.h"

#include <QFutureWatcher>
#include <QHash>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace metaldesk {

struct CoreServices;
class ServiceHost;

// The boot network's DHCP settings: interface, managed or proxy mode, ranges, gateway, DNS,
// domain and lease time. Every edit is checked by dhcp::ServerConfig::fromValues (the one place
// the rules live) and its message shown under the form; Apply writes the settings and restarts
// DHCP. "Check for other DHCP servers" asks the network in the background; managed DHCP next to
// another server needs an explicit yes.
class NetworkPage : public QWidget {
    Q_OBJECT
public:
    NetworkPage(CoreServices &core, ServiceHost &host, QWidget *parent = nullptr);
    ~NetworkPage() override;

    // The settings as the form has them (every dhcp_* key), stored ones for keys it does not show.
    QHash<QString, QString> formValues() const;
    // Rereads the settings and the interfaces, dropping unsaved edits.
    void load();
    // Who is signed in: only those who may change settings (administrators) can edit; the
    // others read the settings. Nobody signed in: read only.
    void setUser(const std::optional<Actor> &user);

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct ProbeOutcome {
        QString interfaceName;
        QList<dhcp::FoundServer> servers;
        QString error;
    };

    void fillInterfaces(const QString &current);
    void revalidate();
    void updateModeWidgets();
    void updateHints();
    void updateDhcpStatus();
    void startProbe();
    void probeFinished();
    void apply();
    QString currentInterface() const;
    bool mayChange() const;
    QString readOnlyNote() const; // why the settings cannot be changed here; empty when they can

    CoreServices &core_;
    ServiceHost &host_;
    std::optional<Actor> user_;
    QHash<QString, QString> stored_;
    bool loadedOnce_ = false;
    bool valid_ = false;

    QComboBox *interface_;
    QRadioButton *managed_;
    QRadioButton *proxy_;
    QLabel *modeExplanation_;
    QLineEdit *range_;
    QLineEdit *reserved_;
    QLineEdit *router_;
    QLineEdit *dns_;
    QLineEdit *domain_;
    QLineEdit *leaseSeconds_;
    QLabel *validation_;
    QPushButton *probeButton_;
    QLabel *probeResult_;
    QPushButton *revertButton_;
    QPushButton *applyButton_;
    QLabel *applyResult_;
    QLabel *dhcpStatus_;

    QFutureWatcher<ProbeOutcome> probeWatcher_;
    std::optional<ProbeOutcome> lastProbe_;
};

} // namespace metaldesk
