// The real `metaldesk --headless` serving boot files over HTTP on loopback to real curl: whole
// files, HEAD, ranges, keep-alive, concurrent downloads, per-node iPXE scripts, refusals, slow
// clients. The counters are read from a server run in this process.
#include "childprocess.h"
#include "core/addresses/leasestore.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "rawsql.h"
#include "servers/boot/httpbootserver.h"

#include "rawsql.h"
#include "skip.h"
#include <QCryptographicHash>
#include <QDateTime>
#include <QHostAddress>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <QtTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace metaldesk;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

struct Curl {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Curl curl(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral("curl"),
            QStringList{QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("20")} + args);
    Curl r;
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished();
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Sends `bytes` on a fresh connection and returns all that comes back until the server closes
// (or `waitMs` passes).
QByteArray exchange(quint16 port, const QByteArray &bytes, int waitMs = 5000, bool *closedByServer = nullptr)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000))
        return {};
    s.write(bytes);
    QByteArray got;
    QElapsedTimer timer;
    timer.start();
    while (s.state() == QAbstractSocket::ConnectedState && timer.elapsed() < waitMs) {
        s.waitForReadyRead(100);
        got += s.readAll();
    }
    got += s.readAll();
    if (closedByServer)
        *closedByServer = s.state() != QAbstractSocket::ConnectedState;
    return got;
}

} // namespace

class TestHttpBootServer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void servesWholeFilesByteIdentical();
    void answersHeadWithHeadersOnly();
    void servesRanges_data();
    void servesRanges();
    void refusesUnsatisfiableRanges();
    void keepsConnectionsAlive();
    void answersPipelinedRequestsInOrder();
    void servesConcurrentRangeDownloads();
    void servesPerNodeScripts();
    void refusesMissingAndEscapingPaths();
    void refusesGarbageHugeHeadsAndOtherMethods();
    void cutsOffSlowClients();
    void cutsOffSlowReaders();
    void countsWhatItServes();
    void saysWhyItCannotListen();
    void cleanupTestCase();

private:
    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(port_).arg(path); }
    QTemporaryDir dir_;
    QString root_, db_;
    QByteArray big_;
    quint16 port_ = 0;
    QProcess metaldesk_;
};

void TestHttpBootServer::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty())
        METALDESK_SKIP("curl is not installed: run tools/setup");
    root_ = dir_.filePath(QStringLiteral("boot"));
    QVERIFY(QDir().mkpath(root_ + QStringLiteral("/images")));
    QVERIFY(QDir().mkpath(root_ + QStringLiteral("/environment")));
    // 24 MiB of noise: large enough that sendfile has to resume on a full socket many times.
    big_.resize(24 << 20);
    QRandomGenerator(42).fillRange(reinterpret_cast<quint32 *>(big_.data()), big_.size() / 4);
    for (const auto &[name, content] : {std::pair{QStringLiteral("/images/root.img"), big_},
                                        std::pair{QStringLiteral("/environment/vmlinuz"), QByteArray("kernel\n")},
                                        std::pair{QStringLiteral("/empty"), QByteArray()}}) {
        QFile f(root_ + name);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    db_ = dir_.filePath(QStringLiteral("md.db"));
    port_ = freePort();
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        ConfigStore &config = *(*core)->config;
        QVERIFY(config.setValue(QStringLiteral("http_port"), QString::number(port_)));
        QVERIFY(config.setValue(QStringLiteral("http_timeout_seconds"), QStringLiteral("2")));
        // root.img (24 MiB) must then be taken within 2 s + 3 s (cutsOffSlowReaders).
        QVERIFY(config.setValue(QStringLiteral("http_min_rate_kib"), QStringLiteral("8192")));
        QVERIFY(config.setValue(QStringLiteral("boot_root"), root_));
        // The test's own environment files, not the one the build made beside the program.
        QVERIFY(config.setValue(QStringLiteral("boot_environment_dir"), root_ + QStringLiteral("/environment")));
        QVERIFY(config.setValue(QStringLiteral("boot_loader_dir"), dir_.filePath(QStringLiteral("ipxe"))));
        // Only HTTP is under test: TFTP goes to a free port, out of everyone's way.
        QVERIFY(config.setValue(QStringLiteral("tftp_port"), QString::number(freePort())));
    }
    metaldesk_.setProcessChannelMode(QProcess::SeparateChannels);
    testing::dieWithParent(metaldesk_, SIGTERM); // a test killed by its timeout leaves no server behind
    metaldesk_.start(QStringLiteral(METALDESK_BINARY), {QStringLiteral("--headless"), QStringLiteral("--database"), db_,
                                                        QStringLiteral("--listen"), QStringLiteral("127.0.0.1")});
    QVERIFY(metaldesk_.waitForStarted());
    QString banner;
    QElapsedTimer timer;
    timer.start();
    while (!banner.contains(QLatin1String("Stop with")) && timer.elapsed() < 30000 &&
           metaldesk_.state() == QProcess::Running) {
        metaldesk_.waitForReadyRead(200);
        banner += QString::fromLocal8Bit(metaldesk_.readAllStandardOutput());
    }
    QVERIFY2(banner.contains(QStringLiteral("service:   http: boot files over HTTP on tcp 127.0.0.1:%1").arg(port_)),
             qPrintable(banner + QString::fromLocal8Bit(metaldesk_.readAllStandardError())));
    // The banner is printed when the threads start; wait until the port answers.
    timer.restart();
    while (curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), url(QStringLiteral("/empty"))}).exitCode != 0 &&
           timer.elapsed() < 10000)
        QTest::qWait(50);
}

