// The command line as a user meets it: the real binary, run as a process.
#include "core/images/bootimagestore.h"
#include "core/runtime/coreservices.h"
#include "core/storage/settings.h"

#include "skip.h"
#include <QCryptographicHash>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace metaldesk;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "DBUS_SESSION_BUS_ADDRESS"})
        env.remove(QLatin1String(name));
    return env;
}

Run run(const QStringList &args, const QProcessEnvironment &env = cleanEnvironment(), const QByteArray &input = {})
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(METALDESK_BINARY), args);
    p.write(input);
    p.closeWriteChannel(); // stdin is not a terminal, and at end of file
    if (!p.waitForFinished(60000))
        p.kill();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromLocal8Bit(p.readAllStandardOutput()), QString::fromLocal8Bit(p.readAllStandardError())};
}

// Starts a long-running metaldesk and waits until it prints its stop instructions.
bool startUntilBanner(QProcess &p, const QStringList &args, QString &banner)
{
    p.setProcessEnvironment(cleanEnvironment());
    p.start(QStringLiteral(METALDESK_BINARY), args);
    if (!p.waitForStarted())
        return false;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 30000 && !banner.contains(QLatin1String("Stop with"))) {
        p.waitForReadyRead(200);
        banner += QString::fromLocal8Bit(p.readAllStandardOutput());
        if (p.state() == QProcess::NotRunning)
            return false;
    }
    return banner.contains(QLatin1String("Stop with"));
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void helpListsCommandsAndOptions();
    void versionPrintsTheVersion();
    void unknownOptionIsAUsageError();
    void unknownCommandIsAUsageError();
    void badListenAddressIsAUsageError();
    void setConfigStoresWhatGetConfigReads();
    void setConfigRefusesAnUnknownSettingNamingTheValidOnes();
    void setConfigRefusesABadValueWithTheReason();
    void setConfigHelpListsEverySetting();
    void apikeyPrintsANewKeyThatAuthenticates();
    void imagesAddsListsAndRemovesCatalogueImages();
    void secretKeySaysWhereTheKeyIsAndMovesIt();
    void createadminCreatesAnAdministratorWithAnApiKey();
    void createadminWithoutTerminalNamesTheMissingOption();
    void createadminRefusesAPasswordOnTheCommandLine();
    void createadminAsksOnATerminalWithoutEchoingThePassword();
    void createadminRefusesADuplicateUser();
    void createadminRefusesAnInvalidUsername();
    void corruptDatabaseFileIsRefusedAndKept();
    void unwritableDatabaseLocationIsRefused();
    void newerDatabaseIsRefused();
    void headlessPrintsWhereItListensAndStopsOnSignal_data();
    void headlessPrintsWhereItListensAndStopsOnSignal();
    void withoutDisplayRunsHeadlessAndSaysSo();
    void headlessStartsTheRegionOnceThereIsAnAccount();
    void ignoresPluginPathsWhenGivenCapabilities();
    void headlessTimesOutAMachineLeftDeploying();
};

