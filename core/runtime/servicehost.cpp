#include "core/runtime/servicehost.h"

#include <QLoggingCategory>
#include <QMetaObject>
#include <algorithm>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcServices, "metaldesk.services")

ServiceHost::~ServiceHost()
{
    stop();
    for (const Entry &e : entries_) // added but never started: no thread ran to delete them
        delete e.service;
}

ServiceHost::Entry ServiceHost::makeEntry(std::unique_ptr<Service> service)
{
    auto *thread = new QThread(this);
    thread->setObjectName(service->name());
    Service *raw = service.release();
    raw->moveToThread(thread);
    // The service is deleted in its own thread once its event loop ends.
    connect(thread, &QThread::finished, raw, &QObject::deleteLater);
    // Queued to this thread. Matched by pointer: a replaced service's last words change nothing.
    connect(raw, &Service::stateChanged, this, [this, raw](const QString &state, const QString &detail) {
        for (Entry &e : entries_) {
            if (e.service == raw) {
                e.state = state;
                e.detail = detail;
                emit serviceStateChanged(e.thread->objectName(), state, detail);
                return;
            }
        }
    });
    return {raw, thread, {}, {}};
}

void ServiceHost::add(std::unique_ptr<Service> service) { entries_.push_back(makeEntry(std::move(service))); }

void ServiceHost::launch(const Entry &e)
{
    e.thread->start();
    QMetaObject::invokeMethod(
        e.service, [s = e.service] { s->start(); }, Qt::QueuedConnection);
    qCInfo(lcServices) << "started" << e.service->name();
}

void ServiceHost::halt(const Entry &e)
{
    QMetaObject::invokeMethod(
        e.service, [s = e.service] { s->stop(); }, Qt::BlockingQueuedConnection);
    e.thread->quit();
    e.thread->wait();
    qCInfo(lcServices) << "stopped" << e.thread->objectName();
}

void ServiceHost::replace(std::unique_ptr<Service> service)
{
    const QString name = service->name();
    Entry fresh = makeEntry(std::move(service));
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&name](const Entry &e) { return e.thread->objectName() == name; });
    if (it == entries_.end()) {
        entries_.push_back(fresh);
        it = entries_.end() - 1;
    } else {
        const Entry old = *it;
        *it = fresh; // first, so that nothing finds the old service while it stops
        if (running_)
            halt(old);
        else
            delete old.service; // never started: its thread never ran
        // The thread's finish deleted the service (deferred deletes run before wait() returns).
        delete old.thread;
    }
    if (running_)
        launch(*it);
    emit servicesChanged();
}

bool ServiceHost::remove(const QString &name)
{
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&name](const Entry &e) { return e.thread->objectName() == name; });
    if (it == entries_.end())
        return false;
    const Entry old = *it;
    entries_.erase(it);
    if (running_)
        halt(old);
    else
        delete old.service;
    delete old.thread;
    emit servicesChanged();
    return true;
}

void ServiceHost::start()
{
    if (running_)
        return;
    running_ = true;
    for (const Entry &e : entries_)
        launch(e);
}

void ServiceHost::stop()
{
    if (!running_)
        return;
    running_ = false;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
        halt(*it);
    entries_.clear();
}

} // namespace metaldesk
