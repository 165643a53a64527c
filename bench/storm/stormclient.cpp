// A boot storm's clients: N simulated network-booting machines, each doing what a PXE ROM and
// iPXE do, in one process (one epoll loop) inside the client network namespace of bench/storm/run:
//   1. DHCP DISCOVER/OFFER/REQUEST/ACK with PXE options (vendor class PXEClient, architecture 0,
//      UNDI version, client GUID), broadcast; retransmitted after 4, 8, 16 and 32 s as PXE ROMs do;
//   2. a lock-step TFTP read of the boot file the ACK named (tsize and blksize 1456, one block per
//      ACK, as firmware fetches), from the client's leased address; retransmitted after 1, 2, 4 s;
//   3. HTTP GETs of the kernel and initrd on one keep-alive connection, checked against their sizes.
// The clients' leased addresses are already on the namespace's interface (the script adds the
// whole range), so each client binds its TFTP and HTTP sockets to the address it was given.
// Bounded: at most 4000 clients, and the run ends at --timeout seconds whatever happens.
// Prints one line of key=value figures (times in ms) for the script to collect.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <random>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start, Clock::time_point t)
{
    return std::chrono::duration<double, std::milli>(t - start).count();
}

enum class Phase {
    Waiting,
    Discover,
    Request,
    Tftp,
    Http,
    Done,
    Failed
};

struct Client {
    uint8_t mac[6] = {};
    uint32_t xid = 0;
    Phase phase = Phase::Waiting;
    Clock::time_point startAt, phaseStart, deadline;
    double dhcpMs = 0, tftpMs = 0, httpMs = 0, doneMs = 0;
    int attempts = 0;
    std::string why; // for a failure
    // DHCP
    uint32_t offered = 0, serverId = 0, nextServer = 0;
    std::string bootFile;
    // TFTP
    int tftpFd = -1;
    sockaddr_in tftpPeer{};
    uint16_t expectedBlock = 1;
    size_t blockSize = 512;
    uint64_t tftpBytes = 0;
    std::string lastSent;
    // HTTP
    int httpFd = -1;
    size_t pathIndex = 0;
    std::string header;
    bool inBody = false, keepAlive = true, connecting = false;
    uint64_t contentLength = 0, bodyBytes = 0;
};

struct Options {
    std::string interface = "eth0";
    int clients = 500;
    int spreadMs = 1000; // power-on times spread over this long (POST takes different times)
    int timeoutS = 120;
    uint16_t httpPort = 5248;
    std::vector<std::string> paths;
    std::vector<uint64_t> sizes;
    uint64_t bootSize = 0; // the boot file's size, checked after TFTP (0: not checked)
};

std::vector<std::string> split(const std::string &text, char sep)
{
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t at; (at = text.find(sep, start)) != std::string::npos; start = at + 1)
        parts.push_back(text.substr(start, at - start));
    parts.push_back(text.substr(start));
    return parts;
}

class Storm {
public:
    explicit Storm(Options o) : o_(std::move(o)) {}
    int run();

private:
    void fail(Client &c, const std::string &why);
    void sendDhcp(Client &c);
    void readDhcp();
    void startTftp(Client &c);
    void sendTftp(Client &c, const std::string &packet, const sockaddr_in &to);
    void readTftp(size_t index);
    void startHttp(Client &c);
    void httpReady(size_t index, uint32_t events);
    void sendGet(Client &c);
    void finishHttpFile(Client &c);
    void closeFd(int &fd);
    void watch(int fd, uint32_t events, size_t index, int kind);
    void timeouts(Clock::time_point now);

    Options o_;
    std::vector<Client> clients_;
    int epoll_ = -1;
    int dhcpFd_ = -1;
    Clock::time_point t0_;
    uint64_t dhcpRetries_ = 0, tftpRetries_ = 0, httpReconnects_ = 0, bytes_ = 0;
    char buffer_[256 * 1024];
};

void Storm::closeFd(int &fd)
{
    if (fd >= 0) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
    }
    fd = -1;
}

