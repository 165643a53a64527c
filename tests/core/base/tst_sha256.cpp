// The SHA-256 that checks every image byte: FIPS 180-2's examples, the same digest however the
// bytes are split, a file read through a device, and agreement with Qt's own implementation.
#include "core/base/sha256.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QtTest>

using namespace metaldesk;

class TestSha256 : public QObject {
    Q_OBJECT
private slots:
    void fipsExamples();
    void chunksMakeTheSameDigest();
    void readsADevice();
    void resultStartsOver();
};

void TestSha256::fipsExamples()
{
    QCOMPARE(Sha256::hexOf(""), QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(Sha256::hexOf("abc"), QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(Sha256::hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
}

void TestSha256::chunksMakeTheSameDigest()
{
    QByteArray data(3 * 1024 * 1024 + 17, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &c : data)
        c = char(generator.bounded(256));
    const QByteArray expected = QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
    for (qsizetype step : {qsizetype(1), qsizetype(63), qsizetype(64), qsizetype(65537), data.size()}) {
        Sha256 hash;
        for (qsizetype at = 0; at < data.size(); at += step)
            hash.addData(QByteArrayView(data).sliced(at, qMin(step, data.size() - at)));
        QCOMPARE(hash.hexResult(), expected);
    }
}

void TestSha256::readsADevice()
{
    QByteArray data(2 * 1024 * 1024 + 5, 'x');
    QBuffer buffer(&data);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    Sha256 hash;
    QVERIFY(hash.addData(buffer));
    QCOMPARE(hash.hexResult(), QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
    QBuffer closed;
    QVERIFY(!hash.addData(closed)); // not open: the read fails, and says so
}

void TestSha256::resultStartsOver()
{
    Sha256 hash;
    hash.addData("partly");
    hash.reset();
    hash.addData("abc");
    const QByteArray first = hash.hexResult();
    hash.addData("abc");
    QCOMPARE(hash.hexResult(), first);
}

QTEST_APPLESS_MAIN(TestSha256)
#include "tst_sha256.moc"
