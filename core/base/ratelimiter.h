#pragma once

#include <QHash>
#include <QMutex>
#include <QString>
#include <deque>

namespace metaldesk {

// At most `limit` takes per key in any window of `windowMs` (a sliding window), for a bounded
// number of keys: what an anonymous caller (a source address) or a chatty machine may do. Keys whose
// window has passed are forgotten when the table is full; while it is full of live keys, a new key is
// refused as if over its limit, so that memory stays bounded whatever the callers send. Safe from
// any thread.
class RateLimiter {
public:
    RateLimiter(int limit, qint64 windowMs, int maxKeys = 4096);

    struct Verdict {
        bool allowed = false;
        qint64 retryAfterMs = 0; // refused: when the key's oldest take leaves the window
        int refusedBefore = 0;   // allowed: takes refused since the key's last allowed one
    };
    Verdict take(const QString &key, qint64 nowMs);
    void setLimit(int limit); // from a setting that can change while running
    int limit() const;

private:
    struct Key {
        std::deque<qint64> takes; // times of the allowed takes within the window, oldest first
        int refused = 0;
    };
    void forgetExpired(qint64 nowMs);

    mutable QMutex lock_;
    int limit_;
    const qint64 windowMs_;
    const int maxKeys_;
    QHash<QString, Key> keys_;
};

} // namespace metaldesk
