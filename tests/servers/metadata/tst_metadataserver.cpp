// The real `metaldesk --headless` serving the metadata service (/MAAS/metadata/) on loopback to
// peers nobody here wrote: Debian's curl for the built-in environment's calls and for HTTP edge
// cases, Debian's python3-oauthlib making the OAuth 1.0 PLAINTEXT signatures, and Debian's
// cloud-init (its MAAS datasource, OAuth URL helper, network-config parser and webhook reporting
// handler, unchanged) reading what a deployed system reads. What a user would see is read from the
// same database through CoreServices: the machine's status, its message, its events, its results.
// No root needed; skips when a peer is missing (tools/setup installs them all).
#include "childprocess.h"
#include "core/addresses/staticaddresses.h"
#include "core/boot/nodereports.h"
#include "core/images/bootimagestore.h"
#include "core/machines/nodesettings.h"
#include "core/runtime/coreservices.h"
#include "core/users/nodetokens.h"
#include "printers.h"

#include "skip.h"
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSysInfo>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace metaldesk;
using namespace Qt::StringLiterals;
using S = NodeStatus;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3"); // Debian's: the one with its packages

// What bootenv/inventory.sh prints for a QEMU VM (bootenv/README.md); MACs and architecture vary.
QByteArray inventory(const QStringList &macs, const QString &architecture = QStringLiteral("amd64/generic"),
                     int memoryMiB = 512)
{
    QJsonArray nics;
    for (const QString &mac : macs)
        nics.append(QJsonObject{{QStringLiteral("mac"), mac},
                                {QStringLiteral("driver"), QStringLiteral("virtio_net")},
                                {QStringLiteral("link"), true}});
    const QJsonObject o{
        {QStringLiteral("architecture"), architecture},
        {QStringLiteral("firmware"), QStringLiteral("bios")},
        {QStringLiteral("cpu"), QJsonObject{{QStringLiteral("model"), QStringLiteral("QEMU Virtual CPU version 2.5+")},
                                            {QStringLiteral("count"), 2}}},
        {QStringLiteral("memory_mib"), memoryMiB},
        {QStringLiteral("disks"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("nvme0n1")},
                                                         {QStringLiteral("model"), QStringLiteral("QEMU NVMe Ctrl")},
                                                         {QStringLiteral("serial"), QStringLiteral("MDNVME0001")},
                                                         {QStringLiteral("size_bytes"), 50331648}},
                                             QJsonObject{{QStringLiteral("name"), QStringLiteral("vda")},
                                                         {QStringLiteral("model"), QString()},
                                                         {QStringLiteral("serial"), QStringLiteral("MDVIRTIO0001")},
                                                         {QStringLiteral("size_bytes"), 67108864}}}},
        {QStringLiteral("nics"), nics},
        {QStringLiteral("dmi"),
         QJsonObject{{QStringLiteral("vendor"), QStringLiteral("QEMU")},
                     {QStringLiteral("product"), QStringLiteral("Standard PC (i440FX + PIIX, 1996)")},
                     {QStringLiteral("serial"), QString()}}},
        {QStringLiteral("boot_mac"), macs.value(0)},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QString &program, const QStringList &args, const QByteArray &input = {}, int timeoutMs = 30000)
{
    QProcess p;
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(10000)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

Run curl(const QStringList &args, const QByteArray &input = {})
{
    return run(QStringLiteral("curl"),
               QStringList{QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("20")} + args, input);
}

// One answer as curl -i prints it, interim 1xx answers skipped (and remembered).
struct Reply {
    int exitCode = -1;
    int status = 0;
    QByteArray head; // status line and fields, CRLF-separated
    QByteArray body;
    QByteArray err;
    QList<int> interim; // 100 Continue, ...

    std::optional<QByteArray> header(QByteArrayView name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && QByteArrayView(line).first(colon).compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return std::nullopt;
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    // For failure messages: everything curl said.
    QByteArray dump() const
    {
        return "exit " + QByteArray::number(exitCode) + ", status " + QByteArray::number(status) + "\n" + head +
               "\n\n" + body + "\n" + err;
    }
};

Reply parseReply(const Run &r)
{
    Reply reply;
    reply.exitCode = r.exitCode;
    reply.err = r.err;
    QByteArray rest = r.out;
    for (;;) {
        const qsizetype end = rest.indexOf("\r\n\r\n");
        if (!rest.startsWith("HTTP/") || end < 0) {
            reply.body = rest;
            break;
        }
        const QByteArray head = rest.left(end);
        rest = rest.mid(end + 4);
        const int status = head.mid(9, 3).toInt();
        if (status >= 100 && status < 200) {
            reply.interim << status;
            continue;
        }
        reply.status = status;
        reply.head = head;
        reply.body = rest;
        break;
    }
    return reply;
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

// The Authorization header oauthlib makes, as cloud-init's url_helper.oauth_headers asks for it:
// PLAINTEXT, an empty consumer secret (MAAS's node tokens have none). `method` HMAC-SHA1 makes the
// kind of signature MetalDesk does not take.
const char *kSignScript = R"py(
import sys
from oauthlib import oauth1
ck, tk, ts, url, http_method, method = sys.argv[1:7]
client = oauth1.Client(ck, client_secret="", resource_owner_key=tk, resource_owner_secret=ts,
                       signature_method=method)
print(client.sign(url, http_method=http_method)[1]["Authorization"])
)py";

// A deployed system's cloud-init, from the configuration MetalDesk wrote into its image: its MAAS
// datasource (the class cloud-init's init stage uses, with its OAuth URL helper) waits for the
// service and reads meta-data and user-data; the network configuration is parsed as cloud-init's
// renderers would; cloud-init's own webhook handler reports three events (a start, which MAAS
// drops; a stage's finish; a module's failure). With "credentials" instead of "cloud_config", only
// the datasource's reader runs with them, and a refusal is printed with its status and its Date
// header (from which cloud-init corrects its clock).
const char *kCloudInitScript = R"py(
import json, sys, logging
logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
from cloudinit import helpers, reporting, url_helper, util
from cloudinit.net import network_state
from cloudinit.reporting import events
from cloudinit.sources import DataSourceMAAS as maas

request = json.load(sys.stdin)
out = {}
if "credentials" in request:
    ds = request["credentials"]
    helper = maas.get_oauth_helper(ds)
    helper.skew_data_file = None  # never write /run/oauth_skew.json on this machine
    try:
        ud, md, vd = maas.read_maas_seed_url(ds["metadata_url"], read_file_or_url=helper.readurl, timeout=10,
                                             retries=0)
        out["meta_data"] = md
    except url_helper.UrlError as e:
        out["error"] = {"code": e.code, "date": (e.headers or {}).get("date"), "text": str(e)}
    print(json.dumps(out))
    sys.exit(0)

cfg = util.load_yaml(request["cloud_config"])
out["datasource_list"] = cfg.get("datasource_list")
# Only so that a broken service fails the test in seconds rather than after cloud-init's 120 s.
cfg["datasource"]["MAAS"].setdefault("max_wait", 15)
work = request["work_dir"]
source = maas.DataSourceMAAS(cfg, None, helpers.Paths({"cloud_dir": work + "/cloud", "run_dir": work + "/run"}))
source.oauth_helper.skew_data_file = None
out["found"] = source.get_data()
out["instance_id"] = source.get_instance_id()
out["hostname"] = source.get_hostname().hostname
out["meta_data"] = source.metadata
ud = source.get_userdata_raw()
out["user_data"] = None if ud is None else ud.decode("utf-8")
state = network_state.parse_net_config_data(cfg["network"])
out["interfaces"] = [{"name": i.get("name"), "mac_address": i.get("mac_address"),
                      "subnets": i.get("subnets")} for i in state.iter_interfaces()]
out["dns"] = state.dns_nameservers
reporting.update_configuration(cfg["reporting"])
events.report_start_event("init-network", "searching for network datasources")
events.report_finish_event("init-network", "searching for network datasources", events.status.SUCCESS)
events.report_finish_event("modules-final/config-scripts-user", "running config-scripts-user", events.status.FAIL)
reporting.flush_events()
print(json.dumps(out, default=str))
)py";

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool pythonHas(const QString &module)
{
    return QFileInfo(kPython).isExecutable() &&
           run(kPython, {QStringLiteral("-c"), QStringLiteral("import ") + module}).exitCode == 0;
}

QString eventText(const QList<Event> &events)
{
    QStringList lines;
    for (const Event &e : events)
        lines << QStringLiteral("%1 [%2] %3").arg(e.type).arg(int(e.level)).arg(e.description);
    return lines.join(QLatin1Char('\n'));
}

} // namespace

