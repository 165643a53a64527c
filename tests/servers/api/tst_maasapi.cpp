// MAAS's REST API 2.0 served by the real `metaldesk --headless`, driven by juju's own MAAS client
// library (gomaasapi, Debian's golang-github-juju-gomaasapi-dev, in a small Go program kept beside
// this test) exactly as juju's provider drives MAAS: on SQLite and on a throwaway PostgreSQL. Where
// no VM boots here, this test plays the booting machine through the metadata service with the
// machine's own credential (the e2e label deploys a real VM the same way). Then what the API must
// refuse, over plain HTTP with curl, and docs/api.md against the routes served.
#include "childprocess.h"
#include "core/boot/nodereports.h"
#include "core/images/bootimagestore.h"
#include "core/machines/labelstore.h"
#include "core/machines/nodesettings.h"
#include "core/runtime/coreservices.h"
#include "core/users/nodetokens.h"
#include "postgrescluster.h"
#include "servers/region/regionserver.h"
#include "skip.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// What bootenv/inventory.sh reports for a QEMU VM with one 10 GB disk.
QByteArray inventory(const QString &mac, int memoryMiB)
{
    const QJsonObject o{
        {u"architecture"_s, u"amd64/generic"_s},
        {u"firmware"_s, u"bios"_s},
        {u"cpu"_s, QJsonObject{{u"model"_s, u"QEMU Virtual CPU version 2.5+"_s}, {u"count"_s, 2}}},
        {u"memory_mib"_s, memoryMiB},
        {u"disks"_s, QJsonArray{QJsonObject{{u"name"_s, u"vda"_s},
                                            {u"model"_s, QString()},
                                            {u"serial"_s, u"MDVIRTIO%1"_s.arg(memoryMiB)},
                                            {u"size_bytes"_s, qint64(10) << 30}}}},
        {u"nics"_s, QJsonArray{QJsonObject{{u"mac"_s, mac}, {u"driver"_s, u"virtio_net"_s}, {u"link"_s, true}}}},
        {u"dmi"_s, QJsonObject{{u"vendor"_s, u"QEMU"_s}, {u"product"_s, u"Standard PC"_s}, {u"serial"_s, QString()}}},
        {u"boot_mac"_s, mac},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QString &program, const QStringList &args)
{
    QProcess p;
    p.start(program, args);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000))
        p.kill();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

// An OAuth PLAINTEXT Authorization header for "consumer:token:secret", as gomaasapi writes it.
QString authorization(const QString &key)
{
    const QStringList parts = key.split(u':');
    // Concatenated, not arg(): the signature's "%26" would be taken for a placeholder.
    return u"Authorization: OAuth realm=\"MAAS+API\", oauth_consumer_key=\""_s + parts.value(0) +
           u"\", oauth_token=\""_s + parts.value(1) +
           u"\", oauth_signature_method=\"PLAINTEXT\", oauth_signature=\"%26"_s + parts.value(2) +
           u"\", oauth_timestamp=\"1733356800\", oauth_nonce=\"abc\", oauth_version=\"1.0\""_s;
}

} // namespace

class TestMaasApi : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();
    void servesJujuThroughGomaasapi_data();
    void servesJujuThroughGomaasapi();
    void givesTheLastMachineToExactlyOneOfManyClients();
    void refusesWhatItMust();
    void documentsEveryRouteItServes();

private:
    // A database with an administrator and a plain user (each with an API key), the boot network,
    // a zone, an image, and Ready machines (the first tagged ssd in zone rack1); then MetalDesk on it.
    void startOn(const DatabaseSpec &spec, const QString &databaseArgument, int machines);
    void stopMetalDesk();
    QString url() const { return u"http://127.0.0.1:%1/MAAS"_s.arg(port_); }
    int status(const QStringList &curlArgs, QByteArray *body = nullptr);
    // The booting machine, through the metadata service with its own credential.
    void playInstalledSystem(const QString &systemId);
    void playReleased(const QString &systemId);

    QTemporaryDir dir_;
    std::unique_ptr<testing::PostgresCluster> postgres_;
    std::unique_ptr<CoreServices> core_;
    QProcess metaldesk_;
    quint16 port_ = 0;
    QString adminKey_;
    QString aliceKey_;
    QStringList machines_;
};

