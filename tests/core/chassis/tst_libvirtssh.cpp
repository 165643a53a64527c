// A libvirt host reached over SSH (qemu+ssh://), as docs/chassis.md tells a user to set it up:
// OpenSSH's sshd runs in a network namespace of the test's own, the libvirt host is a private
// libvirtd, and MetalDesk's side (on a thread that entered the namespace, so that the ssh program
// libvirt starts is there too) lists its VMs and switches one on and off. The host key must be in
// the known_hosts of the user MetalDesk runs as (root here: the test adds it and puts the file back
// as it was), the key MetalDesk offers in the host user's authorized_keys; each missing step is an
// error in words, not a hang.
#include "childprocess.h"
#include "core/chassis/chassissync.h"
#include "core/libvirt/libvirtconnection.h"
#include "libvirtsession.h"
#include "netns.h"

#include "skip.h"
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <thread>
#include <unistd.h>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

// Runs `work` on a thread inside the network namespace `ns` and returns what it returned.
template <typename T>
T insideNamespace(const QString &ns, const std::function<T()> &work)
{
    std::optional<T> result;
    std::thread thread([&] {
        const int fd = ::open(QFile::encodeName(u"/run/netns/"_s + ns).constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0)
            qFatal("cannot enter the network namespace %s", qPrintable(ns));
        ::close(fd);
        result = work();
    });
    thread.join();
    return std::move(*result);
}

