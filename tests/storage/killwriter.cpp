// Writes through the real engine as fast as it can, acknowledging each committed change on
// stdout, until it is killed. tst_crashdurability kills it with SIGKILL at random moments.
#include "coreservices.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <cstdio>

using namespace metaldesk;

namespace {
void ack(const char *what, const QString &systemId)
{
    std::printf("%s %s\n", what, qPrintable(systemId));
    std::fflush(stdout);
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("metaldesk.*.info=false")); // stderr is for errors only
    if (argc != 3) {
        std::fprintf(stderr, "usage: killwriter DATABASE ROUND\n");
        return 2;
    }
    auto core = CoreServices::open(DatabaseSpec::sqlite(QString::fromLocal8Bit(argv[1])));
    if (!core) {
        std::fprintf(stderr, "%s\n", qPrintable(core.errorMessage()));
        return 1;
    }
    CoreServices &c = **core;
    const QString round = QString::fromLatin1(argv[2]);
    UserStore users(c.db, 1000);
    auto user = users.createUser(QStringLiteral("writer") + round, {}, QStringLiteral("pw"), false);
    if (!user) {
        std::fprintf(stderr, "%s\n", qPrintable(user.errorMessage()));
        return 1;
    }
    const Actor admin = Actor::system(QStringLiteral("killwriter"));
    const Actor owner{user->id, user->username, false};
    QStringList alive;
    for (int i = 0;; ++i) {
        NewMachine spec;
        spec.macAddresses = {QStringLiteral("52:54:%1:%2:%3:%4")
                                 .arg(round.toInt() % 256, 2, 16, QLatin1Char('0'))
                                 .arg((i >> 16) & 0xff, 2, 16, QLatin1Char('0'))
                                 .arg((i >> 8) & 0xff, 2, 16, QLatin1Char('0'))
                                 .arg(i & 0xff, 2, 16, QLatin1Char('0'))};
        auto m = c.engine->createMachine(spec, admin);
        if (!m) {
            std::fprintf(stderr, "%s\n", qPrintable(m.errorMessage()));
            return 1;
        }
        ack("created", m->systemId);
        const QString id = m->systemId;
        auto step = [&](Expected<void> done) {
            if (!done) {
                std::fprintf(stderr, "%s\n", qPrintable(done.errorMessage()));
                std::exit(1);
            }
            ack("changed", id);
        };
        step(c.engine->performAction(id, NodeAction::Commission, admin));
        step(c.engine->changeStatus(id, NodeStatus::Ready, admin, QStringLiteral("commissioned")));
        step(c.engine->performAction(id, NodeAction::Deploy, owner));
        if (i % 3 == 0)
            step(c.engine->markFailed(id, QStringLiteral("deploy failed on purpose"), admin));
        if (i % 7 == 0 && !users.createToken(user->id))
            return 1;
        alive << id;
        if (i % 5 == 4) {
            const QString victim = alive.takeFirst();
            ack("deleting", victim); // killed after the commit but before "deleted": gone, legitimately
            if (!c.engine->performAction(victim, NodeAction::Delete, admin))
                return 1;
            ack("deleted", victim);
        }
    }
}
