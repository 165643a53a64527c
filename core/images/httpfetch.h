#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QString>
#include <QUrl>
#include <memory>

class QNetworkAccessManager;
class QNetworkRequest;

namespace metaldesk {

class JobContext;

// Fetches an image mirror's files over HTTP(S) on the thread that made it (a job's worker thread:
// it runs its own event loop while a request is in flight). Redirects are followed a few times
// and never from https to http; a mirror that sends nothing for `stallTimeoutMs` is given up on.
class HttpFetch {
public:
    // `proxy`: "http://host:port" for every request, empty for none.
    explicit HttpFetch(const QString &proxy = {});
    ~HttpFetch();

    static constexpr int stallTimeoutMs = 15000;

    // A small document (an index, a products file) of at most `maxBytes`.
    Expected<QByteArray> get(const QUrl &url, qint64 maxBytes, JobContext *context = nullptr);

    // Downloads `url` into `target`, which must come out as `size` bytes with this SHA-256 (hex),
    // checked while it streams. It goes to `target` + ".part" first and is renamed into place only
    // when both match, so nothing half-fetched is ever used; a part left by a cut connection or a
    // restart is resumed with an HTTP Range request. A part that does not verify is removed, so
    // the next attempt fetches the file again. Bytes received are added to the context's done,
    // through its part `jobPart` when there is one (JobContext::addPart).
    Expected<void> download(const QUrl &url, const QString &target, qint64 size, const QByteArray &sha256,
                            JobContext &context, int jobPart = -1);

private:
    struct Transfer;
    Expected<void> run(QNetworkRequest request, Transfer &transfer, JobContext *context);
    std::unique_ptr<QNetworkAccessManager> network_;
};

} // namespace metaldesk