void Storm::fail(Client &c, const std::string &why)
{
    c.phase = Phase::Failed;
    c.why = why;
    closeFd(c.tftpFd);
    closeFd(c.httpFd);
}

void Storm::watch(int fd, uint32_t events, size_t index, int kind)
{
    epoll_event e{};
    e.events = events;
    e.data.u64 = (uint64_t(kind) << 32) | index;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e);
}

// A DHCP option: code, length, value.
void option(std::string &p, uint8_t code, const std::string &value)
{
    p += char(code);
    p += char(value.size());
    p += value;
}

void Storm::sendDhcp(Client &c)
{
    std::string p(236, '\0');
    p[0] = 1; // BOOTREQUEST
    p[1] = 1; // Ethernet
    p[2] = 6;
    const uint32_t xid = htonl(c.xid);
    std::memcpy(&p[4], &xid, 4);
    p[10] = char(0x80); // broadcast: the client has no address yet
    std::memcpy(&p[28], c.mac, 6);
    p += std::string("\x63\x82\x53\x63", 4);
    const bool request = c.phase == Phase::Request;
    option(p, 53, std::string(1, char(request ? 3 : 1)));
    if (request) {
        const uint32_t ip = htonl(c.offered), server = htonl(c.serverId);
        option(p, 50, std::string(reinterpret_cast<const char *>(&ip), 4));
        option(p, 54, std::string(reinterpret_cast<const char *>(&server), 4));
    }
    option(p, 57, std::string("\x05\xc0", 2)); // max message 1472
    option(p, 93, std::string("\x00\x00", 2)); // x86 BIOS
    option(p, 94, std::string("\x01\x02\x01", 3));
    std::string guid(17, '\0');
    std::memcpy(&guid[1], &c.xid, 4);
    std::memcpy(&guid[5], c.mac, 6);
    option(p, 97, guid);
    option(p, 60, "PXEClient:Arch:00000:UNDI:002001");
    option(p, 55,
           std::string("\x01\x02\x03\x05\x06\x0b\x0c\x0d\x0f\x10\x11\x12\x2b\x36\x3c\x43\x80\x81\x82\x83"
                       "\x84\x85\x86\x87",
                       24));
    p += char(255);
    p.resize(std::max<size_t>(p.size(), 300), '\0');
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(67);
    to.sin_addr.s_addr = INADDR_BROADCAST;
    sendto(dhcpFd_, p.data(), p.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);
    // PXE ROMs wait 4, 8, 16 and 32 s for an answer (PXE 2.1 §2.2.1).
    c.deadline = Clock::now() + std::chrono::seconds(4 << c.attempts);
}

void Storm::readDhcp()
{
    for (;;) {
        const ssize_t n = recv(dhcpFd_, buffer_, sizeof buffer_, 0);
        if (n < 0)
            return;
        if (n < 240 || buffer_[0] != 2)
            continue;
        uint32_t xid;
        std::memcpy(&xid, buffer_ + 4, 4);
        xid = ntohl(xid);
        const size_t index = xid & 0xffff;
        if ((xid & 0xffff0000u) != 0x5d000000u || index >= clients_.size())
            continue;
        Client &c = clients_[index];
        if (std::memcmp(buffer_ + 28, c.mac, 6) != 0)
            continue;
        int type = 0;
        uint32_t serverId = 0, yiaddr, siaddr;
        std::memcpy(&yiaddr, buffer_ + 16, 4);
        std::memcpy(&siaddr, buffer_ + 20, 4);
        std::string file(buffer_ + 108, strnlen(buffer_ + 108, 128)), tftpServer;
        for (ssize_t at = 240; at + 1 < n && uint8_t(buffer_[at]) != 255;) {
            const uint8_t code = uint8_t(buffer_[at]);
            if (code == 0) {
                ++at;
                continue;
            }
            const uint8_t len = uint8_t(buffer_[at + 1]);
            if (at + 2 + len > n)
                break;
            const char *v = buffer_ + at + 2;
            if (code == 53 && len == 1)
                type = v[0];
            else if (code == 54 && len == 4)
                std::memcpy(&serverId, v, 4);
            else if (code == 67 && file.empty())
                file.assign(v, strnlen(v, len));
            else if (code == 66)
                tftpServer.assign(v, strnlen(v, len));
            at += 2 + len;
        }
        if (type == 2 && c.phase == Phase::Discover) {
            c.offered = ntohl(yiaddr);
            c.serverId = ntohl(serverId);
            c.phase = Phase::Request;
            c.attempts = 0;
            sendDhcp(c);
        } else if (type == 5 && c.phase == Phase::Request) {
            const auto now = Clock::now();
            c.dhcpMs = msSince(c.phaseStart, now);
            c.bootFile = file;
            in_addr named{};
            c.nextServer = !tftpServer.empty() && inet_pton(AF_INET, tftpServer.c_str(), &named) == 1
                               ? ntohl(named.s_addr)
                           : siaddr ? ntohl(siaddr)
                                    : c.serverId;
            if (c.bootFile.empty())
                fail(c, "the ACK named no boot file");
            else
                startTftp(c);
        } else if (type == 6 && c.phase == Phase::Request) {
            c.phase = Phase::Discover; // a NAK: start over
            c.attempts = 0;
            sendDhcp(c);
        }
    }
}

