#pragma once

#include "service.h"

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
    void start();
    // Stops every service in its thread and joins the threads. Safe to call twice.
    void stop();

    struct Entry {
        Service *service;
        QThread *thread;
    };
    const std::vector<Entry> &services() const { return entries_; }

private:
    std::vector<Entry> entries_;
    bool running_ = false;
};

} // namespace metaldesk
