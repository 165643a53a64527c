#pragma once

#include "core/addresses/leasestore.h"
#include "core/addresses/staticaddresses.h"
#include "core/images/bootimagestore.h"
#include "core/lifecycle/actionrunner.h"
#include "core/lifecycle/allocator.h"
#include "core/machines/devicestore.h"
#include "core/machines/labelstore.h"
#include "core/machines/noderesults.h"
#include "core/runtime/service.h"
#include "core/storage/filestore.h"
#include "servers/api/apijson.h"
#include "servers/http/form.h"
#include "servers/http/router.h"

#include <QMutex>

namespace metaldesk {
struct CoreServices;
}

namespace metaldesk::api {

// What the Services page shows of the API.
struct Counters {
    quint64 calls = 0;        // authenticated calls answered
    quint64 unauthorized = 0; // 401: no, malformed or unknown API key
    quint64 forbidden = 0;    // 403: another user's machine, an administrator's operation
    quint64 allocated = 0;    // machines allocated
    quint64 noMatch = 0;      // allocations that matched nothing (409)
};

// MAAS's REST API 2.0 under /MAAS/api/2.0/, the subset juju's MAAS provider (gomaasapi) calls:
// version, users, boot resources, zones, pools, spaces, fabrics, subnets, domains, tags, static
// routes, files, machines (list, allocate, release, deploy, owner data, power, commission) and
// devices with their interfaces. Callers sign with their API key (OAuth 1.0 PLAINTEXT); every
// change goes through core (the lifecycle engine, the permissions, the image catalogue), so the
// window shows it at once and names the API user in the events. A route table on the region
// service (servers/region).
class ApiRoutes {
public:
    explicit ApiRoutes(CoreServices &core);
    ~ApiRoutes();
    void addTo(http::Router &router);
    QList<Counter> counterList() const; // from any thread

private:
    // One authenticated call: who makes it and what it sent.
    struct Context {
        const http::Call &call;
        Actor actor;
        http::Form form;
    };
    using Body = std::function<http::Response(Context &)>;
    // 401 unless the request carries a live API key; 400 for a form that does not parse.
    http::Handler signedIn(Body body);

    void addAccountRoutes(http::Router &router);
    void addNetworkRoutes(http::Router &router);
    void addMachineRoutes(http::Router &router);
    void addFileRoutes(http::Router &router);
    void addDeviceRoutes(http::Router &router);

    // Machines.
    http::Response listMachines(Context &c);
    http::Response allocate(Context &c);
    http::Response releaseMany(Context &c);
    Expected<ActionRequest> releaseRequest(const http::Form &form) const;
    http::Response deploy(Context &c);
    http::Response takeAction(Context &c, NodeAction action, const ActionRequest &request);
    http::Response setOwnerData(Context &c);
    http::Response queryPower(Context &c);
    http::Response updateMachine(Context &c);
    // The machine a route names, when the caller may see it: else 404 (also for another user's).
    std::variant<Machine, http::Response> machineFor(Context &c);
    http::Response machineAnswer(const QString &systemId, int status = 200);
    Expected<MachineView> viewOf(const Machine &machine) const;
    bool maySee(const Actor &actor, const Machine &machine) const;

    // Devices.
    http::Response deviceAnswer(const Device &device, int status = 200);
    QJsonObject deviceJson(const Device &device) const;
    QJsonObject deviceInterfaceJson(const Device &device, const DeviceInterface &iface) const;

    ApiNetwork network() const;
    void count(quint64 Counters::*counter);

    CoreServices &core_;
    LabelStore labels_;
    BootImageStore images_;
    FileStore files_;
    DeviceStore devices_;
    NodeResultStore results_;
    StaticAddressStore statics_;
    LeaseStore leases_;
    Allocator allocator_;
    ActionRunner runner_;
    mutable QMutex countersLock_;
    Counters counters_;
};

} // namespace metaldesk::api