void TestCli::helpListsCommandsAndOptions()
{
    const Run r = run({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    for (const char *word : {"--headless", "--database", "--listen", "--version", "createadmin"})
        QVERIFY2(r.out.contains(QLatin1String(word)), word);
    const Run sub = run({QStringLiteral("createadmin"), QStringLiteral("--help")});
    QCOMPARE(sub.exitCode, 0);
    for (const char *word : {"--username", "--email", "--database", "standard input"})
        QVERIFY2(sub.out.contains(QLatin1String(word)), word);
    QVERIFY(!sub.out.contains(QLatin1String("--password"))); // refused: see createadminRefusesAPasswordOnTheCommandLine
}

void TestCli::versionPrintsTheVersion()
{
    const Run r = run({QStringLiteral("--version")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.trimmed(), QStringLiteral("metaldesk " METALDESK_VERSION));
}

void TestCli::unknownOptionIsAUsageError()
{
    const Run r = run({QStringLiteral("--frobnicate")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("frobnicate")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QLatin1String("--help")), qPrintable(r.err));
}

void TestCli::unknownCommandIsAUsageError()
{
    const Run r = run({QStringLiteral("deploy-everything")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("unknown command 'deploy-everything'")), qPrintable(r.err));
}

void TestCli::badListenAddressIsAUsageError()
{
    const Run r = run({QStringLiteral("--headless"), QStringLiteral("--listen"), QStringLiteral("not-an-ip")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("not-an-ip")), qPrintable(r.err));
}

void TestCli::setConfigStoresWhatGetConfigReads()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    // Never set: the default.
    Run r = run({QStringLiteral("get-config"), QStringLiteral("http_port"), QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed(), QStringLiteral("5248"));
    r = run({QStringLiteral("set-config"), QStringLiteral("http_port"), QStringLiteral(" 8080 "),
             QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QLatin1String("http, tftp, metadata")), qPrintable(r.err)); // who reads it at start
    r = run({QStringLiteral("get-config"), QStringLiteral("http_port"), QStringLiteral("--database"), db});
    QCOMPARE(r.out.trimmed(), QStringLiteral("8080"));
    // An empty value puts the default back.
    r = run({QStringLiteral("set-config"), QStringLiteral("http_port"), QString(), QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = run({QStringLiteral("get-config"), QStringLiteral("http_port"), QStringLiteral("--database"), db});
    QCOMPARE(r.out.trimmed(), QStringLiteral("5248"));
}

void TestCli::setConfigRefusesAnUnknownSettingNamingTheValidOnes()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    for (const QString &command : {QStringLiteral("set-config"), QStringLiteral("get-config")}) {
        QStringList args{command, QStringLiteral("dhcp_rnage")};
        if (command == QLatin1String("set-config"))
            args << QStringLiteral("10.0.0.10-10.0.0.20");
        const Run r = run(args + QStringList{QStringLiteral("--database"), db});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("there is no setting 'dhcp_rnage'")), qPrintable(r.err));
        for (const char *valid : {"dhcp_range", "dhcp_interface", "http_port", "node_timeout_minutes"})
            QVERIFY2(r.err.contains(QLatin1String(valid)), qPrintable(r.err));
    }
    QVERIFY(!QFile::exists(db)); // refused before anything was opened
}

void TestCli::setConfigRefusesABadValueWithTheReason()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    const std::pair<const char *, const char *> bad[] = {
        {"http_port", "seventy"},      {"http_port", "70000"},        {"dhcp_mode", "managd"},
        {"dhcp_range", "10.0.0.9"},    {"dhcp_router", "10.0.0"},     {"dhcp_allow_other_servers", "yes"},
        {"boot_root", "relative/dir"}, {"node_timeout_minutes", "0"}, {"dhcp_dns", "10.0.0.1,dns.example"},
    };
    for (const auto &[name, value] : bad) {
        const Run r = run({QStringLiteral("set-config"), QLatin1String(name), QLatin1String(value),
                           QStringLiteral("--database"), db});
        QVERIFY2(r.exitCode == 2, name);
        QVERIFY2(
            r.err.contains(QStringLiteral("the setting %1 is '%2'").arg(QLatin1String(name), QLatin1String(value))),
            qPrintable(r.err));
    }
    QVERIFY(!QFile::exists(db));
}

void TestCli::setConfigHelpListsEverySetting()
{
    const Run r = run({QStringLiteral("set-config"), QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    for (const SettingSpec &s : allSettings())
        QVERIFY2(r.out.contains(QLatin1String(s.name)), s.name);
    QVERIFY2(r.out.contains(QLatin1String("managed|proxy")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("[default: 5248]")), qPrintable(r.out));
}

void TestCli::apikeyPrintsANewKeyThatAuthenticates()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db));
        QVERIFY(core);
        QVERIFY(UserStore((*core)->db, 1000).createUser(QStringLiteral("juju"), {}, QStringLiteral("pw"), false));
    }
    const Run r = run({QStringLiteral("apikey"), QStringLiteral("--username"), QStringLiteral("juju"),
                       QStringLiteral("--name"), QStringLiteral("model one"), QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList parts = r.out.trimmed().split(QLatin1Char(':'));
    QCOMPARE(parts.size(), 3);
    QVERIFY2(r.err.contains(QLatin1String("not shown again")), qPrintable(r.err));
    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY(core);
    auto user = (*core)->users->authenticateToken(parts[0], parts[1], parts[2]);
    QVERIFY2(user, qPrintable(user.errorMessage()));
    QCOMPARE(user->username, QStringLiteral("juju"));
    const Run unknown = run({QStringLiteral("apikey"), QStringLiteral("--username"), QStringLiteral("nobody"),
                             QStringLiteral("--database"), db});
    QCOMPARE(unknown.exitCode, 1);
    QVERIFY2(unknown.err.contains(QLatin1String("nobody")), qPrintable(unknown.err));
    QCOMPARE(run({QStringLiteral("apikey"), QStringLiteral("--database"), db}).exitCode, 2); // no --username
}

void TestCli::imagesAddsListsAndRemovesCatalogueImages()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    const QString root = dir.filePath(QStringLiteral("boot"));
    QCOMPARE(run({QStringLiteral("set-config"), QStringLiteral("boot_root"), root, QStringLiteral("--database"), db})
                 .exitCode,
             0);
    const QString file = dir.filePath(QStringLiteral("debian-12.img.xz"));
    // A real xz stream: the file's first bytes must say it is a (compressed) disk image, and it must
    // decompress (the upload maps where the disk holds data).
    QProcess xz;
    xz.start(QStringLiteral("xz"), {QStringLiteral("-c"), QStringLiteral("-0")});
    QVERIFY(xz.waitForStarted());
    xz.write(QByteArray(300000, 'x') + "an image");
    xz.closeWriteChannel();
    QVERIFY(xz.waitForFinished());
    const QByteArray content = xz.readAllStandardOutput();
    QVERIFY(content.startsWith("\xfd"
                               "7zXZ"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    Run r = run({QStringLiteral("images"), QStringLiteral("add"), QStringLiteral("debian/bookworm"), file,
                 QStringLiteral("--title"), QStringLiteral("Debian 12"), QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // Copied under the boot root, where the HTTP boot server serves it, whole and with its checksum.
    const QString copied = root + QStringLiteral("/images/debian-bookworm-amd64.raw.xz");
    QCOMPARE(fileBytes(copied), content);
    QVERIFY(!QFile::exists(copied + QStringLiteral(".part")));
    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY(core);
    auto images = BootImageStore((*core)->db).list();
    QVERIFY(images && images->size() == 1);
    QCOMPARE(images->first().location, QStringLiteral("images/debian-bookworm-amd64.raw.xz"));
    QCOMPARE(images->first().architecture, QStringLiteral("amd64/generic"));
    QCOMPARE(images->first().sha256,
             QString::fromLatin1(QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(images->first().size, content.size());
    r = run({QStringLiteral("images"), QStringLiteral("list"), QStringLiteral("--database"), db});
    QVERIFY2(r.out.contains(QLatin1String("debian/bookworm")) && r.out.contains(QLatin1String("bios,uefi")),
             qPrintable(r.out));
    // What cannot be an image is refused before anything is copied.
    r = run({QStringLiteral("images"), QStringLiteral("add"), QStringLiteral("Debian 12"), file,
             QStringLiteral("--database"), db});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("os/release")), qPrintable(r.err));
    {
        QFile notes(dir.filePath(QStringLiteral("notes.txt")));
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write(QByteArray(4096, 'n'));
    }
    r = run({QStringLiteral("images"), QStringLiteral("add"), QStringLiteral("debian/trixie"),
             dir.filePath(QStringLiteral("notes.txt")), QStringLiteral("--database"), db});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("not an image MetalDesk can deploy")), qPrintable(r.err));
    r = run({QStringLiteral("images"), QStringLiteral("remove"), QStringLiteral("debian/bookworm"),
             QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(BootImageStore((*core)->db).list()->isEmpty());
}

void TestCli::secretKeySaysWhereTheKeyIsAndMovesIt()
{
    // Without a desktop session (the suite has no session bus) the key is in its file; into the
    // keyring is refused with where to run it. tst_secretbox moves it with a real keyring.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    Run r = run({QStringLiteral("secret-key"), QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QLatin1String("the key file ") + db + QLatin1String(".key")), qPrintable(r.out));
    QVERIFY(QFileInfo::exists(db + QLatin1String(".key")));
    r = run({QStringLiteral("secret-key"), QStringLiteral("keyring"), QStringLiteral("--database"), db});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QLatin1String("no desktop session")), qPrintable(r.err));
    QVERIFY(QFileInfo::exists(db + QLatin1String(".key")));
    r = run({QStringLiteral("secret-key"), QStringLiteral("file"), QStringLiteral("--database"), db});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    r = run({QStringLiteral("secret-key"), QStringLiteral("wallet"), QStringLiteral("--database"), db});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("file or keyring")), qPrintable(r.err));
}

