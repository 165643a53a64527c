#pragma once

#include "bootfiles.h"
#include "expected.h"
#include "service.h"
#include "tftppacket.h"

#include <QMutex>
#include <netinet/in.h>
#include <array>
#include <memory>
#include <unordered_map>

class QSocketNotifier;
class QTimer;

namespace metaldesk {
class BootDecider;
class ConfigStore;
class Database;
class MachineStore;
} // namespace metaldesk

namespace metaldesk::tftp {

// What the Services page shows. A request is either refused, or becomes a transfer that
// completes or fails (the client gave up or stopped answering).
struct Counters {
    quint64 requests = 0;
    quint64 refused = 0;
    quint64 completed = 0;
    quint64 failed = 0;
    quint64 bytesSent = 0;                          // DATA payload on the wire, resent blocks included
    std::array<quint64, ParseErrorCount> dropped{}; // by ParseError
};

struct ServerConfig {
    quint16 port = 69;
    boot::BootFilesConfig files = boot::BootFilesConfig::defaults();
    quint16 httpPort = 5248;     // written into the per-node iPXE scripts
    int retransmitMs = 1000;     // when the client asks for no timeout (RFC 2349)
    int retries = 5;             // resends of one window before the transfer is dropped
    int maxTransfers = 512;      // each holds a socket and a window buffer
    // From config keys tftp_port, boot_root, boot_loader_dir, http_port, tftp_retries.
    static Expected<ServerConfig> fromConfig(const ConfigStore &config);
};

// A read-only TFTP server (RFC 1350, options per RFC 2347/2348/2349/7440) in its own thread.
// Every transfer has its own socket (its TID); all of them are served by this one thread through
// one epoll set, so a wake-up serves every client that is ready.
class Server : public Service {
    Q_OBJECT
public:
    Server(std::shared_ptr<Database> db, ServerConfig config);
    ~Server() override;
    QString name() const override { return QStringLiteral("tftp"); }
    QString description() const override;
    void start() override;
    void stop() override;
    Counters counters() const;

private:
    struct Transfer;
    void serveReady();
    void readRequest();
    void startTransfer(const Request &request, const sockaddr_in &peer, quint32 localAddress);
    void readFromTransfer(Transfer &t);
    void sendWindow(Transfer &t, quint64 from);
    void resendExpired();
    void finish(int fd, bool completed, const QString &why);
    void refuse(const sockaddr_in &peer, quint32 localAddress, ErrorCode code, const QByteArray &message);

    std::shared_ptr<Database> db_;
    ServerConfig config_;
    std::unique_ptr<MachineStore> machines_;
    std::unique_ptr<BootDecider> decider_;
    std::unique_ptr<boot::BootFiles> files_;
    int listenFd_ = -1;
    int epollFd_ = -1;
    QSocketNotifier *notifier_ = nullptr;
    QTimer *retransmitTimer_ = nullptr;
    std::unordered_map<int, std::unique_ptr<Transfer>> transfers_; // by socket
    mutable QMutex countersLock_;
    Counters counters_;
    quint64 unsentBytes_ = 0; // bytesSent not yet added under the lock: added once per wake-up
};

} // namespace metaldesk::tftp
