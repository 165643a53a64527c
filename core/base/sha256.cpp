#include "core/base/sha256.h"

#include <QIODevice>

#include <openssl/evp.h>

namespace metaldesk {

struct Sha256::State {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>())
{
    // Only an allocation can fail here; without a context nothing can be hashed.
    if (!state_->context || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
        qFatal("OpenSSL could not start a SHA-256");
}

Sha256::~Sha256() = default;

void Sha256::addData(QByteArrayView data)
{
    if (!data.isEmpty())
        EVP_DigestUpdate(state_->context, data.data(), size_t(data.size()));
}

bool Sha256::addData(QIODevice &device)
{
    QByteArray chunk(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 n = device.read(chunk.data(), chunk.size());
        if (n < 0)
            return false;
        if (n == 0)
            return true;
        addData(QByteArrayView(chunk.constData(), n));
    }
}

void Sha256::reset() { EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr); }

QByteArray Sha256::hexResult()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(state_->context, digest, &length);
    reset();
    return QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex();
}

QByteArray Sha256::hexOf(QByteArrayView data)
{
    Sha256 hash;
    hash.addData(data);
    return hash.hexResult();
}

} // namespace metaldesk
