// The TFTP server's protocol, seen from a client made of raw UDP sockets on loopback: blocks,
// options, windows, block number rollover, duplicate ACKs, foreign TIDs, retransmission and the
// counters. Needs no root: the server runs in-process on a high port.
#include "childprocess.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "servers/tftp/tftppacket.h"
#include "servers/tftp/tftpserver.h"

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace metaldesk;
using namespace metaldesk::tftp;

namespace {

// One TFTP client endpoint: a UDP socket on 127.0.0.1 with a port (TID) of its own.
class Peer {
public:
    // `address` (host order): any of 127.0.0.0/8, so that a test can be several client hosts.
    explicit Peer(quint32 address = INADDR_LOOPBACK)
    {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(address);
        ::bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
    }
    ~Peer() { ::close(fd_); }
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;

    void send(const Message &m, quint16 port) const
    {
        const QByteArray bytes = serialize(m);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to.sin_port = htons(port);
        ::sendto(fd_, bytes.constData(), size_t(bytes.size()), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);
    }
    // The next message, and the port it came from; nullopt after `timeoutMs` of silence.
    std::optional<std::pair<Message, quint16>> receive(int timeoutMs = 2000) const
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) != 1)
            return std::nullopt;
        QByteArray buffer(70000, Qt::Uninitialized);
        sockaddr_in from{};
        socklen_t length = sizeof from;
        const ssize_t n =
            ::recvfrom(fd_, buffer.data(), size_t(buffer.size()), 0, reinterpret_cast<sockaddr *>(&from), &length);
        if (n < 0)
            return std::nullopt;
        auto parsed = parse(QByteArrayView(buffer.constData(), n));
        if (!std::holds_alternative<Message>(parsed))
            return std::nullopt;
        return std::pair{std::get<Message>(parsed), ntohs(from.sin_port)};
    }

private:
    int fd_ = -1;
};

quint16 freeUdpPort()
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &length);
    ::close(fd);
    return ntohs(a.sin_port);
}

// This process's resident memory (the server runs in it).
qint64 residentBytes() { return metaldesk::testing::residentBytes(QCoreApplication::applicationPid()); }

// What a client that sends ACKs and a window per ACK receives: the whole file, or empty.
QByteArray fetchWithWindow(const Peer &client, quint16 serverPort, const char *file, int window, int blockSize)
{
    client.send(Request{false,
                        file,
                        "octet",
                        {{"blksize", QByteArray::number(blockSize)}, {"windowsize", QByteArray::number(window)}}},
                serverPort);
    auto first = client.receive();
    if (!first || !std::holds_alternative<OptionAck>(first->first))
        return {};
    const quint16 tid = first->second;
    client.send(Ack{0}, tid);
    QByteArray received;
    for (quint16 expected = 1;; ++expected) {
        auto m = client.receive();
        const auto *d = m ? std::get_if<Data>(&m->first) : nullptr;
        if (!d || d->block != expected)
            return {};
        received += d->payload;
        if (d->payload.size() < blockSize) {
            client.send(Ack{expected}, tid);
            return received;
        }
        if (expected % window == 0)
            client.send(Ack{expected}, tid);
    }
}

Request readRequest(const char *file, Options options = {}, const char *mode = "octet")
{
    Request r;
    r.filename = file;
    r.mode = mode;
    r.options = std::move(options);
    return r;
}

} // namespace

class TestTftpTransfers : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void sendsBlocksAndEndsWithAShortOne();
    void endsAFileOfWholeBlocksWithAnEmptyBlock();
    void acknowledgesOnlyTheOptionsItTakes();
    void ackOfBlockNMeansSendFromNPlusOne();
    void ignoresDuplicateAcks();
    void answersAForeignTidWithError5AndCarriesOn();
    void rollsBlockNumbersOverToZero();
    void resendsAfterTimeoutAndDropsAfterTheRetries();
    void sendsLittleToAClientItHasNotHeardFrom();
    void convertsNetascii();
    void servesThePerNodeScriptNamingTheAddressReached();
    void refusesWritesBadModesAndPaths();
    void endsWhenTheClientSendsAnError();
    void takesNoTimeoutOverFiveSeconds();
    void allocatesNoWindowBeforeTheClientAnswers();
    void limitsTransfersPerClientAddress();
    void dropsATransferThatMakesNoProgress();

