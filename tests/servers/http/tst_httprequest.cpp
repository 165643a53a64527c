// The HTTP request head and Range header: real clients' requests, every byte boundary, broken input.
#include "servers/http/httprequest.h"

#include <QtTest>

using namespace metaldesk::http;

namespace {

// What curl 7.88 sends for `curl -r 0-99 http://127.0.0.1:5248/images/root.img`.
const QByteArray curlRange = "GET /images/root.img HTTP/1.1\r\nHost: 127.0.0.1:5248\r\nRange: bytes=0-99\r\n"
                             "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
// wrk 4.1 with a Lua script adding a Range header.
const QByteArray wrkRange = "GET /big.img HTTP/1.1\r\nHost: 127.0.0.1:5248\r\nRange: bytes=1048576-2097151\r\n\r\n";
// iPXE 1.21 fetching its script (it sends HTTP/1.1, keep-alive, and few fields).
const QByteArray ipxe = "GET /boot/52-54-00-12-34-56.ipxe HTTP/1.1\r\nConnection: keep-alive\r\n"
                        "Host: 10.99.0.1:5248\r\nUser-Agent: iPXE/1.21.1+ (g988d2)\r\n\r\n";

Request parsed(QByteArrayView bytes, const Limits &limits = {})
{
    auto result = parse(bytes, limits);
    if (auto *failure = std::get_if<ParseFailure>(&result))
        qFatal("unexpected failure: %s (%s)", parseErrorName(failure->error), failure->detail.constData());
    if (std::holds_alternative<NeedMore>(result))
        qFatal("unexpectedly incomplete");
    return std::get<Request>(result);
}

std::optional<ParseError> failure(QByteArrayView bytes, const Limits &limits = {})
{
    auto result = parse(bytes, limits);
    if (auto *f = std::get_if<ParseFailure>(&result))
        return f->error;
    return std::nullopt;
}

} // namespace

class TestHttpRequest : public QObject {
    Q_OBJECT
private slots:
    void parsesRealClientsRequests();
    void needsMoreUntilTheEmptyLine();
    void parsesPipelinedRequestsOneAtATime();
    void acceptsBareLineFeedsAndLeadingEmptyLines();
    void keepsConnectionsAliveAsHttpSays();
    void refusesBrokenRequestLines_data();
    void refusesBrokenRequestLines();
    void refusesBrokenHeaders_data();
    void refusesBrokenHeaders();
    void refusesHeadsOverTheLimit();
    void refusesOtherVersionsAndMethods();
    void refusesNoiseBeforeALineEnds();
    void readsBodiesOfContentLength();
    void refusesBodiesItCannotTake();
    void takesTheMethodsAServiceServes();
    void splitsQueries();
    void decodesPaths_data();
    void decodesPaths();
    void answersRanges_data();
    void answersRanges();
};

void TestHttpRequest::parsesRealClientsRequests()
{
    const Request curl = parsed(curlRange);
    QCOMPARE(curl.method, QByteArray("GET"));
    QCOMPARE(curl.target, QByteArray("/images/root.img"));
    QCOMPARE(curl.minorVersion, 1);
    QCOMPARE(curl.headers.size(), 4);
    QCOMPARE(curl.header("RANGE"), QByteArray("bytes=0-99"));
    QCOMPARE(curl.header("host"), QByteArray("127.0.0.1:5248"));
    QCOMPARE(curl.header("if-range"), std::nullopt);
    QCOMPARE(curl.headLength, curlRange.size());

    QCOMPARE(parsed(wrkRange).header("Range"), QByteArray("bytes=1048576-2097151"));
    const Request script = parsed(ipxe);
    QCOMPARE(script.target, QByteArray("/boot/52-54-00-12-34-56.ipxe"));
    QVERIFY(script.keepAlive());

    const Request head = parsed("HEAD / HTTP/1.0\r\n\r\n"); // HTTP/1.0 needs no Host
    QCOMPARE(head.method, QByteArray("HEAD"));
    QVERIFY(head.isHead());
    QCOMPARE(head.minorVersion, 0);
}

void TestHttpRequest::needsMoreUntilTheEmptyLine()
{
    // Every split point of a whole request: incomplete until the last byte.
    for (qsizetype n = 0; n < curlRange.size(); ++n)
        QVERIFY2(std::holds_alternative<NeedMore>(parse(QByteArrayView(curlRange).first(n))),
                 qPrintable(QString::number(n)));
    QCOMPARE(parsed(curlRange).headLength, curlRange.size());
}

