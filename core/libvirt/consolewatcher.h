#pragma once

#include "core/runtime/service.h"

#include <QHash>
#include <atomic>
#include <memory>

class QTimer;

namespace metaldesk {

class Database;

// Reads the serial console of every libvirt machine while it is in a status where it works on
// its own (commissioning, deploying, releasing, erasing, testing, entering or leaving rescue),
// one reader thread per machine, and keeps each one's last screenful in the database
// (ConsoleStore) every `flushMs`: the details page's Console tab shows it as it goes, and it stays
// after the VM is off, so a boot that hangs in an initramfs shell is seen at once instead of after
// the timeout. It never takes a console from another program (virsh console, virt-manager): the
// machine's note says who holds it, and reading resumes when they let go.
class ConsoleWatcher : public Service {
    Q_OBJECT
public:
    explicit ConsoleWatcher(std::shared_ptr<Database> db, int flushMs = 2000);
    ~ConsoleWatcher() override;
    QString name() const override { return QStringLiteral("console"); }
    QString description() const override;
    void start() override;
    void stop() override;
    QList<Counter> counterList() const override;

    struct Reader; // one machine's reader thread and what it read

private:
    void round();
    void flush(Reader &reader);

    std::shared_ptr<Database> db_;
    int flushMs_;
    QTimer *timer_ = nullptr;
    QHash<QString, std::shared_ptr<Reader>> readers_; // by system id; only the service's thread
    std::atomic<quint64> reading_{0};
    std::atomic<quint64> saved_{0};
};

} // namespace metaldesk