class TestMetadataServer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void enlistsAnUnknownMachine();
    void enlistingAKnownMacSaysNoMore();
    void limitsAnonymousEnlistment();
    void refusesAnUnknownArchitectureWithAnEvent();
    void refusesCallsWithoutCredentials();
    void refusesWrongCredentials();
    void keepsEachMachineToItself();
    void commissionsToReady();
    void failsCommissioningWithTheReason();
    void deploysWithAReservedAddressAndStockCloudInit();
    void aRootFilesystemImageComesWithItsKernelAndInitrd();
    void aWholeDiskImageComesWithItsSha256();
    void failsADeploymentWhenNoAddressIsFree();
    void answersOnlyUnderItsOwnNames();
    void refusesMalformedHttp();
    void keepsConnectionsAlive();
    void cutsOffSlowClients();
    void holdsAgainstAClientThatNeverReads();
    void cleanupTestCase();

private:
    QString url(const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1/MAAS/metadata/%2").arg(port_).arg(path);
    }
    // The Authorization header for `token`, made by oauthlib for this request.
    QString sign(const NodeToken &token, const QString &path, const QString &httpMethod = QStringLiteral("GET"),
                 const QString &signatureMethod = QStringLiteral("PLAINTEXT")) const;
    // One request with curl: the body from stdin, the credential when given.
    Reply call(const QString &method, const QString &path, const QByteArray &body = {},
               const std::optional<NodeToken> &token = std::nullopt, const QStringList &extra = {}) const;
    // Enlists a machine with these MACs over HTTP, as the built-in environment does.
    std::optional<Machine> enlist(const QStringList &macs);
    NodeToken tokenOf(const QString &systemId) const;
    // Enlists a machine with `mac`, makes it Ready and starts deploying `imageLocation` on it, as the
    // user would; its system id, or empty when a step failed.
    QString deploying(const QString &mac, const QString &imageLocation);
    Machine machine(const QString &systemId) const
    {
        auto m = core_->machines->get(systemId);
        return m ? *m : Machine{};
    }
    // Newest first, as the machine's event log shows them.
    QList<Event> events(const QString &systemId) const
    {
        auto e = core_->events->forMachine(systemId);
        return e ? *e : QList<Event>{};
    }

    QTemporaryDir dir_;
    QString db_;
    quint16 port_ = 0;
    quint16 httpPort_ = 0;
    QProcess metaldesk_;
    std::unique_ptr<CoreServices> core_;
    bool cloudInit_ = false;
    const Actor admin_ = Actor::system(QStringLiteral("test"));
};

QString TestMetadataServer::sign(const NodeToken &token, const QString &path, const QString &httpMethod,
                                 const QString &signatureMethod) const
{
    const Run r = run(kPython, {QStringLiteral("-c"), QString::fromUtf8(kSignScript), token.consumerKey, token.tokenKey,
                                token.tokenSecret, url(path), httpMethod, signatureMethod});
    if (r.exitCode != 0)
        qWarning().noquote() << "oauthlib failed:" << r.err;
    return QString::fromUtf8(r.out.trimmed());
}

Reply TestMetadataServer::call(const QString &method, const QString &path, const QByteArray &body,
                               const std::optional<NodeToken> &token, const QStringList &extra) const
{
    QStringList args{QStringLiteral("-i")};
    if (method == QLatin1String("HEAD"))
        args << QStringLiteral("-I");
    else if (method != QLatin1String("GET") || !body.isEmpty())
        args << QStringLiteral("-X") << method;
    if (!body.isEmpty())
        args << QStringLiteral("-H") << QStringLiteral("Content-Type: application/json")
             << QStringLiteral("--data-binary") << QStringLiteral("@-");
    if (token)
        args << QStringLiteral("-H") << QStringLiteral("Authorization: ") + sign(*token, path, method);
    args << extra << url(path);
    return parseReply(curl(args, body));
}

QString TestMetadataServer::deploying(const QString &mac, const QString &imageLocation)
{
    const auto m = enlist({mac});
    if (!m || !core_->engine->changeStatus(m->systemId, S::Ready, admin_,
                                           Text::plain(QStringLiteral("commissioned by the test"))))
        return {};
    DeploySettings wanted;
    wanted.imageUrl = imageLocation;
    if (!NodeSettingsStore(core_->db).setDeploySettings(m->systemId, wanted) ||
        !core_->engine->performAction(m->systemId, NodeAction::Deploy, admin_))
        return {};
    return m->systemId;
}

std::optional<Machine> TestMetadataServer::enlist(const QStringList &macs)
{
    const Reply r = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"), inventory(macs));
    if (r.status != 200) {
        qWarning().noquote() << "enlist failed:" << r.dump();
        return std::nullopt;
    }
    auto m = core_->machines->get(r.json().value(QStringLiteral("system_id")).toString());
    if (!m)
        return std::nullopt;
    return *m;
}

NodeToken TestMetadataServer::tokenOf(const QString &systemId) const
{
    auto token = NodeTokenStore(core_->db).tokenFor(systemId);
    return token ? *token : NodeToken{};
}

void TestMetadataServer::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty())
        METALDESK_SKIP("curl is not installed: run tools/setup");
    if (!pythonHas(QStringLiteral("oauthlib")))
        METALDESK_SKIP("Debian's python3-oauthlib is not installed for /usr/bin/python3: run tools/setup");
    cloudInit_ = pythonHas(QStringLiteral("cloudinit.sources.DataSourceMAAS"));
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath(QStringLiteral("md.db"));
    port_ = freePort();
    httpPort_ = freePort();
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        ConfigStore &config = *(*core)->config;
        QVERIFY(config.setValue(QStringLiteral("metadata_port"), QString::number(port_)));
        QVERIFY(config.setValue(QStringLiteral("metadata_timeout_seconds"), QStringLiteral("2")));
        // The other servers go to free ports, out of everyone's way.
        QVERIFY(config.setValue(QStringLiteral("http_port"), QString::number(httpPort_)));
        QVERIFY(config.setValue(QStringLiteral("tftp_port"), QString::number(freePort())));
        QVERIFY(config.setValue(QStringLiteral("boot_root"), dir_.filePath(QStringLiteral("boot"))));
        // Every test here enlists from 127.0.0.1; limitsAnonymousEnlistment lowers it.
        QVERIFY(config.setValue(QStringLiteral("enlist_per_minute"), QStringLiteral("10000")));
        QVERIFY(config.setValue(QStringLiteral("api_host_names"), QStringLiteral("maas.lab.example, Other.Example.")));
        // The region starts once an account exists (headlessStartsTheRegionOnceThereIsAnAccount).
        QVERIFY((*core)->users->createUser(QStringLiteral("admin"), {}, QStringLiteral("pw"), true));
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8")); // the reasons in English
    env.insert(QStringLiteral("LANGUAGE"), QStringLiteral("en"));
    metaldesk_.setProcessEnvironment(env);
    metaldesk_.setProcessChannelMode(QProcess::SeparateChannels);
    // Its log to a file: a pipe nobody reads while curl runs could fill and stop the server.
    const QString log = dir_.filePath(QStringLiteral("metaldesk.log"));
    metaldesk_.setStandardErrorFile(log);
    testing::dieWithParent(metaldesk_, SIGTERM);
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
    QVERIFY2(banner.contains(QStringLiteral("service:   region: MAAS API and metadata service on tcp 127.0.0.1:%1 "
                                            "(/MAAS/api/2.0/, /MAAS/metadata/)")
                                 .arg(port_)),
             qPrintable(banner + QString::fromLocal8Bit(readFile(log))));
    // The banner is printed when the threads start; wait until the port answers.
    timer.restart();
    Reply index;
    while ((index = call(QStringLiteral("GET"), QString())).status != 200 && timer.elapsed() < 10000)
        QTest::qWait(50);
    QVERIFY2(index.status == 200, index.dump().constData());
    QCOMPARE(index.body, QByteArray("2012-03-01\nlatest\n")); // the versions, as MAAS lists them

    auto core = CoreServices::open(DatabaseSpec::sqlite(db_));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
}

void TestMetadataServer::cleanupTestCase()
{
    core_.reset();
    if (metaldesk_.state() == QProcess::Running) {
        metaldesk_.terminate();
        if (!metaldesk_.waitForFinished(10000))
            metaldesk_.kill();
    }
}

