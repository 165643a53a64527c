#include "core/power/ipmipowerdriver.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QProcess>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcIpmi, "metaldesk.power.ipmi")

namespace {
constexpr int kCallTimeoutMs = 20000; // ipmitool's own retries (-N 1 -R 2) end well before this

} // namespace

Text IpmiPowerDriver::label() const { return Text("Power", QT_TRANSLATE_NOOP("Power", "IPMI")); }

QList<PowerParameter> IpmiPowerDriver::parameters() const
{
    return {
        {QStringLiteral("power_address"), QT_TRANSLATE_NOOP("PowerParameter", "BMC address"), true, false, {}, {}},
        {QStringLiteral("power_port"),
         QT_TRANSLATE_NOOP("PowerParameter", "Port"),
         false,
         false,
         QStringLiteral("623"),
         {}},
        {QStringLiteral("power_user"), QT_TRANSLATE_NOOP("PowerParameter", "User name"), false, false, {}, {}},
        {QStringLiteral("power_pass"), QT_TRANSLATE_NOOP("PowerParameter", "Password"), false, true, {}, {}},
        {QStringLiteral("power_driver"),
         QT_TRANSLATE_NOOP("PowerParameter", "Protocol"),
         false,
         false,
         QStringLiteral("LAN_2_0"),
         {QStringLiteral("LAN_2_0"), QStringLiteral("LAN")}},
        {QStringLiteral("cipher_suite_id"),
         QT_TRANSLATE_NOOP("PowerParameter", "Cipher suite"),
         false,
         false,
         QStringLiteral("3"),
         {}},
        {QStringLiteral("privilege_level"),
         QT_TRANSLATE_NOOP("PowerParameter", "Privilege"),
         false,
         false,
         QStringLiteral("OPERATOR"),
         {QStringLiteral("USER"), QStringLiteral("OPERATOR"), QStringLiteral("ADMIN")}},
    };
}

Expected<PowerState> IpmiPowerDriver::parsePowerStatus(QByteArrayView output)
{
    const QByteArray text = output.toByteArray().trimmed().toLower();
    const QByteArray prefix = "chassis power is ";
    if (text.startsWith(prefix)) {
        const QByteArray state = text.mid(prefix.size());
        if (state == "on")
            return PowerState::On;
        if (state == "off")
            return PowerState::Off;
    }
    return Error{QCoreApplication::translate("Power", "the BMC answered something other than a power state: %1")
                     .arg(QString::fromUtf8(output.toByteArray().left(80)).simplified())};
}

Error IpmiPowerDriver::classifyFailure(const QString &address, QByteArrayView stderrText)
{
    // ipmitool -v names the step that failed; its progress chatter is left out of the sentence.
    QStringList lines;
    for (const QByteArray &line : stderrText.toByteArray().split('\n')) {
        QString text = QString::fromUtf8(line).simplified();
        if (text.startsWith(QLatin1String("> ")))
            text.remove(0, 2);
        if (!text.isEmpty() && !text.startsWith(QLatin1String("Loading IANA")) &&
            !text.contains(QLatin1String("HPM.x")) && !text.startsWith(QLatin1String(">> ")))
            lines << text;
    }
    const QString text = lines.join(QLatin1String("; "));
    const QString lower = text.toLower();
    if (lower.contains(QLatin1String("rakp")) || lower.contains(QLatin1String("unauthorized name")) ||
        lower.contains(QLatin1String("invalid user name")))
        return Error{QCoreApplication::translate("Power", "the BMC at %1 refused the user name or password (%2)")
                         .arg(address, text)};
    if (lower.contains(QLatin1String("authentication algorithm")) || lower.contains(QLatin1String("cipher suite")))
        return Error{
            QCoreApplication::translate("Power", "the BMC at %1 does not offer the cipher suite asked for; try 3 (%2)")
                .arg(address, text)};
    // Anything else is most often a BMC that did not answer (yet): worth another try.
    return Error{QCoreApplication::translate("Power", "the BMC at %1 did not answer (%2)")
                     .arg(address, text.isEmpty() ? QCoreApplication::translate("Power", "no output") : text),
                 true};
}