void TestMaasApi::initTestCase()
{
    QVERIFY(dir_.isValid());
    if (!QFile::exists(QStringLiteral(GOMAASAPI_CLIENT)))
        METALDESK_SKIP("the gomaasapi client was not built: install golang-go and golang-github-juju-gomaasapi-dev "
                       "(tools/setup) and build again");
    if (QStandardPaths::findExecutable(u"curl"_s).isEmpty())
        METALDESK_SKIP("curl is not installed: run tools/setup");
}

void TestMaasApi::cleanup()
{
    stopMetalDesk();
    core_.reset();
    postgres_.reset();
}

void TestMaasApi::stopMetalDesk()
{
    if (metaldesk_.state() == QProcess::NotRunning)
        return;
    metaldesk_.terminate();
    if (!metaldesk_.waitForFinished(10000))
        metaldesk_.kill();
    metaldesk_.waitForFinished();
}

void TestMaasApi::startOn(const DatabaseSpec &spec, const QString &databaseArgument, int machines)
{
    auto core = CoreServices::open(spec);
    QVERIFY2(core, qPrintable(core.errorMessage()));
    core_ = std::move(*core);
    UserStore users(core_->db, 1000);
    auto admin = users.createUser(u"admin"_s, u"admin@lab.test"_s, u"pw"_s, true);
    auto alice = users.createUser(u"alice"_s, u"alice@lab.test"_s, u"pw"_s, false);
    QVERIFY(admin && alice);
    adminKey_ = users.createToken(admin->id, u"juju"_s)->apiKey();
    aliceKey_ = users.createToken(alice->id, u"scripts"_s)->apiKey();
    const Actor adminActor{admin->id, admin->username, true};
    port_ = freePort();
    ConfigStore &config = *core_->config;
    for (const auto &[key, value] : {std::pair{"metadata_port", QString::number(port_)},
                                     {"http_port", QString::number(freePort())},
                                     {"tftp_port", QString::number(freePort())},
                                     {"boot_root", dir_.filePath(u"boot"_s)},
                                     {"dhcp_interface", u"lo"_s},
                                     {"dhcp_port", QString::number(freePort())},
                                     {"dhcp_range", u"127.0.0.100-127.0.0.199"_s},
                                     {"dhcp_reserved_range", u"127.0.0.200-127.0.0.220"_s},
                                     {"dhcp_allow_other_servers", u"true"_s}})
        QVERIFY2(config.setValue(QLatin1String(key), value), key);
    LabelStore labels(core_->db, core_->feed.get());
    QVERIFY(labels.addZone(adminActor, u"rack1"_s, u"The rack by the window"_s));
    BootImage image;
    image.name = u"debian/bookworm"_s;
    image.title = u"Debian 12"_s;
    image.architecture = u"amd64"_s;
    image.firmware = {u"bios"_s, u"uefi"_s};
    image.format = u"raw.xz"_s;
    image.location = u"images/debian-12.img.xz"_s;
    QVERIFY(BootImageStore(core_->db).add(adminActor, image));
    // Ready machines, commissioned as they would be: the inventory reported, the hardware applied.
    NodeReports reports(core_->db, core_->feed.get(), core_->engine.get());
    machines_.clear();
    for (int i = 0; i < machines; ++i) {
        NewMachine spec;
        spec.hostname = u"node-%1"_s.arg(i);
        spec.macAddresses = {u"52:54:00:a1:00:%1"_s.arg(i, 2, 10, QLatin1Char('0'))};
        spec.powerType = u"manual"_s;
        auto m = core_->engine->createMachine(spec, adminActor);
        QVERIFY2(m, qPrintable(m.errorMessage()));
        QVERIFY(core_->engine->performAction(m->systemId, NodeAction::Commission, adminActor));
        auto done = reports.commission(m->systemId, inventory(spec.macAddresses.first(), 1024 * (i + 1)));
        QVERIFY(std::holds_alternative<Commissioned>(done));
        machines_ << m->systemId;
    }
    if (machines > 0) {
        QVERIFY(labels.setZone(adminActor, machines_.first(), u"rack1"_s));
        QVERIFY(labels.setTags(adminActor, machines_.first(), {u"ssd"_s}));
    }

    metaldesk_.setProcessChannelMode(QProcess::SeparateChannels);
    metaldesk_.setStandardErrorFile(dir_.filePath(u"metaldesk.log"_s));
    testing::dieWithParent(metaldesk_, SIGTERM);
    metaldesk_.start(QStringLiteral(METALDESK_BINARY),
                     {u"--headless"_s, u"--database"_s, databaseArgument, u"--listen"_s, u"127.0.0.1"_s});
    QVERIFY(metaldesk_.waitForStarted());
    QString banner;
    QElapsedTimer timer;
    timer.start();
    while (!banner.contains(u"Stop with"_s) && timer.elapsed() < 30000 && metaldesk_.state() == QProcess::Running) {
        metaldesk_.waitForReadyRead(200);
        banner += QString::fromLocal8Bit(metaldesk_.readAllStandardOutput());
    }
    QVERIFY2(banner.contains(u"region: MAAS API and metadata service on tcp 127.0.0.1:%1"_s.arg(port_)),
             qPrintable(banner));
    QTRY_VERIFY_WITH_TIMEOUT(status({url() + u"/api/2.0/version/"_s}) == 200, 10000);
}

