#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace metaldesk {

// One figure a service counts, for the Services page ("answered", 1234).
struct Counter {
    QString key;   // stable: "received", "dropped.truncated"
    QString label; // translated, for people
    quint64 value = 0;
};

// A long-running part of MetalDesk (a boot server, the timeout monitor). The ServiceHost moves
// each service to a thread of its own and calls start() and stop() there.
class Service : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    virtual QString name() const = 0;
    // What it serves, for the console and the headless banner ("timeouts every 5 s", "udp 0.0.0.0:67").
    virtual QString description() const = 0;
    virtual void start() = 0; // in the service's thread
    virtual void stop() {}    // in the service's thread, before it ends
    // What it has counted so far. Safe to call from any thread (the GUI polls it). The first
    // counter is the one the Services page charts as a rate.
    virtual QList<Counter> counterList() const { return {}; }
    // While running: what works only in part, why, and the fix (IPv6 disabled on the boot
    // interface, say). Safe to call from any thread; read when the state changes.
    virtual QStringList notices() const { return {}; }
signals:
    // "running", "stopped" or "failed", with a sentence a user can act on.
    void stateChanged(const QString &state, const QString &detail);
};

} // namespace metaldesk
