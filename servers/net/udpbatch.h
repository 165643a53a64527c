#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <netinet/in.h>
#include <vector>

namespace metaldesk {

// Many datagrams per system call (recvmmsg/sendmmsg) on a non-blocking UDP socket. On the
// virtual machines MetalDesk is tested on a system call costs 10–20 µs, more than answering a
// DHCP packet, so a server under load reads and writes in batches.
class UdpBatchReader {
public:
    explicit UdpBatchReader(int capacity = 256, int datagramSize = 2048);
    // Reads what is waiting, up to the capacity; 0 when nothing is (or on an error other than EINTR).
    int receive(int fd);
    QByteArrayView datagram(int i) const;
    quint32 sourceAddress(int i) const { return ntohl(sources_[size_t(i)].sin_addr.s_addr); } // host order
    quint16 sourcePort(int i) const { return ntohs(sources_[size_t(i)].sin_port); }
    bool truncated(int i) const;

private:
    int capacity_;
    int datagramSize_;
    std::vector<char> buffer_;
    std::vector<sockaddr_in> sources_;
    std::vector<struct iovec> vectors_;
    std::vector<struct mmsghdr> headers_;
};

struct OutgoingDatagram {
    QByteArray bytes;
    quint32 address = 0; // host order
    quint16 port = 0;
};

// Sends them all, in as few calls as the kernel allows. Returns how many left (a full socket
// buffer drops the rest, as a busy network would).
int sendBatch(int fd, const QList<OutgoingDatagram> &datagrams);

} // namespace metaldesk