private:
    void startServer(ServerConfig config);
    QByteArray writeFile(const QString &name, qsizetype size);
    QTemporaryDir dir_;
    std::unique_ptr<CoreServices> core_;
    std::unique_ptr<ServiceHost> host_;
    Server *server_ = nullptr;
    quint16 port_ = 0;
};

void TestTftpTransfers::initTestCase()
{
    QVERIFY(dir_.isValid());
    QVERIFY(QDir(dir_.path()).mkpath(QStringLiteral("root")));
    auto core = CoreServices::open(DatabaseSpec::sqlite(dir_.filePath(QStringLiteral("md.db"))));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
}

void TestTftpTransfers::init()
{
    ServerConfig config;
    config.files = {dir_.filePath(QStringLiteral("root")),
                    dir_.filePath(QStringLiteral("loaders")),
                    {},
                    QStringLiteral("/usr/lib")};
    startServer(config);
}

void TestTftpTransfers::cleanup()
{
    host_.reset();
    server_ = nullptr;
}

void TestTftpTransfers::startServer(ServerConfig config)
{
    host_.reset();
    port_ = freeUdpPort();
    config.port = port_;
    auto server = std::make_unique<Server>(core_->db, config);
    server_ = server.get();
    QSignalSpy running(server_, &Service::stateChanged);
    host_ = std::make_unique<ServiceHost>();
    host_->add(std::move(server));
    host_->start();
    QTRY_COMPARE(running.size(), 1);
    QCOMPARE(running.first().first().toString(), QStringLiteral("running"));
}

QByteArray TestTftpTransfers::writeFile(const QString &name, qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(QRandomGenerator::global()->generate());
    QFile f(dir_.filePath(QStringLiteral("root/") + name));
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != size)
        return {};
    return bytes;
}

void TestTftpTransfers::sendsBlocksAndEndsWithAShortOne()
{
    const QByteArray content = writeFile(QStringLiteral("a.bin"), 1000);
    Peer client;
    client.send(readRequest("a.bin"), port_);
    auto first = client.receive();
    QVERIFY(first);
    const quint16 tid = first->second;
    QVERIFY(tid != port_); // every transfer answers from a port of its own
    const auto *d1 = std::get_if<Data>(&first->first);
    QVERIFY(d1 && d1->block == 1 && d1->payload == content.first(512));
    client.send(Ack{1}, tid);
    auto second = client.receive();
    const auto *d2 = second ? std::get_if<Data>(&second->first) : nullptr;
    QVERIFY(d2 && d2->block == 2 && d2->payload == content.sliced(512));
    client.send(Ack{2}, tid);
    QTRY_COMPARE(server_->counters().completed, 1u);
    QCOMPARE(server_->counters().requests, 1u);
    QCOMPARE(server_->counters().bytesSent, 1000u);
    QVERIFY(!client.receive(300)); // nothing after the last ACK
}

void TestTftpTransfers::endsAFileOfWholeBlocksWithAnEmptyBlock()
{
    writeFile(QStringLiteral("whole.bin"), 1024);
    Peer client;
    client.send(readRequest("whole.bin"), port_);
    quint16 tid = 0;
    for (quint16 block = 1; block <= 3; ++block) {
        auto m = client.receive();
        QVERIFY(m);
        tid = m->second;
        const auto *d = std::get_if<Data>(&m->first);
        QVERIFY(d);
        QCOMPARE(d->block, block);
        QCOMPARE(d->payload.size(), block == 3 ? 0 : 512);
        client.send(Ack{block}, tid);
    }
    QTRY_COMPARE(server_->counters().completed, 1u);
}

void TestTftpTransfers::acknowledgesOnlyTheOptionsItTakes()
{
    writeFile(QStringLiteral("o.bin"), 5000);
    Peer client;
    client.send(
        readRequest(
            "o.bin",
            {{"blksize", "100000"}, {"tsize", "0"}, {"frobnicate", "1"}, {"timeout", "300"}, {"windowsize", "500"}}),
        port_);
    auto m = client.receive();
    QVERIFY(m);
    const auto *oack = std::get_if<OptionAck>(&m->first);
    QVERIFY(oack);
    // The largest block RFC 2348 allows, the size, no unknown option, no timeout over 255 s, and
    // the window the server is willing to keep: 4 blocks of 65464 bytes fit its 256 KiB.
    const Options expected{{"blksize", "65464"}, {"tsize", "5000"}, {"windowsize", "4"}};
    QCOMPARE(oack->options, expected);
    client.send(Ack{0}, m->second);
    auto data = client.receive();
    const auto *d = data ? std::get_if<Data>(&data->first) : nullptr;
    QVERIFY(d && d->block == 1 && d->payload.size() == 5000);
}

