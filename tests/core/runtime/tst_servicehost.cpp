// ServiceHost: every service in a thread of its own, replaced and removed while the others run.
#include "core/runtime/servicehost.h"

#include <QAtomicInt>
#include <QPointer>
#include <QtTest>

using namespace metaldesk;

namespace {

// Records, from its own thread, where start() and stop() ran and that it was deleted.
class ProbeService : public Service {
    Q_OBJECT
public:
    struct Log {
        QAtomicInt starts;
        QAtomicInt stops;
        QAtomicInt deletions;
        QAtomicPointer<QThread> startedIn;
        QAtomicPointer<QThread> stoppedIn;
    };
    ProbeService(QString name, int generation, Log *log, bool failOnStart = false)
        : name_(std::move(name)), generation_(generation), log_(log), failOnStart_(failOnStart)
    {
    }
    ~ProbeService() override { log_->deletions.ref(); }
    QString name() const override { return name_; }
    QString description() const override { return QStringLiteral("%1 generation %2").arg(name_).arg(generation_); }
    void start() override
    {
        log_->startedIn.storeRelaxed(QThread::currentThread());
        log_->starts.ref();
        if (failOnStart_)
            emit stateChanged(QStringLiteral("failed"), QStringLiteral("port taken: stop the other server"));
        else
            emit stateChanged(QStringLiteral("running"), description());
    }
    void stop() override
    {
        log_->stoppedIn.storeRelaxed(QThread::currentThread());
        log_->stops.ref();
        emit stateChanged(QStringLiteral("stopped"), {});
    }
    QList<Counter> counterList() const override
    {
        return {{QStringLiteral("gen"), QStringLiteral("gen"), quint64(generation_)}};
    }

private:
    QString name_;
    int generation_;
    Log *log_;
    bool failOnStart_;
};

const ServiceHost::Entry *find(const ServiceHost &host, const QString &name)
{
    for (const ServiceHost::Entry &e : host.services())
        if (e.service->name() == name)
            return &e;
    return nullptr;
}

} // namespace

class TestServiceHost : public QObject {
    Q_OBJECT
private slots:
    void replacesARunningServiceInANewThread()
    {
        ProbeService::Log first, second, other;
        ServiceHost host;
        host.add(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 1, &first));
        host.add(std::make_unique<ProbeService>(QStringLiteral("tftp"), 1, &other));
        QSignalSpy changed(&host, &ServiceHost::servicesChanged);
        QSignalSpy states(&host, &ServiceHost::serviceStateChanged);
        host.start();
        QTRY_COMPARE(states.size(), 2);
        QCOMPARE(find(host, QStringLiteral("dhcp"))->state, QStringLiteral("running"));
        QThread *oldThread = find(host, QStringLiteral("dhcp"))->thread;
        QThread *otherThread = find(host, QStringLiteral("tftp"))->thread;
        QVERIFY(first.startedIn.loadRelaxed() == oldThread);

        host.replace(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 2, &second));
        // The old one stopped in its own thread, was joined and deleted before replace() returned.
        QCOMPARE(first.stops.loadRelaxed(), 1);
        QVERIFY(first.stoppedIn.loadRelaxed() == oldThread);
        QCOMPARE(first.deletions.loadRelaxed(), 1);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(host.services().size(), std::size_t(2));
        QCOMPARE(host.services().front().service->name(), QStringLiteral("dhcp")); // keeps its place
        const ServiceHost::Entry *fresh = find(host, QStringLiteral("dhcp"));
        QCOMPARE(fresh->service->description(), QStringLiteral("dhcp generation 2"));
        QVERIFY(fresh->thread != QThread::currentThread());
        QTRY_COMPARE(second.starts.loadRelaxed(), 1);
        QVERIFY(second.startedIn.loadRelaxed() == fresh->thread);
        QTRY_COMPARE(find(host, QStringLiteral("dhcp"))->detail, QStringLiteral("dhcp generation 2"));

        // The other service was left alone.
        QCOMPARE(other.stops.loadRelaxed(), 0);
        QVERIFY(find(host, QStringLiteral("tftp"))->thread == otherThread);
        QVERIFY(otherThread->isRunning());

        host.stop();
        QCOMPARE(second.stops.loadRelaxed(), 1);
        QCOMPARE(second.deletions.loadRelaxed(), 1);
        QCOMPARE(other.deletions.loadRelaxed(), 1);
    }

    void keepsAFailureThatCameBeforeAnyoneListened()
    {
        ProbeService::Log log, fixed; // before the host: its destructor stops the services that write them
        ServiceHost host;
        host.add(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 1, &log, true));
        host.start();
        QTRY_COMPARE(find(host, QStringLiteral("dhcp"))->state, QStringLiteral("failed"));
        QCOMPARE(find(host, QStringLiteral("dhcp"))->detail, QStringLiteral("port taken: stop the other server"));

        // Replaced by one that starts: the state follows the new service, not the old one's "stopped".
        host.replace(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 2, &fixed));
        QTRY_COMPARE(find(host, QStringLiteral("dhcp"))->state, QStringLiteral("running"));
        QTest::qWait(50); // any late event of the old service would land now
        QCOMPARE(find(host, QStringLiteral("dhcp"))->state, QStringLiteral("running"));
    }

    void addsWhenNothingHasTheNameAndRemoves()
    {
        ProbeService::Log a, b;
        ServiceHost host;
        host.add(std::make_unique<ProbeService>(QStringLiteral("timeouts"), 1, &a));
        host.start();
        QSignalSpy changed(&host, &ServiceHost::servicesChanged);
        host.replace(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 1, &b));
        QCOMPARE(host.services().size(), std::size_t(2));
        QTRY_COMPARE(b.starts.loadRelaxed(), 1);

        QVERIFY(host.remove(QStringLiteral("dhcp")));
        QCOMPARE(b.stops.loadRelaxed(), 1);
        QCOMPARE(b.deletions.loadRelaxed(), 1);
        QCOMPARE(host.services().size(), std::size_t(1));
        QVERIFY(!host.remove(QStringLiteral("dhcp")));
        QCOMPARE(changed.size(), 2);
        QCOMPARE(a.stops.loadRelaxed(), 0);
    }

    void replacesBeforeStartWithoutRunningTheOldOne()
    {
        ProbeService::Log old, fresh;
        ServiceHost host;
        host.add(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 1, &old));
        host.replace(std::make_unique<ProbeService>(QStringLiteral("dhcp"), 2, &fresh));
        QCOMPARE(old.deletions.loadRelaxed(), 1);
        QCOMPARE(old.starts.loadRelaxed(), 0);
        QCOMPARE(fresh.starts.loadRelaxed(), 0);
        host.start();
        QTRY_COMPARE(fresh.starts.loadRelaxed(), 1);
        QCOMPARE(old.starts.loadRelaxed(), 0);
    }
};

QTEST_GUILESS_MAIN(TestServiceHost)
#include "tst_servicehost.moc"
