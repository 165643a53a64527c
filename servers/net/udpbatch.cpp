#include "servers/net/udpbatch.h"

#include <cerrno>
#include <sys/socket.h>

namespace metaldesk {

UdpBatchReader::UdpBatchReader(int capacity, int datagramSize)
    : capacity_(capacity),
      datagramSize_(datagramSize),
      buffer_(size_t(capacity) * size_t(datagramSize)),
      sources_(size_t(capacity)),
      vectors_(size_t(capacity)),
      headers_(size_t(capacity))
{
}

int UdpBatchReader::receive(int fd)
{
    for (int i = 0; i < capacity_; ++i) {
        vectors_[size_t(i)] = {buffer_.data() + size_t(i) * size_t(datagramSize_), size_t(datagramSize_)};
        msghdr &h = headers_[size_t(i)].msg_hdr;
        h = {};
        h.msg_name = &sources_[size_t(i)];
        h.msg_namelen = sizeof(sockaddr_in);
        h.msg_iov = &vectors_[size_t(i)];
        h.msg_iovlen = 1;
        headers_[size_t(i)].msg_len = 0;
    }
    for (;;) {
        const int n = ::recvmmsg(fd, headers_.data(), unsigned(capacity_), MSG_DONTWAIT, nullptr);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return 0;
    }
}

QByteArrayView UdpBatchReader::datagram(int i) const
{
    return {buffer_.data() + size_t(i) * size_t(datagramSize_), qsizetype(headers_[size_t(i)].msg_len)};
}

bool UdpBatchReader::truncated(int i) const { return headers_[size_t(i)].msg_hdr.msg_flags & MSG_TRUNC; }

int sendBatch(int fd, const QList<OutgoingDatagram> &datagrams)
{
    const size_t count = size_t(datagrams.size());
    std::vector<sockaddr_in> targets(count);
    std::vector<iovec> vectors(count);
    std::vector<mmsghdr> headers(count);
    for (size_t i = 0; i < count; ++i) {
        const OutgoingDatagram &d = datagrams[qsizetype(i)];
        targets[i].sin_family = AF_INET;
        targets[i].sin_addr.s_addr = htonl(d.address);
        targets[i].sin_port = htons(d.port);
        vectors[i] = {const_cast<char *>(d.bytes.constData()), size_t(d.bytes.size())};
        headers[i] = {};
        headers[i].msg_hdr.msg_name = &targets[i];
        headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        headers[i].msg_hdr.msg_iov = &vectors[i];
        headers[i].msg_hdr.msg_iovlen = 1;
    }
    size_t sent = 0;
    while (sent < count) {
        const int n = ::sendmmsg(fd, headers.data() + sent, unsigned(count - sent), MSG_DONTWAIT);
        if (n > 0)
            sent += size_t(n);
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
            ++sent; // this one cannot go (no route, say): skip it, send the rest
        else
            break;
    }
    return int(sent);
}

} // namespace metaldesk
