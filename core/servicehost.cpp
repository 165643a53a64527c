#include "servicehost.h"

#include <QLoggingCategory>
#include <QMetaObject>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcServices, "metaldesk.services")

ServiceHost::~ServiceHost() { stop(); }

void ServiceHost::add(std::unique_ptr<Service> service)
{
    auto *thread = new QThread(this);
    thread->setObjectName(service->name());
    Service *raw = service.release();
    raw->moveToThread(thread);
    // The service is deleted in its own thread once its event loop ends.
    connect(thread, &QThread::finished, raw, &QObject::deleteLater);
    entries_.push_back({raw, thread});
}

void ServiceHost::start()
{
    if (running_)
        return;
    running_ = true;
    for (const Entry &e : entries_) {
        e.thread->start();
        QMetaObject::invokeMethod(
            e.service, [s = e.service] { s->start(); }, Qt::QueuedConnection);
        qCInfo(lcServices) << "started" << e.service->name();
    }
}

void ServiceHost::stop()
{
    if (!running_)
        return;
    running_ = false;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        QMetaObject::invokeMethod(
            it->service, [s = it->service] { s->stop(); }, Qt::BlockingQueuedConnection);
        it->thread->quit();
        it->thread->wait();
        qCInfo(lcServices) << "stopped" << it->thread->objectName();
    }
    entries_.clear();
}

} // namespace metaldesk
