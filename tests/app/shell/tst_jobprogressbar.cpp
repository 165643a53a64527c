// A job followed in the window: the bar, the rate and the time left as it goes, Cancel that stops
// it with nothing changed, and a failure in words; English and Korean screenshots.
#include "app/shell/jobprogressbar.h"
#include "guitest.h"

#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QThreadPool>
#include <QtTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

// "Downloads" 64 MiB in steps of 1 MiB, one every 30 ms.
std::unique_ptr<ResultJob<int>> download(std::atomic<bool> *committed)
{
    return std::make_unique<ResultJob<int>>(
        u"Import ubuntu/noble amd64"_s,
        [](JobContext &context) -> Expected<int> {
            context.setTotal(64 << 20);
            for (int i = 1; i <= 64 && !context.isCancelled(); ++i) {
                QThread::msleep(30);
                context.setMessage(u"squashfs"_s);
                context.setDone(qint64(i) << 20);
            }
            return 64;
        },
        [committed](const int &) -> Expected<void> {
            *committed = true;
            return {};
        });
}

} // namespace

class TestJobProgressBar : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void followsAJobToTheEnd();
    void cancelStopsItWithNothingChanged();
    void saysWhyAJobFailed();
    void speaksKorean();

private:
    void screenshot(QWidget &w, const QString &name);
    QTemporaryDir settingsDir_;
    QThreadPool pool_;
};

void TestJobProgressBar::initTestCase()
{
    QVERIFY(guitest::setUpGuiTest(u"tst_jobprogressbar"_s, settingsDir_.path(), true));
}

void TestJobProgressBar::screenshot(QWidget &w, const QString &name)
{
    QVERIFY(w.grab().save(u"" SCREENSHOT_DIR "/"_s + name));
}

void TestJobProgressBar::followsAJobToTheEnd()
{
    std::atomic<bool> committed = false;
    auto job = download(&committed);
    JobProgressBar bar;
    bar.resize(640, bar.sizeHint().height());
    bar.follow(job.get(), JobProgressBar::Unit::Bytes);
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    auto *progress = bar.findChild<QProgressBar *>(u"jobBar"_s);
    auto *detail = bar.findChild<QLabel *>(u"jobDetail"_s);
    QCOMPARE(bar.findChild<QLabel *>(u"jobTitle"_s)->text(), u"Import ubuntu/noble amd64"_s);
    job->start(&pool_);
    // The bar moves several times, with a rate and the time left.
    QSet<int> values;
    bool shotMidway = false;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            values.insert(progress->value());
            if (!shotMidway && detail->text().contains(u" left"_s)) {
                shotMidway = true;
                screenshot(bar, u"job-progress-en.png"_s);
            }
            return job->isFinished();
        }(),
        10000);
    QVERIFY2(values.size() >= 4, qPrintable(QString::number(values.size())));
    QVERIFY(shotMidway);
    // The job is finished on its thread; its finished signal reaches the bar queued, a moment later.
    QTRY_COMPARE(detail->text(), u"Done."_s);
    QVERIFY(committed);
    QVERIFY(!bar.findChild<QPushButton *>(u"jobCancel"_s)->isVisible());
}

void TestJobProgressBar::cancelStopsItWithNothingChanged()
{
    std::atomic<bool> committed = false;
    auto job = download(&committed);
    JobProgressBar bar;
    bar.follow(job.get(), JobProgressBar::Unit::Bytes);
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    auto *detail = bar.findChild<QLabel *>(u"jobDetail"_s);
    job->start(&pool_);
    QTRY_VERIFY(detail->text().contains(u"MB of 64"_s) || detail->text().contains(u"MiB of 64"_s));
    QVERIFY2(QRegularExpression(u"^[\\d.]+ Mi?B of 64[.0]* Mi?B · [\\d.]+ Mi?B/s · \\d+:\\d\\d left · squashfs$"_s)
                 .match(detail->text())
                 .hasMatch(),
             qPrintable(detail->text()));
    QTest::mouseClick(bar.findChild<QPushButton *>(u"jobCancel"_s), Qt::LeftButton);
    QTRY_VERIFY(job->isFinished());
    QCOMPARE(job->state(), JobState::Cancelled);
    QTRY_COMPARE(detail->text(), u"Cancelled: nothing was changed."_s);
    QVERIFY(!committed);
    screenshot(bar, u"job-cancelled-en.png"_s);
}

void TestJobProgressBar::saysWhyAJobFailed()
{
    ResultJob<int> job(u"Discover esxi1"_s, [](JobContext &) -> Expected<int> {
        return Error{u"esxi1 refused the user name or password (InvalidLogin)"_s};
    });
    JobProgressBar bar;
    bar.follow(&job);
    bar.show();
    job.start(&pool_);
    auto *detail = bar.findChild<QLabel *>(u"jobDetail"_s);
    QTRY_COMPARE(detail->text(), u"Esxi1 refused the user name or password (InvalidLogin)."_s);
}

void TestJobProgressBar::speaksKorean()
{
    QTranslator korean, koreanQt;
    QVERIFY(guitest::loadShippedKorean(korean, koreanQt));
    const QFont original = QApplication::font();
    QCoreApplication::installTranslator(&korean);
    QCoreApplication::installTranslator(&koreanQt);
    QApplication::setFont(QFont(u"Noto Sans CJK KR"_s, original.pointSize()));
    auto restore = qScopeGuard([&] {
        QCoreApplication::removeTranslator(&korean);
        QCoreApplication::removeTranslator(&koreanQt);
        QApplication::setFont(original);
    });
    std::atomic<bool> committed = false;
    auto job = download(&committed);
    JobProgressBar bar;
    bar.resize(640, bar.sizeHint().height());
    bar.follow(job.get(), JobProgressBar::Unit::Bytes);
    bar.show();
    QVERIFY(QTest::qWaitForWindowExposed(&bar));
    QCOMPARE(bar.findChild<QPushButton *>(u"jobCancel"_s)->text(), u"취소"_s);
    job->start(&pool_);
    auto *detail = bar.findChild<QLabel *>(u"jobDetail"_s);
    QTRY_VERIFY(detail->text().contains(u"남음"_s));
    screenshot(bar, u"job-progress-ko.png"_s);
    QTRY_VERIFY_WITH_TIMEOUT(job->isFinished(), 10000);
    QTRY_COMPARE(detail->text(), u"완료."_s);
}

QTEST_MAIN(TestJobProgressBar)
#include "tst_jobprogressbar.moc"