void TestMetadataServer::enlistsAnUnknownMachine()
{
    const QStringList macs{QStringLiteral("52:54:00:5e:01:01"), QStringLiteral("52:54:00:5e:01:02")};
    const int before = int(core_->machines->list()->size());
    // As the environment's wget would, but with curl waiting for "100 Continue" first.
    const QByteArray body = inventory(macs);
    const Reply r = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"), body, std::nullopt,
                         {QStringLiteral("-H"), QStringLiteral("Expect: 100-continue")});
    QVERIFY2(r.status == 200, r.dump().constData());
    QCOMPARE(r.interim, QList<int>{100});
    QCOMPARE(r.header("content-type"), std::optional<QByteArray>("application/json"));
    const QString systemId = r.json().value(QStringLiteral("system_id")).toString();
    const QString hostname = r.json().value(QStringLiteral("hostname")).toString();
    QVERIFY2(QRegularExpression(QStringLiteral("^[a-z0-9]{6}$")).match(systemId).hasMatch(), r.body.constData());
    QVERIFY2(QRegularExpression(QStringLiteral("^[a-z]+-[a-z]+$")).match(hostname).hasMatch(), r.body.constData());

    // What the user sees: one more machine, New, with the name, the MACs (boot MAC first) and hardware.
    QCOMPARE(int(core_->machines->list()->size()), before + 1);
    const Machine m = machine(systemId);
    QCOMPARE(m.systemId, systemId);
    QCOMPARE(m.hostname, hostname);
    QCOMPARE(m.status, S::New);
    QCOMPARE(m.architecture, QStringLiteral("amd64/generic"));
    QCOMPARE(m.cpuCount, 2);
    QCOMPARE(m.memory, qint64(512));
    QCOMPARE(m.storage, qint64(50331648) + 67108864);
    QStringList got;
    for (const Interface &i : m.interfaces)
        got << i.macAddress;
    QCOMPARE(got, macs);
    const auto stored = NodeReports(core_->db, nullptr, core_->engine.get())
                            .latestResult(systemId, QLatin1String(NodeReports::kEnlistmentResult));
    QVERIFY(stored && *stored);
    QCOMPARE((*stored)->output, parseInventory(body)->toJson()); // as parsed, not the bytes sent
    const QString log = eventText(events(systemId));
    QVERIFY2(log.contains(QLatin1String("Enlisted by the boot environment: 2 CPUs")), qPrintable(log));
}

void TestMetadataServer::enlistingAKnownMacSaysNoMore()
{
    const auto first = enlist({QStringLiteral("52:54:00:5e:02:01")});
    QVERIFY(first);
    const int before = int(core_->machines->list()->size());
    // Another NIC beside the known MAC (the machine itself, or someone who knows its MAC): the answer
    // says only that it is known (as MAAS's anonymous is_registered), and no NIC is added anonymously.
    const Reply again = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"),
                             inventory({QStringLiteral("52:54:00:5e:02:02"), QStringLiteral("52:54:00:5e:02:01")}));
    QVERIFY2(again.status == 200, again.dump().constData());
    QCOMPARE(again.json(), QJsonObject({{QStringLiteral("known"), true}}));
    QVERIFY(!again.body.contains(first->systemId.toUtf8()) && !again.body.contains(first->hostname.toUtf8()));
    QCOMPARE(int(core_->machines->list()->size()), before);
    const Machine m = machine(first->systemId);
    QCOMPARE(m.interfaces.size(), 1);
    QVERIFY(!*core_->machines->findByMac(QStringLiteral("52:54:00:5e:02:02")));
    QCOMPARE(m.status, S::New);
    const QString log = eventText(events(first->systemId));
    QVERIFY2(log.contains(QLatin1String("enlisted this machine again")), qPrintable(log));
}

void TestMetadataServer::limitsAnonymousEnlistment()
{
    QVERIFY(core_->config->setValue(QStringLiteral("enlist_per_minute"), QStringLiteral("2")));
    auto restore = qScopeGuard([this] {
        (void)core_->config->setValue(QStringLiteral("enlist_per_minute"), QStringLiteral("10000"));
        (void)core_->config->setValue(QStringLiteral("enlist_max_new_machines"), QString());
    });
    // From 127.0.0.2 (loopback, a source of its own): two a minute, then 429 with when to try again.
    const QStringList from{QStringLiteral("--interface"), QStringLiteral("127.0.0.2")};
    auto enlistFrom = [&](const QStringList &source, const QString &mac) {
        return call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"), inventory({mac}), std::nullopt,
                    source);
    };
    QCOMPARE(enlistFrom(from, QStringLiteral("52:54:00:5e:0d:01")).status, 200);
    QCOMPARE(enlistFrom(from, QStringLiteral("52:54:00:5e:0d:02")).status, 200);
    const Reply tooFast = enlistFrom(from, QStringLiteral("52:54:00:5e:0d:03"));
    QVERIFY2(tooFast.status == 429, tooFast.dump().constData());
    QVERIFY2(tooFast.body.contains("127.0.0.2 has enlisted 2 times within a minute"), tooFast.dump().constData());
    const int retryAfter = tooFast.header("retry-after").value_or(QByteArray()).toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 60, tooFast.dump().constData());
    QVERIFY(!*core_->machines->findByMac(QStringLiteral("52:54:00:5e:0d:03")));
    // 127.0.0.3 is not held back by 127.0.0.2.
    QCOMPARE(
        enlistFrom({QStringLiteral("--interface"), QStringLiteral("127.0.0.3")}, QStringLiteral("52:54:00:5e:0d:03"))
            .status,
        200);

    // The count of New machines: refused beyond it, with the way out in the event log.
    int newMachines = 0;
    const auto machines = core_->machines->list();
    QVERIFY(machines);
    for (const Machine &m : *machines)
        newMachines += m.status == S::New;
    QVERIFY(core_->config->setValue(QStringLiteral("enlist_max_new_machines"), QString::number(newMachines)));
    const Reply full =
        enlistFrom({QStringLiteral("--interface"), QStringLiteral("127.0.0.4")}, QStringLiteral("52:54:00:5e:0d:04"));
    QVERIFY2(full.status == 429, full.dump().constData());
    QVERIFY2(full.body.contains("machines are New already") && full.body.contains("enlist_max_new_machines"),
             full.dump().constData());
    QVERIFY(!*core_->machines->findByMac(QStringLiteral("52:54:00:5e:0d:04")));
    const auto recent = core_->events->recent(20);
    QVERIFY(recent);
    QVERIFY2(eventText(*recent).contains(QLatin1String("52:54:00:5e:0d:04) could not enlist")),
             qPrintable(eventText(*recent)));
}

void TestMetadataServer::refusesAnUnknownArchitectureWithAnEvent()
{
    const int before = int(core_->machines->list()->size());
    const QString mac = QStringLiteral("52:54:00:5e:03:01");
    const Reply r = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"),
                         inventory({mac}, QStringLiteral("sparc64/generic")));
    QCOMPARE(r.status, 400);
    QVERIFY2(r.body.contains("sparc64/generic") && r.body.contains("it supports amd64/generic"), r.dump().constData());
    QCOMPARE(int(core_->machines->list()->size()), before);
    QVERIFY(!*core_->machines->findByMac(mac));
    // No machine to show it on: the event log says why nothing appeared.
    const auto recent = core_->events->recent(20);
    QVERIFY(recent);
    std::optional<Event> found;
    for (const Event &e : *recent)
        if (e.description.contains(mac))
            found = e;
    QVERIFY2(found, qPrintable(eventText(*recent)));
    QCOMPARE(found->type, QStringLiteral("enlist"));
    QCOMPARE(found->level, EventLevel::Warning);
    QVERIFY2(found->description.contains(QLatin1String("tried to enlist with the architecture sparc64/generic")) &&
                 found->description.contains(QLatin1String("supports amd64/generic")),
             qPrintable(found->description));

    // A known machine that now says it is something else: refused, and the event is on the machine.
    const auto known = enlist({QStringLiteral("52:54:00:5e:03:02")});
    QVERIFY(known);
    const Reply other = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"),
                             inventory({QStringLiteral("52:54:00:5e:03:02")}, QStringLiteral("arm64/generic")));
    QCOMPARE(other.status, 400);
    QVERIFY2(other.body.contains("arm64/generic"), other.dump().constData());
    const QList<Event> log = events(known->systemId);
    QVERIFY(!log.isEmpty());
    QCOMPARE(log.first().type, QStringLiteral("enlist"));
    QCOMPARE(log.first().level, EventLevel::Warning);
    QVERIFY2(log.first().description.contains(QLatin1String("reports the architecture arm64/generic")),
             qPrintable(log.first().description));
    QCOMPARE(machine(known->systemId).architecture, QStringLiteral("amd64/generic"));

    // The same inventory while commissioning: refused, and the machine fails with the reason.
    QVERIFY(core_->engine->performAction(known->systemId, NodeAction::Commission, admin_));
    const Reply commissioning = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"),
                                     inventory({QStringLiteral("52:54:00:5e:03:02")}, QStringLiteral("arm64/generic")),
                                     tokenOf(known->systemId));
    QCOMPARE(commissioning.status, 400);
    const Machine failed = machine(known->systemId);
    QCOMPARE(failed.status, S::FailedCommissioning);
    QVERIFY2(failed.statusMessage.contains(QLatin1String("reports the architecture arm64/generic")),
             qPrintable(failed.statusMessage));
    QCOMPARE(failed.architecture, QStringLiteral("amd64/generic"));
}

