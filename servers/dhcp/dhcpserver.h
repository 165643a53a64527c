#pragma once

#include "core/addresses/leasestore.h"
#include "core/runtime/service.h"
#include "servers/dhcp/dhcppacket.h"
#include "servers/dhcp/dhcpresponder.h"
#include "servers/dhcp/routersolicitations.h"
#include "servers/net/udpbatch.h"

#include <QHash>
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
    quint64 sendFailed = 0;                         // answers the kernel would not take (a full socket buffer)
    std::array<quint64, ParseErrorCount> dropped{}; // by ParseError
    std::array<quint64, SilenceCount> silenced{};   // by Silence
    quint64 leasesInUse = 0;                        // bound and not expired, refreshed every second
};

// Where and how to serve: read from the database's config (set on the Network page, or with
// `metaldesk set-config`).
struct ServerConfig {
    enum class Mode {
        Managed, // MetalDesk gives the addresses on the boot network
        Proxy,   // another server gives them; MetalDesk adds only the PXE boot information
    };
    QString interfaceName; // the boot network: the only interface answered on
    // Whose leases these are, "host/interface": instances sharing one database keep theirs apart
    // (LeaseStore), since their networks may use the same addresses.
    QString segment;
    Mode mode = Mode::Managed;
    Settings settings;
    quint32 reservedFirst = 0; // the reserved range: static addresses for deployed machines
    quint32 reservedLast = 0;
    bool allowOtherServers = false; // the user chose managed DHCP although another server answers
    quint16 port = 67;
    quint16 proxyPort = 4011;     // proxy mode's second port (PXE boot server discovery)
    quint16 probeClientPort = 68; // where the look for other servers listens

    // The config keys: dhcp_interface, dhcp_mode (managed|proxy), dhcp_range and
    // dhcp_reserved_range ("first-last"), dhcp_router, dhcp_dns ("a,b"), dhcp_domain,
    // dhcp_lease_seconds, dhcp_allow_other_servers ("true"), dhcp_port (tests).
    static const QStringList &keys();
    static Expected<ServerConfig> fromConfig(const ConfigStore &config);
    // The one place DHCP settings are checked, for the server and for the Network page as the user
    // types. The server address and mask come from the interface. An empty interface: DHCP is
    // off. An error says which setting is wrong and why, in words a user can act on.
    static Expected<ServerConfig> fromValues(const QHash<QString, QString> &values);
};

// DHCP on one interface, managed or proxy, in its own thread (ServiceHost).
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
    QList<Counter> counterList() const override;
    QStringList notices() const override;

private:
    bool listen(quint16 port);
    void closeListeners();
    void startAnsweringRouterSolicitations();
    void readStaticAddresses();
    void fail(const QString &detail);
    void readDatagrams(int fd);
    void commit(); // writes the book's changes, then sends the answers that waited for them
    void send(int fd, const QList<OutgoingDatagram> &replies);
    static constexpr int kProbeMs = 1500;    // how long the look for other DHCP servers waits
    static constexpr int kCommitDelayMs = 2; // how long a change waits for others to share its transaction
    static constexpr qsizetype kMaxHeld = 1024;
    static constexpr int kStaticRefreshMs = 5000;
    std::shared_ptr<Database> db_;
    ServerConfig config_;
    std::unique_ptr<LeaseStore> leases_;
    std::unique_ptr<LeaseBook> book_;
    std::unique_ptr<Responder> responder_;
    struct Listener {
        int fd;
        QSocketNotifier *notifier;
        quint16 port;
    };
    std::vector<Listener> listeners_; // port 67, and 4011 in proxy mode
    std::unique_ptr<ProxyResponder> proxy_;
    std::unique_ptr<RouterSolicitationAnswerer> routers_;
    QString routersNotice_; // why IPv6 router solicitations are not answered, if they are not
    UdpBatchReader reader_;
    QTimer commitTimer_{this}; // a child: it moves to the service thread with the server
    QTimer leaseCountTimer_{this};
    QTimer staticTimer_{this}; // re-reads the static addresses (deployments come and go)
    quint64 staticFailures_ = 0;
    QList<OutgoingDatagram> held_; // answers waiting for their leases to be written
    mutable QMutex countersLock_;
    Counters counters_;
    quint64 storeFailures_ = 0; // batches not saved: logged one in a hundred
};

} // namespace metaldesk::dhcp
