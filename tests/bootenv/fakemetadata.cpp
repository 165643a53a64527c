#include "fakemetadata.h"

#include <QHostAddress>
#include <QTcpSocket>
#include <memory>

namespace metaldesk::testing {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    default: return "Status";
    }
}

} // namespace

FakeMetadata::FakeMetadata(QObject *parent) : QObject(parent)
{
    connect(&server_, &QTcpServer::newConnection, this, &FakeMetadata::accept);
}

bool FakeMetadata::listen() { return server_.listen(QHostAddress::LocalHost, 0); }

void FakeMetadata::answer(const QByteArray &method, const QByteArray &path, const Answer &answer)
{
    answers_.insert(method + ' ' + path, answer);
}

void FakeMetadata::answerFirst(const QByteArray &method, const QByteArray &path, const Answer &answer)
{
    firstAnswers_[method + ' ' + path].append(answer);
}

QList<FakeMetadata::Request> FakeMetadata::requestsTo(const QByteArray &path) const
{
    QList<Request> found;
    for (const Request &request : requests_)
        if (request.path == path)
            found.append(request);
    return found;
}

void FakeMetadata::accept()
{
    while (QTcpSocket *socket = server_.nextPendingConnection()) {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] { serve(socket, *buffer); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void FakeMetadata::serve(QTcpSocket *socket, QByteArray &buffer)
{
    buffer += socket->readAll();
    const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return;
    Request request;
    const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    request.method = requestLine.value(0);
    request.path = requestLine.value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
    }
    const qsizetype length = request.headers.value("content-length", "0").toLongLong();
    if (buffer.size() < headerEnd + 4 + length)
        return; // the rest of the body is on its way
    request.body = buffer.mid(headerEnd + 4, length);
    buffer.clear();
    requests_.append(request);

    const QByteArray key = request.method + ' ' + request.path;
    QList<Answer> &first = firstAnswers_[key];
    const Answer answer =
        !first.isEmpty() ? first.takeFirst() : answers_.value(key, Answer{404, "{}", "application/json"});
    socket->write("HTTP/1.1 " + QByteArray::number(answer.status) + ' ' + reasonPhrase(answer.status) +
                  "\r\nContent-Type: " + answer.contentType +
                  "\r\nContent-Length: " + QByteArray::number(answer.body.size()) + "\r\nConnection: close\r\n\r\n");
    socket->write(answer.body);
    socket->disconnectFromHost();
}

} // namespace metaldesk::testing
