// The sliding window behind enlistment's per-address rate and a machine's event cap: exact counts
// at the window's edges, when to try again, what was refused meanwhile, and a bounded key table.
#include "core/base/ratelimiter.h"

#include <QtTest>

using namespace metaldesk;

class TestRateLimiter : public QObject {
    Q_OBJECT
private slots:
    void allowsTheLimitPerWindowAndSaysWhenToTryAgain();
    void saysHowManyWereRefusedSinceTheLastAllowed();
    void keepsKeysApartAndTheirNumberBounded();
    void followsAChangedLimit();
};

void TestRateLimiter::allowsTheLimitPerWindowAndSaysWhenToTryAgain()
{
    RateLimiter limiter(3, 60000);
    const QString a = QStringLiteral("10.0.0.5");
    QVERIFY(limiter.take(a, 1000).allowed);
    QVERIFY(limiter.take(a, 2000).allowed);
    QVERIFY(limiter.take(a, 30000).allowed);
    auto refused = limiter.take(a, 30001);
    QVERIFY(!refused.allowed);
    QCOMPARE(refused.retryAfterMs, qint64(1000 + 60000 - 30001)); // when the first take leaves the window
    QVERIFY(!limiter.take(a, 60999).allowed);
    // The window slides: at 61000 the take at 1000 has left it, not the one at 2000.
    QVERIFY(limiter.take(a, 61000).allowed);
    QVERIFY(!limiter.take(a, 61001).allowed);
    QVERIFY(limiter.take(a, 62000).allowed);
}

void TestRateLimiter::saysHowManyWereRefusedSinceTheLastAllowed()
{
    RateLimiter limiter(1, 1000);
    const QString m = QStringLiteral("4y3h7n");
    QCOMPARE(limiter.take(m, 0).refusedBefore, 0);
    for (int i = 1; i <= 5; ++i)
        QVERIFY(!limiter.take(m, i).allowed);
    const auto next = limiter.take(m, 1000);
    QVERIFY(next.allowed);
    QCOMPARE(next.refusedBefore, 5);
    QCOMPARE(limiter.take(m, 2000).refusedBefore, 0); // said once
}

void TestRateLimiter::keepsKeysApartAndTheirNumberBounded()
{
    RateLimiter limiter(1, 1000, 2);
    QVERIFY(limiter.take(QStringLiteral("a"), 0).allowed);
    QVERIFY(!limiter.take(QStringLiteral("a"), 1).allowed);
    QVERIFY(limiter.take(QStringLiteral("b"), 1).allowed); // another key has its own window
    // The table is full of live keys: a third is refused rather than remembered.
    const auto third = limiter.take(QStringLiteral("c"), 2);
    QVERIFY(!third.allowed);
    QVERIFY(third.retryAfterMs > 0);
    // Once their windows have passed, they are forgotten and the newcomer is served.
    QVERIFY(limiter.take(QStringLiteral("c"), 1001).allowed);
    QVERIFY(limiter.take(QStringLiteral("d"), 1002).allowed);
}

void TestRateLimiter::followsAChangedLimit()
{
    RateLimiter limiter(1, 1000);
    QVERIFY(limiter.take(QStringLiteral("a"), 0).allowed);
    QVERIFY(!limiter.take(QStringLiteral("a"), 1).allowed);
    limiter.setLimit(2);
    QCOMPARE(limiter.limit(), 2);
    QVERIFY(limiter.take(QStringLiteral("a"), 2).allowed);
    limiter.setLimit(0); // nothing at all
    QVERIFY(!limiter.take(QStringLiteral("b"), 3).allowed);
    QVERIFY(!limiter.take(QStringLiteral("a"), 5000).allowed);
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