void TestCli::createadminCreatesAnAdministratorWithAnApiKey()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    // The password as a script gives it: the first line of standard input, never an argument.
    const Run r =
        run({QStringLiteral("createadmin"), QStringLiteral("--username"), QStringLiteral("admin"),
             QStringLiteral("--email"), QStringLiteral("admin@example.com"), QStringLiteral("--database"), db},
            cleanEnvironment(), "s3cret pass\n");
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // MAAS's API key form: consumer key (18) : token key (18) : token secret (32).
    const auto key =
        QRegularExpression(QStringLiteral("([A-Za-z0-9]{18}):([A-Za-z0-9]{18}):([A-Za-z0-9]{32})")).match(r.out);
    QVERIFY2(key.hasMatch(), qPrintable(r.out));
    QVERIFY(!r.out.contains(QLatin1String("s3cret")));

    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY2(core, qPrintable(core.errorMessage()));
    auto user = (*core)->users->authenticate(QStringLiteral("admin"), QStringLiteral("s3cret pass"));
    QVERIFY2(user, qPrintable(user.errorMessage()));
    QVERIFY(user->isAdmin);
    QCOMPARE(user->email, QStringLiteral("admin@example.com"));
    QVERIFY(!(*core)->users->authenticate(QStringLiteral("admin"), QStringLiteral("wrong")));
    auto byKey = (*core)->users->authenticateToken(key.captured(1), key.captured(2), key.captured(3));
    QVERIFY2(byKey, qPrintable(byKey.errorMessage()));
    QCOMPARE(byKey->username, QStringLiteral("admin"));
}