void TestMetadataServer::refusesCallsWithoutCredentials()
{
    const auto m = enlist({QStringLiteral("52:54:00:5e:04:01")});
    QVERIFY(m);
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
    const QList<std::pair<QString, QString>> calls{
        {QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission")},
        {QStringLiteral("POST"), QStringLiteral("metaldesk/v1/status")},
        {QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy")},
        {QStringLiteral("GET"), QStringLiteral("latest/meta-data/instance-id")},
        {QStringLiteral("GET"), QStringLiteral("2012-03-01/meta-data/local-hostname")},
        {QStringLiteral("GET"), QStringLiteral("2012-03-01/user-data")},
        {QStringLiteral("POST"), QStringLiteral("status/") + m->systemId},
    };
    for (const auto &[method, path] : calls) {
        const QByteArray body = method == QLatin1String("POST")
                                    ? (path.endsWith(QLatin1String("commission"))
                                           ? inventory({QStringLiteral("52:54:00:5e:04:01")})
                                           : QByteArray(R"({"purpose":"commission","result":"failed","reason":"x"})"))
                                    : QByteArray();
        const Reply r = call(method, path, body);
        QVERIFY2(r.status == 401, qPrintable(path + QLatin1Char('\n') + QString::fromUtf8(r.dump())));
        QCOMPARE(r.header("www-authenticate"), std::optional<QByteArray>("OAuth realm=\"MetalDesk\""));
        QVERIFY2(r.body.contains("needs the machine's OAuth credential"), r.dump().constData());
        QVERIFY(r.header("date")); // cloud-init corrects its clock from it after a 401
    }
    // Nothing happened to the machine.
    const Machine after = machine(m->systemId);
    QCOMPARE(after.status, S::Commissioning);
    QVERIFY(after.statusMessage.isEmpty());
    QVERIFY(!*NodeReports(core_->db, nullptr, core_->engine.get())
                  .latestResult(m->systemId, QLatin1String(NodeReports::kCommissioningResult)));
}

void TestMetadataServer::refusesWrongCredentials()
{
    const auto m = enlist({QStringLiteral("52:54:00:5e:05:01")});
    QVERIFY(m);
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
    const NodeToken token = tokenOf(m->systemId);
    const QString path = QStringLiteral("latest/meta-data/instance-id");
    // The right one works: the refusals below are about the credential, nothing else.
    const Reply right = call(QStringLiteral("GET"), path, {}, token);
    QVERIFY2(right.status == 200, right.dump().constData());
    QCOMPARE(right.body, m->systemId.toUtf8());

    NodeToken wrongSecret = token;
    wrongSecret.tokenSecret[0] = wrongSecret.tokenSecret[0] == QLatin1Char('A') ? QLatin1Char('B') : QLatin1Char('A');
    NodeToken wrongConsumer = token;
    wrongConsumer.consumerKey = QStringLiteral("AAAAAAAAAAAAAAAAAA");
    NodeToken unknown = NodeToken::generate();
    for (const NodeToken &bad : {wrongSecret, wrongConsumer, unknown}) {
        const Reply r = call(QStringLiteral("GET"), path, {}, bad);
        QVERIFY2(r.status == 401, r.dump().constData());
        QVERIFY(r.header("www-authenticate"));
        QVERIFY2(r.body.contains("the credential matches no machine"), r.dump().constData());
        QVERIFY(!r.body.contains(token.tokenSecret.toUtf8()));
    }
    // A signature method MAAS's clients do not use, and another scheme, are named as the reason.
    const Reply hmac = parseReply(
        curl({QStringLiteral("-i"), QStringLiteral("-H"),
              QStringLiteral("Authorization: ") + sign(token, path, QStringLiteral("GET"), QStringLiteral("HMAC-SHA1")),
              url(path)}));
    QCOMPARE(hmac.status, 401);
    QVERIFY2(hmac.body.contains("signature method HMAC-SHA1 is not supported: use PLAINTEXT"), hmac.dump().constData());
    const Reply basic = call(QStringLiteral("GET"), path, {}, std::nullopt,
                             {QStringLiteral("-u"), token.tokenKey + QLatin1Char(':') + token.tokenSecret});
    QCOMPARE(basic.status, 401);
    QVERIFY2(basic.body.contains("is not OAuth"), basic.dump().constData());

    // A wrong secret with a POST that would change the machine: refused, nothing changed.
    QStringList args{QStringLiteral("-i"),
                     QStringLiteral("-H"),
                     QStringLiteral("Authorization: ") +
                         sign(wrongSecret, QStringLiteral("metaldesk/v1/status"), QStringLiteral("POST")),
                     QStringLiteral("--data-binary"),
                     QStringLiteral("@-"),
                     url(QStringLiteral("metaldesk/v1/status"))};
    const Reply post = parseReply(curl(args, R"({"purpose":"commission","result":"failed","reason":"forged"})"));
    QCOMPARE(post.status, 401);
    QCOMPARE(machine(m->systemId).status, S::Commissioning);

    // cloud-init's MAAS datasource with a wrong secret: it sees the 401 and the Date it corrects its clock by.
    if (!cloudInit_)
        METALDESK_SKIP("Debian's cloud-init is not installed for /usr/bin/python3: run tools/setup");
    const QJsonObject request{
        {QStringLiteral("credentials"), QJsonObject{{QStringLiteral("metadata_url"), url(QString())},
                                                    {QStringLiteral("consumer_key"), token.consumerKey},
                                                    {QStringLiteral("token_key"), token.tokenKey},
                                                    {QStringLiteral("token_secret"), wrongSecret.tokenSecret}}}};
    const Run ci =
        run(kPython, {QStringLiteral("-c"), QString::fromUtf8(kCloudInitScript)}, QJsonDocument(request).toJson());
    QVERIFY2(ci.exitCode == 0, ci.err.constData());
    const QJsonObject error = QJsonDocument::fromJson(ci.out).object().value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toInt(), 401);
    QVERIFY2(QRegularExpression(QStringLiteral("^[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT$"))
                 .match(error.value(QStringLiteral("date")).toString())
                 .hasMatch(),
             ci.out.constData());
}

void TestMetadataServer::keepsEachMachineToItself()
{
    const auto a = enlist({QStringLiteral("52:54:00:5e:06:01")});
    const auto b = enlist({QStringLiteral("52:54:00:5e:06:02")});
    QVERIFY(a && b);
    QVERIFY(a->systemId != b->systemId);
    const NodeToken tokenA = tokenOf(a->systemId);
    const QByteArray event =
        R"({"name":"modules-final","description":"running modules for final",)"
        R"("event_type":"finish","origin":"cloudinit","timestamp":1700000000.5,"result":"SUCCESS"})";
    const int eventsOfB = int(events(b->systemId).size());
    const Reply forged = call(QStringLiteral("POST"), QStringLiteral("status/") + b->systemId, event, tokenA);
    QCOMPARE(forged.status, 403);
    QVERIFY2(forged.body.contains("another machine's"), forged.dump().constData());
    QCOMPARE(int(events(b->systemId).size()), eventsOfB);
    // Its own status: taken (204), and the stage's finish is in its event log.
    const Reply own = call(QStringLiteral("POST"), QStringLiteral("status/") + a->systemId, event, tokenA);
    QVERIFY2(own.status == 204, own.dump().constData());
    QVERIFY(own.body.isEmpty());
    const QList<Event> log = events(a->systemId);
    QCOMPARE(log.first().type, QStringLiteral("cloud-init"));
    QCOMPARE(log.first().description,
             QStringLiteral("cloud-init modules-final finish (SUCCESS): running modules for final"));
    // What A's credential reads is A's.
    const Reply hostname = call(QStringLiteral("GET"), QStringLiteral("latest/meta-data/local-hostname"), {}, tokenA);
    QCOMPARE(hostname.status, 200);
    QCOMPARE(hostname.body, a->hostname.toUtf8());
}

void TestMetadataServer::commissionsToReady()
{
    const QStringList macs{QStringLiteral("52:54:00:5e:07:01"), QStringLiteral("52:54:00:5e:07:02")};
    const auto m = enlist(macs);
    QVERIFY(m);
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
    const NodeToken token = tokenOf(m->systemId); // what the commissioning boot's script carries
    NodeReports reports(core_->db, nullptr, core_->engine.get());
    auto result = [&] { return reports.latestResult(m->systemId, QLatin1String(NodeReports::kCommissioningResult)); };

    // A malformed inventory: 400 naming the member, and nothing changed.
    QByteArray bad = inventory(macs);
    bad.replace("\"memory_mib\":512", "\"memory_mib\":\"lots\"");
    QVERIFY(bad.contains("\"lots\""));
    const Reply malformed = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"), bad, token);
    QCOMPARE(malformed.status, 400);
    QVERIFY2(malformed.body.contains("memory_mib must be a whole number"), malformed.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Commissioning);
    QCOMPARE(machine(m->systemId).memory, qint64(512));
    QVERIFY(!*result());
    const Reply notJson =
        call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"), "{\"architecture\":", token);
    QCOMPARE(notJson.status, 400);
    QVERIFY2(notJson.body.contains("not JSON"), notJson.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Commissioning);

    // The real inventory (more memory than enlisting said): stored, applied, Ready, powered off.
    const QByteArray good = inventory(macs, QStringLiteral("amd64/generic"), 2048);
    const Reply done = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"), good, token);
    QVERIFY2(done.status == 200, done.dump().constData());
    QCOMPARE(done.json(), (QJsonObject{{QStringLiteral("power_off"), true}}));
    const Machine ready = machine(m->systemId);
    QCOMPARE(ready.status, S::Ready);
    QCOMPARE(ready.memory, qint64(2048));
    QCOMPARE(ready.cpuCount, 2);
    QCOMPARE(ready.bootDisk, QStringLiteral("nvme0n1"));
    QVERIFY(*result());
    QCOMPARE((*result())->output, good);
    QList<Event> log = events(m->systemId);
    QCOMPARE(log.first().toStatus, std::optional<NodeStatus>(S::Ready));
    QCOMPARE(log.first().description, QStringLiteral("Commissioning finished"));
    QVERIFY2(log.at(1).description.startsWith(QLatin1String("Commissioning results received: 2 CPUs")),
             qPrintable(eventText(log)));

    // Again, now that it is Ready: 409 with the reason, a warning event, nothing else changes.
    const Reply late = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"),
                            inventory(macs, QStringLiteral("amd64/generic"), 4096), token);
    QCOMPARE(late.status, 409);
    QVERIFY2(late.body.contains("the machine is Ready, not Commissioning"), late.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Ready);
    QCOMPARE(machine(m->systemId).memory, qint64(2048));
    QCOMPARE((*result())->output, good);
    log = events(m->systemId);
    QCOMPARE(log.first().level, EventLevel::Warning);
    QVERIFY2(log.first().description.contains(QLatin1String("Ignored the boot environment's commission report")),
             qPrintable(log.first().description));

    // Keep powered on: the environment is told to stay on.
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
    QVERIFY(NodeSettingsStore(core_->db).setKeepPoweredOn(m->systemId, true));
    const Reply stayOn =
        call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"), good, tokenOf(m->systemId));
    QVERIFY2(stayOn.status == 200, stayOn.dump().constData());
    QCOMPARE(stayOn.json(), (QJsonObject{{QStringLiteral("power_off"), false}}));
    QCOMPARE(machine(m->systemId).status, S::Ready);
}

