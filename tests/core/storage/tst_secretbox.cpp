// Power passwords at rest: sealed with libsodium under a key file of its own, so that the database
// file alone holds none. Checked on the bytes of the SQLite file and its journal, for a password
// written by the engine, by the power settings and by a chassis, and for one an older MetalDesk left
// in plain text (sealed at the next start). And every parameter a power driver marks secret is one
// the store seals.
#include "core/chassis/chassisstore.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/power/powerdrivers.h"
#include "core/runtime/coreservices.h"
#include "core/storage/secretbox.h"
#include "rawsql.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {
const QString bmcPassword = u"Plain-BMC-Pass-7"_s;
const QString chassisPassword = u"Plain-Chassis-Pass-42"_s;

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
};

QTEST_GUILESS_MAIN(TestSecretBox)
#include "tst_secretbox.moc"
