// The lifecycle tables checked exhaustively against MAAS (NODE_TRANSITIONS in MAAS's
// src/maasserver/node_status.py, the actions in src/maasserver/node_action.py), transcribed here
// independently of core/lifecycletables.cpp: a test that read the table it checks could not fail.

#include "core/lifecycle/lifecycletables.h"

#include "printers.h"

#include <QTest>

#include <array>

using namespace metaldesk;
using namespace Qt::StringLiterals;
using S = NodeStatus;

namespace {

// ---- §1.1: MAAS's numbers and status_name labels -------------------------------------------------

// The expected tables, laid out like MAAS's.
// clang-format off

struct StatusRow {
    S status;
    int value;
    const char *label;
};

constexpr std::array<StatusRow, 23> kMaasStatuses = {{
    {S::New, 0, "New"},
    {S::Commissioning, 1, "Commissioning"},
    {S::FailedCommissioning, 2, "Failed commissioning"},
    {S::Missing, 3, "Missing"},
    {S::Ready, 4, "Ready"},
    {S::Reserved, 5, "Reserved"},
    {S::Deployed, 6, "Deployed"},
    {S::Retired, 7, "Retired"},
    {S::Broken, 8, "Broken"},
    {S::Deploying, 9, "Deploying"},
    {S::Allocated, 10, "Allocated"},
    {S::FailedDeployment, 11, "Failed deployment"},
    {S::Releasing, 12, "Releasing"},
    {S::FailedReleasing, 13, "Releasing failed"},
    {S::DiskErasing, 14, "Disk erasing"},
    {S::FailedDiskErasing, 15, "Failed disk erasing"},
    {S::RescueMode, 16, "Rescue mode"},
    {S::EnteringRescueMode, 17, "Entering rescue mode"},
    {S::FailedEnteringRescueMode, 18, "Failed to enter rescue mode"},
    {S::ExitingRescueMode, 19, "Exiting rescue mode"},
    {S::FailedExitingRescueMode, 20, "Failed to exit rescue mode"},
    {S::Testing, 21, "Testing"},
    {S::FailedTesting, 22, "Failed testing"},
}};

// The label from this test's own copy of MAAS's table, not from the code under test.
QString maasLabel(S s)
{
    for (const StatusRow &row : kMaasStatuses)
        if (row.status == s)
            return QString::fromLatin1(row.label);
    return u"?"_s;
}

// A bitset indexed by MAAS's status number.
using Statuses = std::array<bool, NodeStatusCount>;

Statuses setOf(std::initializer_list<S> statuses)
{
    Statuses set{};
    for (S s : statuses)
        set[std::size_t(s)] = true;
    return set;
}

Statuses everyStatus()
{
    Statuses set;
    set.fill(true);
    return set;
}

// ---- §1.2: NODE_TRANSITIONS --------------------------------------------------------------------

const std::array<Statuses, NodeStatusCount> &maasTransitions()
{
    static const std::array<Statuses, NodeStatusCount> table = [] {
        std::array<Statuses, NodeStatusCount> t{};
        auto row = [&t](S from, std::initializer_list<S> to) { t[std::size_t(from)] = setOf(to); };
        row(S::New, {S::Commissioning, S::Testing, S::Missing, S::Ready, S::Retired, S::Broken, S::EnteringRescueMode});
        row(S::Commissioning,
            {S::FailedCommissioning, S::Ready, S::Retired, S::Missing, S::New, S::Broken, S::Testing});
        row(S::FailedCommissioning,
            {S::Commissioning, S::Missing, S::Retired, S::Broken, S::EnteringRescueMode, S::Testing});
        row(S::Ready, {S::EnteringRescueMode, S::Commissioning, S::Allocated, S::Reserved, S::Retired, S::Missing,
                       S::Broken, S::Testing});
        row(S::Reserved, {S::Ready, S::Allocated, S::Retired, S::Missing, S::Broken, S::DiskErasing, S::Releasing,
                          S::EnteringRescueMode, S::Testing});
        row(S::Allocated, {S::Ready, S::Retired, S::Missing, S::Broken, S::Deploying, S::DiskErasing, S::Releasing,
                           S::EnteringRescueMode, S::Testing});
        row(S::Releasing, {S::New, S::Allocated, S::Reserved, S::Deployed, S::Ready, S::Broken, S::Missing,
                           S::FailedDeployment, S::FailedDiskErasing, S::FailedReleasing});
        row(S::Deploying, {S::Allocated, S::Missing, S::Broken, S::FailedDeployment, S::Deployed, S::Ready,
                           S::DiskErasing, S::Releasing});
        row(S::FailedDeployment, {S::Allocated, S::Missing, S::Broken, S::Ready, S::DiskErasing, S::Releasing,
                                  S::EnteringRescueMode, S::Testing});
        row(S::Deployed, {S::Allocated, S::Missing, S::Broken, S::Ready, S::DiskErasing, S::Releasing,
                          S::EnteringRescueMode, S::Testing});
        row(S::Missing, {S::New, S::Ready, S::Allocated, S::Commissioning, S::Broken, S::EnteringRescueMode,
                         S::Testing});
        row(S::Retired, {S::New, S::Ready, S::Missing, S::Broken, S::EnteringRescueMode, S::Testing});
        row(S::Broken, {S::Commissioning, S::Ready, S::DiskErasing, S::Releasing, S::EnteringRescueMode, S::Testing,
                        S::Deployed});
        row(S::FailedReleasing, {S::Releasing, S::DiskErasing, S::Ready, S::Broken, S::Testing});
        row(S::DiskErasing, {S::Broken, S::DiskErasing, S::FailedDiskErasing, S::Ready, S::Releasing});
        row(S::FailedDiskErasing, {S::DiskErasing, S::Releasing, S::Broken, S::Allocated, S::Ready,
                                   S::EnteringRescueMode, S::Testing});
        row(S::EnteringRescueMode, {S::Ready, S::Broken, S::Deployed, S::RescueMode, S::FailedEnteringRescueMode,
                                    S::ExitingRescueMode});
        row(S::FailedEnteringRescueMode, {S::Broken, S::EnteringRescueMode, S::ExitingRescueMode, S::Testing});
        row(S::RescueMode, {S::Broken, S::ExitingRescueMode, S::Testing});
        row(S::ExitingRescueMode,
            {S::New, S::Broken, S::FailedCommissioning, S::Ready, S::Reserved, S::Allocated, S::FailedDeployment,
             S::Deployed, S::Missing, S::Retired, S::FailedReleasing, S::FailedDiskErasing, S::RescueMode,
             S::FailedEnteringRescueMode, S::FailedExitingRescueMode, S::FailedTesting});
        row(S::FailedExitingRescueMode, {S::Broken, S::ExitingRescueMode, S::Testing});
        // TESTING: its own targets plus NODE_TESTING_RESET_READY_TRANSITIONS.
        row(S::Testing, {S::Broken, S::New, S::Ready, S::Reserved, S::Allocated, S::Deployed,
                         // NODE_TESTING_RESET_READY_TRANSITIONS
                         S::New, S::Commissioning, S::FailedDeployment, S::Missing, S::Retired, S::Broken,
                         S::FailedReleasing, S::FailedDiskErasing, S::FailedEnteringRescueMode,
                         S::FailedExitingRescueMode, S::FailedTesting});
        row(S::FailedTesting, {S::Commissioning, S::Broken, S::Missing, S::EnteringRescueMode, S::Testing, S::Ready,
                               S::Deployed});
        return t;
    }();
    return table;
}

bool maasAllows(S from, S to) { return from == to || maasTransitions()[std::size_t(from)][std::size_t(to)]; }

// ---- §1.3: node actions, with the project's documented deviations ------------------------------

enum class Who { Edit, AdminOnly, OwnerOrAdmin };

struct ActionRow {
    NodeAction action;
    const char *name; // MAAS's action name
    Statuses statuses;
    Who who;
    bool needsPower;
};

const QList<ActionRow> &expectedActions()
{
    static const QList<ActionRow> rows = [] {
        const std::initializer_list<S> failed = {S::FailedCommissioning, S::FailedDeployment, S::FailedReleasing,
                                                 S::FailedDiskErasing, S::FailedEnteringRescueMode,
                                                 S::FailedExitingRescueMode, S::FailedTesting};
        Statuses markBroken = setOf({S::New, S::Commissioning, S::Ready, S::Allocated, S::Releasing, S::Deploying,
                                     S::Deployed, S::DiskErasing, S::Testing});
        for (S s : failed)
            markBroken[std::size_t(s)] = true;
        return QList<ActionRow>{
            {NodeAction::Commission, "commission", setOf({S::New, S::FailedCommissioning, S::Ready, S::Broken}),
             Who::AdminOnly, false},
            {NodeAction::Acquire, "acquire", setOf({S::Ready}), Who::Edit, false},
            {NodeAction::Deploy, "deploy", setOf({S::Ready, S::Allocated}), Who::Edit, false},
            // Deviation: power on/off in every status whenever a power driver is set.
            {NodeAction::PowerOn, "on", everyStatus(), Who::Edit, true},
            {NodeAction::PowerOff, "off", everyStatus(), Who::Edit, true},
            {NodeAction::Release, "release",
             setOf({S::Allocated, S::Deployed, S::Deploying, S::FailedDeployment, S::FailedReleasing,
                    S::FailedDiskErasing}),
             Who::Edit, false},
            // Edit, as MAAS's REST op=abort (the UI action needs admin).
            {NodeAction::Abort, "abort", setOf({S::Commissioning, S::DiskErasing, S::Deploying, S::Testing}),
             Who::Edit, false},
            {NodeAction::Test, "test",
             setOf({S::FailedCommissioning, S::New, S::Ready, S::Reserved, S::Allocated, S::FailedDeployment,
                    S::Deployed, S::Missing, S::Retired, S::Broken, S::RescueMode, S::FailedReleasing,
                    S::FailedDiskErasing, S::FailedEnteringRescueMode, S::FailedExitingRescueMode,
                    S::FailedTesting}),
             Who::AdminOnly, false},
            // Deviation: not from FailedExitingRescueMode, which MAAS's own transitions refuse.
            {NodeAction::RescueMode, "rescue-mode",
             setOf({S::New, S::FailedCommissioning, S::Ready, S::Reserved, S::Allocated, S::FailedDeployment,
                    S::Deployed, S::Missing, S::Retired, S::Broken, S::FailedDiskErasing,
                    S::FailedEnteringRescueMode, S::FailedTesting}),
             Who::AdminOnly, false},
            {NodeAction::ExitRescueMode, "exit-rescue-mode",
             setOf({S::RescueMode, S::EnteringRescueMode, S::FailedEnteringRescueMode, S::FailedExitingRescueMode}),
             Who::AdminOnly, false},
            {NodeAction::MarkBroken, "mark-broken", markBroken, Who::OwnerOrAdmin, false},
            {NodeAction::MarkFixed, "mark-fixed", setOf({S::Broken}), Who::AdminOnly, false},
            {NodeAction::OverrideFailedTesting, "override-failed-testing", setOf({S::FailedTesting}),
             Who::AdminOnly, false},
            {NodeAction::Delete, "delete", everyStatus(), Who::AdminOnly, false},
        };
    }();
    return rows;
}

bool whoMay(Who who, Role role)
{
    switch (who) {
    case Who::Edit: return role == Role::Admin || role == Role::Owner || role == Role::User;
    case Who::AdminOnly: return role == Role::Admin;
    case Who::OwnerOrAdmin: return role == Role::Admin || role == Role::Owner;
    }
    return false;
}

QString describe(const ActionRow &row, S status, Role role, bool hasPowerType)
{
    return u"%1 in %2 as %3%4"_s.arg(QLatin1String(row.name), maasLabel(status), QLatin1String(roleName(role)),
                                     hasPowerType ? u" with a power type"_s : u" without a power type"_s);
}

} // namespace

