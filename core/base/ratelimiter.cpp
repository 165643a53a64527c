#include "core/base/ratelimiter.h"

#include <QMutexLocker>

namespace metaldesk {

RateLimiter::RateLimiter(int limit, qint64 windowMs, int maxKeys)
    : limit_(qMax(0, limit)), windowMs_(qMax<qint64>(1, windowMs)), maxKeys_(qMax(1, maxKeys))
{
}

void RateLimiter::setLimit(int limit)
{
    QMutexLocker guard(&lock_);
    limit_ = qMax(0, limit);
}

int RateLimiter::limit() const
{
    QMutexLocker guard(&lock_);
    return limit_;
}

void RateLimiter::forgetExpired(qint64 nowMs)
{
    for (auto it = keys_.begin(); it != keys_.end();) {
        // A key with refusals still to report is kept while it has takes in the window.
        if (it->takes.empty() || it->takes.back() <= nowMs - windowMs_)
            it = keys_.erase(it);
        else
            ++it;
    }
}

RateLimiter::Verdict RateLimiter::take(const QString &key, qint64 nowMs)
{
    QMutexLocker guard(&lock_);
    auto it = keys_.find(key);
    if (it == keys_.end()) {
        if (keys_.size() >= maxKeys_)
            forgetExpired(nowMs);
        if (keys_.size() >= maxKeys_ || limit_ == 0)
            return {false, windowMs_, 0};
        it = keys_.insert(key, Key{});
    }
    std::deque<qint64> &takes = it->takes;
    while (!takes.empty() && takes.front() <= nowMs - windowMs_)
        takes.pop_front();
    if (int(takes.size()) >= limit_) {
        ++it->refused;
        const qint64 wait = takes.empty() ? windowMs_ : takes.front() + windowMs_ - nowMs;
        return {false, qMax<qint64>(1, wait), 0};
    }
    takes.push_back(nowMs);
    Verdict v{true, 0, it->refused};
    it->refused = 0;
    return v;
}

} // namespace metaldesk