int TestMaasApi::status(const QStringList &curlArgs, QByteArray *body)
{
    const Run r = run(u"curl"_s, QStringList{u"-sS"_s, u"-o"_s, u"-"_s, u"-w"_s, u"\n%{http_code}"_s} + curlArgs);
    const qsizetype cut = r.out.lastIndexOf('\n');
    if (body)
        *body = r.out.left(cut);
    return r.out.mid(cut + 1).toInt();
}

void TestMaasApi::playInstalledSystem(const QString &systemId)
{
    // The built-in environment asks what to deploy (its address is reserved then), writes the image
    // and says so; then cloud-init of the installed system reads its user-data, and MetalDesk marks
    // it Deployed (as MAAS).
    auto token = NodeTokenStore(core_->db).tokenFor(systemId);
    QVERIFY(token);
    QByteArray deployment;
    QCOMPARE(
        status({u"-H"_s, authorization(token->toString()), url() + u"/metadata/metaldesk/v1/deploy"_s}, &deployment),
        200);
    QCOMPARE(QJsonDocument::fromJson(deployment).object()[u"image_url"_s].toString().section(u'/', 3),
             u"images/debian-12.img.xz"_s); // the catalogue's image, from the boot HTTP server
    QCOMPARE(status({u"-H"_s, authorization(token->toString()), u"-d"_s, uR"({"purpose":"deploy","result":"ok"})"_s,
                     url() + u"/metadata/metaldesk/v1/status"_s}),
             200);
    QByteArray userData;
    QCOMPARE(status({u"-H"_s, authorization(token->toString()), url() + u"/metadata/latest/user-data"_s}, &userData),
             200);
    QVERIFY2(userData.contains("echo juju was here"), userData.constData()); // juju's, base64-decoded
}

void TestMaasApi::playReleased(const QString &systemId)
{
    auto token = NodeTokenStore(core_->db).tokenFor(systemId);
    QVERIFY(token);
    QCOMPARE(status({u"-H"_s, authorization(token->toString()), u"-d"_s, uR"({"purpose":"release","result":"ok"})"_s,
                     url() + u"/metadata/metaldesk/v1/status"_s}),
             200);
}

void TestMaasApi::servesJujuThroughGomaasapi_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgresql") << true;
}

