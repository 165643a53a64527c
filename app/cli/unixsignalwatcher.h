#pragma once

#include <QObject>
#include <QSocketNotifier>

namespace metaldesk {

// Turns SIGINT and SIGTERM into a Qt signal, delivered in the event loop (a signal handler may
// only do async-signal-safe work: it writes the number to a socket that the loop watches).
class UnixSignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;
signals:
    void terminationRequested(int signalNumber);

private:
    int fds_[2] = {-1, -1};
    QSocketNotifier *notifier_ = nullptr;
};

} // namespace metaldesk
