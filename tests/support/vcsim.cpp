#include "vcsim.h"

#include "childprocess.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QUrl>

namespace metaldesk::testing {

Vcsim::~Vcsim() { stop(); }

void Vcsim::stop()
{
    if (process_.state() != QProcess::NotRunning) {
        process_.terminate();
        if (!process_.waitForFinished(5000)) {
            process_.kill();
            process_.waitForFinished();
        }
    }
}

QString Vcsim::renewCertificate()
{
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        return QStringLiteral("openssl is not installed (tools/setup installs it)");
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                   path(QStringLiteral("key.pem")), QStringLiteral("-out"), path(QStringLiteral("cert.pem")),
                   QStringLiteral("-subj"), QStringLiteral("/CN=vcsim.test"), QStringLiteral("-days"),
                   QStringLiteral("2")});
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
        return QStringLiteral("openssl could not make a certificate: ") +
               QString::fromLocal8Bit(openssl.readAllStandardError());
    const auto certificates = QSslCertificate::fromPath(path(QStringLiteral("cert.pem")));
    if (certificates.isEmpty())
        return QStringLiteral("openssl made no readable certificate");
    const QString hex =
        QString::fromLatin1(certificates.first().digest(QCryptographicHash::Sha256).toHex(':')).toUpper();
    fingerprint_ = hex;
    return {};
}

QString Vcsim::start(bool esx)
{
    const QString binary = QStringLiteral(VCSIM_BINARY);
    if (!QFile::exists(binary))
        return QStringLiteral("the vSphere simulator was not built (%1): tools/setup installs golang-go and "
                              "golang-github-vmware-govmomi-dev")
            .arg(binary);
    if (fingerprint_.isEmpty())
        if (QString problem = renewCertificate(); !problem.isEmpty())
            return problem;
    QStringList arguments{QStringLiteral("-l"),    QStringLiteral("127.0.0.1:%1").arg(port_),
                          QStringLiteral("-u"),    QStringLiteral("admin"),
                          QStringLiteral("-p"),    QLatin1String(password),
                          QStringLiteral("-cert"), path(QStringLiteral("cert.pem")),
                          QStringLiteral("-key"),  path(QStringLiteral("key.pem"))};
    if (esx)
        arguments << QStringLiteral("-esx");
    dieWithParent(process_, SIGTERM);
    process_.setProcessChannelMode(QProcess::ForwardedErrorChannel); // its log and any panic, in the test's output
    process_.start(binary, arguments);
    if (!process_.waitForStarted(5000))
        return QStringLiteral("the vSphere simulator did not start: ") + process_.errorString();
    // It prints its URL once it listens: https://admin:secret@127.0.0.1:PORT/sdk
    while (!process_.canReadLine()) {
        if (!process_.waitForReadyRead(20000))
            return QStringLiteral("the vSphere simulator printed no URL (its log is above)");
    }
    const QUrl url(QString::fromUtf8(process_.readLine()).trimmed());
    port_ = quint16(url.port());
    if (port_ == 0)
        return QStringLiteral("the vSphere simulator printed no port");
    return {};
}

QString Vcsim::command(const QString &line)
{
    process_.write(line.toUtf8() + '\n');
    while (!process_.canReadLine())
        if (!process_.waitForReadyRead(20000))
            return QStringLiteral("the vSphere simulator did not answer '%1'").arg(line);
    return QString::fromUtf8(process_.readLine()).trimmed();
}

QJsonObject Vcsim::powerParameters(const QString &vmName, const QString &pass) const
{
    return {{QStringLiteral("power_address"), QStringLiteral("127.0.0.1")},
            {QStringLiteral("power_port"), QString::number(port_)},
            {QStringLiteral("power_user"), QStringLiteral("admin")},
            {QStringLiteral("power_pass"), pass},
            {QStringLiteral("power_vm_name"), vmName},
            {QStringLiteral("power_fingerprint"), fingerprint_}};
}

} // namespace metaldesk::testing
