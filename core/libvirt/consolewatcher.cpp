#include "core/libvirt/consolewatcher.h"

#include "core/libvirt/consolescreen.h"
#include "core/libvirt/libvirtconnection.h"
#include "core/machines/consolestore.h"
#include "core/machines/machinestore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLoggingCategory>
#include <QMutex>
#include <QThread>
#include <QTimer>
#include <optional>
#include <thread>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcConsole, "metaldesk.console")

namespace {

// Stored untranslated (the window shows them in its own language: ConsoleRecord::note).
const char *const kVmOff = QT_TRANSLATE_NOOP("Console", "the VM is off");
const char *const kNotReadNow = QT_TRANSLATE_NOOP(
    "Console", "not read now: MetalDesk reads the console while the machine commissions, deploys, releases or tests");

// Where a machine runs on its own and a person would want to see what it prints.
bool watched(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Commissioning:
    case NodeStatus::Deploying:
    case NodeStatus::Releasing:
    case NodeStatus::DiskErasing:
    case NodeStatus::Testing:
    case NodeStatus::EnteringRescueMode:
    case NodeStatus::ExitingRescueMode: return true;
    default: return false;
    }
}

} // namespace

struct ConsoleWatcher::Reader {
    QString systemId, uri, domain;
    std::atomic<bool> stopping{false};
    QMutex mutex; // guards what follows
    ConsoleScreen screen;
    QString note;
    bool dirty = false;
    std::thread thread;

    void setNote(const QString &text)
    {
        QMutexLocker lock(&mutex);
        if (note != text) {
            note = text;
            dirty = true;
        }
    }
    // Sleeps up to `ms`, waking early when told to stop.
    void pause(int ms)
    {
        for (int slept = 0; slept < ms && !stopping; slept += 100)
            QThread::msleep(100);
    }
    void run()
    {
        // One connection while it works (over qemu+ssh each one is an ssh login), a new one after a failure.
        std::optional<LibvirtConnection> connection;
        const auto failed = [this, &connection](const QString &why) {
            setNote(why);
            connection.reset();
            pause(5000);
        };
        while (!stopping) {
            if (!connection) {
                auto opened = LibvirtConnection::open(uri);
                if (!opened) {
                    failed(opened.errorMessage());
                    continue;
                }
                connection.emplace(std::move(*opened));
            }
            auto power = connection->powerState(domain);
            if (!power) {
                failed(power.errorMessage());
                continue;
            }
            if (*power != PowerState::On) {
                setNote(QString::fromLatin1(kVmOff));
                pause(500);
                continue;
            }
            setNote({});
            auto read = connection->readConsole(
                domain,
                [this](const QByteArray &bytes) {
                    QMutexLocker lock(&mutex);
                    screen.feed(bytes);
                    dirty = true;
                },
                [this] { return !stopping.load(); });
            if (!read)
                failed(read.errorMessage());
        }
    }
};

ConsoleWatcher::ConsoleWatcher(std::shared_ptr<Database> db, int flushMs) : db_(std::move(db)), flushMs_(flushMs) {}

ConsoleWatcher::~ConsoleWatcher()
{
    // Not stop(): the timer belongs to the service's thread, which may be gone. The reader threads
    // must not outlive their Reader.
    for (const auto &reader : std::as_const(readers_))
        reader->stopping = true;
    for (const auto &reader : std::as_const(readers_))
        if (reader->thread.joinable())
            reader->thread.join();
}

QString ConsoleWatcher::description() const
{
    return tr("reads the serial console of libvirt machines while they commission, deploy, release or test");
}

QList<Counter> ConsoleWatcher::counterList() const
{
    return {{QStringLiteral("reading"), tr("consoles read"), reading_.load()},
            {QStringLiteral("saved"), tr("screens saved"), saved_.load()}};
}

void ConsoleWatcher::start()
{
    timer_ = new QTimer(this);
    connect(timer_, &QTimer::timeout, this, &ConsoleWatcher::round);
    timer_->start(flushMs_);
    emit stateChanged(QStringLiteral("running"), description());
}

void ConsoleWatcher::stop()
{
    if (timer_)
        timer_->stop();
    for (const auto &reader : std::as_const(readers_))
        reader->stopping = true;
    for (const auto &reader : std::as_const(readers_)) {
        if (reader->thread.joinable())
            reader->thread.join();
        flush(*reader);
    }
    readers_.clear();
    emit stateChanged(QStringLiteral("stopped"), {});
}

void ConsoleWatcher::round()
{
    auto machines = MachineStore(db_, nullptr).list();
    if (!machines) {
        qCWarning(lcConsole) << "cannot list the machines:" << machines.errorMessage();
        return;
    }
    QSet<QString> wanted;
    for (const Machine &m : std::as_const(*machines)) {
        if (m.powerType != QLatin1String("virsh") || !watched(m.status))
            continue;
        const QString uri = m.powerParameters.value(QStringLiteral("power_address")).toString();
        const QString domain = m.powerParameters.value(QStringLiteral("power_id")).toString();
        if (uri.isEmpty() || domain.isEmpty())
            continue;
        wanted.insert(m.systemId);
        auto &reader = readers_[m.systemId];
        if (reader && (reader->uri != uri || reader->domain != domain)) {
            reader->stopping = true; // moved to another VM: start again
            reader->thread.join();
            flush(*reader);
            reader.reset();
        }
        if (!reader) {
            reader = std::make_shared<Reader>();
            reader->systemId = m.systemId;
            reader->uri = uri;
            reader->domain = domain;
            reader->thread = std::thread([r = reader.get()] { r->run(); });
            ++reading_;
        }
    }
    for (auto it = readers_.begin(); it != readers_.end();) {
        if (wanted.contains(it.key())) {
            flush(**it);
            ++it;
            continue;
        }
        (*it)->stopping = true; // its status moved on: let others have the console
        (*it)->thread.join();
        (*it)->setNote(QString::fromLatin1(kNotReadNow));
        flush(**it);
        it = readers_.erase(it);
    }
}

void ConsoleWatcher::flush(Reader &reader)
{
    ConsoleRecord record;
    {
        QMutexLocker lock(&reader.mutex);
        if (!reader.dirty)
            return;
        reader.dirty = false;
        record.screen = reader.screen.text();
        record.note = reader.note;
    }
    record.updated = QDateTime::currentMSecsSinceEpoch();
    if (auto saved = ConsoleStore(db_).save(reader.systemId, record); !saved)
        qCWarning(lcConsole) << "cannot keep the console of" << reader.systemId << ":" << saved.errorMessage();
    else
        ++saved_;
}

} // namespace metaldesk