void TestHttpBootServer::cleanupTestCase()
{
    if (metaldesk_.state() == QProcess::Running) {
        metaldesk_.terminate();
        if (!metaldesk_.waitForFinished(10000))
            metaldesk_.kill();
    }
}

void TestHttpBootServer::servesWholeFilesByteIdentical()
{
    const QString out = dir_.filePath(QStringLiteral("whole"));
    const Curl c = curl({QStringLiteral("-o"), out, QStringLiteral("-w"),
                         QStringLiteral("%{http_code} %{content_type}"), url(QStringLiteral("/images/root.img"))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QCOMPARE(c.out, QByteArray("200 application/octet-stream"));
    QVERIFY(readFile(out) == big_);
    // An empty file is a 200 with no body.
    QCOMPARE(curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                   QStringLiteral("%{http_code} %{size_download}"), url(QStringLiteral("/empty"))})
                 .out,
             QByteArray("200 0"));
}

void TestHttpBootServer::answersHeadWithHeadersOnly()
{
    const Curl c = curl({QStringLiteral("-I"), url(QStringLiteral("/images/root.img"))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QVERIFY2(c.out.startsWith("HTTP/1.1 200 OK\r\n"), c.out.constData());
    QVERIFY2(c.out.contains("\r\nContent-Length: " + QByteArray::number(big_.size()) + "\r\n"), c.out.constData());
    QVERIFY(c.out.contains("\r\nAccept-Ranges: bytes\r\n"));
    QVERIFY(c.out.contains("\r\nLast-Modified: "));
    QVERIFY(c.out.contains("\r\nDate: "));
    QVERIFY(c.out.endsWith("\r\n\r\n")); // and nothing after the head
    // A conditional GET with that date: 304, no body.
    const QByteArray modified = c.out.mid(c.out.indexOf("Last-Modified: ") + 15).split('\r').first();
    const Curl again = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                             QStringLiteral("%{http_code} %{size_download}"), QStringLiteral("-H"),
                             QStringLiteral("If-Modified-Since: ") + QString::fromLatin1(modified),
                             url(QStringLiteral("/images/root.img"))});
    QCOMPARE(again.out, QByteArray("304 0"));
}

void TestHttpBootServer::servesRanges_data()
{
    QTest::addColumn<QString>("range");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("length");
    const qint64 size = 24 << 20;
    QTest::newRow("0-99") << QStringLiteral("0-99") << qint64(0) << qint64(100);
    QTest::newRow("1000-") << QStringLiteral("1000-") << qint64(1000) << size - 1000;
    QTest::newRow("-100") << QStringLiteral("-100") << size - 100 << qint64(100);
    QTest::newRow("1 MiB in the middle") << QStringLiteral("5242880-6291455") << qint64(5242880) << qint64(1 << 20);
}