void TestMetadataServer::failsCommissioningWithTheReason()
{
    const auto m = enlist({QStringLiteral("52:54:00:5e:08:01")});
    QVERIFY(m);
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
    const NodeToken token = tokenOf(m->systemId); // each boot purpose has a credential of its own
    // Working reports are logged and change nothing.
    const Reply working =
        call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/status"),
             R"({"purpose":"commission","result":"working","reason":"collecting the inventory"})", token);
    QVERIFY2(working.status == 200, working.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Commissioning);
    QCOMPARE(events(m->systemId).first().description,
             QStringLiteral("The boot environment is working: collecting the inventory"));
    // A report the service cannot read: 400 naming what is wrong.
    const Reply odd = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/status"),
                           R"({"purpose":"commission","result":"maybe"})", token);
    QCOMPARE(odd.status, 400);
    QVERIFY2(odd.body.contains("result must be ok, failed or working"), odd.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Commissioning);

    const Reply failed = call(
        QStringLiteral("POST"), QStringLiteral("metaldesk/v1/status"),
        R"({"purpose":"commission","result":"failed","reason":"could not read disk vda:\nI/O error; check its cable"})",
        token);
    QVERIFY2(failed.status == 200, failed.dump().constData());
    const Machine after = machine(m->systemId);
    QCOMPARE(after.status, S::FailedCommissioning);
    QCOMPARE(after.statusMessage, QStringLiteral("could not read disk vda: I/O error; check its cable"));
    const Event last = events(m->systemId).first();
    QCOMPARE(last.toStatus, std::optional<NodeStatus>(S::FailedCommissioning));
    QCOMPARE(last.type, QStringLiteral("failure"));
    QCOMPARE(last.description, after.statusMessage);
    // Reporting it twice does not fail it twice.
    const Reply twice = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/status"),
                             R"({"purpose":"commission","result":"failed","reason":"again"})", token);
    QCOMPARE(twice.status, 409);
    QCOMPARE(machine(m->systemId).statusMessage, after.statusMessage);
}

// An imported squashfs from the catalogue: the environment is told its format and SHA-256, and
// where the stream's kernel and initrd are (it installs them with it); an image whose kernel is
// missing is refused with the reason instead of half-installed.
void TestMetadataServer::aRootFilesystemImageComesWithItsKernelAndInitrd()
{
    auto file = [](const char *ftype, char digit) {
        const QString sha = QString(64, QLatin1Char(digit));
        return BootImageFile{QLatin1String(ftype), QStringLiteral("images/sha256/") + sha, sha, 1024};
    };
    BootImage image;
    image.name = QStringLiteral("ubuntu/noble");
    image.architecture = QStringLiteral("amd64/ga-24.04");
    image.firmware = {QStringLiteral("bios"), QStringLiteral("uefi")};
    image.format = QStringLiteral("squashfs");
    image.files = {file("boot-kernel", 'a'), file("boot-initrd", 'b'), file("squashfs", 'c')};
    image.location = image.files.last().location;
    image.sha256 = image.files.last().sha256;
    image.origin = QStringLiteral("imported from the test");
    QVERIFY(BootImageStore(core_->db).publish(admin_, {image}));

    const QString systemId = deploying(QStringLiteral("52:54:00:5e:0a:01"), image.location);
    QVERIFY(!systemId.isEmpty());
    const NodeToken token = tokenOf(systemId);
    const Reply deploy = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token);
    QVERIFY2(deploy.status == 200, deploy.dump().constData());
    const QJsonObject answer = deploy.json();
    const QString base = QStringLiteral("http://127.0.0.1:%1/images/sha256/").arg(httpPort_);
    QCOMPARE(answer.value(u"image_format"_s).toString(), u"squashfs"_s);
    QCOMPARE(answer.value(u"image_url"_s).toString(), base + QString(64, u'c'));
    QCOMPARE(answer.value(u"image_sha256"_s).toString(), QString(64, u'c'));
    QCOMPARE(answer.value(u"kernel_url"_s).toString(), base + QString(64, u'a'));
    QCOMPARE(answer.value(u"initrd_url"_s).toString(), base + QString(64, u'b'));
    QCOMPARE(answer.value(u"kernel_sha256"_s).toString(), QString(64, u'a'));
    QCOMPARE(answer.value(u"initrd_sha256"_s).toString(), QString(64, u'b'));

    image.files.removeFirst(); // no boot-kernel
    QVERIFY(BootImageStore(core_->db).publish(admin_, {image}));
    const Reply refused = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token);
    QVERIFY2(refused.status == 409, refused.dump().constData());
    QVERIFY2(refused.body.contains("has no kernel and initrd"), refused.dump().constData());
    const Machine failed = machine(systemId);
    QCOMPARE(failed.status, S::FailedDeployment);
    QVERIFY2(failed.statusMessage.contains(QLatin1String("has no kernel and initrd")),
             qPrintable(failed.statusMessage));
}

// A whole-disk image from the catalogue: the environment is told its SHA-256, and checks what it
// downloads against it as it writes (security review L10); no kernel or initrd with it.
void TestMetadataServer::aWholeDiskImageComesWithItsSha256()
{
    BootImage image;
    image.name = QStringLiteral("debian/bookworm");
    image.architecture = QStringLiteral("amd64/generic");
    image.firmware = {QStringLiteral("bios"), QStringLiteral("uefi")};
    image.format = QStringLiteral("raw.gz");
    image.sha256 = QString(64, QLatin1Char('d'));
    image.location = QStringLiteral("images/sha256/") + image.sha256;
    image.size = 4096;
    image.origin = QStringLiteral("uploaded by the test");
    // As an upload maps it: the raw form the ranges come from, and the map.
    image.files = {
        {QStringLiteral("raw"), QStringLiteral("images/bookworm.raw"), QString(64, QLatin1Char('e')), 8192},
        {QStringLiteral("block-map"), QStringLiteral("images/bookworm.raw.bmap"), QString(64, QLatin1Char('f')), 120}};
    QVERIFY(BootImageStore(core_->db).publish(admin_, {image}));
    const QString systemId = deploying(QStringLiteral("52:54:00:5e:0a:02"), image.location);
    QVERIFY(!systemId.isEmpty());
    const Reply deploy = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, tokenOf(systemId));
    QVERIFY2(deploy.status == 200, deploy.dump().constData());
    const QJsonObject answer = deploy.json();
    QCOMPARE(answer.value(u"image_format"_s).toString(), u"raw.gz"_s);
    QCOMPARE(answer.value(u"image_sha256"_s).toString(), image.sha256);
    QCOMPARE(answer.value(u"kernel_url"_s).toString(), QString());
    // The block map, on the boot HTTP server beside the image.
    const QString base = answer.value(u"image_url"_s).toString().chopped(image.location.size());
    QVERIFY2(base.startsWith(u"http://"_s) && base.endsWith(u'/'), qPrintable(base));
    QCOMPARE(answer.value(u"raw_url"_s).toString(), base + u"images/bookworm.raw"_s);
    QCOMPARE(answer.value(u"block_map_url"_s).toString(), base + u"images/bookworm.raw.bmap"_s);
    QCOMPARE(answer.value(u"block_map_sha256"_s).toString(), QString(64, QLatin1Char('f')));
}

