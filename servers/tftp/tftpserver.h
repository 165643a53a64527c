#pragma once

#include "core/base/expected.h"
#include "core/runtime/service.h"
#include "servers/boot/bootfiles.h"
#include "servers/tftp/tftppacket.h"
#include "servers/tftp/tftptransferloop.h"

#include <QMutex>
#include <array>
#include <memory>
#include <netinet/in.h>
#include <vector>

class QSocketNotifier;

namespace metaldesk {
class BootDecider;
class ConfigStore;
class Database;
class MachineStore;
} // namespace metaldesk

namespace metaldesk::tftp {

struct ServerConfig {
    QString address = QStringLiteral("0.0.0.0"); // IPv4: what the listening socket binds to
    QString device; // when set, requests are taken from this interface only (SO_BINDTODEVICE)
    quint16 port = 69;
    boot::BootFilesConfig files = boot::BootFilesConfig::defaults();
    quint16 httpPort = 5248; // written into the per-node iPXE scripts
    int retransmitMs = 1000; // when the client asks for no timeout (RFC 2349)
    int retries = 5;         // resends of one window before the transfer is dropped
    int maxTransfers = 512;  // each holds a socket and a window buffer
    // From one client address at once: a PXE client runs one transfer at a time (two while it gives
    // up on one), a 500-machine boot storm has 500 addresses; one host must not take every slot.
    int maxTransfersPerClient = 16;
    int stallMs = 60000; // a transfer whose client acknowledges nothing new for this long is dropped
    int threads = 8;     // transfer loops, each a thread (the setting tftp_threads)
    // From config keys tftp_port, boot_root, boot_loader_dir, http_port, tftp_retries, tftp_threads, and the
    // --listen address (empty: all addresses).
    static Expected<ServerConfig> fromConfig(const ConfigStore &config, const QString &listenAddress = {});
};

// A read-only TFTP server (RFC 1350, options per RFC 2347/2348/2349/7440) in its own thread,
// which answers requests. Every transfer gets its own socket (its TID) and is handed to the
// least busy of a few transfer loops, each a thread of its own.
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
    QList<Counter> counterList() const override;

private:
    void readRequests();
    void startTransfer(const Request &request, const sockaddr_in &peer, quint32 localAddress);
    void refuse(const sockaddr_in &peer, quint32 localAddress, ErrorCode code, const QByteArray &message);
    bool countRefusal(); // counts a refused request; true when it is one to log
    void count(quint64 Counters::*counter);

    std::shared_ptr<Database> db_;
    ServerConfig config_;
    std::unique_ptr<MachineStore> machines_;
    std::unique_ptr<BootDecider> decider_;
    std::unique_ptr<LeaseStore> leases_; // who may have a machine's credentials
    std::unique_ptr<boot::BootFiles> files_;
    int listenFd_ = -1;
    QSocketNotifier *notifier_ = nullptr;
    SharedCounters counters_;
    AddressSlots slots_;
    std::vector<std::unique_ptr<TransferLoop>> loops_;
};

} // namespace metaldesk::tftp
