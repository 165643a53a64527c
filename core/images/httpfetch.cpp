#include "core/images/httpfetch.h"

#include "core/base/job.h"
#include "core/base/sha256.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>

#include <functional>
#include <unistd.h>

namespace metaldesk {

namespace {

struct FetchText {
    Q_DECLARE_TR_FUNCTIONS(ImageDownloads)
};

} // namespace

// What one request does with the answer: `answered` sees the status and headers (an error text
// ends the request), `received` each piece of the body as it arrives.
struct HttpFetch::Transfer {
    std::function<QString(QNetworkReply &)> answered;
    std::function<QString(const QByteArray &)> received;
};

HttpFetch::HttpFetch(const QString &proxy) : network_(std::make_unique<QNetworkAccessManager>())
{
    network_->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
    const QUrl p(proxy.trimmed());
    if (!proxy.trimmed().isEmpty() && p.isValid() && !p.host().isEmpty())
        network_->setProxy(
            QNetworkProxy(QNetworkProxy::HttpProxy, p.host(), quint16(p.port(3128)), p.userName(), p.password()));
    else
        network_->setProxy(QNetworkProxy::NoProxy);
}

HttpFetch::~HttpFetch() = default;

Expected<void> HttpFetch::run(QNetworkRequest request, Transfer &transfer, JobContext *context)
{
    request.setTransferTimeout(stallTimeoutMs);
    request.setMaximumRedirectsAllowed(5);
    QNetworkReply *reply = network_->get(request);
    // Qt buffers at most this much when the disk is slower than the network.
    reply->setReadBufferSize(1 << 20);
    QString failure;
    bool answered = false;
    auto fail = [&](const QString &why) {
        if (failure.isEmpty())
            failure = why;
        reply->abort();
    };
    auto answer = [&] {
        if (answered)
            return true;
        answered = true;
        if (QString why = transfer.answered(*reply); !why.isEmpty()) {
            fail(why);
            return false;
        }
        return true;
    };
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
        if (!failure.isEmpty() || !answer())
            return;
        if (QString why = transfer.received(reply->readAll()); !why.isEmpty())
            fail(why);
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer cancelCheck;
    QObject::connect(&cancelCheck, &QTimer::timeout, &loop, [&] {
        if (context && context->isCancelled())
            fail(FetchText::tr("cancelled"));
    });
    cancelCheck.start(200);
    if (!reply->isFinished())
        loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    const QString errorText = reply->errorString();
    // An answer with no body (an empty file, a 404 without a page) never signalled readyRead.
    if (failure.isEmpty() && (error == QNetworkReply::NoError || status != 0) && answer() &&
        error == QNetworkReply::NoError) {
        if (QString why = transfer.received(reply->readAll()); !why.isEmpty())
            failure = why;
    }
    reply->deleteLater();
    const QString where = request.url().toDisplayString(QUrl::RemoveUserInfo);
    if (!failure.isEmpty())
        return Error{failure};
    if (error == QNetworkReply::NoError)
        return {};
    if (error == QNetworkReply::TooManyRedirectsError || error == QNetworkReply::InsecureRedirectError)
        return Error{FetchText::tr("%1 redirects too often or from https to http (%2)").arg(where, errorText)};
    if (error == QNetworkReply::OperationCanceledError)
        return Error{FetchText::tr("%1 sent nothing for %2 seconds").arg(where).arg(stallTimeoutMs / 1000)};
    if (status == 0)
        return Error{FetchText::tr("cannot reach %1: %2").arg(where, errorText)};
    return Error{FetchText::tr("the transfer of %1 broke off: %2").arg(where, errorText)};
    return {};
}

Expected<QByteArray> HttpFetch::get(const QUrl &url, qint64 maxBytes, JobContext *context)
{
    QByteArray body;
    Transfer t;
    t.answered = [&](QNetworkReply &reply) {
        const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        return status == 200
                   ? QString()
                   : FetchText::tr("%1 answered HTTP %2").arg(url.toDisplayString(QUrl::RemoveUserInfo)).arg(status);
    };
    t.received = [&](const QByteArray &data) {
        body += data;
        return body.size() > maxBytes ? FetchText::tr("%1 is larger than the %2 bytes a mirror's index may be")
                                            .arg(url.toDisplayString(QUrl::RemoveUserInfo))
                                            .arg(maxBytes)
                                      : QString();
    };
    if (auto done = run(QNetworkRequest(url), t, context); !done)
        return done.error();
    return body;
}

Expected<void> HttpFetch::download(const QUrl &url, const QString &target, qint64 size, const QByteArray &sha256,
                                   JobContext &context, int jobPart)
{
    // Bytes received count in the rate; bytes resumed from an earlier attempt only in the total.
    auto count = [&](qint64 bytes, bool resumed = false) {
        if (jobPart < 0)
            context.addDone(bytes);
        else if (resumed)
            context.addPartResumed(jobPart, bytes);
        else
            context.addPartDone(jobPart, bytes);
    };
    const QString where = url.toDisplayString(QUrl::RemoveUserInfo);
    const QString partName = target + QStringLiteral(".part");
    QFile part(partName);
    Sha256 hash;
    qint64 have = 0;
    // What an earlier attempt left: its bytes count, and are hashed again (they were not kept).
    if (part.exists() && part.size() <= size && part.open(QIODevice::ReadOnly)) {
        QByteArray chunk;
        while (!(chunk = part.read(4 << 20)).isEmpty()) {
            hash.addData(chunk);
            have += chunk.size();
        }
        part.close();
    }
    if (!part.open(have ? QIODevice::WriteOnly | QIODevice::Append : QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{FetchText::tr("cannot write %1: %2").arg(partName, part.errorString())};
    count(have, true);

    QNetworkRequest request(url);
    if (have > 0 && have < size)
        request.setRawHeader("Range", "bytes=" + QByteArray::number(have) + '-');
    Transfer t;
    t.answered = [&](QNetworkReply &reply) {
        const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 206 && have > 0 && have < size) {
            static const QRegularExpression range(QStringLiteral("^bytes (\\d+)-"));
            const auto m = range.match(QString::fromLatin1(reply.rawHeader("Content-Range")));
            if (m.hasMatch() && m.captured(1).toLongLong() == have)
                return QString();
            return FetchText::tr("%1 answered a range that was not asked for (%2)")
                .arg(where, QString::fromLatin1(reply.rawHeader("Content-Range")).left(80));
        }
        if (status == 200) { // the whole file again: start over
            count(-have, true);
            have = 0;
            hash.reset();
            if (!part.resize(0))
                return FetchText::tr("cannot write %1: %2").arg(partName, part.errorString());
            return QString();
        }
        return FetchText::tr("%1 answered HTTP %2").arg(where).arg(status);
    };
    t.received = [&](const QByteArray &data) {
        if (data.isEmpty())
            return QString();
        if (have + data.size() > size)
            return FetchText::tr("%1 is larger than the %2 bytes its mirror lists").arg(where).arg(size);
        if (part.write(data) != data.size())
            return FetchText::tr("cannot write %1: %2").arg(partName, part.errorString());
        hash.addData(data);
        have += data.size();
        count(data.size());
        return QString();
    };
    if (have < size || size == 0) {
        if (auto done = run(request, t, &context); !done) {
            part.close(); // kept: the next attempt resumes where this one stopped
            return done.error();
        }
    }
    if (!part.flush() || ::fsync(part.handle()) != 0) {
        const QString why = part.errorString();
        part.close();
        return Error{FetchText::tr("cannot write %1: %2").arg(partName, why)};
    }
    part.close();
    if (have != size)
        return Error{FetchText::tr("%1 ended after %2 of its %3 bytes").arg(where).arg(have).arg(size)};
    const QByteArray got = hash.hexResult();
    if (got != sha256) {
        QFile::remove(partName);
        return Error{FetchText::tr("%1 does not match its SHA-256 (expected %2, got %3): removed, it is fetched "
                                   "again at the next attempt")
                         .arg(where, QString::fromLatin1(sha256), QString::fromLatin1(got))};
    }
    QFile::remove(target);
    if (!QFile::rename(partName, target))
        return Error{FetchText::tr("cannot move %1 into place").arg(target)};
    return {};
}

} // namespace metaldesk