void TestTftpTransfers::ackOfBlockNMeansSendFromNPlusOne()
{
    writeFile(QStringLiteral("w.bin"), 10 * 512 + 1);
    Peer client;
    client.send(readRequest("w.bin", {{"windowsize", "4"}}), port_);
    auto m = client.receive();
    QVERIFY(m && std::holds_alternative<OptionAck>(m->first));
    const quint16 tid = m->second;
    auto blocksOfWindow = [&client](int count) {
        QList<quint16> blocks;
        for (int i = 0; i < count; ++i)
            if (auto r = client.receive(); r && std::holds_alternative<Data>(r->first))
                blocks << std::get<Data>(r->first).block;
        return blocks;
    };
    client.send(Ack{0}, tid);
    QCOMPARE(blocksOfWindow(4), (QList<quint16>{1, 2, 3, 4}));
    client.send(Ack{2}, tid); // blocks 3 and 4 "lost"
    QCOMPARE(blocksOfWindow(4), (QList<quint16>{3, 4, 5, 6}));
    client.send(Ack{6}, tid);
    QCOMPARE(blocksOfWindow(4), (QList<quint16>{7, 8, 9, 10}));
    client.send(Ack{10}, tid);
    QCOMPARE(blocksOfWindow(1), (QList<quint16>{11}));
    client.send(Ack{11}, tid);
    QTRY_COMPARE(server_->counters().completed, 1u);
}

void TestTftpTransfers::ignoresDuplicateAcks()
{
    writeFile(QStringLiteral("d.bin"), 4 * 512);
    Peer client;
    client.send(readRequest("d.bin"), port_);
    auto m = client.receive();
    QVERIFY(m);
    const quint16 tid = m->second;
    client.send(Ack{1}, tid);
    m = client.receive();
    QVERIFY(m && std::get<Data>(m->first).block == 2);
    client.send(Ack{1}, tid); // a delayed duplicate: answering it would double every packet from here on
    QVERIFY(!client.receive(400));
    client.send(Ack{2}, tid);
    m = client.receive();
    QVERIFY(m && std::get<Data>(m->first).block == 3);
    QVERIFY(!client.receive(300));
}

void TestTftpTransfers::answersAForeignTidWithError5AndCarriesOn()
{
    writeFile(QStringLiteral("t.bin"), 3 * 512);
    Peer client, stranger;
    client.send(readRequest("t.bin"), port_);
    auto m = client.receive();
    QVERIFY(m);
    const quint16 tid = m->second;
    stranger.send(Ack{1}, tid);
    auto error = stranger.receive();
    QVERIFY(error);
    const auto *e = std::get_if<ErrorMessage>(&error->first);
    QVERIFY(e && e->code == quint16(ErrorCode::UnknownTransferId));
    QVERIFY(!client.receive(300)); // the transfer did not move
    client.send(Ack{1}, tid);
    m = client.receive();
    QVERIFY(m && std::get<Data>(m->first).block == 2);
}

void TestTftpTransfers::rollsBlockNumbersOverToZero()
{
    // 8-byte blocks reach block 65536 in half a megabyte; a window keeps the test quick.
    const qsizetype size = 65540 * 8 + 3;
    const QByteArray content = writeFile(QStringLiteral("r.bin"), size);
    Peer client;
    client.send(readRequest("r.bin", {{"blksize", "8"}, {"windowsize", "32"}}), port_);
    auto m = client.receive();
    QVERIFY(m && std::holds_alternative<OptionAck>(m->first));
    const quint16 tid = m->second;
    client.send(Ack{0}, tid);
    QByteArray received;
    quint64 expected = 1;
    while (true) {
        auto r = client.receive();
        QVERIFY2(r, qPrintable(QStringLiteral("no block %1").arg(expected)));
        const auto *d = std::get_if<Data>(&r->first);
        QVERIFY(d);
        QCOMPARE(d->block, quint16(expected)); // 65535, then 0, 1, ...
        received += d->payload;
        if (d->payload.size() < 8) {
            client.send(Ack{d->block}, tid);
            break;
        }
        if (expected % 32 == 0)
            client.send(Ack{d->block}, tid);
        ++expected;
    }
    QCOMPARE(expected, quint64(65541));
    QVERIFY(received == content);
    QTRY_COMPARE(server_->counters().completed, 1u);
}