void TestMetadataServer::deploysWithAReservedAddressAndStockCloudInit()
{
    // The boot network as the Network page stores it, on loopback: addresses of deployed machines
    // come from the reserved range. Set after MetalDesk started, so that no DHCP server runs; the
    // metadata service reads the settings for each deployment.
    ConfigStore &config = *core_->config;
    for (const auto &[key, value] :
         {std::pair{"dhcp_interface", "lo"}, std::pair{"dhcp_range", "127.0.0.100-127.0.0.199"},
          std::pair{"dhcp_reserved_range", "127.0.0.200-127.0.0.209"}, std::pair{"dhcp_router", "127.0.0.254"},
          std::pair{"dhcp_dns", "127.0.0.53"}, std::pair{setting::DeployImageUrl, "images/debian-12.img.xz"}})
        QVERIFY(config.setValue(QLatin1String(key), QLatin1String(value)));

    const QStringList macs{QStringLiteral("52:54:00:5e:09:01"), QStringLiteral("52:54:00:5e:09:02")};
    const auto m = enlist(macs);
    QVERIFY(m);
    // Commissioned as the environment does it: the disk a deployment writes is one it reported then.
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
    const Reply commissioned =
        call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/commission"), inventory(macs), tokenOf(m->systemId));
    QVERIFY2(commissioned.status == 200, commissioned.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Ready);
    NodeToken token = tokenOf(m->systemId);
    DeploySettings wanted;
    wanted.userData = QStringLiteral("#cloud-config\nruncmd:\n- [touch, /run/deployed-by-metaldesk]\n# 한국어\n");
    QVERIFY(NodeSettingsStore(core_->db).setDeploySettings(m->systemId, wanted));

    // Nothing to deploy while Ready; and reading the user-data then does not deploy it.
    const Reply early = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token);
    QCOMPARE(early.status, 409);
    QVERIFY2(early.body.contains("there is nothing to deploy"), early.dump().constData());
    const Reply readyUserData = call(QStringLiteral("GET"), QStringLiteral("latest/user-data"), {}, token);
    QCOMPARE(readyUserData.status, 200);
    QCOMPARE(readyUserData.body, wanted.userData.toUtf8());
    QCOMPARE(machine(m->systemId).status, S::Ready);

    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Deploy, admin_));
    QCOMPARE(machine(m->systemId).status, S::Deploying);
    // A new boot purpose: the credential of the Ready machine no longer works, the new one does.
    QCOMPARE(call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token).status, 401);
    token = tokenOf(m->systemId);
    const Reply deploy = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token);
    QVERIFY2(deploy.status == 200, deploy.dump().constData());
    const QJsonObject answer = deploy.json();
    QCOMPARE(answer.value(QStringLiteral("image_url")).toString(),
             QStringLiteral("http://127.0.0.1:%1/images/debian-12.img.xz").arg(httpPort_));
    QCOMPARE(answer.value(QStringLiteral("disk")).toString(), QStringLiteral("nvme0n1"));
    QCOMPARE(answer.value(QStringLiteral("user_data")).toString(), wanted.userData);
    const QString cloudConfig = answer.value(QStringLiteral("cloud_config")).toString();
    QVERIFY2(cloudConfig.startsWith(QLatin1String("#cloud-config\n")), deploy.dump().constData());
    // The first address of the reserved range is held for the machine.
    const auto held = StaticAddressStore(core_->db).addressOf(m->systemId);
    QVERIFY(held && *held);
    QCOMPARE(QHostAddress(**held).toString(), QStringLiteral("127.0.0.200"));
    QVERIFY2(cloudConfig.contains(QLatin1String("address: \"127.0.0.200/8\"")), qPrintable(cloudConfig));
    QVERIFY2(events(m->systemId).first().description.contains(QLatin1String("address 127.0.0.200/8")),
             qPrintable(eventText(events(m->systemId))));
    // Asking again gives the same address.
    const Reply again = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token);
    QCOMPARE(again.json().value(QStringLiteral("cloud_config")).toString(), cloudConfig);

    // The image is written: the environment says so, the machine restarts into it.
    const Reply written = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/status"),
                               R"({"purpose":"deploy","result":"ok"})", token);
    QVERIFY2(written.status == 200, written.dump().constData());
    QCOMPARE(machine(m->systemId).status, S::Deploying);
    QCOMPARE(events(m->systemId).first().description,
             QStringLiteral("The image is on the disk; the machine restarts into the installed system"));

    if (!cloudInit_)
        METALDESK_SKIP(
            "Debian's cloud-init is not installed for /usr/bin/python3 (run tools/setup): the installed system's "
            "side is not tested");
    // The installed system's cloud-init, configured by nothing but cloud_config.
    const QString work = dir_.filePath(QStringLiteral("cloud-init"));
    const Run ci = run(
        kPython, {QStringLiteral("-c"), QString::fromUtf8(kCloudInitScript)},
        QJsonDocument(QJsonObject{{QStringLiteral("cloud_config"), cloudConfig}, {QStringLiteral("work_dir"), work}})
            .toJson(),
        60000);
    QVERIFY2(ci.exitCode == 0, ci.err.constData());
    const QJsonObject seen = QJsonDocument::fromJson(ci.out).object();
    QVERIFY2(seen.value(QStringLiteral("found")).toBool(), qPrintable(QString::fromUtf8(ci.out + ci.err)));
    QCOMPARE(seen.value(QStringLiteral("datasource_list")).toArray(), (QJsonArray{QStringLiteral("MAAS")}));
    QCOMPARE(seen.value(QStringLiteral("instance_id")).toString(), m->systemId);
    QCOMPARE(seen.value(QStringLiteral("hostname")).toString(), m->hostname);
    const QJsonObject metaData = seen.value(QStringLiteral("meta_data")).toObject();
    QCOMPARE(metaData.value(QStringLiteral("instance-id")).toString(), m->systemId);
    QCOMPARE(metaData.value(QStringLiteral("local-hostname")).toString(), m->hostname);
    QCOMPARE(seen.value(QStringLiteral("user_data")).toString(), wanted.userData);
    // cloud-init's network configuration: the boot NIC, static, with the gateway and DNS of the boot network.
    const QJsonArray interfaces = seen.value(QStringLiteral("interfaces")).toArray();
    QCOMPARE(interfaces.size(), 1);
    const QJsonObject nic = interfaces.first().toObject();
    QCOMPARE(nic.value(QStringLiteral("mac_address")).toString(), macs.first());
    const QJsonObject subnet = nic.value(QStringLiteral("subnets")).toArray().first().toObject();
    QCOMPARE(subnet.value(QStringLiteral("type")).toString(), QStringLiteral("static"));
    QCOMPARE(subnet.value(QStringLiteral("address")).toString(), QStringLiteral("127.0.0.200"));
    QCOMPARE(subnet.value(QStringLiteral("prefix")).toInt(), 8);
    QCOMPARE(subnet.value(QStringLiteral("gateway")).toString(), QStringLiteral("127.0.0.254"));
    QVERIFY2(QJsonDocument(seen).toJson(QJsonDocument::Compact).contains("\"127.0.0.53\""), ci.out.constData());

    // Fetching the user-data while Deploying is the sign the installed system runs: Deployed.
    const Machine deployed = machine(m->systemId);
    QCOMPARE(deployed.status, S::Deployed);
    const QList<Event> log = events(m->systemId);
    std::optional<Event> change;
    QStringList cloudInitEvents;
    for (const Event &e : log) {
        if (!change && e.toStatus)
            change = e;
        if (e.type == QLatin1String("cloud-init"))
            cloudInitEvents.prepend(QStringLiteral("%1 %2").arg(int(e.level)).arg(e.description));
    }
    QVERIFY(change);
    QCOMPARE(change->toStatus, std::optional<NodeStatus>(S::Deployed));
    QVERIFY2(change->description.contains(QLatin1String("cloud-init fetched its configuration")),
             qPrintable(change->description));
    // cloud-init's webhook reported through the endpoint in cloud_config: the stage's finish and
    // the module's failure; the start is not worth an event.
    QCOMPARE(
        cloudInitEvents,
        (QStringList{QStringLiteral("%1 cloud-init init-network finish (SUCCESS): searching for network datasources")
                         .arg(int(EventLevel::Info)),
                     QStringLiteral("%1 cloud-init modules-final/config-scripts-user finish (FAIL): running "
                                    "config-scripts-user")
                         .arg(int(EventLevel::Error))}));
    // A module failing after the machine is Deployed does not undo it.
    QCOMPARE(machine(m->systemId).status, S::Deployed);
    const Reply after = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, token);
    QCOMPARE(after.status, 409);
}