void TestHttpBootServer::servesRanges()
{
    QFETCH(QString, range);
    QFETCH(qint64, first);
    QFETCH(qint64, length);
    const QString out = dir_.filePath(QStringLiteral("range"));
    const QString headers = dir_.filePath(QStringLiteral("range.headers"));
    const Curl c =
        curl({QStringLiteral("-r"), range, QStringLiteral("-o"), out, QStringLiteral("-D"), headers,
              QStringLiteral("-w"), QStringLiteral("%{http_code}"), url(QStringLiteral("/images/root.img"))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QCOMPARE(c.out, QByteArray("206"));
    const QByteArray head = readFile(headers);
    const QByteArray contentRange = "\r\nContent-Range: bytes " + QByteArray::number(first) + '-' +
                                    QByteArray::number(first + length - 1) + '/' + QByteArray::number(big_.size()) +
                                    "\r\n";
    QVERIFY2(head.contains(contentRange), head.constData());
    QVERIFY(head.contains("\r\nContent-Length: " + QByteArray::number(length) + "\r\n"));
    QVERIFY(readFile(out) == big_.mid(first, length));
}

void TestHttpBootServer::refusesUnsatisfiableRanges()
{
    const Curl c = curl({QStringLiteral("-r"), QStringLiteral("%1-").arg(big_.size()), QStringLiteral("-o"),
                         QStringLiteral("/dev/null"), QStringLiteral("-D"), QStringLiteral("-"),
                         url(QStringLiteral("/images/root.img"))});
    QVERIFY2(c.out.startsWith("HTTP/1.1 416 Range Not Satisfiable\r\n"), c.out.constData());
    QVERIFY(c.out.contains("\r\nContent-Range: bytes */" + QByteArray::number(big_.size()) + "\r\n"));
}

void TestHttpBootServer::keepsConnectionsAlive()
{
    // Two URLs in one curl: the second reuses the first connection.
    const Curl c = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-o"),
                         QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{num_connects} "),
                         url(QStringLiteral("/environment/vmlinuz")), url(QStringLiteral("/images/root.img"))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QCOMPARE(c.out, QByteArray("1 0 "));
    // HTTP/1.0 closes unless asked; "Connection: close" closes.
    const Curl old =
        curl({QStringLiteral("-0"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-o"),
              QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{num_connects} "),
              url(QStringLiteral("/environment/vmlinuz")), url(QStringLiteral("/environment/vmlinuz"))});
    QCOMPARE(old.out, QByteArray("1 1 "));
    const Curl closing = curl(
        {QStringLiteral("-H"), QStringLiteral("Connection: close"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
         QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{num_connects} "),
         url(QStringLiteral("/environment/vmlinuz")), url(QStringLiteral("/environment/vmlinuz"))});
    QCOMPARE(closing.out, QByteArray("1 1 "));
}

void TestHttpBootServer::answersPipelinedRequestsInOrder()
{
    const QByteArray two = "GET /environment/vmlinuz HTTP/1.1\r\nHost: x\r\n\r\n"
                           "GET /images/root.img HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n"
                           "GET /environment/vmlinuz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    bool closed = false;
    const QByteArray got = exchange(port_, two, 5000, &closed);
    QVERIFY(closed);
    const qsizetype first = got.indexOf("HTTP/1.1 200 OK");
    const qsizetype second = got.indexOf("HTTP/1.1 206 Partial Content");
    const qsizetype third = got.indexOf("HTTP/1.1 200 OK", first + 1);
    QVERIFY2(first == 0 && second > first && third > second, got.constData());
    QVERIFY(got.mid(first, second - first).endsWith("\r\n\r\nkernel\n"));
    QVERIFY(got.mid(second, third - second).endsWith("\r\n\r\n" + big_.mid(10, 10)));
    QVERIFY(got.endsWith("Connection: close\r\n\r\nkernel\n"));
}

void TestHttpBootServer::servesConcurrentRangeDownloads()
{
    // Eight clients at once, each a different quarter-overlapping slice of the same file.
    std::vector<std::unique_ptr<QProcess>> clients;
    const qint64 slice = big_.size() / 4;
    for (int i = 0; i < 8; ++i) {
        const qint64 first = i * (big_.size() - slice) / 7;
        auto p = std::make_unique<QProcess>();
        p->start(QStringLiteral("curl"),
                 {QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("30"), QStringLiteral("-r"),
                  QStringLiteral("%1-%2").arg(first).arg(first + slice - 1), QStringLiteral("-o"),
                  dir_.filePath(QStringLiteral("slice%1").arg(i)), url(QStringLiteral("/images/root.img"))});
        clients.push_back(std::move(p));
    }
    for (int i = 0; i < 8; ++i) {
        QVERIFY(clients[size_t(i)]->waitForFinished(40000));
        QCOMPARE(clients[size_t(i)]->exitCode(), 0);
        const qint64 first = i * (big_.size() - slice) / 7;
        QVERIFY2(readFile(dir_.filePath(QStringLiteral("slice%1").arg(i))) == big_.mid(first, slice),
                 qPrintable(QString::number(i)));
    }
}

void TestHttpBootServer::servesPerNodeScripts()
{
    // An unknown MAC enlists, and the script points back at the address the client used.
    const Curl c =
        curl({QStringLiteral("-D"), QStringLiteral("-"), url(QStringLiteral("/boot/52-54-00-aa-bb-cc.ipxe"))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QVERIFY2(c.out.startsWith("HTTP/1.1 200 OK\r\n"), c.out.constData());
    QVERIFY(c.out.contains("\r\nCache-Control: no-store\r\n"));
    QVERIFY(c.out.contains("\r\n\r\n#!ipxe\n"));
    QVERIFY2(c.out.contains("metaldesk.purpose=enlist"), c.out.constData());
    QVERIFY2(c.out.contains(QStringLiteral("kernel http://127.0.0.1:%1/environment/vmlinuz").arg(port_).toLatin1()),
             c.out.constData());

    // A commissioning machine's script carries its credential only to the address holding the
    // machine's DHCP lease (security review H1): curl from 127.0.0.1 is that only once the lease says so.
    const QString mac = QStringLiteral("52:54:00:aa:bb:01");
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
        QVERIFY(core);
        NewMachine spec;
        spec.macAddresses = {mac};
        const Actor system = Actor::system(QStringLiteral("test"));
        auto machine = (*core)->engine->createMachine(spec, system);
        QVERIFY(machine);
        QVERIFY((*core)->engine->changeStatus(machine->systemId, NodeStatus::Commissioning, system,
                                              Text::plain(QStringLiteral("test"))));
    }
    const QString script = url(QStringLiteral("/boot/52-54-00-aa-bb-01.ipxe"));
    const Curl anyone = curl({script});
    QVERIFY2(anyone.out.contains("metaldesk.purpose=commission") && !anyone.out.contains("metaldesk.token="),
             anyone.out.constData());
    QVERIFY2(anyone.out.contains("# without the machine's credentials"), anyone.out.constData());
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
        QVERIFY(core);
        QVERIFY(LeaseStore((*core)->db)
                    .save(Lease{QHostAddress(QHostAddress::LocalHost).toIPv4Address(),
                                mac,
                                {},
                                Lease::State::Bound,
                                QDateTime::currentMSecsSinceEpoch() + 3600'000}));
    }
    const Curl machine = curl({script});
    QVERIFY2(machine.out.contains("metaldesk.token="), machine.out.constData());
}

void TestHttpBootServer::refusesMissingAndEscapingPaths()
{
    auto status = [this](const QStringList &args) {
        return curl(QStringList{QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                                QStringLiteral("%{http_code}")} +
                    args)
            .out;
    };
    QCOMPARE(status({url(QStringLiteral("/images/missing.img"))}), QByteArray("404"));
    QCOMPARE(status({QStringLiteral("--path-as-is"), url(QStringLiteral("/../etc/passwd"))}), QByteArray("404"));
    QCOMPARE(status({QStringLiteral("--path-as-is"), url(QStringLiteral("/images/../../etc/passwd"))}),
             QByteArray("404"));
    QCOMPARE(status({url(QStringLiteral("/%2e%2e/etc/passwd"))}), QByteArray("404"));
    QCOMPARE(status({url(QStringLiteral("/images"))}), QByteArray("404")); // a directory
    QCOMPARE(status({url(QStringLiteral("/images/root.img%"))}), QByteArray("400"));
}

void TestHttpBootServer::refusesGarbageHugeHeadsAndOtherMethods()
{
    bool closed = false;
    QByteArray got = exchange(port_, "garbage\r\n\r\n", 5000, &closed);
    QVERIFY2(got.startsWith("HTTP/1.1 400 Bad Request\r\n"), got.constData());
    QVERIFY(got.contains("\r\nConnection: close\r\n"));
    QVERIFY(closed);
    got = exchange(port_, QByteArray::fromHex("16030100a5010000a10303"), 5000, &closed); // a TLS hello
    QVERIFY2(got.startsWith("HTTP/1.1 400 Bad Request\r\n"), got.constData());

    const Curl huge =
        curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
              QStringLiteral("-H"), QStringLiteral("X-Big: ") + QString(20000, u'a'), url(QStringLiteral("/empty"))});
    QCOMPARE(huge.out, QByteArray("431"));
    const Curl post = curl({QStringLiteral("-X"), QStringLiteral("DELETE"), QStringLiteral("-D"), QStringLiteral("-"),
                            QStringLiteral("-o"), QStringLiteral("/dev/null"), url(QStringLiteral("/empty"))});
    QVERIFY2(post.out.startsWith("HTTP/1.1 405 Method Not Allowed\r\n"), post.out.constData());
    QVERIFY(post.out.contains("\r\nAllow: GET, HEAD\r\n"));
    QCOMPARE(exchange(port_, "GET / HTTP/2.0\r\n\r\n").left(40),
             QByteArray("HTTP/1.1 505 HTTP Version Not Supported\r"));
    // The server is still fine.
    QCOMPARE(curl({QStringLiteral("-w"), QStringLiteral("%{http_code}"), QStringLiteral("-o"),
                   QStringLiteral("/dev/null"), url(QStringLiteral("/empty"))})
                 .out,
             QByteArray("200"));
}

void TestHttpBootServer::cutsOffSlowClients()
{
    // Half a head, then nothing: cut off after the 2 s timeout, with nothing sent back.
    QElapsedTimer timer;
    timer.start();
    bool closed = false;
    const QByteArray got = exchange(port_, "GET /empty HTTP/1.1\r\nHo", 8000, &closed);
    QVERIFY(closed);
    QVERIFY(got.isEmpty());
    QVERIFY2(timer.elapsed() >= 1900 && timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
    // Trickling bytes does not extend the deadline of a head.
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port_);
    QVERIFY(s.waitForConnected(5000));
    timer.restart();
    const QByteArray head = "GET /empty HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (qsizetype i = 0; i < head.size() && s.state() == QAbstractSocket::ConnectedState; ++i) {
        s.write(head.mid(i, 1));
        s.waitForBytesWritten(100);
        s.waitForReadyRead(100);
    }
    QVERIFY2(s.state() != QAbstractSocket::ConnectedState || s.waitForDisconnected(3000), "still connected");
    QVERIFY2(timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
}

void TestHttpBootServer::cutsOffSlowReaders()
{
    // A client that takes 200 KiB every 100 ms keeps the answer moving well within the 2 s
    // timeout, which progress used to extend: it held its connection as long as it liked (at one
    // byte in 25 s, for ever: security review M9). Now the answer must be taken within 2 s + 24 MiB
    // at 8 MiB/s, so it is reset after about 5 s, before the 12 s the file takes at its pace.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port_);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to), 0);
    const QByteArray get = "GET /images/root.img HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(::send(fd, get.constData(), size_t(get.size()), 0), ssize_t(get.size()));
    QElapsedTimer timer;
    timer.start();
    qint64 received = 0;
    bool ended = false;
    QByteArray chunk(200 * 1024, Qt::Uninitialized);
    while (!ended && timer.elapsed() < 20000) {
        const ssize_t n = ::recv(fd, chunk.data(), size_t(chunk.size()), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            ended = true;
        else if (n > 0)
            received += n;
        QTest::qSleep(100);
    }
    ::close(fd);
    const qint64 took = timer.elapsed();
    qInfo("figure: a slow reader got %lld of %lld bytes in %lld ms before it was cut off", received,
          qint64(big_.size()), took);
    QVERIFY2(ended, "the slow reader is still served after 20 s");
    QVERIFY2(received < big_.size(), "the slow reader got the whole file");
    QVERIFY2(took >= 4500 && took < 9000, qPrintable(QString::number(took)));
}

void TestHttpBootServer::countsWhatItServes()
{
    // The same server in this process, so that its counters can be read.
    auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
    QVERIFY(core);
    auto config = http::ServerConfig::fromConfig(*(*core)->config, QStringLiteral("127.0.0.1"));
    QVERIFY2(config, qPrintable(config.errorMessage()));
    config->port = freePort();
    config->timeoutMs = 1000;
    ServiceHost host;
    auto server = std::make_unique<http::BootServer>((*core)->db, *config);
    http::BootServer *http = server.get();
    QSignalSpy states(http, &Service::stateChanged);
    host.add(std::move(server));
    host.start();
    QTRY_COMPARE(states.size(), 1);
    QCOMPARE(states.first().first().toString(), QStringLiteral("running"));
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(config->port);

    QCOMPARE(curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), base + QStringLiteral("/images/root.img"),
                   QStringLiteral("-r"), QStringLiteral("0-99"), base + QStringLiteral("/environment/vmlinuz")})
                 .exitCode,
             0);
    QCOMPARE(curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), base + QStringLiteral("/nothing")}).exitCode, 0);
    QVERIFY(exchange(config->port, "garbage\r\n\r\n").startsWith("HTTP/1.1 400"));
    QVERIFY(exchange(config->port, "GET / HTTP/1.1\r\n", 3000).isEmpty()); // timed out

    QTRY_COMPARE(http->counters().connectionsOpen, quint64(0));
    const http::Counters c = http->counters();
    QCOMPARE(c.requests, quint64(4));
    QCOMPARE(c.byStatusClass[1], quint64(2)); // two 206: -r applies to both URLs
    QCOMPARE(c.byStatusClass[3], quint64(2)); // 404 and 400
    QCOMPARE(c.badRequests, quint64(1));
    QCOMPARE(c.timedOut, quint64(1));
    QCOMPARE(c.connectionsAccepted, quint64(4));
    QVERIFY2(c.bytesSent > 100 + 7 && c.bytesSent < 4000, qPrintable(QString::number(c.bytesSent)));
    host.stop();
}

