// The IPMI driver against OpenIPMI's ipmi_sim: power on, off and status, network boot, and each
// failure a user meets (wrong password, wrong cipher suite, a BMC that does not answer) as a
// sentence that says which, fatal or worth another try.

#include "core/power/ipmipowerdriver.h"
#include "ipmisim.h"

#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestIpmiPowerDriver : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<testing::IpmiSim> bmc_;
    IpmiPowerDriver driver_;

    PowerTarget target(const QJsonObject &parameters) const { return {u"bmc-machine"_s, parameters, {}}; }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        bmc_ = std::make_unique<testing::IpmiSim>(dir_.path());
        if (QString why = bmc_->start(); !why.isEmpty())
            QFAIL(qPrintable(why));
    }

    void parsesPowerStatus()
    {
        QCOMPARE(*IpmiPowerDriver::parsePowerStatus("Chassis Power is on\n"), PowerState::On);
        QCOMPARE(*IpmiPowerDriver::parsePowerStatus("Chassis Power is off"), PowerState::Off);
        QVERIFY(!IpmiPowerDriver::parsePowerStatus(""));
        QVERIFY(!IpmiPowerDriver::parsePowerStatus("Chassis Power is maybe"));
        QVERIFY(!IpmiPowerDriver::parsePowerStatus("Chassis Power Control: Up/On"));
    }

    void switchesTheChassisOnAndOff()
    {
        bmc_->setPoweredOn(false);
        const PowerTarget t = target(bmc_->powerParameters());
        QCOMPARE(*driver_.queryPower(t), PowerState::Off);
        auto on = driver_.setPower(t, true);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        QVERIFY(bmc_->poweredOn());
        QCOMPARE(*driver_.queryPower(t), PowerState::On);
        auto off = driver_.setPower(t, false);
        QVERIFY2(off, qPrintable(off.errorMessage()));
        QVERIFY(!bmc_->poweredOn());
        QCOMPARE(*driver_.queryPower(t), PowerState::Off);
    }

    void setsTheNextBootToTheNetwork()
    {
        auto done = driver_.setNetworkBoot(target(bmc_->powerParameters()));
        QVERIFY2(done, qPrintable(done.errorMessage()));
        QCOMPARE(bmc_->bootDevice(), u"pxe"_s);
    }

    void speaksIpmi15WhenAsked()
    {
        // ipmi_sim answers both lan and lanplus, so the arguments say which was asked for.
        QJsonObject p = bmc_->powerParameters();
        const QStringList plus = driver_.ipmitoolArguments(target(p), {u"chassis"_s, u"power"_s, u"status"_s});
        QCOMPARE(plus.mid(0, 2), (QStringList{u"-I"_s, u"lanplus"_s}));
        p[u"power_driver"_s] = u"LAN"_s;
        p[u"privilege_level"_s] = u"admin"_s;
        const QStringList lan = driver_.ipmitoolArguments(target(p), {u"chassis"_s, u"power"_s, u"status"_s});
        QCOMPARE(lan.mid(0, 2), (QStringList{u"-I"_s, u"lan"_s}));
        QCOMPARE(lan.at(lan.indexOf(u"-L"_s) + 1), u"ADMINISTRATOR"_s); // MAAS's ADMIN is ipmitool's ADMINISTRATOR
        // The password never reaches argv: -E takes it from the environment.
        QVERIFY(lan.contains(u"-E"_s));
        QVERIFY(!lan.contains(p[u"power_pass"_s].toString()));
        QVERIFY(!lan.contains(u"-P"_s));
        QCOMPARE(lan.mid(lan.size() - 3), (QStringList{u"chassis"_s, u"power"_s, u"status"_s}));
        // And IPMI 1.5 really works against the simulated BMC.
        auto state = driver_.queryPower(target(p));
        QVERIFY2(state, qPrintable(state.errorMessage()));
    }

    void wrongPasswordIsFatalAndSaysSo()
    {
        auto state = driver_.queryPower(target(bmc_->powerParameters(u"not-the-password"_s)));
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(u"user name or password"_s), qPrintable(state.errorMessage()));
        QVERIFY(!state.error().retryable);
        QVERIFY(!state.errorMessage().contains(u"not-the-password"_s));

        QJsonObject p = bmc_->powerParameters();
        p[u"power_user"_s] = u"nobody"_s;
        auto unknownUser = driver_.setPower(target(p), true);
        QVERIFY(!unknownUser);
        QVERIFY2(unknownUser.errorMessage().contains(u"user name or password"_s),
                 qPrintable(unknownUser.errorMessage()));
    }

    void unsupportedCipherSuiteIsNamed()
    {
        QJsonObject p = bmc_->powerParameters();
        p[u"cipher_suite_id"_s] = u"17"_s; // SHA-256, which ipmi_sim lacks
        auto state = driver_.queryPower(target(p));
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(u"cipher suite"_s), qPrintable(state.errorMessage()));
        QVERIFY(!state.error().retryable);
    }

    void silentBmcIsRetryable()
    {
        QUdpSocket silent; // bound, never answering
        QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
        QJsonObject p = bmc_->powerParameters();
        p[u"power_port"_s] = QString::number(silent.localPort());
        QElapsedTimer clock;
        clock.start();
        auto state = driver_.queryPower(target(p));
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(u"did not answer"_s), qPrintable(state.errorMessage()));
        QVERIFY(state.error().retryable);
        qInfo("a silent BMC took %lld ms to give up on", clock.elapsed());
    }

    void missingIpmitoolIsFatalAndNamesThePackage()
    {
        IpmiPowerDriver noTool(u"/nonexistent/ipmitool"_s);
        auto state = noTool.queryPower(target(bmc_->powerParameters()));
        QVERIFY(!state);
        QVERIFY2(state.errorMessage().contains(u"ipmitool package"_s), qPrintable(state.errorMessage()));
        QVERIFY(!state.error().retryable);
    }

    void requiresAnAddress()
    {
        QCOMPARE(missingPowerParameters(driver_, bmc_->powerParameters()), QString());
        QVERIFY(missingPowerParameters(driver_, {}).contains(u"BMC address"_s));
    }
};

QTEST_GUILESS_MAIN(TestIpmiPowerDriver)
#include "tst_ipmipowerdriver.moc"