void TestTftpTransfers::resendsAfterTimeoutAndDropsAfterTheRetries()
{
    writeFile(QStringLiteral("s.bin"), 2000);
    ServerConfig config;
    config.files = {dir_.filePath(QStringLiteral("root")),
                    dir_.filePath(QStringLiteral("loaders")),
                    {},
                    QStringLiteral("/usr/lib")};
    config.retransmitMs = 200;
    config.retries = 2;
    startServer(config);
    Peer client;
    client.send(readRequest("s.bin"), port_);
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 3; ++i) { // the first send and two resends
        auto m = client.receive(1000);
        QVERIFY(m);
        QCOMPARE(std::get<Data>(m->first).block, quint16(1));
    }
    QVERIFY(clock.elapsed() >= 380);
    QVERIFY(!client.receive(600));
    QTRY_COMPARE(server_->counters().failed, 1u);
    QCOMPARE(server_->counters().completed, 0u);
}

void TestTftpTransfers::sendsLittleToAClientItHasNotHeardFrom()
{
    // Security review L2: a request forged with someone else's address made six blocks of 516
    // bytes go there. Until the client answers, the first packet goes out three times at most.
    writeFile(QStringLiteral("u.bin"), 2000);
    ServerConfig config;
    config.files = {dir_.filePath(QStringLiteral("root")),
                    dir_.filePath(QStringLiteral("loaders")),
                    {},
                    QStringLiteral("/usr/lib")};
    config.retransmitMs = 200;
    config.retries = 5;
    startServer(config);
    {
        Peer unheard;
        unheard.send(readRequest("u.bin"), port_);
        for (int i = 0; i < 3; ++i) {
            auto m = unheard.receive(1000);
            QVERIFY(m);
            QCOMPARE(std::get<Data>(m->first).block, quint16(1));
        }
        QVERIFY(!unheard.receive(800));
        QTRY_COMPARE(server_->counters().failed, 1u);
    }
    {
        Peer withOptions; // the OACK likewise
        withOptions.send(readRequest("u.bin", {{"blksize", "1024"}}), port_);
        for (int i = 0; i < 3; ++i) {
            auto m = withOptions.receive(1000);
            QVERIFY(m);
            QVERIFY(std::get_if<OptionAck>(&m->first));
        }
        QVERIFY(!withOptions.receive(800));
        QTRY_COMPARE(server_->counters().failed, 2u);
    }
    // A client that has answered keeps every retry the setting gives.
    Peer heard;
    heard.send(readRequest("u.bin"), port_);
    auto first = heard.receive();
    QVERIFY(first);
    heard.send(Ack{1}, first->second);
    for (int i = 0; i < 6; ++i) { // block 2, and its five resends
        auto m = heard.receive(1000);
        QVERIFY2(m, qPrintable(QString::number(i)));
        QCOMPARE(std::get<Data>(m->first).block, quint16(2));
    }
    QVERIFY(!heard.receive(800));
    QTRY_COMPARE(server_->counters().failed, 3u);
}

