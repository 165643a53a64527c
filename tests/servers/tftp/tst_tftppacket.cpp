// The TFTP wire format: real clients' requests, hand-written expected bytes, and broken input.
#include "servers/tftp/tftppacket.h"

#include "hexfixtures.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace metaldesk::tftp;

namespace {

QHash<QString, QByteArray> captures()
{
    return metaldesk::testing::readHexFixtures(QStringLiteral(FIXTURES_DIR "/tftp-captures.txt"));
}

template <typename T>
T parsedAs(QByteArrayView bytes)
{
    auto result = parse(bytes);
    if (auto *failure = std::get_if<ParseFailure>(&result))
        qFatal("unexpected parse failure: %s", qPrintable(failure->detail));
    const Message &m = std::get<Message>(result);
    if (!std::holds_alternative<T>(m))
        qFatal("parsed as another message type");
    return std::get<T>(m);
}

ParseError failure(QByteArrayView bytes)
{
    auto result = parse(bytes);
    if (std::holds_alternative<Message>(result))
        qFatal("expected a parse failure for %s", bytes.toByteArray().toHex().constData());
    return std::get<ParseFailure>(result).error;
}

} // namespace

class TestTftpPacket : public QObject {
    Q_OBJECT
private slots:
    void parsesRealClientRequests();
    void writesEachMessageByteForByte();
    void readsBackWhatItWrites();
    void dropsBrokenRequests();
    void dropsShortDataAndAcks();
    void survivesRandomAndMutatedInput();
};

void TestTftpPacket::parsesRealClientRequests()
{
    const auto all = captures();
    QCOMPARE(all.size(), 3);
    const Request hpa = parsedAs<Request>(all.value(QStringLiteral("tftp-hpa")));
    QVERIFY(!hpa.write);
    QCOMPARE(hpa.filename, QByteArray("pxelinux.cfg/01-52-54-00-12-34-56"));
    QCOMPARE(hpa.mode, QByteArray("octet"));
    QVERIFY(hpa.options.isEmpty());

    const Request ascii = parsedAs<Request>(all.value(QStringLiteral("tftp-hpa-netascii")));
    QCOMPARE(ascii.mode, QByteArray("netascii"));
    QCOMPARE(ascii.filename, QByteArray("boot/grub.cfg"));

    const Request atftp = parsedAs<Request>(all.value(QStringLiteral("atftp")));
    QCOMPARE(atftp.filename, QByteArray("ipxe.efi"));
    QCOMPARE(atftp.option("tsize"), QByteArray("0"));
    QCOMPARE(atftp.option("blksize"), QByteArray("1468"));
    QCOMPARE(atftp.option("windowsize"), QByteArray("16"));
    QCOMPARE(atftp.options.size(), 3);
    QCOMPARE(serialize(atftp), all.value(QStringLiteral("atftp"))); // byte for byte, options in order
}

void TestTftpPacket::writesEachMessageByteForByte()
{
    QCOMPARE(serialize(Data{0x1234, QByteArray("abc")}).toHex(), QByteArray("0003123461626"
                                                                            "3"));
    QCOMPARE(serialize(Ack{65535}).toHex(), QByteArray("0004ffff"));
    QCOMPARE(serialize(ErrorMessage{quint16(ErrorCode::AccessViolation), "Access violation"}),
             QByteArray("\x00\x05\x00\x02"
                        "Access violation\x00",
                        21));
    QCOMPARE(serialize(OptionAck{{{"blksize", "1468"}, {"tsize", "1048576"}}}), QByteArray("\x00\x06"
                                                                                           "blksize\x00"
                                                                                           "1468\x00"
                                                                                           "tsize\x00"
                                                                                           "1048576\x00",
                                                                                           29));
}

