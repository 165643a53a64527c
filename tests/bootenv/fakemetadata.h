#pragma once
// A stand-in for MetalDesk's metadata service as the boot environment's agent sees it: canned
// answers by method and path, every request recorded. It speaks what busybox wget speaks: one
// HTTP/1.1 request per connection, answered with "Connection: close".
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTcpServer>

class QTcpSocket;

namespace metaldesk::testing {

class FakeMetadata : public QObject {
    Q_OBJECT
public:
    struct Request {
        QByteArray method, path;
        QHash<QByteArray, QByteArray> headers; // names in lower case
        QByteArray body;
    };
    struct Answer {
        int status = 200;
        QByteArray body;
        QByteArray contentType = "application/json";
    };

    explicit FakeMetadata(QObject *parent = nullptr);
    bool listen(); // on 127.0.0.1, any free port
    quint16 port() const { return server_.serverPort(); }
    // What `method path` gets; anything not set gets 404.
    void answer(const QByteArray &method, const QByteArray &path, const Answer &answer);
    // What the next such request gets, once, before the answer set above (queued in order).
    void answerFirst(const QByteArray &method, const QByteArray &path, const Answer &answer);
    const QList<Request> &requests() const { return requests_; }
    QList<Request> requestsTo(const QByteArray &path) const;

private:
    void accept();
    void serve(QTcpSocket *socket, QByteArray &buffer);

    QTcpServer server_;
    QHash<QByteArray, Answer> answers_; // key "METHOD path"
    QHash<QByteArray, QList<Answer>> firstAnswers_;
    QList<Request> requests_;
};

} // namespace metaldesk::testing