void TestHttpRequest::parsesPipelinedRequestsOneAtATime()
{
    const QByteArray two = curlRange + ipxe;
    const Request first = parsed(two);
    QCOMPARE(first.headLength, curlRange.size());
    const Request second = parsed(QByteArrayView(two).sliced(first.headLength));
    QCOMPARE(second.target, QByteArray("/boot/52-54-00-12-34-56.ipxe"));
}

void TestHttpRequest::acceptsBareLineFeedsAndLeadingEmptyLines()
{
    const Request r = parsed("\r\n\nGET /a HTTP/1.1\nHost: x\n\n");
    QCOMPARE(r.target, QByteArray("/a"));
    QCOMPARE(r.headLength, 28);
    // Whitespace around a value is not part of it.
    QCOMPARE(parsed("GET / HTTP/1.1\r\nHost:   x \t\r\n\r\n").header("host"), QByteArray("x"));
    QCOMPARE(parsed("GET / HTTP/1.1\r\nHost:\r\n\r\n").header("host"), QByteArray());
}

void TestHttpRequest::keepsConnectionsAliveAsHttpSays()
{
    QVERIFY(parsed("GET / HTTP/1.1\r\nHost: x\r\n\r\n").keepAlive());
    QVERIFY(!parsed("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n").keepAlive());
    QVERIFY(!parsed("GET / HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\n\r\n").keepAlive());
    QVERIFY(!parsed("GET / HTTP/1.0\r\n\r\n").keepAlive());
    QVERIFY(parsed("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive());
    QVERIFY(parsed("GET / HTTP/1.2\r\nHost: x\r\n\r\n").keepAlive()); // a later 1.x is answered as 1.1
}

void TestHttpRequest::refusesBrokenRequestLines_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("garbage") << QByteArray("garbage\r\n\r\n");
    QTest::newRow("no version") << QByteArray("GET /\r\nHost: x\r\n\r\n");
    QTest::newRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("relative target") << QByteArray("GET a HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("asterisk") << QByteArray("GET * HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("lower-case version") << QByteArray("GET / http/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("version 1.10") << QByteArray("GET / HTTP/1.10\r\nHost: x\r\n\r\n");
    QTest::newRow("CR inside") << QByteArray("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("control char in target") << QByteArray("GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::newRow("8-bit in target") << QByteArray("GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n");
}

void TestHttpRequest::refusesBrokenRequestLines()
{
    QFETCH(QByteArray, head);
    QCOMPARE(failure(head), ParseError::BadRequestLine);
}

void TestHttpRequest::refusesBrokenHeaders_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nHost x\r\n\r\n");
    QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n");
    QTest::newRow("empty name") << QByteArray("GET / HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n");
    QTest::newRow("folded line") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n");
    QTest::newRow("NUL in value") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 37);
    QTest::newRow("no Host in 1.1") << QByteArray("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
    QTest::newRow("two Hosts") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n");
    QTest::newRow("a body where none is taken")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    QTest::newRow("two lengths") << QByteArray(
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\n");
    QTest::newRow("length not a number") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
}

void TestHttpRequest::refusesBrokenHeaders()
{
    QFETCH(QByteArray, head);
    QCOMPARE(failure(head), ParseError::BadHeader);
}

void TestHttpRequest::refusesHeadsOverTheLimit()
{
    const Limits limits{1024, 10};
    const QByteArray big = "GET / HTTP/1.1\r\nHost: x\r\nCookie: " + QByteArray(2000, 'a') + "\r\n\r\n";
    QCOMPARE(failure(big, limits), ParseError::TooLarge);
    // Also when it has not ended yet: there is no point in waiting for the rest.
    QCOMPARE(failure(QByteArrayView(big).first(1500), limits), ParseError::TooLarge);
    QCOMPARE(failure(QByteArray(1024, '\n'), limits), ParseError::TooLarge);
    QByteArray many = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 10; ++i)
        many += "X-" + QByteArray::number(i) + ": y\r\n";
    QCOMPARE(failure(many + "\r\n", limits), ParseError::TooLarge);
    // Exactly at the limit is fine.
    const QByteArray head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(parsed(head, Limits{head.size(), 10}).headLength, head.size());
    QCOMPARE(failure(head, Limits{head.size() - 1, 10}), ParseError::TooLarge);
}

void TestHttpRequest::refusesOtherVersionsAndMethods()
{
    QCOMPARE(failure("GET / HTTP/2.0\r\n\r\n"), ParseError::UnsupportedVersion);
    QCOMPARE(failure("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), ParseError::BadRequestLine); // h2c preface
    QCOMPARE(failure("POST /MAAS HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"), ParseError::UnsupportedMethod);
    QCOMPARE(failure("get / HTTP/1.1\r\nHost: x\r\n\r\n"), ParseError::UnsupportedMethod); // methods are case-sensitive
}

void TestHttpRequest::refusesNoiseBeforeALineEnds()
{
    // A TLS ClientHello starts with 0x16 0x03: not a method, so no need to wait for a line end.
    QCOMPARE(failure(QByteArray::fromHex("160301020001")), ParseError::BadRequestLine);
    QVERIFY(std::holds_alternative<NeedMore>(parse("GE")));
}

namespace {
// The metadata service's limits: bodies up to 1 MiB, GET, HEAD and POST.
const Limits withBodies{16384, 100, 1 << 20, {"GET", "HEAD", "POST"}};
// What the built-in environment's busybox wget sends with --post-file (and curl --data alike).
const QByteArray enlist = "POST /MAAS/metadata/metaldesk/v1/enlist HTTP/1.1\r\nHost: 10.99.0.1:5240\r\n"
                          "Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"cpu\":{\"n\":1}}";
} // namespace

void TestHttpRequest::readsBodiesOfContentLength()
{
    const Request r = parsed(enlist, withBodies);
    QCOMPARE(r.method, QByteArray("POST"));
    QCOMPARE(r.body, QByteArray("{\"cpu\":{\"n\":1}}"));
    QCOMPARE(r.length, enlist.size());
    QCOMPARE(r.headLength, enlist.size() - 15);
    // Every cut before the body's last byte needs more; the head alone does not ask to continue.
    for (qsizetype n = 0; n < enlist.size(); ++n) {
        const auto result = parse(QByteArrayView(enlist).first(n), withBodies);
        QVERIFY2(std::holds_alternative<NeedMore>(result), qPrintable(QString::number(n)));
        QVERIFY(!std::get<NeedMore>(result).continueWanted);
    }
    // A request pipelined after a body starts right after it.
    const QByteArray two = enlist + "GET /MAAS/metadata/ HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(parsed(QByteArrayView(two).sliced(parsed(two, withBodies).length), withBodies).method, QByteArray("GET"));
    // curl's "Expect: 100-continue": the head is complete, the body waits for our go-ahead.
    const QByteArray expecting = "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
    const auto waiting = parse(expecting, withBodies);
    QVERIFY(std::holds_alternative<NeedMore>(waiting) && std::get<NeedMore>(waiting).continueWanted);
    QCOMPARE(parsed(expecting + "abc", withBodies).body, QByteArray("abc"));
    // Content-Length: 0 is no body, also where none is taken.
    const QByteArray empty = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
    QCOMPARE(parsed(empty).length, empty.size());
}

void TestHttpRequest::refusesBodiesItCannotTake()
{
    // Too large: refused as soon as the head says so, before a byte of the body.
    const QByteArray big = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n";
    auto result = parse(big, withBodies);
    QVERIFY(std::holds_alternative<ParseFailure>(result));
    QCOMPARE(std::get<ParseFailure>(result).error, ParseError::BodyTooLarge);
    QVERIFY(std::get<ParseFailure>(result).detail.contains("larger than 1048576 bytes"));
    QCOMPARE(statusFor(ParseError::BodyTooLarge), 413);
    // A length no number can hold saturates, and is too large rather than wrapped around.
    QCOMPARE(failure("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", withBodies),
             ParseError::BodyTooLarge);
    // Chunked bodies: 411, whatever the service (none of our clients sends one).
    const QByteArray chunked =
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    QCOMPARE(failure(chunked, withBodies), ParseError::LengthRequired);
    QCOMPARE(failure("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), ParseError::LengthRequired);
    QCOMPARE(statusFor(ParseError::LengthRequired), 411);
    // An expectation we cannot meet.
    QCOMPARE(failure("POST /x HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na", withBodies),
             ParseError::UnsupportedExpectation);
}

void TestHttpRequest::takesTheMethodsAServiceServes()
{
    QCOMPARE(failure(enlist), ParseError::UnsupportedMethod); // the boot server's defaults: GET and HEAD
    QCOMPARE(failure("PUT /x HTTP/1.1\r\nHost: x\r\n\r\n", withBodies), ParseError::UnsupportedMethod);
    QCOMPARE(statusFor(ParseError::UnsupportedMethod), 405);
    Limits any = withBodies;
    any.methods.clear();
    QCOMPARE(parsed("PROPFIND /x HTTP/1.1\r\nHost: x\r\n\r\n", any).method, QByteArray("PROPFIND"));
}

void TestHttpRequest::splitsQueries()
{
    QCOMPARE(query("/MAAS/api/2.0/machines/?op=allocate"), QByteArrayView("op=allocate"));
    QCOMPARE(query("/a?b=c#frag"), QByteArrayView("b=c"));
    QCOMPARE(query("/a"), QByteArrayView());
    QCOMPARE(query("/a#x?y"), QByteArrayView());
}

void TestHttpRequest::decodesPaths_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("path"); // "!" for nullopt
    QTest::newRow("plain") << QByteArray("/boot/x.ipxe") << QByteArray("/boot/x.ipxe");
    QTest::newRow("query") << QByteArray("/a?b=c/d") << QByteArray("/a");
    QTest::newRow("percent") << QByteArray("/a%20b%2Fc") << QByteArray("/a b/c");
    QTest::newRow("dot-dot encoded") << QByteArray("/%2e%2E/etc/passwd") << QByteArray("/../etc/passwd");
    QTest::newRow("NUL encoded") << QByteArray("/a%00b") << QByteArray("/a\0b", 4);
    QTest::newRow("bad percent") << QByteArray("/a%2") << QByteArray("!");
    QTest::newRow("bad hex") << QByteArray("/a%zz") << QByteArray("!");
    QTest::newRow("percent before query") << QByteArray("/a%?x") << QByteArray("!");
    QTest::newRow("absolute") << QByteArray("http://10.0.0.1:5248/boot/a?x") << QByteArray("/boot/a");
    QTest::newRow("absolute, no path") << QByteArray("http://10.0.0.1") << QByteArray("/");
}

void TestHttpRequest::decodesPaths()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, path);
    const auto decoded = decodedPath(target);
    if (path == "!")
        QCOMPARE(decoded, std::nullopt);
    else
        QCOMPARE(decoded, path);
}

void TestHttpRequest::answersRanges_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<QString>("answer"); // "first+length", "whole" or "416"
    QTest::newRow("first 100") << QByteArray("bytes=0-99") << qint64(1000) << QStringLiteral("0+100");
    QTest::newRow("from 900") << QByteArray("bytes=900-") << qint64(1000) << QStringLiteral("900+100");
    QTest::newRow("last 100") << QByteArray("bytes=-100") << qint64(1000) << QStringLiteral("900+100");
    QTest::newRow("last more than all") << QByteArray("bytes=-5000") << qint64(1000) << QStringLiteral("0+1000");
    QTest::newRow("end past the size") << QByteArray("bytes=990-5000") << qint64(1000) << QStringLiteral("990+10");
    QTest::newRow("one byte") << QByteArray("bytes=999-999") << qint64(1000) << QStringLiteral("999+1");
    QTest::newRow("unit case, spaces") << QByteArray(" Bytes=1-2 ") << qint64(1000) << QStringLiteral("1+2");
    QTest::newRow("several: the first") << QByteArray("bytes=5-9, 20-29") << qint64(1000) << QStringLiteral("5+5");
    QTest::newRow("several: first satisfiable")
        << QByteArray("bytes=2000-3000,10-19") << qint64(1000) << QStringLiteral("10+10");
    QTest::newRow("huge numbers") << QByteArray("bytes=0-99999999999999999999999") << qint64(1000)
                                  << QStringLiteral("0+1000");
    QTest::newRow("start at size") << QByteArray("bytes=1000-") << qint64(1000) << QStringLiteral("416");
    QTest::newRow("suffix zero") << QByteArray("bytes=-0") << qint64(1000) << QStringLiteral("416");
    QTest::newRow("none satisfiable") << QByteArray("bytes=1000-1001,2000-") << qint64(1000) << QStringLiteral("416");
    QTest::newRow("other unit") << QByteArray("items=0-5") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("last before first") << QByteArray("bytes=9-5") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("not a number") << QByteArray("bytes=a-5") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("no dash") << QByteArray("bytes=5") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("empty set") << QByteArray("bytes=") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("a later one broken") << QByteArray("bytes=0-1,x") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("negative") << QByteArray("bytes=--5") << qint64(1000) << QStringLiteral("whole");
    QTest::newRow("empty file") << QByteArray("bytes=0-5") << qint64(0) << QStringLiteral("whole");
}

void TestHttpRequest::answersRanges()
{
    QFETCH(QByteArray, header);
    QFETCH(qint64, size);
    QFETCH(QString, answer);
    const RangeAnswer r = parseRange(header, size);
    QString got;
    if (const ByteRange *range = std::get_if<ByteRange>(&r))
        got = QStringLiteral("%1+%2").arg(range->first).arg(range->length);
    else if (std::holds_alternative<NotSatisfiable>(r))
        got = QStringLiteral("416");
    else
        got = QStringLiteral("whole");
    QCOMPARE(got, answer);
}

QTEST_APPLESS_MAIN(TestHttpRequest)
#include "tst_httprequest.moc"