void TestCli::createadminWithoutTerminalNamesTheMissingOption()
{
    QTemporaryDir dir;
    const Run r = run({QStringLiteral("createadmin"), QStringLiteral("--username"), QStringLiteral("admin"),
                       QStringLiteral("--database"), dir.filePath(QStringLiteral("md.db"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("first line of standard input")), qPrintable(r.err));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("md.db")))); // nothing half-written
    const Run noEmail = run({QStringLiteral("createadmin"), QStringLiteral("--username"), QStringLiteral("admin"),
                             QStringLiteral("--database"), dir.filePath(QStringLiteral("md.db"))},
                            cleanEnvironment(), "pw\n");
    QCOMPARE(noEmail.exitCode, 2);
    QVERIFY2(noEmail.err.contains(QLatin1String("missing --email")), qPrintable(noEmail.err));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("md.db"))));
}

void TestCli::createadminRefusesAPasswordOnTheCommandLine()
{
    // Every user of the computer can read another's command line (ps): security review M3.
    QTemporaryDir dir;
    const Run r = run({QStringLiteral("createadmin"), QStringLiteral("--username"), QStringLiteral("admin"),
                       QStringLiteral("--password"), QStringLiteral("pw"), QStringLiteral("--email"),
                       QStringLiteral("a@b.c"), QStringLiteral("--database"), dir.filePath(QStringLiteral("md.db"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("standard input")), qPrintable(r.err));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("md.db"))));
}