QStringList IpmiPowerDriver::ipmitoolArguments(const PowerTarget &target, const QStringList &command) const
{
    const QJsonObject &p = target.parameters;
    const QString address = powerParameter(*this, p, QStringLiteral("power_address"));
    QString privilege = powerParameter(*this, p, QStringLiteral("privilege_level")).toUpper();
    if (privilege == QLatin1String("ADMIN"))
        privilege = QStringLiteral("ADMINISTRATOR");
    QStringList args{QStringLiteral("-I"),
                     powerParameter(*this, p, QStringLiteral("power_driver")) == QLatin1String("LAN")
                         ? QStringLiteral("lan")
                         : QStringLiteral("lanplus"),
                     QStringLiteral("-H"),
                     address,
                     QStringLiteral("-p"),
                     powerParameter(*this, p, QStringLiteral("power_port")),
                     QStringLiteral("-L"),
                     privilege,
                     QStringLiteral("-N"),
                     QStringLiteral("1"),
                     QStringLiteral("-R"),
                     QStringLiteral("2")};
    const QString cipher = powerParameter(*this, p, QStringLiteral("cipher_suite_id"));
    if (!cipher.isEmpty())
        args << QStringLiteral("-C") << cipher;
    const QString user = powerParameter(*this, p, QStringLiteral("power_user"));
    if (!user.isEmpty())
        args << QStringLiteral("-U") << user;
    if (!powerParameter(*this, p, QStringLiteral("power_pass")).isEmpty())
        args << QStringLiteral("-E");        // the password from IPMI_PASSWORD
    args << QStringLiteral("-v") << command; // -v: the failing step is named on stderr
    return args;
}

Expected<QByteArray> IpmiPowerDriver::run(const PowerTarget &target, const QStringList &command) const
{
    const QString address = powerParameter(*this, target.parameters, QStringLiteral("power_address"));
    QProcess process;
    const QString password = powerParameter(*this, target.parameters, QStringLiteral("power_pass"));
    if (!password.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("IPMI_PASSWORD"), password);
        process.setProcessEnvironment(env);
    }
    process.start(ipmitool_, ipmitoolArguments(target, command));
    process.closeWriteChannel(); // never a password prompt
    if (!process.waitForStarted())
        return Error{QCoreApplication::translate("Power", "cannot run %1: %2 (install the ipmitool package)")
                         .arg(ipmitool_, process.errorString())};
    if (!process.waitForFinished(kCallTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        return Error{QCoreApplication::translate("Power", "the BMC at %1 did not answer within %2 s")
                         .arg(address)
                         .arg(kCallTimeoutMs / 1000),
                     true};
    }
    const QByteArray err = process.readAllStandardError();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        qCInfo(lcIpmi) << address << command.join(QLatin1Char(' ')) << "failed:" << err.simplified();
        return classifyFailure(address, err);
    }
    return process.readAllStandardOutput();
}

Expected<void> IpmiPowerDriver::setNetworkBoot(const PowerTarget &target) const
{
    auto done = run(target, {QStringLiteral("chassis"), QStringLiteral("bootdev"), QStringLiteral("pxe")});
    if (!done)
        return done.error();
    return {};
}

Expected<void> IpmiPowerDriver::setPower(const PowerTarget &target, bool on) const
{
    auto done = run(target, {QStringLiteral("chassis"), QStringLiteral("power"),
                             on ? QStringLiteral("on") : QStringLiteral("off")});
    if (!done)
        return done.error();
    return {};
}

Expected<PowerState> IpmiPowerDriver::queryPower(const PowerTarget &target) const
{
    auto out = run(target, {QStringLiteral("chassis"), QStringLiteral("power"), QStringLiteral("status")});
    if (!out)
        return out.error();
    return parsePowerStatus(*out);
}

} // namespace metaldesk
