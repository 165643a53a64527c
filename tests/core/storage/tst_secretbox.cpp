// Power passwords at rest: sealed with libsodium under a key file of its own, so that the database
// file alone holds none. Checked on the bytes of the SQLite file and its journal, for a password
// written by the engine, by the power settings and by a chassis, and for one an older MetalDesk left
// in plain text (sealed at the next start). And every parameter a power driver marks secret is one
// the store seals. Node credentials (the metadata service's tokens) likewise; one sealed under a
// lost key file is replaced, never a failure at boot. In a desktop session the key moves into the
// keyring (GNOME Keyring on a session bus of the test's own).
#include "childprocess.h"
#include "core/chassis/chassisstore.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/power/powerdrivers.h"
#include "core/runtime/coreservices.h"
#include "core/storage/secretbox.h"
#include "core/storage/secretkey.h"
#include "core/users/nodetokens.h"
#include "rawsql.h"
#include "skip.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <thread>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
const QString bmcPassword = u"Plain-BMC-Pass-7"_s;
const QString chassisPassword = u"Plain-Chassis-Pass-42"_s;

// Which machine a node credential speaks for, as the metadata service asks.
std::optional<QString> authenticate(NodeTokenStore &store, const NodeToken &token)
{
    auto who = store.authenticate({token.consumerKey, token.tokenKey, {}, token.tokenSecret, {}, {}});
    return who ? *who : std::nullopt;
}

// A machine and its node credential in a new database at `path`, which is closed again.
bool machineWithToken(const QString &path, const QString &mac, QString *systemId, NodeToken *token)
{
    auto core = CoreServices::open(DatabaseSpec::sqlite(path));
    if (!core)
        return false;
    NewMachine spec;
    spec.macAddresses = {mac};
    auto machine = (*core)->engine->createMachine(spec, {0, u"admin"_s, true});
    if (!machine)
        return false;
    auto made = NodeTokenStore((*core)->db).tokenFor(machine->systemId);
    if (!made)
        return false;
    *systemId = machine->systemId;
    *token = *made;
    return true;
}

// Every byte MetalDesk's database keeps on disk: the file, its write-ahead log.
QByteArray databaseBytes(const QString &path)
{
    QByteArray all;
    for (const QString &name : {path, path + u"-wal"_s, path + u"-journal"_s}) {
        QFile f(name);
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}
// A desktop session of the test's own: a session bus that activates nothing (so that no keyring
// starts in the real home folder) and GNOME Keyring on it, its login keyring created and unlocked
// in a temporary home. Both are stopped by PID.
class DesktopSession {
public:
    ~DesktopSession()
    {
        for (QProcess *p : {&keyring_, &bus_})
            if (p->state() != QProcess::NotRunning) {
                p->kill();
                p->waitForFinished(5000);
            }
    }
    QString start()
    {
        if (!home_.isValid())
            return u"no temporary folder"_s;
        const QString config = home_.filePath(u"bus.conf"_s);
        QFile conf(config);
        if (!conf.open(QIODevice::WriteOnly))
            return u"cannot write the bus configuration"_s;
        conf.write("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
                   "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig><type>session</type>"
                   "<listen>unix:dir=" +
                   QFile::encodeName(home_.path()) +
                   "</listen><auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\"/>"
                   "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n");
        conf.close();
        testing::dieWithParent(bus_); // also when the test is killed
        testing::dieWithParent(keyring_);
        bus_.start(u"dbus-daemon"_s, {u"--config-file="_s + config, u"--nofork"_s, u"--print-address"_s});
        if (!bus_.waitForStarted(5000) || !bus_.waitForReadyRead(5000))
            return u"dbus-daemon did not start: "_s + QString::fromLocal8Bit(bus_.readAllStandardError());
        address_ = QString::fromLatin1(bus_.readLine().trimmed());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"HOME"_s, home_.path());
        env.insert(u"XDG_DATA_HOME"_s, home_.filePath(u"data"_s));
        env.insert(u"XDG_RUNTIME_DIR"_s, home_.path());
        env.insert(u"DBUS_SESSION_BUS_ADDRESS"_s, address_);
        keyring_.setProcessEnvironment(env);
        keyring_.start(u"gnome-keyring-daemon"_s, {u"--unlock"_s, u"--components=secrets"_s, u"--foreground"_s});
        if (!keyring_.waitForStarted(5000))
            return u"gnome-keyring-daemon did not start"_s;
        keyring_.write("login-password");
        keyring_.closeWriteChannel();
        QDBusConnection probe = QDBusConnection::connectToBus(address_, u"probe"_s);
        for (int i = 0; i < 100 && !probe.interface()->isServiceRegistered(u"org.freedesktop.secrets"_s); ++i)
            QTest::qWait(100);
        const bool up = probe.interface()->isServiceRegistered(u"org.freedesktop.secrets"_s);
        QDBusConnection::disconnectFromBus(u"probe"_s);
        if (!up)
            return u"GNOME Keyring did not come onto the bus: "_s + QString::fromLocal8Bit(keyring_.readAll());
        return {};
    }
    // This process joins the session, or leaves it (as a headless start over SSH).
    void enter() const { qputenv("DBUS_SESSION_BUS_ADDRESS", address_.toLatin1()); }
    static void leave() { qunsetenv("DBUS_SESSION_BUS_ADDRESS"); }

private:
    QTemporaryDir home_;
    QProcess bus_, keyring_;
    QString address_;
};

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Whether any file under `dir` holds `bytes` (a copy of the whole data folder).
bool folderHolds(const QString &dir, const QByteArray &bytes)
{
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(bytes))
            return true;
    }
    return false;
}

} // namespace

