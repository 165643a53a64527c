#pragma once

#include "core/machines/machine.h"

#include <QObject>

namespace metaldesk {

// Tells views and services that data changed. Emitted by the core after the change is committed,
// from whichever thread made it; receivers in other threads get queued calls.
class ChangeFeed : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
signals:
    void machineAdded(const QString &systemId);
    void machineChanged(const QString &systemId);
    void machineRemoved(const QString &systemId);
    void eventRecorded(const metaldesk::Event &event);
    void chassisChanged(); // added, synced or removed
};

} // namespace metaldesk

Q_DECLARE_METATYPE(metaldesk::Event)
