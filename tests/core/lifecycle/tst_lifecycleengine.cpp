// The lifecycle engine over a real SQLite file: what each action does to a machine, what it refuses
// and why, the events it writes, timeouts (also across a restart and from the monitor's own thread),
// and concurrent use from several threads.

#include "core/lifecycle/timeoutmonitor.h"
#include "core/runtime/coreservices.h"
#include "core/runtime/servicehost.h"
#include "requireok.h"

#include "printers.h"
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <QTest>
#include <QThread>

#include <atomic>

using namespace metaldesk;
using namespace Qt::StringLiterals;
using S = NodeStatus;

namespace {

constexpr S kNoStatus = S(-1);
constexpr qint64 kMinute = 60 * 1000;

// Errors a racing caller may legitimately get: the machine moved on before its turn.
bool isLifecycleRefusal(const QString &message)
{
    return message.contains(u": machine is "_s) || message.contains(u"the lifecycle does not allow it"_s) ||
           message.contains(u"nothing to do"_s);
}

} // namespace

class TestLifecycleEngine : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> tmp_;
    std::unique_ptr<CoreServices> core_;
    Actor admin_, alice_, bob_;

    QString dbPath() const { return tmp_->filePath(u"md.db"_s); }

    Expected<std::unique_ptr<CoreServices>> openCore() const
    {
        DatabaseSpec spec;
        spec.path = dbPath();
        return CoreServices::open(spec);
    }

    Expected<Machine> create(NewMachine spec = {}) { return core_->engine->createMachine(spec, admin_); }

    S statusOf(const QString &systemId) const
    {
        auto m = core_->machines->get(systemId);
        return m ? m->status : kNoStatus;
    }

    int eventCount(const QString &systemId) const
    {
        auto events = core_->events->forMachine(systemId, 1000000);
        return events ? int(events->size()) : -1;
    }

    // Newest first, as the event store returns them.
    QList<Event> eventsOf(const QString &systemId) const
    {
        auto events = core_->events->forMachine(systemId, 1000000);
        return events ? *events : QList<Event>{};
    }

    // A machine in the given status, reached the way MAAS gets there: an admin commissions it,
    // the machine reports back, `owner` deploys it.
    Expected<Machine> machineIn(S status, const Actor &owner)
    {
        auto m = create();
        if (!m)
            return m;
        const QString id = m->systemId;
        const Actor metadata = Actor::system(u"metadata"_s);
        LifecycleEngine &engine = *core_->engine;
        QList<std::function<Expected<void>()>> steps;
        switch (status) {
        case S::Deployed:
            steps.prepend([&] { return engine.changeStatus(id, S::Deployed, metadata, Text::plain(u"Installed"_s)); });
            [[fallthrough]];
        case S::Deploying:
            steps.prepend([&] { return engine.performAction(id, NodeAction::Deploy, owner); });
            [[fallthrough]];
        case S::Ready:
            steps.prepend([&] { return engine.changeStatus(id, S::Ready, metadata, Text::plain(u"Commissioned"_s)); });
            [[fallthrough]];
        case S::Commissioning:
            steps.prepend([&] { return engine.performAction(id, NodeAction::Commission, admin_); });
            [[fallthrough]];
        case S::New: break;
        default: return Error{u"machineIn: %1 is not needed by these tests"_s.arg(nodeStatusName(status))};
        }
        for (const auto &step : std::as_const(steps))
            if (auto done = step(); !done)
                return Error{done.errorMessage()};
        return core_->machines->get(id);
    }

    // Puts a past deadline on a machine, as if MetalDesk had been stopped past it.
    Expected<void> backdateDeadline(const QString &systemId, qint64 deadline)
    {
        auto db = core_->db->connection();
        if (!db)
            return db.error();
        auto q = runQuery(*db, u"UPDATE machines SET status_expires = ? WHERE system_id = ?"_s, {deadline, systemId});
        if (!q)
            return q.error();
        return {};
    }