sockaddr_in address(uint32_t ip, uint16_t port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons(port);
    return a;
}

void Storm::sendTftp(Client &c, const std::string &packet, const sockaddr_in &to)
{
    c.lastSent = packet;
    sendto(c.tftpFd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr *>(&to), sizeof to);
    c.deadline = Clock::now() + std::chrono::seconds(1 << c.attempts);
}

void Storm::startTftp(Client &c)
{
    c.phase = Phase::Tftp;
    c.phaseStart = Clock::now();
    c.attempts = 0;
    c.tftpFd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const sockaddr_in local = address(c.offered, 0);
    if (c.tftpFd < 0 || bind(c.tftpFd, reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0)
        return fail(c, std::string("TFTP socket: ") + std::strerror(errno));
    watch(c.tftpFd, EPOLLIN, size_t(&c - clients_.data()), 1);
    c.tftpPeer = address(c.nextServer, 69);
    std::string rrq("\0\1", 2);
    rrq += c.bootFile + '\0' + "octet" + '\0' + "tsize" + '\0' + "0" + '\0' + "blksize" + '\0' + "1456" + '\0';
    sendTftp(c, rrq, c.tftpPeer);
}

void Storm::readTftp(size_t index)
{
    Client &c = clients_[index];
    for (;;) {
        sockaddr_in from{};
        socklen_t fromLen = sizeof from;
        const ssize_t n = recvfrom(c.tftpFd, buffer_, sizeof buffer_, 0, reinterpret_cast<sockaddr *>(&from), &fromLen);
        if (n < 0 || c.phase != Phase::Tftp)
            return;
        if (n < 4)
            continue;
        const uint16_t opcode = uint16_t(uint8_t(buffer_[0]) << 8 | uint8_t(buffer_[1]));
        const uint16_t number = uint16_t(uint8_t(buffer_[2]) << 8 | uint8_t(buffer_[3]));
        if (c.expectedBlock == 1 && c.tftpBytes == 0 && (opcode == 6 || opcode == 3))
            c.tftpPeer = from; // the transfer's own port (its TID)
        else if (from.sin_port != c.tftpPeer.sin_port)
            continue;
        if (opcode == 5)
            return fail(c, "TFTP error: " + std::string(buffer_ + 4, strnlen(buffer_ + 4, size_t(n - 4))));
        std::string ack("\0\4\0\0", 4);
        if (opcode == 6) { // OACK: the options it took
            for (auto fields = split(std::string(buffer_ + 2, size_t(n - 2)), '\0'); fields.size() >= 2;
                 fields.erase(fields.begin(), fields.begin() + 2))
                if (strcasecmp(fields[0].c_str(), "blksize") == 0)
                    c.blockSize = size_t(std::atoi(fields[1].c_str()));
            if (c.blockSize < 8 || c.blockSize > 65464)
                return fail(c, "TFTP: the OACK's blksize " + std::to_string(c.blockSize) + " is out of range");
            c.attempts = 0;
            sendTftp(c, ack, c.tftpPeer);
            continue;
        }
        if (opcode != 3)
            continue;
        ack[2] = char(number >> 8);
        ack[3] = char(number);
        if (number != c.expectedBlock) { // a duplicate: our ACK was lost or late
            sendto(c.tftpFd, ack.data(), ack.size(), 0, reinterpret_cast<sockaddr *>(&c.tftpPeer), sizeof c.tftpPeer);
            continue;
        }
        c.tftpBytes += uint64_t(n - 4);
        ++c.expectedBlock;
        c.attempts = 0;
        sendTftp(c, ack, c.tftpPeer);
        if (size_t(n - 4) < c.blockSize) {
            if (o_.bootSize && c.tftpBytes != o_.bootSize)
                return fail(c, "TFTP: " + c.bootFile + " has " + std::to_string(c.tftpBytes) + " bytes, not " +
                                   std::to_string(o_.bootSize));
            bytes_ += c.tftpBytes;
            c.tftpMs = msSince(c.phaseStart, Clock::now());
            closeFd(c.tftpFd);
            startHttp(c);
            return;
        }
    }
}

void Storm::startHttp(Client &c)
{
    if (c.phase != Phase::Http) {
        c.phase = Phase::Http;
        c.phaseStart = Clock::now();
        c.pathIndex = 0;
    }
    c.deadline = t0_ + std::chrono::seconds(o_.timeoutS);
    c.httpFd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const sockaddr_in local = address(c.offered, 0);
    const sockaddr_in server = address(c.nextServer, o_.httpPort);
    if (c.httpFd < 0 || bind(c.httpFd, reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0)
        return fail(c, std::string("HTTP socket: ") + std::strerror(errno));
    if (connect(c.httpFd, reinterpret_cast<const sockaddr *>(&server), sizeof server) != 0 && errno != EINPROGRESS)
        return fail(c, std::string("HTTP connect: ") + std::strerror(errno));
    c.connecting = true;
    watch(c.httpFd, EPOLLIN | EPOLLOUT, size_t(&c - clients_.data()), 2);
}

void Storm::sendGet(Client &c)
{
    char server[INET_ADDRSTRLEN];
    const in_addr a{htonl(c.nextServer)};
    inet_ntop(AF_INET, &a, server, sizeof server);
    const std::string get = "GET /" + o_.paths[c.pathIndex] + " HTTP/1.1\r\nConnection: keep-alive\r\nHost: " + server +
                            ':' + std::to_string(o_.httpPort) + "\r\nUser-Agent: iPXE/1.21.1+\r\n\r\n";
    if (send(c.httpFd, get.data(), get.size(), MSG_NOSIGNAL) != ssize_t(get.size()))
        return fail(c, std::string("HTTP send: ") + std::strerror(errno));
    c.header.clear();
    c.inBody = false;
    c.bodyBytes = 0;
}

void Storm::finishHttpFile(Client &c)
{
    if (c.bodyBytes != o_.sizes[c.pathIndex])
        return fail(c, "HTTP: " + o_.paths[c.pathIndex] + " has " + std::to_string(c.bodyBytes) + " bytes, not " +
                           std::to_string(o_.sizes[c.pathIndex]));
    bytes_ += c.bodyBytes;
    if (++c.pathIndex == o_.paths.size()) {
        const auto now = Clock::now();
        c.httpMs = msSince(c.phaseStart, now);
        c.doneMs = msSince(t0_, now);
        c.phase = Phase::Done;
        closeFd(c.httpFd);
        return;
    }
    if (c.keepAlive)
        return sendGet(c);
    ++httpReconnects_;
    closeFd(c.httpFd);
    startHttp(c);
}

void Storm::httpReady(size_t index, uint32_t events)
{
    Client &c = clients_[index];
    if (c.connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(c.httpFd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error)
            return fail(c, std::string("HTTP connect: ") + std::strerror(error));
        if (!(events & EPOLLOUT))
            return;
        c.connecting = false;
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u64 = (uint64_t(2) << 32) | index;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c.httpFd, &e);
        sendGet(c);
        if (c.phase != Phase::Http)
            return;
    }
    for (;;) {
        const ssize_t n = recv(c.httpFd, buffer_, sizeof buffer_, 0);
        if (n < 0)
            return; // EAGAIN
        if (n == 0)
            return fail(c, "HTTP: the server closed the connection in the middle of " + o_.paths[c.pathIndex]);
        size_t used = 0;
        while (used < size_t(n) && c.phase == Phase::Http) {
            if (!c.inBody) {
                const size_t before = c.header.size();
                c.header.append(buffer_ + used, size_t(n) - used);
                const size_t end = c.header.find("\r\n\r\n");
                if (end == std::string::npos) {
                    used = size_t(n);
                    break;
                }
                used += end + 4 - before;
                c.header.resize(end);
                if (c.header.compare(0, 12, "HTTP/1.1 200") != 0)
                    return fail(c, "HTTP: " + c.header.substr(0, c.header.find('\r')));
                std::string lower = c.header;
                std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
                const size_t length = lower.find("\r\ncontent-length:");
                c.contentLength =
                    length == std::string::npos ? 0 : std::strtoull(lower.c_str() + length + 17, nullptr, 10);
                c.keepAlive = lower.find("\r\nconnection: close") == std::string::npos;
                c.inBody = true;
            }
            const size_t take = size_t(std::min<uint64_t>(c.contentLength - c.bodyBytes, size_t(n) - used));
            c.bodyBytes += take;
            used += take;
            if (c.bodyBytes == c.contentLength) {
                finishHttpFile(c);
                if (c.phase != Phase::Http || c.httpFd < 0)
                    return;
            }
        }
    }
}

void Storm::timeouts(Clock::time_point now)
{
    for (Client &c : clients_) {
        if (c.phase == Phase::Waiting && now >= c.startAt) {
            c.phase = Phase::Discover;
            c.phaseStart = now;
            sendDhcp(c);
            continue;
        }
        if (now < c.deadline || c.phase == Phase::Waiting || c.phase == Phase::Done || c.phase == Phase::Failed)
            continue;
        if (c.phase == Phase::Discover || c.phase == Phase::Request) {
            if (++c.attempts > 3)
                fail(c, "no DHCP answer after 4 tries");
            else {
                ++dhcpRetries_;
                sendDhcp(c);
            }
        } else if (c.phase == Phase::Tftp) {
            if (++c.attempts > 5)
                fail(c, "TFTP: no answer after 6 tries");
            else {
                ++tftpRetries_;
                const std::string again = c.lastSent;
                sendTftp(c, again, c.tftpPeer);
            }
        } else if (c.phase == Phase::Http) {
            fail(c, "HTTP: not done when the run's time was up");
        }
    }
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5))];
}

