#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

class QIODevice;

namespace metaldesk {

// SHA-256 of a stream of bytes, through OpenSSL's libcrypto, which uses the processor's SHA
// instructions: 1 GB/s on the build host where Qt 6.4's QCryptographicHash reached 160 MB/s
// and held an image import below the speed of the network (docs/benchmarks.md).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(QByteArrayView data);
    // Reads `device` to its end; false when a read fails.
    bool addData(QIODevice &device);
    void reset();
    QByteArray hexResult(); // lower-case hex, as sha256sum and simplestreams write it; then reset

    static QByteArray hexOf(QByteArrayView data);

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace metaldesk