void TestCli::createadminAsksOnATerminalWithoutEchoingThePassword()
{
    // script(1) gives metaldesk a real pseudo-terminal, as a person at a shell has.
    if (QStandardPaths::findExecutable(QStringLiteral("script")).isEmpty())
        METALDESK_SKIP("script(1) from util-linux is not installed");
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.start(QStringLiteral("script"),
            {QStringLiteral("-qefc"),
             QStringLiteral("%1 createadmin --database %2").arg(QStringLiteral(METALDESK_BINARY), db),
             QStringLiteral("/dev/null")});
    QVERIFY(p.waitForStarted());
    QString screen; // everything the terminal showed
    qsizetype seen = 0;
    auto answer = [&](const char *prompt, const QByteArray &reply) {
        QElapsedTimer timer;
        timer.start();
        while (screen.indexOf(QLatin1String(prompt), seen) < 0 && timer.elapsed() < 20000) {
            p.waitForReadyRead(100);
            screen += QString::fromLocal8Bit(p.readAll());
        }
        seen = screen.indexOf(QLatin1String(prompt), seen) + qsizetype(qstrlen(prompt));
        p.write(reply);
    };
    answer("Username: ", "kim\n");
    answer("Password: ", "hunter2 pw\n");
    answer("Again: ", "hunter2 pw\n");
    answer("Email: ", "kim@example.com\n");
    QVERIFY(p.waitForFinished(30000));
    screen += QString::fromLocal8Bit(p.readAll());
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(screen.contains(QLatin1String("Created administrator kim")), qPrintable(screen));
    QVERIFY2(!screen.contains(QLatin1String("hunter2")), qPrintable(screen)); // never echoed

    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY(core);
    auto user = (*core)->users->authenticate(QStringLiteral("kim"), QStringLiteral("hunter2 pw"));
    QVERIFY2(user, qPrintable(user.errorMessage()));
    QVERIFY(user->isAdmin);
    QCOMPARE(user->email, QStringLiteral("kim@example.com"));
}

void TestCli::createadminRefusesADuplicateUser()
{
    QTemporaryDir dir;
    const QStringList args = {QStringLiteral("createadmin"),
                              QStringLiteral("--username"),
                              QStringLiteral("admin"),
                              QStringLiteral("--email"),
                              QStringLiteral("a@b.c"),
                              QStringLiteral("--database"),
                              dir.filePath(QStringLiteral("md.db"))};
    QCOMPARE(run(args, cleanEnvironment(), "pw\n").exitCode, 0);
    const Run again = run(args, cleanEnvironment(), "pw\n");
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains(QLatin1String("already exists")), qPrintable(again.err));
}

void TestCli::createadminRefusesAnInvalidUsername()
{
    QTemporaryDir dir;
    const Run r = run({QStringLiteral("createadmin"), QStringLiteral("--username"), QStringLiteral("bad name!"),
                       QStringLiteral("--email"), QStringLiteral("a@b.c"), QStringLiteral("--database"),
                       dir.filePath(QStringLiteral("md.db"))},
                      cleanEnvironment(), "pw\n");
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("not a valid user name")), qPrintable(r.err));
}

void TestCli::corruptDatabaseFileIsRefusedAndKept()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("md.db"));
    QByteArray junk;
    for (int i = 0; i < 8192; ++i)
        junk += char((i * 7919) % 251);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(junk);
    }
    const Run r = run({QStringLiteral("--headless"), QStringLiteral("--database"), path});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(path) && r.err.contains(QLatin1String("--database")), qPrintable(r.err));
    QCOMPARE(fileBytes(path), junk);
}

void TestCli::unwritableDatabaseLocationIsRefused()
{
    QTemporaryDir dir;
    // A regular file where a directory should be: refused for root as for anyone.
    const QString blocker = dir.filePath(QStringLiteral("afile"));
    QFile f(blocker);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    const Run r =
        run({QStringLiteral("--headless"), QStringLiteral("--database"), blocker + QStringLiteral("/sub/md.db")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QLatin1String("cannot create the data directory")), qPrintable(r.err));
}

void TestCli::newerDatabaseIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("md.db"));
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(path));
        QVERIFY(core);
        auto conn = (*core)->db->connection();
        QVERIFY(runQuery(*conn, QStringLiteral("INSERT INTO schema_migrations VALUES (999, 'future', 0)")));
    }
    const Run r = run({QStringLiteral("--headless"), QStringLiteral("--database"), path});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QLatin1String("newer MetalDesk")) && r.err.contains(QLatin1String("999")),
             qPrintable(r.err));
}

