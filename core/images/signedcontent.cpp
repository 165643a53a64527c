#include "core/images/signedcontent.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>

#include <gpgme.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <unistd.h>

namespace metaldesk {

namespace {

struct SignatureText {
    Q_DECLARE_TR_FUNCTIONS(ImageSignatures)
};

QString gpgError(gpgme_error_t error) { return QString::fromUtf8(gpgme_strerror(error)); }

// A throwaway GnuPG home with a GPGME context on it. Short path under /tmp: gpg-agent's socket
// name must fit a sockaddr_un, which a deep TMPDIR would overflow.
class GpgHome {
public:
    GpgHome()
    {
        static std::once_flag once;
        std::call_once(once, [] { gpgme_check_version(nullptr); });
        QByteArray pattern = "/tmp/metaldesk-gpg-XXXXXX";
        if (::mkdtemp(pattern.data()))
            dir_ = QString::fromLocal8Bit(pattern);
    }
    ~GpgHome()
    {
        if (ctx_)
            gpgme_release(ctx_);
        if (dir_.isEmpty())
            return;
        // gpg may have started an agent for this home: it would outlive us otherwise.
        if (QDir(dir_).exists(QStringLiteral("S.gpg-agent")))
            QProcess::execute(QStringLiteral("gpgconf"),
                              {QStringLiteral("--homedir"), dir_, QStringLiteral("--kill"), QStringLiteral("all")});
        QDir(dir_).removeRecursively();
    }
    GpgHome(const GpgHome &) = delete;
    GpgHome &operator=(const GpgHome &) = delete;

    // The context, or why GnuPG cannot be used here.
    Expected<gpgme_ctx_t> context()
    {
        if (dir_.isEmpty())
            return Error{SignatureText::tr("cannot make a directory for GnuPG under /tmp")};
        if (!ctx_) {
            if (gpgme_error_t e = gpgme_new(&ctx_); e) {
                ctx_ = nullptr;
                return Error{SignatureText::tr("GnuPG cannot be used: %1").arg(gpgError(e))};
            }
            gpgme_set_protocol(ctx_, GPGME_PROTOCOL_OpenPGP);
            const QByteArray home = QFile::encodeName(dir_);
            if (gpgme_error_t e = gpgme_ctx_set_engine_info(ctx_, GPGME_PROTOCOL_OpenPGP, nullptr, home.constData()); e)
                return Error{SignatureText::tr("GnuPG cannot be used: %1").arg(gpgError(e))};
            if (QStandardPaths::findExecutable(QStringLiteral("gpg")).isEmpty())
                return Error{SignatureText::tr("GnuPG's gpg is not installed (Debian package gnupg): signatures "
                                               "cannot be checked")};
        }
        return ctx_;
    }