int Storm::run()
{
    rlimit files{8192, 8192};
    setrlimit(RLIMIT_NOFILE, &files);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    dhcpFd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    const int buffer = 8 << 20;
    setsockopt(dhcpFd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
    setsockopt(dhcpFd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
    if (setsockopt(dhcpFd_, SOL_SOCKET, SO_BINDTODEVICE, o_.interface.c_str(), socklen_t(o_.interface.size())) != 0) {
        std::perror("stormclient: SO_BINDTODEVICE");
        return 2;
    }
    const sockaddr_in local = address(INADDR_ANY, 68);
    if (bind(dhcpFd_, reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0) {
        std::perror("stormclient: bind port 68");
        return 2;
    }
    watch(dhcpFd_, EPOLLIN, 0, 0);

    std::mt19937 random(42); // the same power-on order every run, for both stacks
    std::uniform_int_distribution<int> spread(0, std::max(0, o_.spreadMs));
    t0_ = Clock::now();
    clients_.resize(size_t(o_.clients));
    for (size_t i = 0; i < clients_.size(); ++i) {
        Client &c = clients_[i];
        const uint8_t mac[6] = {0x02, 0x5d, 0x00, 0x00, uint8_t(i >> 8), uint8_t(i)};
        std::memcpy(c.mac, mac, 6);
        c.xid = 0x5d000000u | uint32_t(i);
        c.startAt = t0_ + std::chrono::milliseconds(spread(random));
    }
    const auto end = t0_ + std::chrono::seconds(o_.timeoutS);
    epoll_event events[256];
    for (;;) {
        const auto now = Clock::now();
        timeouts(now);
        const bool busy = std::any_of(clients_.begin(), clients_.end(), [](const Client &c) {
            return c.phase != Phase::Done && c.phase != Phase::Failed;
        });
        if (!busy)
            break;
        if (now >= end) {
            for (Client &c : clients_)
                if (c.phase != Phase::Done && c.phase != Phase::Failed)
                    fail(c, "not done when the run's time was up");
            break;
        }
        const int n = epoll_wait(epoll_, events, 256, 5);
        for (int i = 0; i < n; ++i) {
            const int kind = int(events[i].data.u64 >> 32);
            const size_t index = size_t(events[i].data.u64 & 0xffffffffu);
            if (kind == 0)
                readDhcp();
            else if (kind == 1 && clients_[index].tftpFd >= 0)
                readTftp(index);
            else if (kind == 2 && clients_[index].httpFd >= 0)
                httpReady(index, events[i].events);
        }
    }
    const double totalMs = msSince(t0_, Clock::now());

    std::vector<double> dhcp, tftp, http, done;
    int failed = 0;
    for (const Client &c : clients_) {
        if (c.phase != Phase::Done) {
            if (failed++ < 5)
                std::fprintf(stderr, "stormclient: client %02x:%02x failed: %s\n", c.mac[4], c.mac[5], c.why.c_str());
            continue;
        }
        dhcp.push_back(c.dhcpMs);
        tftp.push_back(c.tftpMs);
        http.push_back(c.httpMs);
        done.push_back(c.doneMs);
    }
    const double lastMs = done.empty() ? totalMs : *std::max_element(done.begin(), done.end());
    std::printf("clients=%d done=%zu failed=%d last_ms=%.0f bytes=%llu dhcp_p50=%.1f dhcp_p99=%.1f tftp_p50=%.1f "
                "tftp_p99=%.1f http_p50=%.1f http_p99=%.1f dhcp_retries=%llu tftp_retries=%llu "
                "http_reconnects=%llu\n",
                o_.clients, done.size(), failed, lastMs, static_cast<unsigned long long>(bytes_), percentile(dhcp, 0.5),
                percentile(dhcp, 0.99), percentile(tftp, 0.5), percentile(tftp, 0.99), percentile(http, 0.5),
                percentile(http, 0.99), static_cast<unsigned long long>(dhcpRetries_),
                static_cast<unsigned long long>(tftpRetries_), static_cast<unsigned long long>(httpReconnects_));
    return failed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--interface")
            o.interface = value;
        else if (key == "--clients")
            o.clients = std::atoi(value.c_str());
        else if (key == "--spread-ms")
            o.spreadMs = std::atoi(value.c_str());
        else if (key == "--timeout")
            o.timeoutS = std::atoi(value.c_str());
        else if (key == "--boot-size")
            o.bootSize = std::strtoull(value.c_str(), nullptr, 10);
        else if (key == "--http-port")
            o.httpPort = uint16_t(std::atoi(value.c_str()));
        else if (key == "--paths")
            o.paths = split(value, ',');
        else if (key == "--sizes")
            for (const std::string &s : split(value, ','))
                o.sizes.push_back(std::strtoull(s.c_str(), nullptr, 10));
        else {
            std::fprintf(stderr, "stormclient: unknown option %s\n", key.c_str());
            return 2;
        }
    }
    if (o.clients < 1 || o.clients > 4000 || o.timeoutS < 1 || o.timeoutS > 1800 || o.paths.empty() ||
        o.paths.size() != o.sizes.size()) {
        std::fprintf(stderr, "usage: stormclient --clients 1..4000 --paths a,b --sizes N,M [--interface eth0] "
                             "[--spread-ms 1000] [--timeout 120] [--http-port 5248] [--boot-size N]\n");
        return 2;
    }
    return Storm(std::move(o)).run();
}