void TestCli::headlessPrintsWhereItListensAndStopsOnSignal_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void TestCli::headlessPrintsWhereItListensAndStopsOnSignal()
{
    QFETCH(int, signalNumber);
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    QProcess p;
    QString banner;
    QVERIFY2(startUntilBanner(p,
                              {QStringLiteral("--headless"), QStringLiteral("--database"), db,
                               QStringLiteral("--listen"), QStringLiteral("127.0.0.1")},
                              banner),
             qPrintable(banner + QString::fromLocal8Bit(p.readAllStandardError())));
    QVERIFY(banner.contains(QStringLiteral("pid %1").arg(p.processId())));
    QVERIFY(banner.contains(db));
    QVERIFY(banner.contains(QLatin1String("address:   127.0.0.1")));
    QVERIFY(banner.contains(QStringLiteral("kill -TERM %1").arg(p.processId())));
    QVERIFY(banner.contains(QLatin1String("service:   timeouts")));
    // No boot interface chosen yet: the banner says DHCP is not running, and how to start it.
    QVERIFY2(banner.contains(QLatin1String("not running: DHCP is not running: no boot interface is chosen")) &&
                 banner.contains(QLatin1String("metaldesk set-config dhcp_interface NAME")),
             qPrintable(banner));

    ::kill(pid_t(p.processId()), signalNumber);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QString::fromLocal8Bit(p.readAllStandardOutput())
                .contains(QStringLiteral("stopped (signal %1)").arg(signalNumber)));
}

void TestCli::withoutDisplayRunsHeadlessAndSaysSo()
{
    QTemporaryDir dir;
    QProcess p;
    QString banner;
    QVERIFY2(startUntilBanner(p, {QStringLiteral("--database"), dir.filePath(QStringLiteral("md.db"))}, banner),
             qPrintable(banner + QString::fromLocal8Bit(p.readAllStandardError())));
    QVERIFY(banner.contains(QLatin1String("No display found")));
    QVERIFY(banner.contains(QLatin1String("running headless")));
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
}

// Security review L7: on a fresh installation the region (anonymous enlistment, the API) starts
// only once the first account exists; `metaldesk createadmin` beside the running process opens it.
void TestCli::headlessStartsTheRegionOnceThereIsAnAccount()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
        auto core = CoreServices::open(DatabaseSpec::sqlite(db));
        QVERIFY2(core, qPrintable(core.errorMessage()));
        QVERIFY((*core)->config->setValue(QLatin1String(setting::MetadataPort), QString::number(port)));
    }
    auto answers = [port] {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        return socket.waitForConnected(1000);
    };
    QProcess p;
    QString banner;
    QVERIFY2(startUntilBanner(p,
                              {QStringLiteral("--headless"), QStringLiteral("--database"), db,
                               QStringLiteral("--listen"), QStringLiteral("127.0.0.1")},
                              banner),
             qPrintable(banner + QString::fromLocal8Bit(p.readAllStandardError())));
    QVERIFY2(banner.contains(QLatin1String("not running: The MAAS API and metadata service waits for the first "
                                           "account")) &&
                 !banner.contains(QLatin1String("service:   region")),
             qPrintable(banner));
    QTest::qWait(1500);
    QVERIFY(!answers());

    const Run admin =
        run({QStringLiteral("createadmin"), QStringLiteral("--username"), QStringLiteral("admin"),
             QStringLiteral("--email"), QStringLiteral("admin@example.com"), QStringLiteral("--database"), db},
            cleanEnvironment(), "pw\n");
    QCOMPARE(admin.exitCode, 0);
    QTRY_VERIFY_WITH_TIMEOUT(answers(), 5000);
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
}