// clang-format on

class TestLifecycleTables : public QObject {
    Q_OBJECT
private slots:
    void keepsMaasStatusNumbersAndLabels()
    {
        QCOMPARE(NodeStatusCount, int(kMaasStatuses.size()));
        for (const StatusRow &row : kMaasStatuses) {
            QCOMPARE(int(row.status), row.value);
            QCOMPARE(nodeStatusFromInt(row.value), std::optional<NodeStatus>(row.status));
            QCOMPARE(nodeStatusName(row.status), QString::fromLatin1(row.label));
            QCOMPARE(allNodeStatuses()[std::size_t(row.value)], row.status);
        }
        QCOMPARE(nodeStatusName(*nodeStatusFromInt(11)), u"Failed deployment"_s);
        QCOMPARE(nodeStatusName(*nodeStatusFromInt(13)), u"Releasing failed"_s);
        // MAAS's NODE_STATUS keys (§1.1 "name" column).
        QCOMPARE(nodeStatusKey(S::New), "NEW");
        QCOMPARE(nodeStatusKey(S::FailedDeployment), "FAILED_DEPLOYMENT");
        QCOMPARE(nodeStatusKey(S::FailedReleasing), "FAILED_RELEASING");
        QCOMPARE(nodeStatusKey(S::FailedEnteringRescueMode), "FAILED_ENTERING_RESCUE_MODE");
        QCOMPARE(nodeStatusKey(S::FailedTesting), "FAILED_TESTING");
        QVERIFY(!nodeStatusFromInt(-1));
        QVERIFY(!nodeStatusFromInt(23));
        QVERIFY(!nodeStatusFromInt(1000));
    }