void TestHttpBootServer::saysWhyItCannotListen()
{
    // The port of the running server is taken: the second one fails and says what to do.
    auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
    QVERIFY(core);
    auto config = http::ServerConfig::fromConfig(*(*core)->config, QStringLiteral("127.0.0.1"));
    QVERIFY(config);
    http::BootServer server((*core)->db, *config);
    QSignalSpy states(&server, &Service::stateChanged);
    server.start();
    QCOMPARE(states.size(), 1);
    QCOMPARE(states.first().at(0).toString(), QStringLiteral("failed"));
    QVERIFY2(states.first().at(1).toString().contains(QLatin1String("choose another port in the setting http_port")),
             qPrintable(states.first().at(1).toString()));
    // A wrong setting is refused when it is set, with its name and what it takes...
    const auto refused = (*core)->config->setValue(QStringLiteral("http_timeout_seconds"), QStringLiteral("soon"));
    QVERIFY(!refused);
    QVERIFY2(refused.errorMessage().contains(QLatin1String("http_timeout_seconds is 'soon': it should be a number")),
             qPrintable(refused.errorMessage()));
    // ...and named when one stored behind MetalDesk's back (an older version, an SQL shell) is read.
    {
        metaldesk::testing::RawSql sql(DatabaseSpec::sqlite(db_));
        QCOMPARE(sql.exec(QStringLiteral("UPDATE config SET value = 'soon' WHERE name = 'http_timeout_seconds'")),
                 QString());
    }
    const auto wrong = http::ServerConfig::fromConfig(*(*core)->config, {});
    QVERIFY(!wrong);
    QVERIFY2(wrong.errorMessage().contains(QLatin1String("http_timeout_seconds")), qPrintable(wrong.errorMessage()));
    QVERIFY((*core)->config->setValue(QStringLiteral("http_timeout_seconds"), QStringLiteral("2")));
}

QTEST_MAIN(TestHttpBootServer)
#include "tst_httpbootserver.moc"
