#pragma once

#include "servers/tftp/tftppacket.h"
#include "servers/tftp/tftpsource.h"

#include <QMutex>
#include <QString>
#include <array>
#include <atomic>
#include <memory>
#include <netinet/in.h>
#include <thread>
#include <unordered_map>
#include <vector>

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

// The counters, written by the server's thread and its transfer loops, read by the GUI.
struct SharedCounters {
    mutable QMutex lock;
    Counters counters;
};

inline constexpr int kMaxWindow = 64; // RFC 7440 allows 65535; beyond this a window only costs memory
// A window never holds more than this: blksize 65464 with windowsize 64 would be 4 MiB per transfer,
// chosen by the client (security review H5). 256 KiB still fits 64 blocks of 4 KiB.
inline constexpr int kMaxWindowBytes = 256 * 1024;
// The longest retransmission timeout a client may ask for (RFC 2349 allows 255 s, which with the
// retries kept a silent transfer's socket, file and slot for 25 minutes).
inline constexpr int kMaxTimeoutSeconds = 5;

// How many transfers each client address holds, so that one host cannot take every slot. Shared by
// the server's thread (which takes a slot) and the transfer loops (a transfer gives its slot back
// when it ends, whichever way).
class AddressSlots {
public:
    int inUse(quint32 address) const;
    void take(quint32 address);
    void give(quint32 address);

private:
    mutable QMutex lock_;
    std::unordered_map<quint32, int> used_; // by IPv4 address, network order
};

// One read transfer: the client's TID, the negotiated options and the window of blocks it has
// not acknowledged yet. Block numbers are counted from 1 without limit; the wire carries the low
// 16 bits, so they roll over to 0 after 65535.
struct Transfer {
    Transfer() = default;
    ~Transfer();
    Transfer(const Transfer &) = delete;
    Transfer &operator=(const Transfer &) = delete;

    int fd = -1; // this transfer's own socket: its TID
    sockaddr_in peer{};
    AddressSlots *addressSlots = nullptr; // the slot of peer's address, given back when the transfer goes
    QString file;                         // for the log
    std::unique_ptr<Source> source;
    int blockSize = 512;
    int window = 1;
    int timeoutMs = 1000;
    QByteArray oack; // sent instead of block 1 until the client acknowledges it with ACK 0
    bool optionsPending = false;
    // The stream from offset bufferStart: one window until the client's first ACK (a request alone
    // may come from a forged address and costs little), then at least the read-ahead.
    std::vector<char> buffer;
    int readAheadBlocks = 1; // the buffer's size in blocks once the client has answered
    bool heard = false;      // the client has acknowledged something: its address is real
    qint64 bufferStart = 0;
    qint64 bufferLength = 0;
    bool atEnd = false; // the source is exhausted: lastBlock is known
    quint64 lastBlock = 0;
    quint64 acked = 0;   // the highest block the client acknowledged
    quint64 sent = 0;    // the highest block sent so far
    qint64 deadline = 0; // when the unacknowledged window (or OACK) is sent again
    qint64 progress = 0; // when the client last acknowledged something new (or the transfer began)
    int retries = 0;
    char headers[kMaxWindow][4];

    qint64 offsetOf(quint64 block) const { return qint64(block - 1) * blockSize; }
    // Makes the stream up to the end of `block` available (or all of it, if it ends earlier).
    // Drops what the client has acknowledged first, so the buffer never grows. False on a read error.
    bool fill(quint64 block);
};

// "10.99.0.2:49152", for the log.
QString peerText(const sockaddr_in &address);
// One datagram, never blocking: a full socket buffer loses it as the network could, and the
// retransmission timer covers that.
void sendDatagram(int fd, const sockaddr_in &to, const QByteArray &bytes);

// Serves transfers on a thread of its own: their sockets in one epoll set, so one wake-up serves
// every client that is ready, and retransmission deadlines checked every 100 ms. The server hands
// it transfers ready to start; several loops share the load of many clients across cores.
class TransferLoop {
public:
    // `stallMs`: a transfer whose client acknowledges nothing new for this long is dropped, whatever
    // the retries and timeout.
    TransferLoop(SharedCounters &counters, int retries, int stallMs);
    ~TransferLoop(); // stops the thread; open transfers are dropped
    TransferLoop(const TransferLoop &) = delete;
    TransferLoop &operator=(const TransferLoop &) = delete;

    // Empty when running, else why not.
    QString start();
    // From any thread: the loop sends the OACK or the first window.
    void add(std::unique_ptr<Transfer> transfer);
    int active() const { return active_.load(std::memory_order_relaxed); }

private:
    void run();
    void wake();
    void adoptNew();
    void readFrom(Transfer &t);
    void sendWindow(Transfer &t, quint64 from);
    void resendExpired(qint64 now);
    void finish(int fd, bool completed, const QString &why);
    void flushBytes();

    SharedCounters &counters_;
    static constexpr int kUnheardResends = 2;
    const int retries_;
    const int stallMs_;
    int epollFd_ = -1;
    int wakeFd_ = -1; // an eventfd: new transfers, or stop
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> active_{0};
    QMutex queueLock_;
    std::vector<std::unique_ptr<Transfer>> queue_;
    std::unordered_map<int, std::unique_ptr<Transfer>> transfers_; // by socket; only the loop's thread
    quint64 unsentBytes_ = 0;                                      // added to the counters once per wake-up
};

} // namespace metaldesk::tftp