void TestMetadataServer::failsADeploymentWhenNoAddressIsFree()
{
    // The reserved range holds one address, and another machine has it.
    ConfigStore &config = *core_->config;
    QVERIFY(config.setValue(QStringLiteral("dhcp_interface"), QStringLiteral("lo")));
    QVERIFY(config.setValue(QStringLiteral("dhcp_range"), QStringLiteral("127.0.0.100-127.0.0.199")));
    QVERIFY(config.setValue(QStringLiteral("dhcp_reserved_range"), QStringLiteral("127.0.0.209-127.0.0.209")));
    const auto m = enlist({QStringLiteral("52:54:00:5e:0c:01")});
    QVERIFY(m);
    const auto other = enlist({QStringLiteral("52:54:00:5e:0c:02")});
    QVERIFY(other);
    const quint32 only = QHostAddress(QStringLiteral("127.0.0.209")).toIPv4Address();
    auto taken = StaticAddressStore(core_->db).assign(other->systemId, only, only);
    QVERIFY(taken && *taken && **taken == only);
    QVERIFY(core_->engine->changeStatus(m->systemId, S::Ready, admin_,
                                        Text::plain(QStringLiteral("commissioned by the test"))));
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Deploy, admin_));
    const Reply r = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/deploy"), {}, tokenOf(m->systemId));
    QCOMPARE(r.status, 409);
    QVERIFY2(r.body.contains("No address is free in the reserved range 127.0.0.209-127.0.0.209"), r.dump().constData());
    const Machine failed = machine(m->systemId);
    QCOMPARE(failed.status, S::FailedDeployment);
    QVERIFY2(failed.statusMessage.startsWith(QLatin1String("No address is free in the reserved range")) &&
                 failed.statusMessage.contains(QLatin1String("widen the range on the Network page")),
             qPrintable(failed.statusMessage));
    QVERIFY(!*StaticAddressStore(core_->db).addressOf(m->systemId));
}

void TestMetadataServer::answersOnlyUnderItsOwnNames()
{
    // A web page whose name an attacker points at 127.0.0.1 (DNS rebinding) reaches the port through
    // the browser, which sends the page's name as Host: refused. Addresses, localhost, this
    // computer's name and the names of api_host_names are answered.
    auto withHost = [this](const QString &path, const QString &host) {
        return call(QStringLiteral("GET"), path, {}, std::nullopt,
                    {QStringLiteral("-H"), QStringLiteral("Host: ") + host});
    };
    const QString port = QString::number(port_);
    for (const QString &path : {QString(), QStringLiteral("../api/2.0/version/")}) {
        const Reply refused = withHost(path, QStringLiteral("rebind.attacker.example:") + port);
        QVERIFY2(refused.status == 421, refused.dump().constData());
        QVERIFY2(refused.body.contains("api_host_names") && !refused.body.contains("maas.lab.example"),
                 refused.dump().constData());
        for (const QString &host :
             {QStringLiteral("127.0.0.1:") + port, QStringLiteral("localhost:") + port, QStringLiteral("[::1]:") + port,
              QStringLiteral("MAAS.lab.example.:") + port, QStringLiteral("other.example"),
              QSysInfo::machineHostName() + QLatin1Char(':') + port}) {
            const Reply r = withHost(path, host);
            QVERIFY2(r.status == 200, qPrintable(host + QLatin1Char('\n') + QString::fromUtf8(r.dump())));
        }
    }
}

void TestMetadataServer::refusesMalformedHttp()
{
    bool closed = false;
    QByteArray got = exchange(port_, "garbage\r\n\r\n", 5000, &closed);
    QVERIFY2(got.startsWith("HTTP/1.1 400 Bad Request\r\n"), got.constData());
    QVERIFY(got.contains("\r\nConnection: close\r\n"));
    QVERIFY(closed);
    got = exchange(port_, QByteArray::fromHex("16030100a5010000a10303"), 5000, &closed); // a TLS hello
    QVERIFY2(got.startsWith("HTTP/1.1 400 Bad Request\r\n"), got.constData());
    got = exchange(port_, "GET /MAAS/metadata/ HTTP/1.1\r\n\r\n", 5000, &closed);
    QVERIFY2(got.startsWith("HTTP/1.1 400 Bad Request\r\n") && got.contains("no Host field"), got.constData());
    got = exchange(port_, "GET /MAAS/metadata/ HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n");
    QVERIFY2(got.startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n"), got.constData());
    got = exchange(port_, "POST /MAAS/metadata/metaldesk/v1/enlist HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    QVERIFY2(got.startsWith("HTTP/1.1 411 Length Required\r\n"), got.constData());

    // A head over 16 KiB: 431.
    const Reply huge = call(QStringLiteral("GET"), QString(), {}, std::nullopt,
                            {QStringLiteral("-H"), QStringLiteral("X-Big: ") + QString(20000, u'a')});
    QVERIFY2(huge.status == 431, huge.dump().constData());
    // And one that never ends its line: refused once 16 KiB are in, not waited for.
    got = exchange(port_, "GET /MAAS/metadata/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + QByteArray(20000, 'a'), 5000,
                   &closed);
    QVERIFY2(got.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), got.constData());
    QVERIFY(closed);
    // A body over 1 MiB: 413 as soon as the head says so. With "Expect: 100-continue" curl never
    // sends it; without, the server reads it away and the answer still arrives whole.
    const int before = int(core_->machines->list()->size());
    QByteArray big = inventory({QStringLiteral("52:54:00:5e:0a:01")});
    big.insert(1, "\"padding\":\"" + QByteArray((1 << 20) + 10, 'x') + "\",");
    for (const QString &expect : {QStringLiteral("Expect: 100-continue"), QStringLiteral("Expect:")}) {
        const Reply tooBig = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"), big, std::nullopt,
                                  {QStringLiteral("-H"), expect});
        QVERIFY2(tooBig.status == 413,
                 qPrintable(expect + QLatin1Char('\n') + QString::fromUtf8(tooBig.dump().left(2000))));
        QVERIFY(tooBig.interim.isEmpty()); // no "100 Continue" for a body that is refused anyway
        QVERIFY2(tooBig.body.contains("larger than 1048576 bytes"), tooBig.dump().left(2000).constData());
        QCOMPARE(tooBig.header("connection"), std::optional<QByteArray>("close"));
    }
    QCOMPARE(int(core_->machines->list()->size()), before);
    // Wrong methods and unknown paths.
    const Reply wrongMethod = call(QStringLiteral("GET"), QStringLiteral("metaldesk/v1/enlist"));
    QCOMPARE(wrongMethod.status, 405);
    QCOMPARE(wrongMethod.header("allow"), std::optional<QByteArray>("POST"));
    QCOMPARE(call(QStringLiteral("POST"), QStringLiteral("latest/user-data"), "{}").status, 405);
    QCOMPARE(call(QStringLiteral("GET"), QStringLiteral("metaldesk/v2/enlist")).status, 404);
    QCOMPARE(call(QStringLiteral("GET"), QStringLiteral("1999-01-01/meta-data/instance-id")).status, 404);
    QCOMPARE(
        parseReply(curl({QStringLiteral("-i"), QStringLiteral("http://127.0.0.1:%1/MAAS/api/2.0/").arg(port_)})).status,
        404);
    // An anonymous enlist that is not an inventory.
    const Reply notJson = call(QStringLiteral("POST"), QStringLiteral("metaldesk/v1/enlist"), "hello");
    QCOMPARE(notJson.status, 400);
    QVERIFY2(notJson.body.contains("not JSON"), notJson.dump().constData());
    // And the service is still fine.
    QCOMPARE(call(QStringLiteral("GET"), QString()).status, 200);
}