void TestMaasApi::servesJujuThroughGomaasapi()
{
    QFETCH(bool, postgres);
    if (postgres) {
        if (QString why = testing::PostgresCluster::unavailableReason(); !why.isEmpty())
            METALDESK_SKIP(qPrintable(why));
        auto cluster = testing::PostgresCluster::start();
        QVERIFY2(cluster, qPrintable(cluster.errorMessage()));
        postgres_ = std::move(*cluster);
        startOn(postgres_->spec(), postgres_->url(), 2);
    } else {
        const QString db = dir_.filePath(u"sqlite-juju.db"_s);
        startOn(DatabaseSpec::sqlite(db), db, 2);
    }
    if (QTest::currentTestFailed())
        return;

    QProcess client;
    client.start(QStringLiteral(GOMAASAPI_CLIENT), {u"juju"_s, url(), adminKey_, aliceKey_});
    QVERIFY(client.waitForStarted());
    QHash<QString, QJsonObject> steps;
    QByteArray pending;
    QElapsedTimer timer;
    timer.start();
    while (client.state() != QProcess::NotRunning && timer.elapsed() < 240000) {
        client.waitForReadyRead(200);
        pending += client.readAllStandardOutput();
        for (qsizetype nl; (nl = pending.indexOf('\n')) >= 0; pending.remove(0, nl + 1)) {
            const QJsonObject line = QJsonDocument::fromJson(pending.left(nl)).object();
            steps.insert(line.value(u"step"_s).toString(), line);
            QVERIFY2(line.value(u"ok"_s).toBool(), pending.left(nl).constData());
            if (line.value(u"step"_s) == u"deploying"_s)
                playInstalledSystem(line.value(u"system_id"_s).toString());
            if (line.value(u"step"_s) == u"releasing"_s)
                playReleased(line.value(u"system_id"_s).toString());
        }
    }
    client.waitForFinished(5000);
    QVERIFY2(client.exitCode() == 0, client.readAllStandardError().constData());

    QCOMPARE(steps[u"version"_s][u"version"_s].toString(), u"3.4.0"_s);
    QVERIFY(steps[u"version"_s][u"capabilities"_s].toArray().contains(u"network-deployment-ubuntu"_s));
    QCOMPARE(steps[u"boot-resources"_s][u"names"_s].toArray(), QJsonArray{u"debian/bookworm amd64/generic"_s});
    QCOMPARE(steps[u"zones"_s][u"names"_s].toArray(), (QJsonArray{u"default"_s, u"rack1"_s}));
    QCOMPARE(steps[u"fabrics"_s][u"vlans"_s].toInt(), 1);
    QCOMPARE(steps[u"domains"_s][u"names"_s].toArray(), QJsonArray{u"maas"_s});
    QCOMPARE(steps[u"machines"_s][u"count"_s].toInt(), 2);
    QVERIFY2(steps[u"allocate-no-match"_s][u"no_match"_s].toBool(),
             qPrintable(steps[u"allocate-no-match"_s][u"message"_s].toString()));
    // The constraints chose the tagged machine in rack1, and its 10 GB disk for the root.
    const QJsonObject allocated = steps[u"allocate"_s];
    QCOMPARE(allocated[u"system_id"_s].toString(), machines_.first());
    QCOMPARE(allocated[u"status"_s].toString(), u"Allocated"_s);
    QCOMPARE(allocated[u"zone"_s].toString(), u"rack1"_s);
    QCOMPARE(allocated[u"root"_s].toArray(), QJsonArray{u"/dev/disk/by-dname/vda"_s});
    QCOMPARE(steps[u"owner-data"_s][u"owner_data"_s].toObject()[u"juju-is-controller"_s].toString(), u"true"_s);
    QCOMPARE(steps[u"deploying"_s][u"status"_s].toString(), u"Deploying"_s);
    // Deployed with its reserved address, which gomaasapi reads from the interfaces' links.
    QCOMPARE(steps[u"deployed"_s][u"ip_addresses"_s].toArray(), QJsonArray{u"127.0.0.200"_s});
    QCOMPARE(steps[u"deployed"_s][u"fqdn"_s].toString(), u"node-0.maas"_s);
    QCOMPARE(steps[u"deployed"_s][u"osystem"_s].toString(), u"debian"_s);
    QCOMPARE(steps[u"deployed"_s][u"distro_series"_s].toString(), u"bookworm"_s);
    QCOMPARE(steps[u"files"_s][u"count"_s].toInt(), 1);
    QCOMPARE(steps[u"get-file"_s][u"content"_s].toString(), u"state-server-instances: [a]\n"_s);
    QVERIFY(steps[u"get-missing-file"_s][u"no_match"_s].toBool());
    QVERIFY(steps.contains(u"delete-file"_s));
    QCOMPARE(steps[u"device"_s][u"addresses"_s].toArray(), QJsonArray{u"127.0.0.201"_s}); // the next reserved one
    // A plain user neither sees the administrator's machine nor releases it.
    QCOMPARE(steps[u"other-sees"_s][u"count"_s].toInt(), 0);
    QVERIFY2(steps[u"other-release"_s][u"bad_request"_s].toBool(),
             qPrintable(steps[u"other-release"_s][u"message"_s].toString()));
    // Released: Ready again, the owner's notes gone with it (as on MAAS).
    QVERIFY(steps[u"ready"_s][u"owner_data"_s].toObject().isEmpty());
    QCOMPARE(steps[u"ready"_s][u"osystem"_s].toString(), QString()); // released: no OS any more

    // The window sees the API's changes as ordinary ones: events name the API user.
    auto events = core_->events->forMachine(machines_.first());
    QVERIFY(events);
    QStringList byAdmin;
    for (const Event &e : std::as_const(*events))
        if (e.username == u"admin"_s && e.toStatus)
            byAdmin << nodeStatusName(*e.toStatus);
    QVERIFY2(byAdmin.contains(u"Allocated"_s) && byAdmin.contains(u"Deploying"_s) && byAdmin.contains(u"Releasing"_s),
             qPrintable(byAdmin.join(u", "_s)));
}

