#pragma once

#include "dhcppacket.h"
#include "dhcpresponder.h"
#include "leasestore.h"
#include "service.h"
#include "udpbatch.h"

#include <QMutex>
#include <QTimer>
#include <array>
#include <memory>

class QSocketNotifier;

namespace metaldesk {
class ConfigStore;
}

namespace metaldesk::dhcp {

// What the Services page shows: everything received is answered, silenced for a reason, or dropped.
struct Counters {
    quint64 received = 0;
    quint64 answered = 0;
    quint64 sendFailed = 0; // answers the kernel would not take (a full socket buffer)
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
    void commit(); // writes the book's changes, then sends the answers that waited for them
    void send(const QList<OutgoingDatagram> &replies);
    static constexpr int kCommitDelayMs = 2; // how long a change waits for others to share its transaction
    static constexpr qsizetype kMaxHeld = 1024;
    std::shared_ptr<Database> db_;
    ServerConfig config_;
    std::unique_ptr<LeaseStore> leases_;
    std::unique_ptr<LeaseBook> book_;
    std::unique_ptr<Responder> responder_;
    int fd_ = -1;
    QSocketNotifier *notifier_ = nullptr;
    UdpBatchReader reader_;
    QTimer commitTimer_{this}; // a child: it moves to the service thread with the server
    QList<OutgoingDatagram> held_; // answers waiting for their leases to be written
    mutable QMutex countersLock_;
    Counters counters_;
    quint64 storeFailures_ = 0; // batches not saved: logged one in a hundred
};

} // namespace metaldesk::dhcp