private slots:
    void init()
    {
        tmp_ = std::make_unique<QTemporaryDir>();
        QVERIFY(tmp_->isValid());
        auto core = openCore();
        REQUIRE_OK(core);
        core_ = std::move(*core);
        // Few PBKDF2 rounds: these users never log in.
        UserStore users(core_->db, 1000);
        auto admin = users.createUser(u"admin"_s, {}, u"pw"_s, true);
        auto alice = users.createUser(u"alice"_s, {}, u"pw"_s, false);
        auto bob = users.createUser(u"bob"_s, {}, u"pw"_s, false);
        REQUIRE_OK(admin);
        REQUIRE_OK(alice);
        REQUIRE_OK(bob);
        admin_ = {admin->id, admin->username, true};
        alice_ = {alice->id, alice->username, false};
        bob_ = {bob->id, bob->username, false};
    }

    void cleanup()
    {
        core_.reset();
        tmp_.reset();
    }

    // ---- createMachine -----------------------------------------------------------------------------

    void namesNewMachinesWithUniqueRandomTwoWordHostnames()
    {
        QSet<QString> hostnames;
        QSet<QString> systemIds;
        static const QRegularExpression systemIdForm(u"^[34678abcdefghkmnpqrstwxy]{6}$"_s);
        for (int i = 0; i < 300; ++i) {
            auto m = create();
            REQUIRE_OK(m);
            QVERIFY2(isValidHostname(m->hostname), qPrintable(m->hostname));
            QVERIFY2(m->hostname.contains(u'-'), qPrintable(m->hostname));
            QVERIFY2(systemIdForm.match(m->systemId).hasMatch(), qPrintable(m->systemId));
            QCOMPARE(m->status, S::New);
            hostnames.insert(m->hostname);
            systemIds.insert(m->systemId);
        }
        QCOMPARE(hostnames.size(), 300);
        QCOMPARE(systemIds.size(), 300);
        QCOMPARE(*core_->machines->count(), 300);
    }

    void recordsCreatedEventAndAnnouncesNewMachine()
    {
        QSignalSpy added(core_->feed.get(), &ChangeFeed::machineAdded);
        NewMachine spec;
        spec.hostname = u"node-1"_s;
        spec.macAddresses = {u"52-54-00-AB-CD-EF"_s};
        auto m = create(spec);
        REQUIRE_OK(m);
        QCOMPARE(m->hostname, u"node-1"_s);
        QCOMPARE(m->interfaces.size(), 1);
        QCOMPARE(m->interfaces[0].macAddress, u"52:54:00:ab:cd:ef"_s);
        QCOMPARE(added.count(), 1);
        QCOMPARE(added[0][0].toString(), m->systemId);
        const QList<Event> events = eventsOf(m->systemId);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].type, u"created"_s);
        QCOMPARE(events[0].username, u"admin"_s);
        QCOMPARE(events[0].toStatus, std::optional<S>(S::New));
        QCOMPARE(events[0].hostname, u"node-1"_s);
    }

    void refusesInvalidHostnameNamingIt_data()
    {
        QTest::addColumn<QString>("hostname");
        QTest::newRow("upper case") << u"Node1"_s;
        QTest::newRow("underscore") << u"bad_name"_s;
        QTest::newRow("leading dash") << u"-node"_s;
        QTest::newRow("trailing dash") << u"node-"_s;
        QTest::newRow("dot") << u"node.example"_s;
        QTest::newRow("64 characters") << QString(64, u'a');
    }

    void refusesInvalidHostnameNamingIt()
    {
        QFETCH(QString, hostname);
        NewMachine spec;
        spec.hostname = hostname;
        auto m = create(spec);
        QVERIFY(!m);
        QVERIFY2(m.errorMessage().contains(hostname), qPrintable(m.errorMessage()));
        QCOMPARE(*core_->machines->count(), 0);
        QCOMPARE(core_->events->recent()->size(), 0);
    }

    void refusesDuplicateHostname()
    {
        NewMachine spec;
        spec.hostname = u"twin"_s;
        REQUIRE_OK(create(spec));
        auto second = create(spec);
        QVERIFY(!second);
        QVERIFY2(second.errorMessage().contains(u"twin"_s), qPrintable(second.errorMessage()));
        QCOMPARE(*core_->machines->count(), 1);
    }

    void refusesDuplicateMacNamingTheOtherMachine()
    {
        NewMachine first;
        first.hostname = u"first"_s;
        first.macAddresses = {u"52:54:00:12:34:56"_s};
        auto owner = create(first);
        REQUIRE_OK(owner);

        NewMachine second;
        second.hostname = u"second"_s;
        second.macAddresses = {u"52:54:00:aa:bb:cc"_s, u"5254.0012.3456"_s}; // the same MAC, written differently
        auto m = create(second);
        QVERIFY(!m);
        QVERIFY2(m.errorMessage().contains(u"first"_s), qPrintable(m.errorMessage()));
        QVERIFY2(m.errorMessage().contains(owner->systemId), qPrintable(m.errorMessage()));
        QVERIFY2(m.errorMessage().contains(u"52:54:00:12:34:56"_s), qPrintable(m.errorMessage()));
        // Nothing half-written: no machine, and the first MAC of the refused one is still free.
        QCOMPARE(*core_->machines->count(), 1);
        QVERIFY(!core_->machines->findByMac(u"52:54:00:aa:bb:cc"_s)->has_value());
    }

    void refusesInvalidMac_data()
    {
        QTest::addColumn<QString>("mac");
        QTest::newRow("five pairs") << u"52:54:00:12:34"_s;
        QTest::newRow("seven pairs") << u"52:54:00:12:34:56:78"_s;
        QTest::newRow("not hex") << u"52:54:00:12:34:zz"_s;
        QTest::newRow("text") << u"eth0"_s;
    }

    void refusesInvalidMac()
    {
        QFETCH(QString, mac);
        NewMachine spec;
        spec.macAddresses = {mac};
        auto m = create(spec);
        QVERIFY(!m);
        QVERIFY2(m.errorMessage().contains(mac), qPrintable(m.errorMessage()));
        QCOMPARE(*core_->machines->count(), 0);
    }

    void startsMachinesOnlyInNewMissingOrRetired()
    {
        const QSet<S> allowed = {S::New, S::Missing, S::Retired};
        for (S status : allNodeStatuses()) {
            NewMachine spec;
            spec.initialStatus = status;
            auto m = create(spec);
            if (allowed.contains(status)) {
                REQUIRE_OK(m);
                QCOMPARE(m->status, status);
                QCOMPARE(eventsOf(m->systemId).value(0).toStatus, std::optional<S>(status));
            } else {
                QVERIFY2(!m, qPrintable(nodeStatusName(status)));
                QVERIFY2(m.errorMessage().contains(nodeStatusName(status)), qPrintable(m.errorMessage()));
            }
        }
        QCOMPARE(*core_->machines->count(), 3);
    }

    // ---- performAction -----------------------------------------------------------------------------

    void commissionsNewMachineToReady()
    {
        auto m = create();
        REQUIRE_OK(m);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
        QCOMPARE(statusOf(m->systemId), S::Commissioning);
        REQUIRE_OK(
            core_->engine->changeStatus(m->systemId, S::Ready, Actor::system(u"metadata"_s), Text::plain(u"Done"_s)));
        auto ready = core_->machines->get(m->systemId);
        REQUIRE_OK(ready);
        QCOMPARE(ready->status, S::Ready);
        QCOMPARE(ready->previousStatus, std::optional<S>(S::Commissioning));
        QVERIFY(!ready->ownerId);
        QVERIFY(!ready->statusExpires);
        QCOMPARE(eventCount(m->systemId), 3); // created, New → Commissioning, Commissioning → Ready
    }

    void deployFromReadyAllocatesThenDeploysAndSetsOwner()
    {
        auto m = machineIn(S::Ready, alice_);
        REQUIRE_OK(m);
        const int before = eventCount(m->systemId);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Deploy, alice_));
        auto deploying = core_->machines->get(m->systemId);
        REQUIRE_OK(deploying);
        QCOMPARE(deploying->status, S::Deploying);
        QCOMPARE(deploying->ownerId, std::optional<qint64>(alice_.userId));
        QCOMPARE(deploying->owner, u"alice"_s);

        const QList<Event> events = eventsOf(m->systemId);
        QCOMPARE(events.size(), before + 2);
        // Newest first: Allocated → Deploying, then Ready → Allocated.
        QCOMPARE(events[1].fromStatus, std::optional<S>(S::Ready));
        QCOMPARE(events[1].toStatus, std::optional<S>(S::Allocated));
        QCOMPARE(events[0].fromStatus, std::optional<S>(S::Allocated));
        QCOMPARE(events[0].toStatus, std::optional<S>(S::Deploying));
        for (int i : {0, 1}) {
            QCOMPARE(events[i].username, u"alice"_s);
            QCOMPARE(events[i].type, u"status"_s);
            QVERIFY2(events[i].description.contains(u"alice"_s), qPrintable(events[i].description));
        }
    }

    void acquiresDeploysAndReleasesBackToReadyWithoutOwner()
    {
        auto m = machineIn(S::Ready, alice_);
        REQUIRE_OK(m);
        const QString id = m->systemId;
        REQUIRE_OK(core_->engine->performAction(id, NodeAction::Acquire, alice_));
        QCOMPARE(statusOf(id), S::Allocated);
        QCOMPARE(core_->machines->get(id)->ownerId, std::optional<qint64>(alice_.userId));
        // An acquired machine belongs to alice: bob may not deploy it.
        auto refused = core_->engine->performAction(id, NodeAction::Deploy, bob_);
        QVERIFY(!refused);
        REQUIRE_OK(core_->engine->performAction(id, NodeAction::Deploy, alice_));
        QCOMPARE(statusOf(id), S::Deploying);
        REQUIRE_OK(
            core_->engine->changeStatus(id, S::Deployed, Actor::system(u"metadata"_s), Text::plain(u"Installed"_s)));
        QCOMPARE(statusOf(id), S::Deployed);
        REQUIRE_OK(core_->engine->performAction(id, NodeAction::Release, alice_));
        QCOMPARE(statusOf(id), S::Releasing);
        QCOMPARE(core_->machines->get(id)->ownerId, std::optional<qint64>(alice_.userId)); // still hers while releasing
        // The machine reports that it is released, as a booting machine would.
        REQUIRE_OK(core_->engine->changeStatus(id, S::Ready, Actor::system(u"metadata"_s), Text::plain(u"Released"_s)));
        auto ready = core_->machines->get(id);
        REQUIRE_OK(ready);
        QCOMPARE(ready->status, S::Ready);
        QVERIFY(!ready->ownerId);
        QVERIFY(ready->owner.isEmpty());
        QVERIFY(!ready->statusExpires);
    }

    void releasesWithEraseThroughDiskErasing()
    {
        auto m = machineIn(S::Deployed, alice_);
        REQUIRE_OK(m);
        ActionOptions erase;
        erase.erase = true;
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Release, alice_, erase));
        QCOMPARE(statusOf(m->systemId), S::DiskErasing);
        REQUIRE_OK(
            core_->engine->changeStatus(m->systemId, S::Ready, Actor::system(u"metadata"_s), Text::plain(u"Erased"_s)));
        QVERIFY(!core_->machines->get(m->systemId)->ownerId);
    }

    void abortsDeployingBackToAllocatedForTheOwner()
    {
        auto m = machineIn(S::Deploying, alice_);
        REQUIRE_OK(m);
        QVERIFY(!core_->engine->performAction(m->systemId, NodeAction::Abort, bob_)); // not bob's machine
        QCOMPARE(statusOf(m->systemId), S::Deploying);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Abort, alice_)); // edit permission suffices
        auto allocated = core_->machines->get(m->systemId);
        QCOMPARE(allocated->status, S::Allocated);
        QCOMPARE(allocated->ownerId, std::optional<qint64>(alice_.userId));
        QVERIFY(!allocated->statusExpires);
    }

    void abortsCommissioningBackToWhereItStarted()
    {
        auto m = machineIn(S::Ready, admin_);
        REQUIRE_OK(m);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
        QCOMPARE(statusOf(m->systemId), S::Commissioning);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Abort, admin_));
        QCOMPARE(statusOf(m->systemId), S::Ready);

        auto fresh = create();
        REQUIRE_OK(fresh);
        REQUIRE_OK(core_->engine->performAction(fresh->systemId, NodeAction::Commission, admin_));
        REQUIRE_OK(core_->engine->performAction(fresh->systemId, NodeAction::Abort, admin_));
        QCOMPARE(statusOf(fresh->systemId), S::New);
    }

    void marksBrokenByOwnerAndFixedByAdmin()
    {
        auto m = machineIn(S::Deployed, alice_);
        REQUIRE_OK(m);
        auto byBob = core_->engine->performAction(m->systemId, NodeAction::MarkBroken, bob_);
        QVERIFY(!byBob);
        QCOMPARE(statusOf(m->systemId), S::Deployed);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::MarkBroken, alice_));
        QCOMPARE(statusOf(m->systemId), S::Broken);
        QCOMPARE(eventsOf(m->systemId).value(0).level, EventLevel::Warning);

        auto byAlice = core_->engine->performAction(m->systemId, NodeAction::MarkFixed, alice_);
        QVERIFY(!byAlice);
        QVERIFY2(byAlice.errorMessage().contains(u"administrator"_s), qPrintable(byAlice.errorMessage()));
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::MarkFixed, admin_));
        QCOMPARE(statusOf(m->systemId), S::Ready);
        QVERIFY(!core_->machines->get(m->systemId)->ownerId);
    }

    void deletesMachineForAdminOnlyAndRecordsIt()
    {
        QSignalSpy removed(core_->feed.get(), &ChangeFeed::machineRemoved);
        NewMachine spec;
        spec.macAddresses = {u"52:54:00:00:00:01"_s};
        auto m = create(spec);
        REQUIRE_OK(m);
        auto byAlice = core_->engine->performAction(m->systemId, NodeAction::Delete, alice_);
        QVERIFY(!byAlice);
        QVERIFY2(byAlice.errorMessage().contains(u"administrator"_s), qPrintable(byAlice.errorMessage()));
        QCOMPARE(*core_->machines->count(), 1);

        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Delete, admin_));
        QVERIFY(!core_->machines->get(m->systemId));
        QCOMPARE(*core_->machines->count(), 0);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed[0][0].toString(), m->systemId);
        // The event outlives the machine; its MAC is free again.
        const QList<Event> events = eventsOf(m->systemId);
        QCOMPARE(events.value(0).type, u"deleted"_s);
        QCOMPARE(events.value(0).username, u"admin"_s);
        QVERIFY(!core_->machines->findByMac(u"52:54:00:00:00:01"_s)->has_value());
        REQUIRE_OK(create(spec));
    }

    void refusedActionReturnsReasonAndChangesNothing()
    {
        auto m = machineIn(S::Commissioning, admin_);
        REQUIRE_OK(m);
        QSignalSpy changed(core_->feed.get(), &ChangeFeed::machineChanged);
        QSignalSpy recorded(core_->feed.get(), &ChangeFeed::eventRecorded);
        const int events = eventCount(m->systemId);
        auto before = core_->machines->get(m->systemId);
        REQUIRE_OK(before);

        auto refused = core_->engine->performAction(m->systemId, NodeAction::Deploy, admin_);
        QVERIFY(!refused);
        QCOMPARE(refused.errorMessage(), u"cannot deploy: machine is Commissioning"_s);

        auto after = core_->machines->get(m->systemId);
        REQUIRE_OK(after);
        QCOMPARE(after->status, S::Commissioning);
        QCOMPARE(after->previousStatus, before->previousStatus);
        QCOMPARE(after->statusExpires, before->statusExpires);
        QCOMPARE(after->ownerId, before->ownerId);
        QCOMPARE(after->updated, before->updated);
        QCOMPARE(eventCount(m->systemId), events);
        QCOMPARE(changed.count(), 0);
        QCOMPARE(recorded.count(), 0);
    }

    void plainUserCannotCommission()
    {
        auto m = create();
        REQUIRE_OK(m);
        auto refused = core_->engine->performAction(m->systemId, NodeAction::Commission, alice_);
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"administrator"_s), qPrintable(refused.errorMessage()));
        QCOMPARE(statusOf(m->systemId), S::New);
        QCOMPARE(eventCount(m->systemId), 1);
    }

    void otherUserCannotReleaseSomeoneElsesMachine()
    {
        auto m = machineIn(S::Deployed, alice_);
        REQUIRE_OK(m);
        const int events = eventCount(m->systemId);
        auto refused = core_->engine->performAction(m->systemId, NodeAction::Release, bob_);
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"another user"_s), qPrintable(refused.errorMessage()));
        QCOMPARE(statusOf(m->systemId), S::Deployed);
        QCOMPARE(core_->machines->get(m->systemId)->ownerId, std::optional<qint64>(alice_.userId));
        QCOMPARE(eventCount(m->systemId), events);
        // The machine is offered no action bob could take but to look at it.
        QVERIFY(core_->engine->offeredActions(*core_->machines->get(m->systemId), bob_).isEmpty());
    }

    void refusesIllegalReportedMoveAndChangesNothing()
    {
        auto m = create();
        REQUIRE_OK(m);
        auto refused =
            core_->engine->changeStatus(m->systemId, S::Deployed, Actor::system(u"metadata"_s), Text::plain(u"?"_s));
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"New"_s) && refused.errorMessage().contains(u"Deployed"_s),
                 qPrintable(refused.errorMessage()));
        QCOMPARE(statusOf(m->systemId), S::New);
        QCOMPARE(eventCount(m->systemId), 1);
    }

    void writesAnEventWithWhoFromToAndWhyForEveryChange()
    {
        QSignalSpy changed(core_->feed.get(), &ChangeFeed::machineChanged);
        QSignalSpy recorded(core_->feed.get(), &ChangeFeed::eventRecorded);
        auto m = create();
        REQUIRE_OK(m);
        const QString id = m->systemId;
        const Actor metadata = Actor::system(u"metadata"_s);

        struct Change {
            std::function<Expected<void>()> run;
            QString who;
            QList<S> path;
        };
        const QList<Change> changes = {
            {[&] { return core_->engine->performAction(id, NodeAction::Commission, admin_); },
             u"admin"_s,
             {S::Commissioning}},
            {[&] { return core_->engine->changeStatus(id, S::Ready, metadata, Text::plain(u"Commissioned"_s)); },
             u"metadata"_s,
             {S::Ready}},
            {[&] { return core_->engine->performAction(id, NodeAction::Deploy, alice_); },
             u"alice"_s,
             {S::Allocated, S::Deploying}},
            {[&] { return core_->engine->markFailed(id, Text::plain(u"curtin failed"_s), metadata); },
             u"metadata"_s,
             {S::FailedDeployment}},
            {[&] { return core_->engine->performAction(id, NodeAction::Release, alice_); }, u"alice"_s, {S::Releasing}},
            {[&] { return core_->engine->changeStatus(id, S::Ready, metadata, Text::plain(u"Released"_s)); },
             u"metadata"_s,
             {S::Ready}},
            {[&] { return core_->engine->performAction(id, NodeAction::Test, admin_); }, u"admin"_s, {S::Testing}},
            {[&] {
                 return core_->engine->changeStatus(id, S::FailedTesting, metadata, Text::plain(u"smartctl failed"_s));
             },
             u"metadata"_s,
             {S::FailedTesting}},
            {[&] { return core_->engine->performAction(id, NodeAction::OverrideFailedTesting, admin_); },
             u"admin"_s,
             {S::Ready}},
            {[&] { return core_->engine->performAction(id, NodeAction::RescueMode, admin_); },
             u"admin"_s,
             {S::EnteringRescueMode}},
            {[&] { return core_->engine->changeStatus(id, S::RescueMode, metadata, Text::plain(u"Rescue ready"_s)); },
             u"metadata"_s,
             {S::RescueMode}},
            {[&] { return core_->engine->performAction(id, NodeAction::ExitRescueMode, admin_); },
             u"admin"_s,
             {S::ExitingRescueMode}},
        };
        int changeSignals = 0;
        int eventSignals = int(recorded.count());
        for (const Change &change : changes) {
            const S from = statusOf(id);
            const int before = eventCount(id);
            REQUIRE_OK(change.run());
            const QList<Event> events = eventsOf(id);
            QCOMPARE(events.size(), before + change.path.size());
            S at = from;
            for (int i = 0; i < change.path.size(); ++i) {
                const Event &e = events[change.path.size() - 1 - i]; // newest first
                QCOMPARE(e.systemId, id);
                QCOMPARE(e.hostname, m->hostname);
                QCOMPARE(e.username, change.who);
                QCOMPARE(e.fromStatus, std::optional<S>(at));
                QCOMPARE(e.toStatus, std::optional<S>(change.path[i]));
                QVERIFY2(!e.description.isEmpty(), "an event says why");
                QVERIFY(e.created > 0);
                at = change.path[i];
            }
            QCOMPARE(statusOf(id), at);
            ++changeSignals;
            eventSignals += int(change.path.size());
            QCOMPARE(changed.count(), changeSignals);
            QCOMPARE(changed.last().at(0).toString(), id);
            QCOMPARE(int(recorded.count()), eventSignals);
        }
        // A failure keeps its reason on the machine, with the event at error level.
        auto failed = eventsOf(id);
        bool sawFailure = false;
        for (const Event &e : failed)
            if (e.toStatus == S::FailedDeployment) {
                sawFailure = true;
                QCOMPARE(e.level, EventLevel::Error);
                QCOMPARE(e.type, u"failure"_s);
                QCOMPARE(e.description, u"curtin failed"_s);
            }
        QVERIFY(sawFailure);
    }

    void requestsPowerOnlyWithAPowerType()
    {
        QSignalSpy power(core_->engine.get(), &LifecycleEngine::powerRequested);
        auto bare = create();
        REQUIRE_OK(bare);
        auto refused = core_->engine->performAction(bare->systemId, NodeAction::PowerOn, admin_);
        QVERIFY(!refused);
        QVERIFY2(refused.errorMessage().contains(u"power"_s), qPrintable(refused.errorMessage()));
        QCOMPARE(power.count(), 0);

        NewMachine spec;
        spec.powerType = u"manual"_s;
        auto m = create(spec);
        REQUIRE_OK(m);
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::PowerOn, admin_));
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::PowerOff, admin_));
        QCOMPARE(power.count(), 2);
        QCOMPARE(power[0][0].toString(), m->systemId);
        QCOMPARE(power[0][1].value<PowerCommand>(), PowerCommand::On);
        QCOMPARE(power[1][1].value<PowerCommand>(), PowerCommand::Off);
        QCOMPARE(statusOf(m->systemId), S::New); // power does not change the status
        QCOMPARE(eventsOf(m->systemId).value(0).type, u"power"_s);

        // Actions that boot the machine cycle its power, Abort switches it off; a machine without
        // a power driver is left to the person who powers it.
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Abort, admin_));
        QCOMPARE(power.count(), 4);
        QCOMPARE(power[2][1].value<PowerCommand>(), PowerCommand::Cycle);
        QCOMPARE(power[3][1].value<PowerCommand>(), PowerCommand::Off);
        REQUIRE_OK(core_->engine->performAction(bare->systemId, NodeAction::Commission, admin_));
        QCOMPARE(power.count(), 4);
    }

    // ---- timeouts ----------------------------------------------------------------------------------

    void setsDeadlineFromConfiguredTimeouts()
    {
        QCOMPARE(*core_->engine->timeoutMsFor(S::Deploying), 30 * kMinute);
        QCOMPARE(*core_->engine->timeoutMsFor(S::Releasing), 5 * kMinute);
        QCOMPARE(*core_->engine->timeoutMsFor(S::ExitingRescueMode), 5 * kMinute);

        auto m = create();
        REQUIRE_OK(m);
        qint64 t0 = nowMs();
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Commission, admin_));
        qint64 t1 = nowMs();
        auto commissioning = core_->machines->get(m->systemId);
        QVERIFY(commissioning->statusExpires);
        QVERIFY(*commissioning->statusExpires >= t0 + 30 * kMinute);
        QVERIFY(*commissioning->statusExpires <= t1 + 30 * kMinute);
        REQUIRE_OK(
            core_->engine->changeStatus(m->systemId, S::Ready, Actor::system(u"metadata"_s), Text::plain(u"Done"_s)));
        QVERIFY(!core_->machines->get(m->systemId)->statusExpires); // Ready is not monitored

        REQUIRE_OK(core_->config->setValue(setting::NodeTimeoutMinutes, u"7"_s));
        REQUIRE_OK(core_->config->setValue(setting::ReleaseTimeoutMinutes, u"2"_s));
        t0 = nowMs();
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Deploy, alice_));
        t1 = nowMs();
        auto deploying = core_->machines->get(m->systemId);
        QVERIFY(deploying->statusExpires);
        QVERIFY(*deploying->statusExpires >= t0 + 7 * kMinute);
        QVERIFY(*deploying->statusExpires <= t1 + 7 * kMinute);

        t0 = nowMs();
        REQUIRE_OK(core_->engine->performAction(m->systemId, NodeAction::Release, alice_));
        t1 = nowMs();
        auto releasing = core_->machines->get(m->systemId);
        QCOMPARE(releasing->status, S::Releasing);
        QVERIFY(releasing->statusExpires);
        QVERIFY(*releasing->statusExpires >= t0 + 2 * kMinute);
        QVERIFY(*releasing->statusExpires <= t1 + 2 * kMinute);
    }

    void timesOutDeployingOnlyAfterTheDeadline()
    {
        auto m = machineIn(S::Deploying, alice_);
        REQUIRE_OK(m);
        QVERIFY(m->statusExpires);
        const qint64 deadline = *m->statusExpires;
        const int events = eventCount(m->systemId);

        QCOMPARE(*core_->engine->expireOverdue(deadline - 1), 0);
        QCOMPARE(statusOf(m->systemId), S::Deploying);
        QCOMPARE(eventCount(m->systemId), events);

        QSignalSpy changed(core_->feed.get(), &ChangeFeed::machineChanged);
        QCOMPARE(*core_->engine->expireOverdue(deadline + 1000), 1);
        auto failed = core_->machines->get(m->systemId);
        REQUIRE_OK(failed);
        QCOMPARE(failed->status, S::FailedDeployment);
        QVERIFY2(failed->statusMessage.contains(u"Timed out"_s), qPrintable(failed->statusMessage));
        QVERIFY(!failed->statusExpires);
        QCOMPARE(changed.count(), 1);
        const Event timeout = eventsOf(m->systemId).value(0);
        QCOMPARE(eventCount(m->systemId), events + 1);
        QCOMPARE(timeout.type, u"timeout"_s);
        QCOMPARE(timeout.level, EventLevel::Error);
        QCOMPARE(timeout.fromStatus, std::optional<S>(S::Deploying));
        QCOMPARE(timeout.toStatus, std::optional<S>(S::FailedDeployment));
        QVERIFY2(timeout.description.contains(u"Timed out"_s), qPrintable(timeout.description));

        // Once failed, it is not timed out again.
        QCOMPARE(*core_->engine->expireOverdue(deadline + 10 * kMinute), 0);
        QCOMPARE(eventCount(m->systemId), events + 1);
    }

    void timesOutEveryMonitoredStatusToItsFailure_data()
    {
        QTest::addColumn<S>("monitored");
        QTest::addColumn<S>("failed");
        QTest::addColumn<qint64>("timeout");
        QTest::newRow("commissioning") << S::Commissioning << S::FailedCommissioning << 30 * kMinute;
        QTest::newRow("deploying") << S::Deploying << S::FailedDeployment << 30 * kMinute;
        QTest::newRow("releasing") << S::Releasing << S::FailedReleasing << 5 * kMinute;
        QTest::newRow("disk erasing") << S::DiskErasing << S::FailedDiskErasing << 30 * kMinute;
        QTest::newRow("testing") << S::Testing << S::FailedTesting << 30 * kMinute;
        QTest::newRow("entering rescue") << S::EnteringRescueMode << S::FailedEnteringRescueMode << 30 * kMinute;
        QTest::newRow("exiting rescue") << S::ExitingRescueMode << S::FailedExitingRescueMode << 5 * kMinute;
    }

    void timesOutEveryMonitoredStatusToItsFailure()
    {
        QFETCH(S, monitored);
        QFETCH(S, failed);
        QFETCH(qint64, timeout);
        const bool fromDeployed = monitored == S::Releasing || monitored == S::DiskErasing;
        auto m = machineIn(fromDeployed ? S::Deployed : monitored == S::Deploying ? S::Deploying : S::Ready, alice_);
        REQUIRE_OK(m);
        const QString id = m->systemId;
        ActionOptions erase;
        erase.erase = true;
        const qint64 t0 = nowMs();
        switch (monitored) {
        case S::Commissioning: REQUIRE_OK(core_->engine->performAction(id, NodeAction::Commission, admin_)); break;
        case S::Deploying: break;
        case S::Releasing: REQUIRE_OK(core_->engine->performAction(id, NodeAction::Release, alice_)); break;
        case S::DiskErasing: REQUIRE_OK(core_->engine->performAction(id, NodeAction::Release, alice_, erase)); break;
        case S::Testing: REQUIRE_OK(core_->engine->performAction(id, NodeAction::Test, admin_)); break;
        case S::EnteringRescueMode: REQUIRE_OK(core_->engine->performAction(id, NodeAction::RescueMode, admin_)); break;
        case S::ExitingRescueMode:
            REQUIRE_OK(core_->engine->performAction(id, NodeAction::RescueMode, admin_));
            REQUIRE_OK(
                core_->engine->changeStatus(id, S::RescueMode, Actor::system(u"metadata"_s), Text::plain(u"Up"_s)));
            REQUIRE_OK(core_->engine->performAction(id, NodeAction::ExitRescueMode, admin_));
            break;
        default: QFAIL("not a monitored status");
        }
        auto entered = core_->machines->get(id);
        REQUIRE_OK(entered);
        QCOMPARE(entered->status, monitored);
        QVERIFY(entered->statusExpires);
        const qint64 deadline = *entered->statusExpires;
        if (monitored != S::Deploying) // machineIn deployed it earlier
            QVERIFY(deadline >= t0 + timeout);
        QVERIFY(deadline <= nowMs() + timeout);

        QCOMPARE(*core_->engine->expireOverdue(deadline - 1), 0);
        QCOMPARE(statusOf(id), monitored);
        QCOMPARE(*core_->engine->expireOverdue(deadline), 1); // due at the deadline itself
        QCOMPARE(statusOf(id), failed);
        QCOMPARE(eventsOf(id).value(0).type, u"timeout"_s);
    }

    void timesOutDeployingAfterRestart()
    {
        auto m = machineIn(S::Deploying, alice_);
        REQUIRE_OK(m);
        const QString id = m->systemId;
        QVERIFY(m->statusExpires);
        const qint64 deadline = *m->statusExpires;

        // MetalDesk stops: every service and the database go away.
        core_.reset();
        auto reopened = openCore();
        REQUIRE_OK(reopened);
        core_ = std::move(*reopened);

        auto stored = core_->machines->get(id);
        REQUIRE_OK(stored);
        QCOMPARE(stored->status, S::Deploying);
        QCOMPARE(stored->statusExpires, std::optional<qint64>(deadline));
        QCOMPARE(*core_->engine->expireOverdue(deadline - 1), 0);
        QCOMPARE(*core_->engine->expireOverdue(deadline + 1), 1);
        QCOMPARE(statusOf(id), S::FailedDeployment);
        QCOMPARE(eventsOf(id).value(0).type, u"timeout"_s);
    }

    void timeoutMonitorExpiresOverdueMachineAtStart()
    {
        auto overdue = machineIn(S::Deploying, alice_);
        auto onTime = machineIn(S::Deploying, bob_);
        REQUIRE_OK(overdue);
        REQUIRE_OK(onTime);
        // Test setup: a deadline that passed while MetalDesk was not running.
        REQUIRE_OK(backdateDeadline(overdue->systemId, nowMs() - kMinute));

        // Counted in this thread: the feed is emitted from the monitor's thread, queued to us.
        int changes = 0;
        QString changedId;
        QObject receiver; // lives in this thread, and no longer than the captured locals
        connect(core_->feed.get(), &ChangeFeed::machineChanged, &receiver, [&](const QString &id) {
            ++changes;
            changedId = id;
        });

        {
            ServiceHost host;
            // A long interval: only the check at start can time the machine out within the test.
            host.add(std::make_unique<TimeoutMonitor>(core_->engine.get(), 3600 * 1000));
            QCOMPARE(host.services().size(), std::size_t(1));
            QThread *monitorThread = host.services().front().thread;
            host.start();
            QVERIFY(monitorThread != QThread::currentThread());
            QTRY_COMPARE_WITH_TIMEOUT(statusOf(overdue->systemId), S::FailedDeployment, 10000);
            QTRY_COMPARE(changes, 1);
            QCOMPARE(changedId, overdue->systemId);
            host.stop();
        }
        QCOMPARE(statusOf(onTime->systemId), S::Deploying);
        const Event timeout = eventsOf(overdue->systemId).value(0);
        QCOMPARE(timeout.type, u"timeout"_s);
        QCOMPARE(timeout.username, u"timeout"_s);
        QCOMPARE(timeout.toStatus, std::optional<S>(S::FailedDeployment));
    }

    // ---- threads -----------------------------------------------------------------------------------

    void staysConsistentUnderActionsFromFourThreads()
    {
        // Two machines every thread fights over; the rest each belong to one thread.
        auto brokenFixed = machineIn(S::Ready, admin_);
        auto commissionAbort = machineIn(S::Ready, admin_);
        REQUIRE_OK(brokenFixed);
        REQUIRE_OK(commissionAbort);
        const QString sharedA = brokenFixed->systemId;
        const QString sharedB = commissionAbort->systemId;
        const int sharedAEvents = eventCount(sharedA);
        const int sharedBEvents = eventCount(sharedB);

        constexpr int kThreads = 4;
        constexpr int kOwnMachines = 3;
        constexpr int kRounds = 6;
        std::atomic<int> sharedAChanges{0};
        std::atomic<int> sharedBChanges{0};
        std::array<QStringList, kThreads> errors; // failures: anything but a lifecycle refusal
        std::array<QStringList, kThreads> ownMachines;
        LifecycleEngine *engine = core_->engine.get();
        const Actor admin = admin_;
        const Actor alice = alice_;

        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back(QThread::create([&, t] {
                const Actor metadata = Actor::system(u"metadata"_s);
                auto must = [&](const Expected<void> &r, const QString &what) {
                    if (!r)
                        errors[t] << what + u": "_s + r.errorMessage();
                };
                // Racing on a shared machine: being refused because another thread got there first is fine.
                auto may = [&](const Expected<void> &r, std::atomic<int> &successes) {
                    if (r)
                        ++successes;
                    else if (!isLifecycleRefusal(r.errorMessage()))
                        errors[t] << u"shared: "_s + r.errorMessage();
                };
                for (int i = 0; i < kOwnMachines; ++i) {
                    NewMachine spec;
                    spec.macAddresses = {
                        u"52:54:00:00:%1:%2"_s.arg(t, 2, 10, QLatin1Char('0')).arg(i, 2, 10, QLatin1Char('0'))};
                    auto m = engine->createMachine(spec, admin);
                    if (!m) {
                        errors[t] << u"create: "_s + m.errorMessage();
                        return;
                    }
                    ownMachines[t] << m->systemId;
                }
                for (int round = 0; round < kRounds; ++round) {
                    for (const QString &id : std::as_const(ownMachines[t])) {
                        must(engine->performAction(id, round == 0 ? NodeAction::Commission : NodeAction::Test, admin),
                             u"commission/test"_s);
                        must(engine->changeStatus(id, S::Ready, metadata, Text::plain(u"Passed"_s)), u"ready"_s);
                        must(engine->performAction(id, NodeAction::Deploy, alice), u"deploy"_s);
                        must(engine->changeStatus(id, S::Deployed, metadata, Text::plain(u"Installed"_s)),
                             u"deployed"_s);
                        ActionOptions options;
                        options.erase = round % 2 == 1;
                        must(engine->performAction(id, NodeAction::Release, alice, options), u"release"_s);
                        must(engine->changeStatus(id, S::Ready, metadata, Text::plain(u"Released"_s)), u"released"_s);
                        may(engine->performAction(sharedA, round % 2 ? NodeAction::MarkFixed : NodeAction::MarkBroken,
                                                  admin),
                            sharedAChanges);
                        may(engine->performAction(sharedB, (round + t) % 2 ? NodeAction::Abort : NodeAction::Commission,
                                                  admin),
                            sharedBChanges);
                    }
                }
            }));
        }
        for (auto &thread : threads)
            thread->start();
        for (auto &thread : threads)
            QVERIFY(thread->wait(120 * 1000));

        for (int t = 0; t < kThreads; ++t)
            QVERIFY2(errors[t].isEmpty(), qPrintable(u"thread %1: "_s.arg(t) + errors[t].join(u"\n"_s)));

        QStringList all = {sharedA, sharedB};
        for (const QStringList &own : ownMachines) {
            QCOMPARE(own.size(), kOwnMachines);
            all += own;
        }
        QCOMPARE(*core_->machines->count(), 2 + kThreads * kOwnMachines);
        for (const QString &id : std::as_const(all)) {
            auto last = core_->events->lastStatusEvent(id);
            REQUIRE_OK(last);
            QVERIFY(last->has_value());
            QCOMPARE(statusOf(id), *(*last)->toStatus);
            // Serialised: each status event starts where the one before it ended.
            const QList<Event> events = eventsOf(id);
            for (int i = 0; i + 1 < events.size(); ++i) {
                QVERIFY(events[i].fromStatus && events[i + 1].toStatus);
                QCOMPARE(*events[i].fromStatus, *events[i + 1].toStatus);
            }
        }
        for (const QStringList &own : ownMachines)
            for (const QString &id : own) {
                QCOMPARE(statusOf(id), S::Ready);
                QVERIFY(!core_->machines->get(id)->ownerId);
            }
        // Every successful shared action wrote exactly one event, and no refused one wrote any.
        QCOMPARE(eventCount(sharedA), sharedAEvents + sharedAChanges.load());
        QCOMPARE(eventCount(sharedB), sharedBEvents + sharedBChanges.load());
        QVERIFY(sharedAChanges.load() > 0);
        QVERIFY(sharedBChanges.load() > 0);
    }
};

QTEST_GUILESS_MAIN(TestLifecycleEngine)
#include "tst_lifecycleengine.moc"