void TestMaasApi::givesTheLastMachineToExactlyOneOfManyClients()
{
    const QString db = dir_.filePath(u"race.db"_s);
    startOn(DatabaseSpec::sqlite(db), db, 1);
    if (QTest::currentTestFailed())
        return;
    const Run r = run(QStringLiteral(GOMAASAPI_CLIENT), {u"race"_s, url(), adminKey_});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject race = QJsonDocument::fromJson(r.out.trimmed()).object();
    QCOMPARE(race[u"won"_s].toArray(), QJsonArray{machines_.first()});
    QCOMPARE(race[u"no_match"_s].toInt(), 7);
    QVERIFY2(race[u"errors"_s].toArray().isEmpty(), r.out.constData());
    QCOMPARE(core_->machines->get(machines_.first())->status, NodeStatus::Allocated);
}

void TestMaasApi::refusesWhatItMust()
{
    const QString db = dir_.filePath(u"refusals.db"_s);
    startOn(DatabaseSpec::sqlite(db), db, 2);
    if (QTest::currentTestFailed())
        return;
    const QString machines = url() + u"/api/2.0/machines/"_s;
    const QString admin = authorization(adminKey_);
    const QString alice = authorization(aliceKey_);
    QByteArray body;

    // 401: no key, a wrong key (also what gomaasapi says of it), and the anonymous version/ is fine.
    QCOMPARE(status({machines}, &body), 401);
    QCOMPARE(status({u"-H"_s, authorization(u"a:b:c"_s), machines}), 401);
    const Run bad = run(QStringLiteral(GOMAASAPI_CLIENT), {u"badkey"_s, url(), u"aaaa:bbbb:cccc"_s});
    QVERIFY2(QJsonDocument::fromJson(bad.out.trimmed()).object()[u"permission_error"_s].toBool(), bad.out.constData());
    // 403: a plain user commissioning (administrators only), or making a zone.
    QCOMPARE(status({u"-H"_s, alice, u"-X"_s, u"POST"_s, machines + machines_[1] + u"/?op=commission"_s}, &body), 403);
    QVERIFY2(body.contains("administrator"), body.constData());
    QCOMPARE(status({u"-H"_s, alice, u"-d"_s, u"name=mine"_s, url() + u"/api/2.0/zones/"_s}), 403);
    // 404: an unknown machine, and another user's (as absent as an unknown one).
    QCOMPARE(status({u"-H"_s, admin, machines + u"xxxxxx/"_s}), 404);
    QCOMPARE(status({u"-H"_s, admin, u"-d"_s, u"system_id="_s + machines_[1], machines + u"?op=allocate"_s}), 200);
    QCOMPARE(status({u"-H"_s, alice, machines + machines_[1] + u"/"_s}), 404);
    // 409: an action the machine's status does not allow, with the lifecycle's reason.
    QCOMPARE(status({u"-H"_s, admin, u"-X"_s, u"POST"_s, machines + machines_[0] + u"/?op=release"_s}, &body), 409);
    QVERIFY2(body.contains("Ready"), body.constData());
    // 400: an op this path does not have (naming those it has), bad base64, an image nobody has.
    QCOMPARE(status({u"-H"_s, admin, u"-X"_s, u"POST"_s, machines + u"?op=explode"_s}, &body), 400);
    QVERIFY2(body.contains("allocate, release"), body.constData());
    QCOMPARE(status({u"-H"_s, admin, u"-d"_s, u"user_data=%%%"_s, machines + machines_[1] + u"/?op=deploy"_s}, &body),
             400);
    QCOMPARE(status({u"-H"_s, admin, u"-d"_s, u"user_data=!!notbase64"_s, machines + machines_[1] + u"/?op=deploy"_s},
                    &body),
             400);
    QVERIFY2(body.contains("base64"), body.constData());
    QCOMPARE(
        status({u"-H"_s, admin, u"-d"_s, u"distro_series=plan9"_s, machines + machines_[1] + u"/?op=deploy"_s}, &body),
        400);
    QVERIFY2(body.contains("no deployable image for plan9"), body.constData());
    QCOMPARE(core_->machines->get(machines_[1])->status, NodeStatus::Allocated); // nothing was started
    // 413: a body over the limit, refused before it is read.
    QCOMPARE(status({u"-H"_s, admin, u"--data-binary"_s, u"@-"_s, u"-H"_s, u"Content-Length: 2000000"_s,
                     machines + u"?op=allocate"_s}),
             413);
    // A constraint that does not parse.
    QCOMPARE(status({u"-H"_s, admin, u"-d"_s, u"storage=root:lots"_s, machines + u"?op=allocate"_s}, &body), 400);
    QVERIFY2(body.contains("storage"), body.constData());

    // Release erases when enable_disk_erasing_on_release is on and the client does not say (juju
    // does not), and not when it says erase=false (as MAAS).
    QVERIFY(core_->config->setValue(u"enable_disk_erasing_on_release"_s, u"true"_s));
    QCOMPARE(status({u"-H"_s, admin, u"-X"_s, u"POST"_s, machines + machines_[1] + u"/?op=release"_s}, &body), 200);
    QCOMPARE(core_->machines->get(machines_[1])->status, NodeStatus::DiskErasing);
    QCOMPARE(NodeSettingsStore(core_->db).get(machines_[1])->eraseMode, u"quick"_s);
    QCOMPARE(status({u"-H"_s, admin, u"-d"_s, u"system_id="_s + machines_[0], machines + u"?op=allocate"_s}), 200);
    QCOMPARE(status({u"-H"_s, admin, u"-d"_s, u"erase=false"_s, machines + machines_[0] + u"/?op=release"_s}), 200);
    QCOMPARE(core_->machines->get(machines_[0])->status, NodeStatus::Releasing);
}

void TestMaasApi::documentsEveryRouteItServes()
{
    // docs/api.md lists every route as "`METHOD /MAAS/api/2.0/...`": the same set as served.
    const QString db = dir_.filePath(u"routes.db"_s);
    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY(core);
    region::Server server(**core, region::ServerConfig{});
    QStringList served;
    for (const QString &route : server.routes())
        if (route.contains(u"/MAAS/api/"_s))
            served << route;
    served.sort();
    QFile doc(QStringLiteral(API_DOC));
    QVERIFY(doc.open(QIODevice::ReadOnly));
    QStringList documented;
    const QRegularExpression routeLine(uR"(^\| `((?:GET|POST|PUT|DELETE) /MAAS/api/[^`]*)`)"_s);
    for (const QByteArray &line : doc.readAll().split('\n'))
        if (auto m = routeLine.match(QString::fromUtf8(line)); m.hasMatch())
            documented << m.captured(1);
    documented.sort();
    if (documented != served) // what to write there
        qInfo("served:\n%s", qPrintable(served.join(u'\n')));
    QCOMPARE(documented, served);
}

QTEST_GUILESS_MAIN(TestMaasApi)
#include "tst_maasapi.moc"
