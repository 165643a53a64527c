#pragma once

#include "core/runtime/service.h"

#include <QThread>
#include <memory>
#include <vector>

namespace metaldesk {

// Runs each service in its own QThread with its own event loop; the GUI thread only draws.
class ServiceHost : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~ServiceHost() override;

    // Takes ownership. Call before start().
    void add(std::unique_ptr<Service> service);
    // Stops the service with the same name (in its thread, which is then joined) and runs `service`
    // in its place, in a new thread; added at the end when there was none. After start() as well:
    // the Network page restarts DHCP with new settings this way.
    void replace(std::unique_ptr<Service> service);
    // Stops and removes the service with this name; false when there is none.
    bool remove(const QString &name);
    void start();
    // Stops every service in its thread and joins the threads. Safe to call twice.
    void stop();

    struct Entry {
        Service *service;
        QThread *thread;
        // The last stateChanged, kept here because a service may fail before any page listens.
        QString state;
        QString detail;
    };
    const std::vector<Entry> &services() const { return entries_; }

signals:
    // A service was replaced or removed: entries (and their Service pointers) changed.
    void servicesChanged();
    // A service's stateChanged, delivered in the host's thread, after its Entry is updated.
    void serviceStateChanged(const QString &name, const QString &state, const QString &detail);

private:
    Entry makeEntry(std::unique_ptr<Service> service);
    void launch(const Entry &e);
    void halt(const Entry &e);
    std::vector<Entry> entries_;
    bool running_ = false;
};

} // namespace metaldesk
