#pragma once

#include "dhcppacket.h"
#include "dhcpresponder.h"
#include "leasestore.h"
#include "service.h"

#include <QMutex>
#include <array>
#include <memory>

class QUdpSocket;

namespace metaldesk {
class ConfigStore;
}

namespace metaldesk::dhcp {

// What the Services page shows: everything received is answered, silenced for a reason, or dropped.
struct Counters {
    quint64 received = 0;
    quint64 answered = 0;
    std::array<quint64, ParseErrorCount> dropped{}; // by ParseError
    std::array<quint64, 7> silenced{};              // by Silence
};

// Where and how to serve: read from the database's config (set on the Network page, or by hand).
struct ServerConfig {
    QString interfaceName; // the boot network: the only interface answered on
    Settings settings;
    quint16 port = 67;
    // From config keys dhcp_interface, dhcp_range ("first-last"), dhcp_router, dhcp_dns ("a,b"),
    // dhcp_domain, dhcp_lease_seconds; the server address and mask come from the interface.
    // Empty interface: DHCP is not configured. An error says which setting is wrong and why.
    static Expected<ServerConfig> fromConfig(const ConfigStore &config);
};

// Managed DHCP on one interface, in its own thread (ServiceHost).
class Server : public Service {
    Q_OBJECT
public:
    Server(std::shared_ptr<Database> db, ServerConfig config);
    ~Server() override;
    QString name() const override { return QStringLiteral("dhcp"); }
    QString description() const override;
    void start() override;
    void stop() override;
    Counters counters() const;

private:
    void readDatagrams();
    std::shared_ptr<Database> db_;
    ServerConfig config_;
    std::unique_ptr<LeaseStore> leases_;
    std::unique_ptr<LeaseBook> book_;
    std::unique_ptr<Responder> responder_;
    QUdpSocket *socket_ = nullptr;
    mutable QMutex countersLock_;
    Counters counters_;
    quint64 storeFailures_ = 0; // batches not saved: logged one in a hundred
};

} // namespace metaldesk::dhcp
