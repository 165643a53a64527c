#include "servers/net/udpsocket.h"

#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace metaldesk::net {

int openUdpSocket(const UdpSocketOptions &o)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | (o.blocking ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0)
        return -1;
    const int on = 1;
    if (o.receiveBuffer > 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.receiveBuffer, sizeof o.receiveBuffer) != 0)
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.receiveBuffer, sizeof o.receiveBuffer);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(o.port);
    local.sin_addr.s_addr = o.address;
    const bool ok = (!o.reuseAddress || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0) &&
                    (!o.broadcast || ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) == 0) &&
                    (!o.packetInfo || ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0) &&
                    (o.device.isEmpty() || ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o.device.constData(),
                                                        socklen_t(o.device.size())) == 0) &&
                    ::bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof local) == 0;
    if (!ok) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

} // namespace metaldesk::net