void TestTftpPacket::readsBackWhatItWrites()
{
    const Data d = parsedAs<Data>(serialize(Data{7, QByteArray(1468, 'z')}));
    QCOMPARE(d.block, quint16(7));
    QCOMPARE(d.payload.size(), 1468);
    QCOMPARE(parsedAs<Data>(serialize(Data{9, {}})).payload.size(), 0); // the empty last block
    QCOMPARE(parsedAs<Ack>(serialize(Ack{0})).block, quint16(0));
    const ErrorMessage e = parsedAs<ErrorMessage>(serialize(ErrorMessage{1, "File not found"}));
    QCOMPARE(e.code, quint16(1));
    QCOMPARE(e.message, QByteArray("File not found"));
    QCOMPARE(parsedAs<ErrorMessage>(QByteArray("\x00\x05\x00\x00oops", 8)).message, QByteArray("oops"));
    const OptionAck o = parsedAs<OptionAck>(serialize(OptionAck{{{"windowsize", "16"}}}));
    QCOMPARE(o.options.value(0).second, QByteArray("16"));
    Request w;
    w.write = true;
    w.filename = "upload.bin";
    w.mode = "octet";
    QVERIFY(parsedAs<Request>(serialize(w)).write);
}

void TestTftpPacket::dropsBrokenRequests()
{
    QCOMPARE(failure(QByteArray()), ParseError::Truncated);
    QCOMPARE(failure(QByteArray("\x00", 1)), ParseError::Truncated);
    QCOMPARE(failure(QByteArray("\x00\x07x\x00octet\x00", 10)), ParseError::BadOpcode);
    QCOMPARE(failure(QByteArray("\x00\x00", 2)), ParseError::BadOpcode);
    QCOMPARE(failure(QByteArray("\x00\x01"
                                "file",
                                6)),
             ParseError::Unterminated);
    QCOMPARE(failure(QByteArray("\x00\x01"
                                "file\x00"
                                "octet",
                                12)),
             ParseError::Unterminated);
    QCOMPARE(failure(QByteArray("\x00\x01"
                                "file\x00",
                                7)),
             ParseError::Unterminated);
    QCOMPARE(failure(QByteArray("\x00\x01\x00octet\x00", 9)), ParseError::EmptyFilename);
    QCOMPARE(failure(QByteArray("\x00\x01"
                                "file\x00"
                                "mail\x00",
                                12)),
             ParseError::BadMode);
    QCOMPARE(failure(QByteArray("\x00\x01"
                                "f\x00"
                                "octet\x00"
                                "blksize\x00",
                                18)),
             ParseError::BadOption);
    QCOMPARE(failure(QByteArray("\x00\x01"
                                "f\x00"
                                "octet\x00"
                                "tsize\x00"
                                "0\x00"
                                "TSIZE\x00"
                                "0\x00",
                                26)),
             ParseError::BadOption);
    // Mode and option names are case-insensitive (RFC 1350, 2347).
    const Request r = parsedAs<Request>(QByteArray("\x00\x01"
                                                   "f\x00"
                                                   "OCTET\x00"
                                                   "BlkSize\x00"
                                                   "512\x00",
                                                   22));
    QCOMPARE(r.mode, QByteArray("octet"));
    QCOMPARE(r.option("blksize"), QByteArray("512"));
}

void TestTftpPacket::dropsShortDataAndAcks()
{
    QCOMPARE(failure(QByteArray("\x00\x03\x00", 3)), ParseError::Truncated);
    QCOMPARE(failure(QByteArray("\x00\x04\x00", 3)), ParseError::Truncated);
    QCOMPARE(failure(QByteArray("\x00\x05\x00", 3)), ParseError::Truncated);
}

void TestTftpPacket::survivesRandomAndMutatedInput()
{
    QRandomGenerator rng(1350);
    const auto real = captures().values();
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        QByteArray b = real[i % real.size()];
        for (int f = 1 + rng.bounded(4); f > 0; --f)
            b[rng.bounded(int(b.size()))] = char(rng.bounded(4) == 0 ? 0 : rng.bounded(256));
        if (i % 4 == 0)
            b.truncate(rng.bounded(int(b.size()) + 1));
        auto result = parse(b);
        if (auto *m = std::get_if<Message>(&result)) {
            ++accepted;
            // What parses, written again, parses to the same bytes.
            const QByteArray again = serialize(*m);
            auto reparsed = parse(again);
            QVERIFY(std::holds_alternative<Message>(reparsed));
            QCOMPARE(serialize(std::get<Message>(reparsed)), again);
        }
    }
    QVERIFY(accepted > 0);
}

QTEST_GUILESS_MAIN(TestTftpPacket)
#include "tst_tftppacket.moc"