void TestMetadataServer::keepsConnectionsAlive()
{
    const auto m = enlist({QStringLiteral("52:54:00:5e:0b:01")});
    QVERIFY(m);
    QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission,
                                         admin_)); // its reports below are commissioning's
    const NodeToken token = tokenOf(m->systemId);
    const QString auth = QStringLiteral("Authorization: ") + sign(token, QStringLiteral("latest/"));
    // Four requests on one connection, a 404 among them: curl connects once.
    const Run several =
        curl({QStringLiteral("-H"), auth, QStringLiteral("-w"), QStringLiteral("%{http_code}:%{num_connects}\\n"),
              QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
              QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
              url(QStringLiteral("latest/meta-data/instance-id")), url(QStringLiteral("latest/meta-data/nothing")),
              url(QStringLiteral("2012-03-01/meta-data/local-hostname")), url(QStringLiteral("latest/meta-data/"))});
    QVERIFY2(several.exitCode == 0, several.err.constData());
    QCOMPARE(several.out, QByteArray("200:1\n404:0\n200:0\n200:0\n"));
    // A POST with a body, then GETs, on the same connection (--next keeps it).
    const Run mixed = curl(
        {QStringLiteral("-H"), auth, QStringLiteral("-w"), QStringLiteral("%{http_code}:%{num_connects}\\n"),
         QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("--data-binary"),
         QStringLiteral(R"({"purpose":"commission","result":"working"})"), url(QStringLiteral("metaldesk/v1/status")),
         QStringLiteral("--next"), QStringLiteral("-H"), auth, QStringLiteral("-w"),
         QStringLiteral("%{http_code}:%{num_connects}\\n"), url(QStringLiteral("latest/meta-data/instance-id"))});
    QVERIFY2(mixed.exitCode == 0, mixed.err.constData());
    QCOMPARE(mixed.out, QByteArray("200:1\n") + m->systemId.toUtf8() + "200:0\n");
    QCOMPARE(events(m->systemId).first().description, QStringLiteral("The boot environment is working"));

    // Pipelined on one socket, answered in order; the last asks to close.
    const QByteArray authLine = auth.toUtf8() + "\r\n";
    const QByteArray body = R"({"purpose":"commission","result":"working","reason":"pipelined"})";
    const QByteArray three = "GET /MAAS/metadata/latest/meta-data/instance-id HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                             authLine + "\r\nPOST /MAAS/metadata/metaldesk/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                             authLine + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body +
                             "GET /MAAS/metadata/latest/meta-data/local-hostname HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                             authLine + "Connection: close\r\n\r\n";
    bool closed = false;
    const QByteArray got = exchange(port_, three, 5000, &closed);
    QVERIFY(closed);
    const qsizetype first = got.indexOf("HTTP/1.1 200 OK");
    const qsizetype second = got.indexOf("HTTP/1.1 200 OK", first + 1);
    const qsizetype third = got.indexOf("HTTP/1.1 200 OK", second + 1);
    QVERIFY2(first == 0 && second > first && third > second, got.constData());
    QVERIFY(got.mid(first, second - first).endsWith("\r\n\r\n" + m->systemId.toUtf8()));
    QVERIFY(got.mid(second, third - second).endsWith("\r\n\r\n{}\n"));
    QVERIFY2(got.endsWith("Connection: close\r\n\r\n" + m->hostname.toUtf8()), got.constData());
    QCOMPARE(events(m->systemId).first().description, QStringLiteral("The boot environment is working: pipelined"));

    // HTTP/1.0 closes unless asked to keep the connection.
    const Run old = curl({QStringLiteral("-0"), QStringLiteral("-w"), QStringLiteral("%{num_connects} "),
                          QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-o"),
                          QStringLiteral("/dev/null"), url(QString()), url(QString())});
    QCOMPARE(old.out, QByteArray("1 1 "));
}

void TestMetadataServer::holdsAgainstAClientThatNeverReads()
{
    // One anonymous client pipelines requests as fast as the kernel takes them and never reads an
    // answer; cut off, it connects again. For 20 s (the `long` label: 5 minutes) the server's memory
    // stays within 100 MB of where it started, its descriptors under its limit, and a second client
    // is answered in under a second throughout.
    const int seconds = testing::attackSeconds(20);
    const qint64 pid = metaldesk_.processId();
    const qint64 before = testing::residentBytes(pid);
    const qint64 descriptorLimit = testing::openFileLimit(pid);
    int mostDescriptors = 0;
    QVERIFY(before > 0);
    std::atomic<bool> stop = false;
    std::atomic<qint64> requestsSent = 0;
    std::thread attacker([&] {
        QByteArray batch;
        for (int i = 0; i < 64; ++i)
            batch += "GET /MAAS/metadata/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        while (!stop) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_port = htons(port_);
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            ::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to);
            qsizetype offset = 0;
            while (!stop) {
                const ssize_t n = ::send(fd, batch.constData() + offset, size_t(batch.size() - offset), MSG_NOSIGNAL);
                if (n > 0) {
                    offset = (offset + n) % batch.size();
                    requestsSent += n / 40;
                } else if (n < 0 && (errno == EAGAIN || errno == EINPROGRESS || errno == ENOTCONN)) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1)); // the window is shut: hold on
                } else {
                    break; // cut off: connect again
                }
            }
            ::close(fd);
        }
    });
    auto finish = qScopeGuard([&] {
        stop = true;
        attacker.join();
    });
    QElapsedTimer timer;
    timer.start();
    qint64 peak = before;
    qint64 slowest = 0;
    int answered = 0;
    QElapsedTimer sinceGet;
    sinceGet.start();
    while (timer.elapsed() < seconds * 1000) {
        peak = std::max(peak, testing::residentBytes(pid));
        mostDescriptors = std::max(mostDescriptors, testing::openDescriptors(pid));
        if (sinceGet.elapsed() >= 500) {
            sinceGet.restart();
            QElapsedTimer one;
            one.start();
            const QByteArray got =
                exchange(port_, "GET /MAAS/metadata/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 3000);
            slowest = std::max(slowest, one.elapsed());
            QVERIFY2(got.startsWith("HTTP/1.1 200 OK\r\n"), got.left(200).constData());
            ++answered;
        }
        QTest::qWait(100);
    }
    qInfo("figure: %d s: %lld requests pipelined; RSS %lld MB before, %lld MB at most; %d descriptors at most "
          "(limit %lld); slowest other GET %lld ms of %d",
          seconds, qint64(requestsSent), before >> 20, peak >> 20, mostDescriptors, descriptorLimit, slowest, answered);
    QVERIFY2(mostDescriptors > 0 && mostDescriptors < descriptorLimit, qPrintable(QString::number(mostDescriptors)));
    QVERIFY2(requestsSent > 10000, "the attacker did not get going");
    QVERIFY2(peak - before < 100 << 20, qPrintable(QStringLiteral("grew by %1 MB").arg((peak - before) >> 20)));
    QVERIFY2(slowest < 1000, qPrintable(QStringLiteral("a GET took %1 ms").arg(slowest)));
}

void TestMetadataServer::cutsOffSlowClients()
{
    // Both at once, to keep the test short: an idle keep-alive connection, and a head trickling in
    // a byte every 100 ms. Each is closed after the timeout (2 s here) with nothing more sent: the
    // idle one from its last answer, the slow one from its first byte, whatever comes after.
    QTcpSocket idle;
    idle.connectToHost(QHostAddress::LocalHost, port_);
    QVERIFY(idle.waitForConnected(5000));
    idle.write("GET /MAAS/metadata/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QVERIFY(idle.waitForReadyRead(3000));
    QElapsedTimer idleTimer;
    idleTimer.start();
    QVERIFY(idle.readAll().startsWith("HTTP/1.1 200 OK\r\n"));

    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, port_);
    QVERIFY(slow.waitForConnected(5000));
    QElapsedTimer timer;
    timer.start();
    qint64 idleClosed = -1;
    const QByteArray head =
        "POST /MAAS/metadata/metaldesk/v1/enlist HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + QByteArray(60, 'a');
    QByteArray got;
    for (qsizetype i = 0; i < head.size() && slow.state() == QAbstractSocket::ConnectedState; ++i) {
        slow.write(head.mid(i, 1));
        slow.waitForBytesWritten(100);
        slow.waitForReadyRead(100);
        got += slow.readAll();
        if (idleClosed < 0 && (idle.state() != QAbstractSocket::ConnectedState || !idle.waitForReadyRead(1)) &&
            idle.state() != QAbstractSocket::ConnectedState)
            idleClosed = idleTimer.elapsed();
    }
    QVERIFY2(slow.state() != QAbstractSocket::ConnectedState || slow.waitForDisconnected(3000), "still connected");
    got += slow.readAll();
    QVERIFY2(got.isEmpty(), got.constData());
    QVERIFY2(timer.elapsed() >= 1900 && timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
    if (idleClosed < 0 && (idle.state() != QAbstractSocket::ConnectedState || idle.waitForDisconnected(2000)))
        idleClosed = idleTimer.elapsed();
    QVERIFY2(idleClosed >= 1500 && idleClosed < 4000, qPrintable(QString::number(idleClosed)));
    QVERIFY(idle.readAll().isEmpty());
}

QTEST_GUILESS_MAIN(TestMetadataServer)
#include "tst_metadataserver.moc"