class TestSecretBox : public QObject {
    Q_OBJECT
private slots:
    void sealsAndOpens()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"k.key"_s);
        auto box = SecretBox::openKeyFile(path);
        QVERIFY2(box, qPrintable(box.errorMessage()));
        QCOMPARE(QFileInfo(path).size(), 32);
        QCOMPARE(QFileInfo(path).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
        const QString sealed = (*box)->seal(u"pässwörd"_s);
        QVERIFY(SecretBox::isSealed(sealed));
        QVERIFY(!sealed.contains(u"pässwörd"_s));
        QVERIFY(sealed != (*box)->seal(u"pässwörd"_s)); // a new nonce each time
        QCOMPARE(*(*box)->open(sealed), u"pässwörd"_s);
        QCOMPARE(*(*box)->open(u"written before sealing"_s), u"written before sealing"_s);
        // The same file again: the same key.
        auto again = SecretBox::openKeyFile(path);
        QVERIFY(again);
        QCOMPARE(*(*again)->open(sealed), u"pässwörd"_s);
    }

    void refusesAnotherKeyAndAChangedValue()
    {
        QTemporaryDir dir;
        auto one = SecretBox::openKeyFile(dir.filePath(u"one.key"_s));
        auto other = SecretBox::openKeyFile(dir.filePath(u"other.key"_s));
        QVERIFY(one && other);
        const QString sealed = (*one)->seal(u"secret"_s);
        auto wrongKey = (*other)->open(sealed);
        QVERIFY(!wrongKey);
        QVERIFY2(wrongKey.errorMessage().contains(u"other.key"_s), qPrintable(wrongKey.errorMessage()));
        QString changed = sealed;
        changed[20] = changed[20] == u'A' ? u'B' : u'A'; // a byte of the nonce
        QVERIFY(!(*one)->open(changed));
        QVERIFY(!(*one)->open(u"sealed:v1:AAAA"_s));
        // Opened parameters leave out what does not open, and keep the rest.
        const QJsonObject opened =
            openParameters(**other, storedParameters(**one, {{u"power_pass"_s, u"x"_s}, {u"power_user"_s, u"u"_s}}));
        QCOMPARE(opened, (QJsonObject{{u"power_user"_s, u"u"_s}}));
    }

    void refusesAKeyFileThatIsNotOne()
    {
        QTemporaryDir dir;
        QFile f(dir.filePath(u"short.key"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("12345");
        f.close();
        auto box = SecretBox::openKeyFile(f.fileName());
        QVERIFY(!box);
        QVERIFY2(box.errorMessage().contains(u"32 bytes"_s), qPrintable(box.errorMessage()));
    }

    // A kill between creating the key file and writing it (tst_crashdurability's first-start kills
    // found it) left an empty file, and every later start failed: the key is now written whole first.
    void anEmptyKeyFileIsMadeAgainAndTwoStartsShareOneKey()
    {
        QTemporaryDir dir;
        QFile empty(dir.filePath(u"empty.key"_s));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        auto box = SecretBox::openKeyFile(empty.fileName());
        QVERIFY2(box, qPrintable(box.errorMessage()));
        QCOMPARE(QFileInfo(empty.fileName()).size(), 32);

        const QString shared = dir.filePath(u"shared.key"_s);
        std::vector<Expected<std::shared_ptr<const SecretBox>>> boxes(8, Error{u"not run"_s});
        std::vector<std::thread> starts;
        for (auto &slot : boxes)
            starts.emplace_back([&slot, shared] { slot = SecretBox::openKeyFile(shared); });
        for (std::thread &t : starts)
            t.join();
        const QString sealed = (*boxes.front())->seal(u"one key for all"_s);
        for (const auto &b : boxes) {
            QVERIFY2(b, qPrintable(b.errorMessage()));
            auto opened = (*b)->open(sealed);
            QVERIFY2(opened, qPrintable(opened.errorMessage()));
            QCOMPARE(*opened, u"one key for all"_s);
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2); // no temporary file left
    }

    void everySecretPowerParameterIsSealed()
    {
        const auto drivers = PowerDrivers::builtIn();
        int secrets = 0;
        for (const PowerDriver *driver : drivers->all())
            for (const PowerParameter &p : driver->parameters()) {
                QVERIFY2(isSecretParameter(p.name) == p.secret, qPrintable(driver->type() + u" "_s + p.name));
                secrets += p.secret;
            }
        QVERIFY(secrets >= 2); // IPMI's and vSphere's passwords
    }

    void theDatabaseFileHoldsNoPassword()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"md.db"_s);
        {
            auto core = CoreServices::open(DatabaseSpec::sqlite(path));
            QVERIFY2(core, qPrintable(core.errorMessage()));
            const Actor admin{0, u"admin"_s, true};
            NewMachine spec;
            spec.macAddresses = {u"52:54:00:aa:00:01"_s};
            spec.powerType = u"ipmi"_s;
            spec.powerParameters = {
                {u"power_address"_s, u"10.0.0.9"_s}, {u"power_user"_s, u"admin"_s}, {u"power_pass"_s, bmcPassword}};
            auto machine = (*core)->engine->createMachine(spec, admin);
            QVERIFY2(machine, qPrintable(machine.errorMessage()));
            QCOMPARE((*core)->machines->get(machine->systemId)->powerParameters.value(u"power_pass"_s).toString(),
                     bmcPassword);
            QJsonObject changed = spec.powerParameters;
            changed.insert(u"power_pass"_s, bmcPassword + u"-new"_s);
            QVERIFY((*core)->machines->setPowerSettings(machine->systemId, u"ipmi"_s, changed));
            Chassis chassis;
            chassis.type = u"vmware"_s;
            chassis.address = u"esxi.lab"_s;
            chassis.parameters = {{u"power_user"_s, u"root"_s}, {u"power_pass"_s, chassisPassword}};
            auto added = ChassisStore((*core)->db, nullptr).add({1, u"admin"_s, true}, chassis);
            QVERIFY2(added, qPrintable(added.errorMessage()));
            QCOMPARE(ChassisStore((*core)->db, nullptr).get(added->id)->parameters.value(u"power_pass"_s).toString(),
                     chassisPassword);
            const QByteArray bytes = databaseBytes(path);
            QVERIFY(!bytes.isEmpty());
            QVERIFY(!bytes.contains(bmcPassword.toUtf8()));
            QVERIFY(!bytes.contains(chassisPassword.toUtf8()));
        }
        QVERIFY(QFileInfo::exists(path + u".key"_s));
    }

    void aPasswordLeftInPlainTextIsSealedAtTheNextStart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"md.db"_s);
        QString systemId;
        {
            auto core = CoreServices::open(DatabaseSpec::sqlite(path));
            QVERIFY(core);
            NewMachine spec;
            spec.macAddresses = {u"52:54:00:aa:00:02"_s};
            spec.powerType = u"ipmi"_s;
            spec.powerParameters = {{u"power_address"_s, u"10.0.0.9"_s}};
            auto machine = (*core)->engine->createMachine(spec, {0, u"admin"_s, true});
            QVERIFY(machine);
            systemId = machine->systemId;
        }
        {
            // As an older MetalDesk wrote it.
            testing::RawSql raw(DatabaseSpec::sqlite(path));
            QCOMPARE(raw.exec(u"UPDATE machines SET power_parameters = "
                              "'{\"power_address\":\"10.0.0.9\",\"power_pass\":\"%1\"}'"_s.arg(bmcPassword)),
                     QString());
        }
        QVERIFY(databaseBytes(path).contains(bmcPassword.toUtf8()));
        auto core = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY(core);
        QCOMPARE((*core)->machines->get(systemId)->powerParameters.value(u"power_pass"_s).toString(), bmcPassword);
        QVERIFY(!databaseBytes(path).contains(bmcPassword.toUtf8()));
    }

    // The node credentials of the metadata service are sealed too: a copy of the database lets
    // nobody speak for a machine.
    void areSealedAndStillAuthenticate()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"md.db"_s);
        auto core = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        NewMachine spec;
        spec.macAddresses = {u"52:54:00:aa:00:03"_s};
        auto machine = (*core)->engine->createMachine(spec, {0, u"admin"_s, true});
        QVERIFY(machine);
        NodeTokenStore store((*core)->db);
        auto token = store.tokenFor(machine->systemId);
        QVERIFY2(token, qPrintable(token.errorMessage()));
        QCOMPARE(store.tokenFor(machine->systemId)->tokenSecret, token->tokenSecret); // lasting
        QCOMPARE(authenticate(store, *token), std::optional<QString>(machine->systemId));
        NodeToken wrong = *token;
        wrong.tokenSecret[0] = wrong.tokenSecret[0] == u'a' ? u'b' : u'a';
        QCOMPARE(authenticate(store, wrong), std::nullopt);
        QVERIFY(!databaseBytes(path).contains(token->tokenSecret.toUtf8()));
    }

    void aCredentialLeftInPlainTextIsSealedAtTheNextStart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"md.db"_s);
        QString systemId;
        NodeToken token;
        QVERIFY(machineWithToken(path, u"52:54:00:aa:00:04"_s, &systemId, &token));
        {
            // As an older MetalDesk wrote it.
            testing::RawSql raw(DatabaseSpec::sqlite(path));
            QCOMPARE(raw.exec(u"UPDATE node_tokens SET token_secret = '%1'"_s.arg(token.tokenSecret)), QString());
        }
        QVERIFY(databaseBytes(path).contains(token.tokenSecret.toUtf8()));
        auto core = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY(core);
        NodeTokenStore store((*core)->db);
        QCOMPARE(authenticate(store, token), std::optional<QString>(systemId));
        QCOMPARE(store.tokenFor(systemId)->tokenSecret, token.tokenSecret);
        QVERIFY(!databaseBytes(path).contains(token.tokenSecret.toUtf8()));
    }

    void aCredentialUnderAnotherKeyIsReplaced()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"md.db"_s);
        QString systemId;
        NodeToken before;
        QVERIFY(machineWithToken(path, u"52:54:00:aa:00:05"_s, &systemId, &before));
        QVERIFY(QFile::remove(path + u".key"_s)); // the key file lost: a new one is made
        auto core = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        NodeTokenStore store((*core)->db);
        QCOMPARE(authenticate(store, before), std::nullopt);
        auto after = store.tokenFor(systemId);
        QVERIFY2(after, qPrintable(after.errorMessage()));
        QVERIFY(after->tokenSecret != before.tokenSecret && !after->tokenSecret.isEmpty());
        QCOMPARE(authenticate(store, *after), std::optional<QString>(systemId));
    }

    // Last: the private session bus goes away with it (GLib's session connection would stop a
    // test that ran after).
    void keepsTheKeyInTheDesktopKeyring()
    {
        for (const QString &tool : {u"dbus-daemon"_s, u"gnome-keyring-daemon"_s, u"secret-tool"_s})
            if (QStandardPaths::findExecutable(tool).isEmpty())
                METALDESK_SKIP(qPrintable(tool + u" is not installed (tools/setup installs it)"_s));
        QTemporaryDir dir;
        const QString path = dir.filePath(u"md.db"_s), keyFile = path + u".key"_s, marker = keyFile + u".keyring"_s;
        // An installation from a headless start: its key in a file, a BMC password sealed with it.
        DesktopSession::leave();
        QString systemId;
        {
            auto core = CoreServices::open(DatabaseSpec::sqlite(path));
            QVERIFY2(core, qPrintable(core.errorMessage()));
            NewMachine spec;
            spec.macAddresses = {u"52:54:00:aa:00:07"_s};
            spec.powerType = u"ipmi"_s;
            spec.powerParameters = {{u"power_address"_s, u"10.0.0.9"_s}, {u"power_pass"_s, bmcPassword}};
            auto machine = (*core)->engine->createMachine(spec, {0, u"admin"_s, true});
            QVERIFY2(machine, qPrintable(machine.errorMessage()));
            systemId = machine->systemId;
        }
        const QByteArray key = fileBytes(keyFile);
        QCOMPARE(key.size(), SecretBox::kKeyBytes);
        auto opens = [&] {
            auto core = CoreServices::open(DatabaseSpec::sqlite(path));
            return core &&
                   (*core)->machines->get(systemId)->powerParameters.value(u"power_pass"_s).toString() == bmcPassword;
        };
        // The keyring entries secret-tool, libsecret's own client, finds under MetalDesk's name.
        auto entries = [] {
            QProcess lookup;
            lookup.start(u"secret-tool"_s, {u"search"_s, u"--all"_s, u"server"_s, u"MetalDesk"_s});
            lookup.waitForFinished(10000);
            return QString::fromUtf8(lookup.readAllStandardOutput() + lookup.readAllStandardError());
        };

        // Started in a desktop session: the key moves into the keyring, and the folder holds it no more.
        DesktopSession session;
        const QString why = session.start();
        if (!why.isEmpty())
            METALDESK_SKIP(qPrintable(why));
        // The first start copies it and names the entry; the next one, finding it there, deletes the file.
        session.enter();
        QVERIFY(opens());
        QVERIFY(QFileInfo::exists(keyFile) && QFileInfo::exists(marker));
        QVERIFY(opens());
        QVERIFY(!QFileInfo::exists(keyFile));
        QVERIFY(!folderHolds(dir.path(), key));
        const QString entry = QString::fromLatin1(fileBytes(marker).trimmed()).section(u' ', -1);
        QVERIFY2(entries().contains(entry) && !entry.isEmpty(), qPrintable(entries()));

        // A start without the desktop session is refused and says what to do; nothing is made anew.
        DesktopSession::leave();
        auto refused = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"desktop keyring"_s) &&
                     refused.errorMessage().contains(u"metaldesk secret-key file"_s),
                 qPrintable(refused.errorMessage()));
        QVERIFY(!QFileInfo::exists(keyFile));

        // `secret-key file`, in the session, keeps it in the file for good: headless starts work again.
        session.enter();
        {
            auto core = CoreServices::open(DatabaseSpec::sqlite(path));
            QVERIFY2(core, qPrintable(core.errorMessage()));
            auto moved = secretkey::moveTo(*(*core)->db, secretkey::Place::File);
            QVERIFY2(moved, qPrintable(moved.errorMessage()));
        }
        QCOMPARE(fileBytes(keyFile), key);
        QCOMPARE(QFileInfo(keyFile).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
        QVERIFY(!QFileInfo::exists(marker));
        QVERIFY2(!entries().contains(entry), qPrintable(entries()));
        QVERIFY(opens()); // in the session: it stays in the file
        QVERIFY(QFileInfo::exists(keyFile));
        DesktopSession::leave();
        QVERIFY(opens());

        // `secret-key keyring` takes it back, under a new entry.
        session.enter();
        {
            auto core = CoreServices::open(DatabaseSpec::sqlite(path));
            QVERIFY2(core, qPrintable(core.errorMessage()));
            auto moved = secretkey::moveTo(*(*core)->db, secretkey::Place::Keyring);
            QVERIFY2(moved, qPrintable(moved.errorMessage()));
        }
        QVERIFY(opens());
        QVERIFY(!QFileInfo::exists(keyFile));
        QVERIFY(opens());

        // A damaged marker: refused, whatever the keyring holds, and no key is made.
        const QByteArray marked = fileBytes(marker);
        for (const QByteArray &damaged : {QByteArray(), marked.left(20), marked.left(marked.size() - 5)}) {
            QFile cut(marker);
            QVERIFY(cut.open(QIODevice::WriteOnly | QIODevice::Truncate));
            cut.write(damaged);
            cut.close();
            refused = CoreServices::open(DatabaseSpec::sqlite(path));
            QVERIFY(!refused);
            QVERIFY2(refused.errorMessage().contains(u"damaged"_s), qPrintable(refused.errorMessage()));
            QVERIFY(!QFileInfo::exists(keyFile));
        }
        QFile restored(marker);
        QVERIFY(restored.open(QIODevice::WriteOnly | QIODevice::Truncate));
        restored.write(marked);
        restored.close();
        QVERIFY(opens());

        // The entry gone (a locked keyring whose prompt was dismissed answers the same): refused,
        // and no new key takes its place, in the keyring or in a file.
        const QString second = QString::fromLatin1(fileBytes(marker).trimmed()).section(u' ', -1);
        QVERIFY(second != entry);
        QProcess clear;
        clear.start(u"secret-tool"_s, {u"clear"_s, u"server"_s, u"MetalDesk"_s});
        QVERIFY(clear.waitForFinished(10000));
        QVERIFY2(!entries().contains(second), qPrintable(entries()));
        refused = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"Unlock the keyring"_s), qPrintable(refused.errorMessage()));
        QVERIFY(!QFileInfo::exists(keyFile));
        QVERIFY2(!entries().contains(u"secret key"_s), qPrintable(entries()));
        DesktopSession::leave();
    }
};

QTEST_GUILESS_MAIN(TestSecretBox)
#include "tst_secretbox.moc"