// Security review L8: a copy given a file capability (as the listen errors suggest), run by another
// user who names a plugin directory of theirs, does not look there; without the capability it does
// (which shows that the test would see it).
void TestCli::ignoresPluginPathsWhenGivenCapabilities()
{
    const QString setcap = QStandardPaths::findExecutable(QStringLiteral("setcap"),
                                                          {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    if (::geteuid() != 0 || setcap.isEmpty() || QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())
        METALDESK_SKIP("needs root, setcap (libcap2-bin) and setpriv (util-linux): run as root after tools/setup");
    QTemporaryDir dir;
    if (struct statvfs fs{}; ::statvfs(QFile::encodeName(dir.path()).constData(), &fs) == 0 && (fs.f_flag & ST_NOSUID))
        METALDESK_SKIP("the temporary folder is mounted nosuid: file capabilities do not apply there");
    const QString binary = dir.filePath(QStringLiteral("metaldesk"));
    const QString plugins = dir.filePath(QStringLiteral("theirs"));
    QVERIFY(QFile::copy(QStringLiteral(METALDESK_BINARY), binary));
    QVERIFY(QDir().mkpath(plugins + QStringLiteral("/sqldrivers")) &&
            QDir().mkpath(dir.filePath(QStringLiteral("data"))));
    for (const QString &path :
         {dir.path(), binary, plugins, plugins + QStringLiteral("/sqldrivers"), dir.filePath(QStringLiteral("data"))})
        QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                                QFileDevice::ReadOther | QFileDevice::WriteOther |
                                                QFileDevice::ExeOther));
    auto searched = [&](const QString &database) {
        QProcess p;
        QProcessEnvironment env = cleanEnvironment();
        env.insert(QStringLiteral("QT_DEBUG_PLUGINS"), QStringLiteral("1"));
        env.insert(QStringLiteral("QT_PLUGIN_PATH"), plugins);
        env.insert(QStringLiteral("HOME"), dir.filePath(QStringLiteral("data")));
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral("setpriv"),
                {QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"), QStringLiteral("--clear-groups"),
                 binary, QStringLiteral("get-config"), QStringLiteral("dhcp_mode"), QStringLiteral("--database"),
                 dir.filePath(QStringLiteral("data/") + database)});
        p.waitForFinished(30000);
        const QString out = QString::fromLocal8Bit(p.readAll());
        return out.contains(plugins + QStringLiteral("/sqldrivers")) ? QStringLiteral("searched") : out;
    };
    QCOMPARE(searched(QStringLiteral("plain.db")), QStringLiteral("searched"));
    QProcess cap;
    cap.start(setcap, {QStringLiteral("cap_net_bind_service=ep"), binary});
    QVERIFY(cap.waitForFinished() && cap.exitCode() == 0);
    const QString out = searched(QStringLiteral("capable.db"));
    QVERIFY2(out != QLatin1String("searched") && out.contains(QLatin1String("/usr/lib")), qPrintable(out));
}

void TestCli::headlessTimesOutAMachineLeftDeploying()
{
    // A machine stuck in Deploying while MetalDesk was stopped is failed soon after start.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("md.db"));
    QString systemId;
    {
        auto core = CoreServices::open(DatabaseSpec::sqlite(db));
        QVERIFY(core);
        auto user = (*core)->users->createUser(QStringLiteral("admin"), {}, QStringLiteral("pw"), true);
        QVERIFY2(user, qPrintable(user.errorMessage()));
        const Actor admin{user->id, user->username, true};
        NewMachine spec;
        spec.macAddresses = {QStringLiteral("52:54:00:00:00:01")};
        auto m = (*core)->engine->createMachine(spec, admin);
        QVERIFY2(m, qPrintable(m.errorMessage()));
        systemId = m->systemId;
        QVERIFY((*core)->engine->changeStatus(systemId, NodeStatus::Ready, admin,
                                              Text::plain(QStringLiteral("test setup"))));
        auto deployed = (*core)->engine->performAction(systemId, NodeAction::Deploy, admin);
        QVERIFY2(deployed, qPrintable(deployed.errorMessage()));
        auto conn = (*core)->db->connection();
        QVERIFY(runQuery(*conn, QStringLiteral("UPDATE machines SET status_expires = ? WHERE system_id = ?"),
                         {nowMs() - 1000, systemId}));
    }
    QProcess p;
    QString banner;
    QVERIFY(startUntilBanner(p, {QStringLiteral("--headless"), QStringLiteral("--database"), db}, banner));
    auto core = CoreServices::open(DatabaseSpec::sqlite(db));
    QVERIFY(core);
    QTRY_COMPARE_WITH_TIMEOUT((*core)->machines->get(systemId)->status, NodeStatus::FailedDeployment, 15000);
    QVERIFY((*core)->machines->get(systemId)->statusMessage.contains(QLatin1String("Timed out")));
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
