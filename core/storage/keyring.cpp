#include "core/storage/keyring.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>
#include <qt6keychain/keychain.h>

namespace metaldesk::keyring {

namespace {

struct KeyringText {
    Q_DECLARE_TR_FUNCTIONS(Keyring)
};

const QString kService = QStringLiteral("MetalDesk");
constexpr int kWaitMs = 30'000;

// Runs a job to its end. A job the keyring has not answered in time is left to delete itself.
Expected<void> run(QKeychain::Job *job, const QString &entry)
{
    job->setAutoDelete(false);
    job->setKey(entry);
    bool finished = false;
    QEventLoop loop;
    QObject::connect(job, &QKeychain::Job::finished, &loop, [&] {
        finished = true;
        loop.quit();
    });
    QTimer::singleShot(kWaitMs, &loop, &QEventLoop::quit);
    job->start();
    if (!finished)
        loop.exec();
    if (!finished) {
        QObject::disconnect(job, nullptr, &loop, nullptr);
        QObject::connect(job, &QKeychain::Job::finished, job, &QObject::deleteLater);
        return Error{KeyringText::tr("the desktop keyring did not answer within %1 s").arg(kWaitMs / 1000)};
    }
    if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound)
        return Error{KeyringText::tr("the desktop keyring: %1").arg(job->errorString())};
    return {};
}

} // namespace

bool sessionHasOne() { return !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"); }

Expected<std::optional<QByteArray>> read(const QString &entry)
{
    std::unique_ptr<QKeychain::ReadPasswordJob> job(new QKeychain::ReadPasswordJob(kService));
    if (auto ran = run(job.get(), entry); !ran) {
        job.release(); // deletes itself when the keyring answers
        return ran.error();
    }
    if (job->error() == QKeychain::EntryNotFound)
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(job->binaryData());
}

Expected<void> write(const QString &entry, const QByteArray &secret)
{
    std::unique_ptr<QKeychain::WritePasswordJob> job(new QKeychain::WritePasswordJob(kService));
    job->setBinaryData(secret);
    auto ran = run(job.get(), entry);
    if (!ran)
        job.release();
    return ran;
}

Expected<void> remove(const QString &entry)
{
    std::unique_ptr<QKeychain::DeletePasswordJob> job(new QKeychain::DeletePasswordJob(kService));
    auto ran = run(job.get(), entry);
    if (!ran)
        job.release();
    return ran;
}

} // namespace metaldesk::keyring