void TestTftpTransfers::convertsNetascii()
{
    QFile f(dir_.filePath(QStringLiteral("root/n.txt")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("one\ntwo\rthree\r\n");
    f.close();
    Peer client;
    client.send(readRequest("n.txt", {{"tsize", "0"}}, "netascii"), port_);
    auto m = client.receive();
    QVERIFY(m);
    // A file's netascii size is not known without reading it: no tsize, and no OACK for nothing.
    const auto *d = std::get_if<Data>(&m->first);
    QVERIFY(d);
    QCOMPARE(d->payload, QByteArray("one\r\ntwo\r\0three\r\0\r\n", 19));
}

void TestTftpTransfers::servesThePerNodeScriptNamingTheAddressReached()
{
    Peer client;
    client.send(readRequest("boot/52-54-00-aa-bb-cc.ipxe", {{"tsize", "0"}}), port_);
    auto m = client.receive();
    QVERIFY(m);
    const auto *oack = std::get_if<OptionAck>(&m->first);
    QVERIFY(oack && oack->options.size() == 1);
    const QByteArray tsize = oack->options.first().second;
    client.send(Ack{0}, m->second);
    m = client.receive();
    QVERIFY(m);
    const QByteArray script = std::get<Data>(m->first).payload;
    QCOMPARE(QByteArray::number(script.size()), tsize);
    QVERIFY2(script.startsWith("#!ipxe\n"), script.constData());
    QVERIFY2(script.contains("http://127.0.0.1:5248/"), script.constData());
    QVERIFY2(script.contains("metaldesk.purpose=enlist"), script.constData());
}

void TestTftpTransfers::refusesWritesBadModesAndPaths()
{
    writeFile(QStringLiteral("x.bin"), 10);
    QVERIFY(QFile::link(QStringLiteral("/etc/passwd"), dir_.filePath(QStringLiteral("root/escape"))));
    struct Case {
        Request request;
        ErrorCode code;
    };
    Request write = readRequest("x.bin");
    write.write = true;
    const Case cases[] = {
        {write, ErrorCode::AccessViolation},
        {readRequest("../etc/passwd"), ErrorCode::AccessViolation},
        {readRequest("escape"), ErrorCode::AccessViolation},
        {readRequest("/etc/passwd"), ErrorCode::FileNotFound}, // the boot root's /etc/passwd
        {readRequest("missing.bin"), ErrorCode::FileNotFound},
    };
    for (const Case &c : cases) {
        Peer client;
        client.send(c.request, port_);
        auto m = client.receive();
        QVERIFY(m);
        const auto *e = std::get_if<ErrorMessage>(&m->first);
        QVERIFY2(e, c.request.filename.constData());
        QCOMPARE(e->code, quint16(c.code));
        QVERIFY(!e->message.isEmpty());
    }
    // The parser refuses "mail"; the client is told with an illegal-operation error.
    Peer client;
    const QByteArray mail("\0\1x.bin\0mail\0", 13);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port_);
    const int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
    ::sendto(raw, mail.constData(), size_t(mail.size()), 0, reinterpret_cast<sockaddr *>(&to), sizeof to);
    pollfd p{raw, POLLIN, 0};
    QCOMPARE(::poll(&p, 1, 2000), 1);
    char answer[600];
    const ssize_t n = ::recv(raw, answer, sizeof answer, 0);
    ::close(raw);
    auto parsed = parse(QByteArrayView(answer, n));
    QVERIFY(std::holds_alternative<Message>(parsed));
    QCOMPARE(std::get<ErrorMessage>(std::get<Message>(parsed)).code, quint16(ErrorCode::IllegalOperation));

    const Counters counters = server_->counters();
    QCOMPARE(counters.requests, 5u);
    QCOMPARE(counters.refused, 5u);
    QCOMPARE(counters.dropped[size_t(ParseError::BadMode)], 1u);
}

void TestTftpTransfers::endsWhenTheClientSendsAnError()
{
    writeFile(QStringLiteral("e.bin"), 3000);
    Peer client;
    client.send(readRequest("e.bin"), port_);
    auto m = client.receive();
    QVERIFY(m);
    client.send(ErrorMessage{0, "user cancelled"}, m->second);
    QTRY_COMPARE(server_->counters().failed, 1u);
    QVERIFY(!client.receive(1300)); // no resend once it is over
}

void TestTftpTransfers::takesNoTimeoutOverFiveSeconds()
{
    // RFC 2349 allows 255 s: with the retries, a client that never answers would hold its transfer
    // for 25 minutes (security review H5). Over 5 s the option is left out of the OACK.
    writeFile(QStringLiteral("t.bin"), 100);
    for (const auto &[asked, taken] : {std::pair{"255", false}, std::pair{"6", false}, std::pair{"5", true}}) {
        Peer client;
        client.send(readRequest("t.bin", {{"timeout", asked}, {"tsize", "0"}}), port_);
        auto m = client.receive();
        QVERIFY(m);
        const auto *oack = std::get_if<OptionAck>(&m->first);
        QVERIFY(oack);
        const bool hasTimeout =
            std::any_of(oack->options.begin(), oack->options.end(), [](const auto &o) { return o.first == "timeout"; });
        QCOMPARE(hasTimeout, taken);
        client.send(ErrorMessage{0, "done"}, m->second);
    }
}

void TestTftpTransfers::allocatesNoWindowBeforeTheClientAnswers()
{
    // The attack of security review H5: requests that ask for the largest blocks and window, from
    // addresses that never answer. Before the fix each made a 4 MiB window at once (300 of them:
    // 1.2 GB). A request alone now costs a socket and an open file, and another client is served.
    writeFile(QStringLiteral("big.bin"), 1 << 20);
    const QByteArray small = writeFile(QStringLiteral("small.bin"), 100 * 1000);
    const qint64 before = residentBytes();
    std::vector<std::unique_ptr<Peer>> attackers;
    const Request greedy{false, "big.bin", "octet", {{"blksize", "65464"}, {"windowsize", "64"}, {"timeout", "255"}}};
    for (quint32 host = 1; host <= 25; ++host) {
        attackers.push_back(std::make_unique<Peer>((127u << 24) | (1u << 8) | host)); // 127.0.1.host
        for (int i = 0; i < 12; ++i)
            attackers.back()->send(greedy, port_);
        // One address at a time: 300 requests at once would overflow the listening socket's buffer.
        QTRY_COMPARE_WITH_TIMEOUT(server_->counters().requests, 12u * host, 5000);
    }
    QElapsedTimer clock;
    clock.start();
    const QByteArray fetched = fetchWithWindow(Peer((127u << 24) | (2u << 8) | 1), port_, "small.bin", 8, 1432);
    const qint64 took = clock.elapsed();
    const qint64 grown = residentBytes() - before;
    qInfo("figure: 300 greedy requests from 25 addresses: RSS grew %lld MB; another client's 100 kB took %lld ms",
          grown >> 20, took);
    QCOMPARE(server_->counters().refused, 0u);
    QVERIFY(fetched == small);
    QVERIFY2(took < 5000, qPrintable(QString::number(took)));
    QVERIFY2(grown < 64 << 20, qPrintable(QStringLiteral("RSS grew %1 MB").arg(grown >> 20)));
}

void TestTftpTransfers::limitsTransfersPerClientAddress()
{
    writeFile(QStringLiteral("l.bin"), 3000);
    ServerConfig config;
    config.files = {dir_.filePath(QStringLiteral("root")),
                    dir_.filePath(QStringLiteral("loaders")),
                    {},
                    QStringLiteral("/usr/lib")};
    config.maxTransfersPerClient = 3;
    startServer(config);
    Peer client;
    for (int i = 0; i < 5; ++i)
        client.send(readRequest("l.bin"), port_);
    QList<quint16> transfers;
    int refusals = 0;
    for (int i = 0; i < 5; ++i) {
        auto m = client.receive();
        QVERIFY(m);
        if (const auto *e = std::get_if<ErrorMessage>(&m->first)) {
            QCOMPARE(e->message, QByteArray("too many transfers from 127.0.0.1 at once, try again"));
            ++refusals;
        } else {
            QVERIFY(std::holds_alternative<Data>(m->first));
            transfers << m->second;
        }
    }
    QCOMPARE(transfers.size(), 3);
    QCOMPARE(refusals, 2);
    // Another address is not held back by this one; an ended transfer gives its slot back.
    Peer other(INADDR_LOOPBACK + 1);
    other.send(readRequest("l.bin"), port_);
    auto m = other.receive();
    QVERIFY(m && std::holds_alternative<Data>(m->first));
    client.send(ErrorMessage{0, "cancelled"}, transfers.first());
    QTRY_COMPARE(server_->counters().failed, 1u);
    client.send(readRequest("l.bin"), port_);
    for (;;) { // past the resends of the transfers still open
        auto next = client.receive();
        QVERIFY(next);
        if (next->second != transfers[1] && next->second != transfers[2]) {
            QVERIFY(std::holds_alternative<Data>(next->first));
            break;
        }
    }
    QCOMPARE(server_->counters().refused, 2u);
}

void TestTftpTransfers::dropsATransferThatMakesNoProgress()
{
    // However many retries are set, a client that acknowledges nothing new loses its transfer.
    writeFile(QStringLiteral("p.bin"), 3000);
    ServerConfig config;
    config.files = {dir_.filePath(QStringLiteral("root")),
                    dir_.filePath(QStringLiteral("loaders")),
                    {},
                    QStringLiteral("/usr/lib")};
    config.retransmitMs = 100;
    config.retries = 100;
    config.stallMs = 800;
    startServer(config);
    Peer client;
    client.send(readRequest("p.bin"), port_);
    auto m = client.receive();
    QVERIFY(m);
    client.send(Ack{1}, m->second); // progress: the stall clock starts again
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 3; ++i)
        client.send(Ack{1}, m->second); // duplicates are no progress
    QTRY_COMPARE_WITH_TIMEOUT(server_->counters().failed, 1u, 3000);
    QVERIFY2(clock.elapsed() >= 600, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(server_->counters().completed, 0u);
}

QTEST_GUILESS_MAIN(TestTftpTransfers)
#include "tst_tftptransfers.moc"