    void mapsEachMonitoredStatusToItsMaasFailure()
    {
        // NODE_FAILURE_STATUS_TRANSITION_MAP; every other status has no failure and is not monitored.
        const QList<QPair<S, S>> failures = {
            {S::Commissioning, S::FailedCommissioning},
            {S::Deploying, S::FailedDeployment},
            {S::Releasing, S::FailedReleasing},
            {S::DiskErasing, S::FailedDiskErasing},
            {S::EnteringRescueMode, S::FailedEnteringRescueMode},
            {S::ExitingRescueMode, S::FailedExitingRescueMode},
            {S::Testing, S::FailedTesting},
        };
        for (const StatusRow &row : kMaasStatuses) {
            std::optional<S> expected;
            for (const auto &[from, to] : failures)
                if (from == row.status)
                    expected = to;
            QCOMPARE(failureStatusFor(row.status), expected);
            QCOMPARE(isMonitoredStatus(row.status), expected.has_value());
        }
    }

    void allowsExactlyMaasTransitions()
    {
        // All 23 × 23 pairs; a move to the same status is always allowed.
        QStringList wrong;
        for (const StatusRow &from : kMaasStatuses) {
            for (const StatusRow &to : kMaasStatuses) {
                const bool expected = maasAllows(from.status, to.status);
                if (isAllowedTransition(from.status, to.status) != expected)
                    wrong << u"%1 -> %2 should be %3"_s.arg(QLatin1String(from.label), QLatin1String(to.label),
                                                            expected ? u"allowed"_s : u"refused"_s);
                // The set view agrees with the predicate (it leaves out the implicit self-move).
                const bool inSet = allowedTransitionsFrom(from.status).contains(to.status);
                if (from.status != to.status && inSet != expected)
                    wrong << u"allowedTransitionsFrom(%1) disagrees about %2"_s.arg(QLatin1String(from.label),
                                                                                    QLatin1String(to.label));
            }
        }
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u"\n"_s)));
    }

    void refusesEveryTransitionOutsideMaasTable()
    {
        // The same property from the other side, counted: a table that allowed extra moves or lost
        // some would change the number of allowed pairs.
        int expectedAllowed = 0;
        int allowed = 0;
        for (const StatusRow &from : kMaasStatuses)
            for (const StatusRow &to : kMaasStatuses) {
                expectedAllowed += maasAllows(from.status, to.status) ? 1 : 0;
                allowed += isAllowedTransition(from.status, to.status) ? 1 : 0;
            }
        QCOMPARE(allowed, expectedAllowed);
        QVERIFY(!isAllowedTransition(S::New, S::Deployed));
        QVERIFY(!isAllowedTransition(S::Ready, S::Deploying)); // must be allocated first
        QVERIFY(!isAllowedTransition(S::FailedExitingRescueMode, S::EnteringRescueMode));
        QVERIFY(isAllowedTransition(S::Deployed, S::Deployed));
    }

    void startsNewMachinesOnlyInNewMissingOrRetired()
    {
        // MAAS's "(none)" row.
        const StatusSet expected = {S::New, S::Missing, S::Retired};
        QVERIFY(allowedInitialStatuses() == expected);
    }

    void decidesRoleFromAdminFlagAndOwner()
    {
        QCOMPARE(roleFor(true, 1, std::nullopt), Role::Admin);
        QCOMPARE(roleFor(true, 1, 2), Role::Admin);
        QCOMPARE(roleFor(false, 1, std::nullopt), Role::User);
        QCOMPARE(roleFor(false, 1, 1), Role::Owner);
        QCOMPARE(roleFor(false, 1, 2), Role::OtherUser);
    }

    void grantsPermissionsAsMaasDoesWithoutRbac()
    {
        for (Role role : kAllRoles) {
            QCOMPARE(roleHas(role, Permission::Edit), whoMay(Who::Edit, role));
            QCOMPARE(roleHas(role, Permission::Admin), whoMay(Who::AdminOnly, role));
            QCOMPARE(roleHas(role, Permission::OwnerOrAdmin), whoMay(Who::OwnerOrAdmin, role));
        }
    }

    void namesActionsAsMaasDoes()
    {
        QCOMPARE(nodeActionTable().size(), expectedActions().size());
        for (const ActionRow &row : expectedActions()) {
            int specs = 0;
            for (const NodeActionSpec &spec : nodeActionTable())
                specs += spec.action == row.action ? 1 : 0;
            QCOMPARE(specs, 1);
            QCOMPARE(QLatin1String(nodeActionSpec(row.action).name), QLatin1String(row.name));
            QCOMPARE(nodeActionFromName(QString::fromLatin1(row.name)), std::optional<NodeAction>(row.action));
            QVERIFY(QByteArray(nodeActionSpec(row.action).label).endsWith("..."));
        }
        QVERIFY(!nodeActionFromName(u"format-disks"_s));
        QVERIFY(!nodeActionFromName(u"Deploy"_s));
        QVERIFY(!nodeActionFromName(u""_s));
    }

    void offersExactlyTheExpectedActionsToEachRole()
    {
        // 23 statuses × 14 actions × 4 roles × with/without a power type.
        QStringList wrong;
        int checked = 0;
        for (const ActionRow &row : expectedActions()) {
            for (const StatusRow &status : kMaasStatuses) {
                for (Role role : kAllRoles) {
                    for (bool hasPowerType : {false, true}) {
                        ++checked;
                        const bool expected = row.statuses[std::size_t(status.status)] && whoMay(row.who, role) &&
                                              (!row.needsPower || hasPowerType);
                        const ActionContext context{status.status, role, hasPowerType};
                        const QString refusal = actionRefusal(row.action, context);
                        if (isActionOffered(row.action, context) != expected || refusal.isEmpty() != expected)
                            wrong << describe(row, status.status, role, hasPowerType) +
                                         (expected ? u": should be offered, refused with '%1'"_s.arg(refusal)
                                                   : u": should be refused"_s);
                    }
                }
            }
        }
        QCOMPARE(checked, 23 * 14 * 4 * 2);
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u"\n"_s)));
    }

    void explainsEachRefusalByItsReason()
    {
        QStringList wrong;
        for (const ActionRow &row : expectedActions()) {
            for (const StatusRow &status : kMaasStatuses) {
                for (Role role : kAllRoles) {
                    for (bool hasPowerType : {false, true}) {
                        const QString refusal = actionRefusal(row.action, {status.status, role, hasPowerType});
                        const QString what = describe(row, status.status, role, hasPowerType);
                        const bool statusOk = row.statuses[std::size_t(status.status)];
                        const bool roleOk = whoMay(row.who, role);
                        const bool powerOk = !row.needsPower || hasPowerType;
                        if (statusOk && roleOk && powerOk)
                            continue;
                        if (refusal.trimmed().isEmpty()) {
                            wrong << what + u": empty refusal"_s;
                        } else if (!statusOk) {
                            // The status is the reason: the user must see which status it is.
                            if (!refusal.contains(QLatin1String(status.label)))
                                wrong << what + u": '%1' does not name the status"_s.arg(refusal);
                        } else if (!roleOk) {
                            // The role is the reason: say who may.
                            const QString needed = row.who == Who::Edit ? u"another user"_s : u"administrator"_s;
                            if (!refusal.contains(needed))
                                wrong << what + u": '%1' does not say '%2'"_s.arg(refusal, needed);
                        } else if (!refusal.contains(u"power"_s)) {
                            wrong << what + u": '%1' does not mention the missing power driver"_s.arg(refusal);
                        }
                    }
                }
            }
        }
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u"\n"_s)));
        QCOMPARE(actionRefusal(NodeAction::Deploy, {S::Commissioning, Role::Admin, true}),
                 u"cannot deploy: machine is Commissioning"_s);
    }

    void walksEveryOfferedActionThroughLegalTransitions()
    {
        // Every action's target state must be legal in the table (MAAS's own tables have drifted apart there).
        // Checked against this test's copy of MAAS's table, from every status the action is offered
        // in, for every possible previous status and both erase options.
        std::vector<std::optional<S>> previousStatuses = {std::nullopt};
        for (const StatusRow &row : kMaasStatuses)
            previousStatuses.push_back(row.status);

        QStringList wrong;
        int paths = 0;
        for (const NodeActionSpec &spec : nodeActionTable()) {
            const bool changesNoStatus = spec.action == NodeAction::PowerOn || spec.action == NodeAction::PowerOff ||
                                         spec.action == NodeAction::Delete;
            for (const StatusRow &status : kMaasStatuses) {
                if (!isActionOffered(spec.action, {status.status, Role::Admin, true}))
                    continue;
                for (const std::optional<S> &previous : previousStatuses) {
                    for (bool erase : {false, true}) {
                        ActionOptions options;
                        options.erase = erase;
                        const QList<S> path = actionPath(spec.action, status.status, previous, options);
                        ++paths;
                        const QString what = u"%1 from %2 (previous %3, erase %4)"_s
                                                 .arg(QLatin1String(spec.name), maasLabel(status.status),
                                                      previous ? maasLabel(*previous) : u"none"_s)
                                                 .arg(erase);
                        if (changesNoStatus) {
                            if (!path.isEmpty())
                                wrong << what + u": should not change the status"_s;
                            continue;
                        }
                        if (path.isEmpty())
                            wrong << what + u": offered but goes nowhere"_s;
                        S at = status.status;
                        for (S next : path) {
                            if (!maasAllows(at, next))
                                wrong << what +
                                             u": %1 -> %2 is not in MAAS's table"_s.arg(maasLabel(at), maasLabel(next));
                            at = next;
                        }
                    }
                }
            }
        }
        QVERIFY(paths > 0);
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u"\n"_s)));
    }

    void walksActionsToMaasTargets_data()
    {
        QTest::addColumn<NodeAction>("action");
        QTest::addColumn<S>("current");
        QTest::addColumn<int>("previous"); // -1: none
        QTest::addColumn<bool>("erase");
        QTest::addColumn<QList<S>>("path");

        QTest::newRow("commission") << NodeAction::Commission << S::Ready << -1 << false << QList<S>{S::Commissioning};
        QTest::newRow("acquire") << NodeAction::Acquire << S::Ready << -1 << false << QList<S>{S::Allocated};
        QTest::newRow("deploy from ready allocates first")
            << NodeAction::Deploy << S::Ready << -1 << false << QList<S>{S::Allocated, S::Deploying};
        QTest::newRow("deploy when allocated")
            << NodeAction::Deploy << S::Allocated << -1 << false << QList<S>{S::Deploying};
        QTest::newRow("release") << NodeAction::Release << S::Deployed << -1 << false << QList<S>{S::Releasing};
        QTest::newRow("release with erase")
            << NodeAction::Release << S::Deployed << -1 << true << QList<S>{S::DiskErasing};
        QTest::newRow("abort deploying") << NodeAction::Abort << S::Deploying << -1 << false << QList<S>{S::Allocated};
        QTest::newRow("abort disk erasing")
            << NodeAction::Abort << S::DiskErasing << -1 << false << QList<S>{S::FailedDiskErasing};
        QTest::newRow("abort commissioning goes back")
            << NodeAction::Abort << S::Commissioning << int(S::Ready) << false << QList<S>{S::Ready};
        QTest::newRow("abort commissioning, no previous")
            << NodeAction::Abort << S::Commissioning << -1 << false << QList<S>{S::FailedCommissioning};
        QTest::newRow("abort testing goes back")
            << NodeAction::Abort << S::Testing << int(S::Deployed) << false << QList<S>{S::Deployed};
        QTest::newRow("abort testing, previous not reachable")
            << NodeAction::Abort << S::Testing << int(S::Deploying) << false << QList<S>{S::FailedTesting};
        QTest::newRow("test") << NodeAction::Test << S::Deployed << -1 << false << QList<S>{S::Testing};
        QTest::newRow("rescue") << NodeAction::RescueMode << S::Deployed << -1 << false
                                << QList<S>{S::EnteringRescueMode};
        QTest::newRow("exit rescue") << NodeAction::ExitRescueMode << S::RescueMode << -1 << false
                                     << QList<S>{S::ExitingRescueMode};
        QTest::newRow("mark broken") << NodeAction::MarkBroken << S::Deployed << -1 << false << QList<S>{S::Broken};
        QTest::newRow("mark fixed") << NodeAction::MarkFixed << S::Broken << -1 << false << QList<S>{S::Ready};
        QTest::newRow("override failed testing")
            << NodeAction::OverrideFailedTesting << S::FailedTesting << -1 << false << QList<S>{S::Ready};
        QTest::newRow("power on") << NodeAction::PowerOn << S::Deployed << -1 << false << QList<S>{};
        QTest::newRow("delete") << NodeAction::Delete << S::Ready << -1 << false << QList<S>{};
    }

    void walksActionsToMaasTargets()
    {
        QFETCH(NodeAction, action);
        QFETCH(S, current);
        QFETCH(int, previous);
        QFETCH(bool, erase);
        QFETCH(QList<S>, path);
        ActionOptions options;
        options.erase = erase;
        const std::optional<S> prev = previous < 0 ? std::nullopt : nodeStatusFromInt(previous);
        QCOMPARE(actionPath(action, current, prev, options), path);
    }
};

QTEST_GUILESS_MAIN(TestLifecycleTables)
#include "tst_lifecycletables.moc"
