#pragma once

#include <QByteArray>

namespace metaldesk::net {

// How a UDP socket is set up: the one place the servers and the look for other DHCP servers make
// their sockets.
struct UdpSocketOptions {
    quint32 address = 0;       // IPv4, network byte order; 0: every address
    quint16 port = 0;          // 0: an ephemeral port (a TFTP transfer's TID)
    QByteArray device;         // SO_BINDTODEVICE: see and send only on this interface (DHCP)
    bool broadcast = false;    // SO_BROADCAST
    bool reuseAddress = false; // SO_REUSEADDR
    bool packetInfo = false;   // IP_PKTINFO: which of our addresses a datagram reached
    int receiveBuffer = 0;     // bytes; SO_RCVBUFFORCE where allowed (root), else SO_RCVBUF's cap
    bool blocking = false;
};

// A bound UDP socket (close-on-exec), or -1 with errno set and nothing left open.
int openUdpSocket(const UdpSocketOptions &options);

} // namespace metaldesk::net