    // Imports the keyring; the fingerprints of the keys it held.
    Expected<QStringList> import(const QByteArray &keyring)
    {
        auto ctx = context();
        if (!ctx)
            return ctx.error();
        gpgme_data_t data = nullptr;
        if (gpgme_error_t e = gpgme_data_new_from_mem(&data, keyring.constData(), size_t(keyring.size()), 0); e)
            return Error{gpgError(e)};
        const gpgme_error_t e = gpgme_op_import(*ctx, data);
        gpgme_data_release(data);
        if (e)
            return Error{SignatureText::tr("the keyring cannot be read: %1").arg(gpgError(e))};
        QStringList fingerprints;
        if (gpgme_import_result_t result = gpgme_op_import_result(*ctx))
            for (gpgme_import_status_t s = result->imports; s; s = s->next)
                if (!s->result && s->fpr && !fingerprints.contains(QString::fromLatin1(s->fpr).toUpper()))
                    fingerprints << QString::fromLatin1(s->fpr).toUpper();
        if (fingerprints.isEmpty())
            return Error{SignatureText::tr("the keyring holds no OpenPGP public key")};
        return fingerprints;
    }

private:
    QString dir_;
    gpgme_ctx_t ctx_ = nullptr;
};

QByteArray readAll(gpgme_data_t data)
{
    QByteArray out;
    gpgme_data_seek(data, 0, SEEK_SET);
    char buffer[16384];
    ssize_t n;
    while ((n = gpgme_data_read(data, buffer, sizeof buffer)) > 0)
        out.append(buffer, n);
    return out;
}

} // namespace

QString spacedFingerprint(const QString &fingerprint)
{
    QString spaced;
    for (int i = 0; i < fingerprint.size(); i += 4)
        spaced += (i ? QStringLiteral(" ") : QString()) + fingerprint.mid(i, 4);
    return spaced;
}

Expected<QStringList> keyringFingerprints(const QByteArray &keyring)
{
    GpgHome home;
    return home.import(keyring);
}

Expected<QByteArray> verifyClearSigned(const QByteArray &text, const QByteArray &keyring)
{
    static const QByteArray header = "-----BEGIN PGP SIGNED MESSAGE-----";
    // One signed block and nothing before it: gpg would also accept text around or between
    // blocks, and what it hands back would then not be all that was signed.
    const QByteArray trimmed = text.trimmed();
    if (!trimmed.startsWith(header))
        return Error{SignatureText::tr("it is not signed (no OpenPGP clear-signed message)")};
    if (trimmed.indexOf(header, header.size()) >= 0)
        return Error{SignatureText::tr("it holds more than one signed message")};
    if (!trimmed.endsWith("-----END PGP SIGNATURE-----"))
        return Error{SignatureText::tr("it has text after its signature")};
    GpgHome home;
    auto expected = home.import(keyring);
    if (!expected)
        return expected.error();
    auto ctx = home.context();
    if (!ctx)
        return ctx.error();
    gpgme_data_t signedData = nullptr;
    gpgme_data_t plain = nullptr;
    if (gpgme_error_t e = gpgme_data_new_from_mem(&signedData, trimmed.constData(), size_t(trimmed.size()), 0); e)
        return Error{gpgError(e)};
    std::unique_ptr<gpgme_data, void (*)(gpgme_data_t)> releaseSigned(signedData, gpgme_data_release);
    if (gpgme_error_t e = gpgme_data_new(&plain); e)
        return Error{gpgError(e)};
    std::unique_ptr<gpgme_data, void (*)(gpgme_data_t)> releasePlain(plain, gpgme_data_release);
    if (gpgme_error_t e = gpgme_op_verify(*ctx, signedData, nullptr, plain); e)
        return Error{SignatureText::tr("its signature cannot be checked: %1").arg(gpgError(e))};
    gpgme_verify_result_t result = gpgme_op_verify_result(*ctx);
    if (!result || !result->signatures)
        return Error{SignatureText::tr("it is not signed")};
    const QString keys = expected->join(QStringLiteral(", "));
    for (gpgme_signature_t s = result->signatures; s; s = s->next) {
        const QString by = QString::fromLatin1(s->fpr ? s->fpr : "?").toUpper();
        switch (gpgme_err_code(s->status)) {
        case GPG_ERR_NO_ERROR:
            // Only the source's keys are in this home, so a good signature is one of theirs.
            // Key validity ("unknown": nobody certified it) does not matter here.
            return readAll(plain);
        case GPG_ERR_BAD_SIGNATURE:
            return Error{SignatureText::tr("its signature does not match its content (a changed file, or not "
                                           "what key %1 signed)")
                             .arg(by)};
        case GPG_ERR_NO_PUBKEY:
            return Error{SignatureText::tr("it is signed by key %1, which is not in the source's keyring (it "
                                           "holds %2)")
                             .arg(by, keys)};
        case GPG_ERR_KEY_EXPIRED:
        case GPG_ERR_SIG_EXPIRED:
        case GPG_ERR_CERT_REVOKED:
            return Error{
                SignatureText::tr("its signature by key %1 is no longer valid: %2").arg(by, gpgError(s->status))};
        default: break;
        }
    }
    return Error{
        SignatureText::tr("its signature could not be verified: %1").arg(gpgError(result->signatures->status))};
}

} // namespace metaldesk
