// Response heads byte for byte, as the HTTP services send them (the boot server and the
// request/response services share this writer).
#include "servers/http/httpresponse.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace metaldesk::http;

class TestHttpResponse : public QObject {
    Q_OBJECT
private slots:
    void writesImfFixdates();
    void writesAHeadWithContent();
    void writesNoContentFieldsWhereThereIsNoContent();
    void saysWhetherTheConnectionStays();
    void namesEveryStatusItSends();
    void makesTextJsonAndMethodAnswers();
    void keepsTheReasonOfA503ForTheLog();
};

void TestHttpResponse::writesImfFixdates()
{
    // RFC 9110 §5.6.7's own example, and the turn of a leap year.
    QCOMPARE(httpDate(784111777), QByteArray("Sun, 06 Nov 1994 08:49:37 GMT"));
    QCOMPARE(httpDate(951782400), QByteArray("Tue, 29 Feb 2000 00:00:00 GMT"));
    QCOMPARE(httpDate(0), QByteArray("Thu, 01 Jan 1970 00:00:00 GMT"));
}

void TestHttpResponse::writesAHeadWithContent()
{
    const QByteArray head = writeHead(206, {"Sun, 06 Nov 1994 08:49:37 GMT", false, false, 100,
                                            "application/octet-stream", "Content-Range: bytes 0-99/1000\r\n"});
    QCOMPARE(head, QByteArray("HTTP/1.1 206 Partial Content\r\n"
                              "Server: MetalDesk\r\n"
                              "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                              "Content-Type: application/octet-stream\r\n"
                              "Content-Length: 100\r\n"
                              "Content-Range: bytes 0-99/1000\r\n"
                              "\r\n"));
}

void TestHttpResponse::writesNoContentFieldsWhereThereIsNoContent()
{
    // 204 and 304 have no content (RFC 9110 §15.3.5, §15.4.5): no Content-Length, no Content-Type.
    QCOMPARE(writeHead(304, {"D", false, false, 0, {}, "Last-Modified: L\r\n"}),
             QByteArray("HTTP/1.1 304 Not Modified\r\nServer: MetalDesk\r\nDate: D\r\nLast-Modified: L\r\n\r\n"));
    QCOMPARE(writeHead(204, {"D", false, false, 5, "text/plain", {}}),
             QByteArray("HTTP/1.1 204 No Content\r\nServer: MetalDesk\r\nDate: D\r\n\r\n"));
    QCOMPARE(writeHead(100, {"D", false, false, 0, {}, {}}),
             QByteArray("HTTP/1.1 100 Continue\r\nServer: MetalDesk\r\nDate: D\r\n\r\n"));
}

void TestHttpResponse::saysWhetherTheConnectionStays()
{
    const QByteArray closing = writeHead(400, {"D", true, false, 16, "text/plain; charset=utf-8", {}});
    QVERIFY(closing.endsWith("Content-Length: 16\r\nConnection: close\r\n\r\n"));
    // An HTTP/1.0 client keeps the connection only when told so.
    const QByteArray kept10 = writeHead(200, {"D", false, true, 0, "text/plain", {}});
    QVERIFY(kept10.endsWith("Content-Length: 0\r\nConnection: keep-alive\r\n\r\n"));
    // HTTP/1.1 keeps it by default: nothing to say. Closing wins over 1.0's keep-alive.
    QVERIFY(!writeHead(200, {"D", false, false, 0, "text/plain", {}}).contains("Connection"));
    QVERIFY(writeHead(200, {"D", true, true, 0, "text/plain", {}}).endsWith("Connection: close\r\n\r\n"));
}

void TestHttpResponse::namesEveryStatusItSends()
{
    for (int status :
         {100, 200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 408, 409, 411, 413, 416, 417, 429, 431, 500, 503, 505})
        QVERIFY2(qstrcmp(reasonPhrase(status), "Error") != 0, qPrintable(QString::number(status)));
    QCOMPARE(reasonPhrase(413), "Content Too Large"); // RFC 9110's name, not 7231's
    QCOMPARE(reasonPhrase(299), "Error");
}

void TestHttpResponse::makesTextJsonAndMethodAnswers()
{
    const Response text = Response::text(409, QStringLiteral("machine is Deploying"));
    QCOMPARE(text.status, 409);
    QCOMPARE(text.body, QByteArray("machine is Deploying\n"));
    QCOMPARE(text.contentType, QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(Response::text(200, QStringLiteral("a\n")).body, QByteArray("a\n")); // one newline, not two
    const Response json = Response::json(QJsonDocument(QJsonObject{{QStringLiteral("a"), 1}}));
    QCOMPARE(json.body, QByteArray("{\"a\":1}\n"));
    QCOMPARE(json.contentType, QByteArray("application/json"));
    const Response wrong = Response::methodNotAllowed("GET, HEAD");
    QCOMPARE(wrong.status, 405);
    QCOMPARE(wrong.fields, QByteArray("Allow: GET, HEAD\r\n"));
}

void TestHttpResponse::keepsTheReasonOfA503ForTheLog()
{
    // The database's error holds the SQL; the client may be anyone on the boot network (review L5).
    const QString why = QStringLiteral("SELECT token_secret FROM node_tokens WHERE token_key = ?: disk I/O error");
    QTest::ignoreMessage(QtWarningMsg, qPrintable(QStringLiteral("answered 503: ") + why));
    const Response r = Response::unavailable(why);
    QCOMPARE(r.status, 503);
    QVERIFY(!r.body.contains("SELECT") && !r.body.contains("token"));
    QVERIFY(r.body.contains("log"));
}

QTEST_APPLESS_MAIN(TestHttpResponse)
#include "tst_httpresponse.moc"