QString keygen(const QString &path)
{
    QProcess p;
    p.start(u"ssh-keygen"_s, {u"-q"_s, u"-t"_s, u"ed25519"_s, u"-N"_s, QString(), u"-f"_s, path});
    if (!p.waitForFinished(30000) || p.exitCode() != 0)
        return u"ssh-keygen failed: "_s + QString::fromLocal8Bit(p.readAllStandardError());
    return {};
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestLibvirtSsh : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QTemporaryDir daemonDir_;
    std::unique_ptr<testing::LibvirtSession> libvirt_;
    std::unique_ptr<testing::NetworkNamespaces> namespaces_;
    QString ns_;
    QProcess sshd_;
    QString knownHosts_;
    std::optional<QByteArray> knownHostsBefore_; // empty: the file did not exist

    // The chassis address a user would type, with the test's own key.
    QString uri(const QString &key) const
    {
        return u"qemu+ssh://root@127.0.0.1:2222/session?socket=%1/run/libvirt/libvirt-sock&keyfile=%2"_s.arg(
            daemonDir_.path(), dir_.filePath(key));
    }
    Expected<QList<ChassisVm>> list(const QString &key)
    {
        Chassis chassis;
        chassis.type = u"virsh"_s;
        chassis.address = uri(key);
        return insideNamespace<Expected<QList<ChassisVm>>>(ns_, [&] { return listChassisVms(chassis); });
    }

private slots:
    void initTestCase()
    {
        QString why;
        if (!testing::NetworkNamespaces::available(&why))
            METALDESK_SKIP(qPrintable(why));
        for (const char *program : {"/usr/sbin/sshd", "/usr/bin/nc"})
            if (!QFile::exists(QLatin1String(program)))
                METALDESK_SKIP(
                    qPrintable(u"%1 is not installed (tools/setup installs it)"_s.arg(QLatin1String(program))));
        libvirt_ = std::make_unique<testing::LibvirtSession>(daemonDir_.path());
        if (const QString failed = libvirt_->start(); !failed.isEmpty())
            METALDESK_SKIP(qPrintable(u"no libvirtd to test against: "_s + failed));
        QCOMPARE(libvirt_->defineVm(u"ssh-vm1"_s, u"<interface type='user'><mac address='52:54:00:55:00:01'/>"
                                                  "<model type='virtio'/></interface>"_s),
                 QString());

        // sshd with a host key of its own, root's login by key only, in a namespace with only loopback.
        QCOMPARE(keygen(dir_.filePath(u"hostkey"_s)), QString());
        QCOMPARE(keygen(dir_.filePath(u"metaldesk"_s)), QString());
        QCOMPARE(keygen(dir_.filePath(u"stranger"_s)), QString());
        QFile::copy(dir_.filePath(u"metaldesk.pub"_s), dir_.filePath(u"authorized_keys"_s));
        QFile config(dir_.filePath(u"sshd_config"_s));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(u"Port 2222\nListenAddress 127.0.0.1\nHostKey %1\nPidFile none\nAuthorizedKeysFile %2\n"
                     "StrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                     "KbdInteractiveAuthentication no\nUsePAM no\n"_s
                         .arg(dir_.filePath(u"hostkey"_s), dir_.filePath(u"authorized_keys"_s))
                         .toUtf8());
        config.close();
        QDir().mkpath(u"/run/sshd"_s); // its privilege separation directory (the service would make it)
        namespaces_ = std::make_unique<testing::NetworkNamespaces>();
        ns_ = namespaces_->add(u"mdssh"_s);
        QVERIFY2(!ns_.isEmpty(), qPrintable(namespaces_->error()));
        testing::dieWithParent(sshd_, SIGTERM);
        sshd_.setProcessChannelMode(QProcess::MergedChannels);
        sshd_.start(u"ip"_s, testing::NetworkNamespaces::inside(
                                 ns_, {u"/usr/sbin/sshd"_s, u"-D"_s, u"-e"_s, u"-f"_s, config.fileName()}));
        QVERIFY(sshd_.waitForStarted());
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT(
            (said += sshd_.readAll()).contains("Server listening") || sshd_.state() != QProcess::Running, 10000);
        QVERIFY2(sshd_.state() == QProcess::Running, said.constData());
        const passwd *root = ::getpwuid(::geteuid());
        QVERIFY(root);
        knownHosts_ = QFile::decodeName(root->pw_dir) + u"/.ssh/known_hosts"_s;
        if (QFile::exists(knownHosts_))
            knownHostsBefore_ = readAll(knownHosts_);
    }
    void cleanupTestCase()
    {
        // root's known_hosts as it was.
        if (!knownHosts_.isEmpty()) {
            if (knownHostsBefore_) {
                QFile f(knownHosts_);
                if (f.open(QIODevice::WriteOnly))
                    f.write(*knownHostsBefore_);
            } else {
                QFile::remove(knownHosts_);
            }
        }
        if (sshd_.state() != QProcess::NotRunning) {
            sshd_.terminate();
            sshd_.waitForFinished(5000);
        }
        namespaces_.reset();
        libvirt_.reset();
    }

    void anUnknownHostKeyIsRefusedInWords()
    {
        auto listing = list(u"metaldesk"_s);
        QVERIFY(!listing);
        QVERIFY2(listing.errorMessage().contains(u"Host key verification failed"_s),
                 qPrintable(listing.errorMessage()));
    }

    void listsAndSwitchesTheHostsVmsOverSsh()
    {
        // As the user does once: the host's key in the known_hosts of the user MetalDesk runs as.
        QDir().mkpath(QFileInfo(knownHosts_).path());
        QFile known(knownHosts_);
        QVERIFY(known.open(QIODevice::Append));
        known.write("[127.0.0.1]:2222 " + readAll(dir_.filePath(u"hostkey.pub"_s)));
        known.close();

        auto listing = list(u"metaldesk"_s);
        QVERIFY2(listing, qPrintable(listing.errorMessage()));
        QCOMPARE(listing->size(), 1);
        QCOMPARE(listing->first().name, u"ssh-vm1"_s);
        QCOMPARE(listing->first().macAddresses, QStringList{u"52:54:00:55:00:01"_s});

        // The libvirt power driver's calls over the same transport.
        const QString address = uri(u"metaldesk"_s);
        const auto power = [&](std::optional<bool> on) {
            return insideNamespace<Expected<PowerState>>(ns_, [&]() -> Expected<PowerState> {
                auto connection = LibvirtConnection::open(address);
                if (!connection)
                    return connection.error();
                if (on)
                    if (auto set = connection->setPower(u"ssh-vm1"_s, *on); !set)
                        return set.error();
                return connection->powerState(u"ssh-vm1"_s);
            });
        };
        auto on = power(true);
        QVERIFY2(on, qPrintable(on.errorMessage()));
        QCOMPARE(*on, PowerState::On);
        QCOMPARE(libvirt_->virsh({u"domstate"_s, u"ssh-vm1"_s}), u"running"_s);
        auto off = power(false);
        QVERIFY2(off, qPrintable(off.errorMessage()));
        QCOMPARE(*off, PowerState::Off);
        QCOMPARE(libvirt_->virsh({u"domstate"_s, u"ssh-vm1"_s}), u"shut off"_s);
    }

    void aKeyTheHostDoesNotKnowIsRefusedInWords()
    {
        auto listing = list(u"stranger"_s);
        QVERIFY(!listing);
        QVERIFY2(listing.errorMessage().contains(u"Permission denied"_s), qPrintable(listing.errorMessage()));
    }
};

QTEST_GUILESS_MAIN(TestLibvirtSsh)
#include "tst_libvirtssh.moc"
