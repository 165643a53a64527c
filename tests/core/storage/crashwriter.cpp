// Writes through the real engine as fast as it can until it is killed, and says on stdout what it
// is about to do ("intent ...") and what was committed ("created ...", "changed ...", ...), one
// line per change. tst_crashdurability kills it with SIGKILL at random moments and checks that
// every committed change survived and nothing else did.
//
// usage: metaldesk_crashwriter DATABASE TAG   (DATABASE: a file or a postgresql:// URL; TAG: 0-255,
// different per run, keeps MAC addresses and user names unique across runs)
#include "core/runtime/coreservices.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QQueue>
#include <cstdio>
#include <unistd.h>

using namespace metaldesk;

namespace {

// One write(2) per line, unbuffered: what is on the pipe was said, a kill cannot hold it back.
void say(const QString &line)
{
    const QByteArray bytes = line.toUtf8() + '\n';
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, bytes.constData() + done, size_t(bytes.size() - done));
        if (n <= 0)
            ::_exit(3);
        done += n;
    }
}

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "crashwriter: %s\n", qPrintable(what));
    std::exit(1);
}

class Writer {
public:
    Writer(CoreServices &core, int tag) : core_(core), tag_(tag), users_(core.db, 1000) {}

    [[noreturn]] void run()
    {
        say(QStringLiteral("intent user"));
        const QString name = QStringLiteral("writer%1").arg(tag_);
        auto user = users_.createUser(name, {}, QStringLiteral("pw"), false);
        if (!user)
            fail(user.errorMessage());
        say(QStringLiteral("user ") + name);
        owner_ = Actor{user->id, user->username, false};
        for (int i = 0;; ++i)
            iteration(i, user->id);
    }

private:
    void iteration(int i, qint64 userId)
    {
        NewMachine spec;
        spec.architecture = QStringLiteral("amd64/generic");
        spec.powerType = QStringLiteral("manual");
        spec.macAddresses = {mac(0x52, i), mac(0x56, i)};
        say(QStringLiteral("intent create"));
        auto created = core_.engine->createMachine(spec, admin_);
        if (!created)
            fail(created.errorMessage());
        const QString id = created->systemId;
        say(QStringLiteral("created %1 %2").arg(id).arg(int(created->status)));
        alive_.enqueue(id);

        change(id, [&] { return core_.engine->performAction(id, NodeAction::Commission, admin_); });
        if (i % 4 == 1) { // abort goes back to New, then commission again
            change(id, [&] { return core_.engine->performAction(id, NodeAction::Abort, admin_); });
            change(id, [&] { return core_.engine->performAction(id, NodeAction::Commission, admin_); });
        }
        if (i % 5 == 2) {
            change(id,
                   [&] { return core_.engine->markFailed(id, Text::plain(QStringLiteral("no inventory")), admin_); });
        } else {
            change(id, [&] {
                return core_.engine->changeStatus(id, NodeStatus::Ready, admin_,
                                                  Text::plain(QStringLiteral("commissioned")));
            });
            change(id, [&] { return core_.engine->performAction(id, NodeAction::Acquire, owner_); });
            change(id, [&] { return core_.engine->performAction(id, NodeAction::Deploy, owner_); });
            if (i % 3 == 0)
                change(id, [&] {
                    return core_.engine->markFailed(id, Text::plain(QStringLiteral("curtin failed")), admin_);
                });
            else
                change(id, [&] {
                    return core_.engine->changeStatus(id, NodeStatus::Deployed, admin_,
                                                      Text::plain(QStringLiteral("deployed")));
                });
        }
        if (i % 3 == 2) {
            say(QStringLiteral("intent token"));
            auto token = users_.createToken(userId, QStringLiteral("juju"));
            if (!token)
                fail(token.errorMessage());
            say(QStringLiteral("token ") + token->tokenKey);
        }
        if (i % 4 == 3) {
            const QString victim = alive_.dequeue();
            say(QStringLiteral("intent delete ") + victim);
            if (auto gone = core_.engine->performAction(victim, NodeAction::Delete, admin_); !gone)
                fail(gone.errorMessage());
            say(QStringLiteral("deleted ") + victim);
        }
    }

    template <typename F>
    void change(const QString &id, F &&action)
    {
        say(QStringLiteral("intent change ") + id);
        if (auto done = action(); !done)
            fail(done.errorMessage());
        // The engine does not hand back the new status: read it, as a client would after the change.
        auto machine = core_.machines->get(id);
        if (!machine)
            fail(machine.errorMessage());
        say(QStringLiteral("changed %1 %2").arg(id).arg(int(machine->status)));
    }

    QString mac(int first, int i) const
    {
        return QStringLiteral("%1:54:%2:%3:%4:%5")
            .arg(first, 2, 16, QLatin1Char('0'))
            .arg(tag_ & 0xff, 2, 16, QLatin1Char('0'))
            .arg((i >> 16) & 0xff, 2, 16, QLatin1Char('0'))
            .arg((i >> 8) & 0xff, 2, 16, QLatin1Char('0'))
            .arg(i & 0xff, 2, 16, QLatin1Char('0'));
    }

    CoreServices &core_;
    const int tag_;
    UserStore users_; // few hash iterations: the writer measures storage, not PBKDF2
    const Actor admin_ = Actor::system(QStringLiteral("crashwriter"));
    Actor owner_;
    QQueue<QString> alive_;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("metaldesk.*.info=false")); // stderr is for errors
    const QStringList args = app.arguments();
    bool tagOk = false;
    const int tag = args.value(2).toInt(&tagOk);
    if (args.size() != 3 || !tagOk || tag < 0 || tag > 255) {
        std::fprintf(stderr, "usage: metaldesk_crashwriter DATABASE TAG(0-255)\n");
        return 2;
    }
    auto core = CoreServices::open(args[1]);
    if (!core)
        fail(core.errorMessage());
    Writer(**core, tag).run();
}
