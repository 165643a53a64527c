// Devices of MAAS's API 2.0 and their interfaces (under nodes/): what juju registers for the
// containers it runs on a machine, so that they get addresses of the boot network.
#include "core/runtime/coreservices.h"
#include "servers/api/apiroutes.h"
#include "servers/dhcp/dhcpserver.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

namespace metaldesk::api {

namespace {

using http::Response;

Response json(const QJsonValue &value, int status = 200)
{
    return value.isArray() ? Response::json(QJsonDocument(value.toArray()), status)
                           : Response::json(QJsonDocument(value.toObject()), status);
}

QString uri(const QString &path) { return QLatin1String(kApiRoot) + path; }

// What the device store refuses once the caller's rights are checked: the input.
Response refusal(const Error &e) { return Response::text(400, e.message); }

} // namespace

QJsonObject ApiRoutes::deviceInterfaceJson(const Device &device, const DeviceInterface &iface) const
{
    const ApiNetwork n = network();
    QJsonArray links;
    for (const DeviceLink &l : iface.links) {
        QJsonObject link{
            {QStringLiteral("id"), l.id}, {QStringLiteral("mode"), l.mode}, {QStringLiteral("ip_address"), l.ip}};
        if (n.known)
            link.insert(QStringLiteral("subnet"), subnetJson(n));
        links.append(link);
    }
    return {
        {QStringLiteral("id"), iface.id},
        {QStringLiteral("name"), iface.name},
        {QStringLiteral("type"), QStringLiteral("physical")},
        {QStringLiteral("enabled"), true},
        {QStringLiteral("tags"), QJsonArray()},
        {QStringLiteral("vlan"), vlanJson(n)},
        {QStringLiteral("links"), links},
        {QStringLiteral("mac_address"), iface.macAddress},
        {QStringLiteral("effective_mtu"), 1500},
        {QStringLiteral("parents"), QJsonArray()},
        {QStringLiteral("children"), QJsonArray()},
        {QStringLiteral("system_id"), device.systemId},
        {QStringLiteral("resource_uri"),
         uri(QStringLiteral("nodes/%1/interfaces/%2/").arg(device.systemId).arg(iface.id))},
    };
}

QJsonObject ApiRoutes::deviceJson(const Device &d) const
{
    QJsonArray interfaces;
    QJsonArray addresses;
    for (const DeviceInterface &i : d.interfaces) {
        interfaces.append(deviceInterfaceJson(d, i));
        for (const DeviceLink &l : i.links)
            if (!l.ip.isEmpty())
                addresses.append(l.ip);
    }
    return {
        {QStringLiteral("resource_uri"), uri(QStringLiteral("devices/%1/").arg(d.systemId))},
        {QStringLiteral("system_id"), d.systemId},
        {QStringLiteral("hostname"), d.hostname},
        {QStringLiteral("fqdn"), d.hostname + QLatin1Char('.') + d.domain},
        {QStringLiteral("parent"), d.parent.isEmpty() ? QJsonValue(QJsonValue::Null) : d.parent},
        {QStringLiteral("owner"), d.owner.isEmpty() ? QJsonValue(QJsonValue::Null) : d.owner},
        {QStringLiteral("ip_addresses"), addresses},
        {QStringLiteral("interface_set"), interfaces},
        {QStringLiteral("zone"), zoneJson({d.zone, {}}, 0)},
        {QStringLiteral("pool"), QJsonValue::Null},
        {QStringLiteral("node_type"), 1},
        {QStringLiteral("node_type_name"), QStringLiteral("Device")},
    };
}

Response ApiRoutes::deviceAnswer(const Device &device, int status) { return json(deviceJson(device), status); }

void ApiRoutes::addDeviceRoutes(http::Router &r)
{
    const QByteArray root = QByteArray(kApiRoot) + "devices/";
    r.add("GET", root, signedIn([this](Context &c) {
              auto all = devices_.list();
              if (!all)
                  return Response::unavailable(all.errorMessage());
              const QStringList hostnames = c.form.texts("hostname");
              const QStringList ids = c.form.texts("id");
              QStringList macs;
              for (const QString &mac : c.form.texts("mac_address"))
                  macs << normaliseMacAddress(mac);
              QJsonArray list;
              for (const Device &d : std::as_const(*all)) {
                  if (!c.actor.isAdmin && d.ownerId != c.actor.userId)
                      continue;
                  if ((!hostnames.isEmpty() && !hostnames.contains(d.hostname)) ||
                      (!ids.isEmpty() && !ids.contains(d.systemId)) ||
                      (c.form.has("domain") && d.domain != c.form.text("domain")) ||
                      (c.form.has("zone") && d.zone != c.form.text("zone")))
                      continue;
                  if (!macs.isEmpty() &&
                      std::none_of(d.interfaces.cbegin(), d.interfaces.cend(),
                                   [&](const DeviceInterface &i) { return macs.contains(i.macAddress); }))
                      continue;
                  list.append(deviceJson(d));
              }
              return json(list);
          }));
    r.add("POST", root, signedIn([this](Context &c) {
              if (c.form.texts("mac_addresses").isEmpty())
                  return Response::text(400, QStringLiteral("a device needs at least one MAC address (mac_addresses)"));
              if (const QString parent = c.form.text("parent"); !parent.isEmpty() && !c.actor.isAdmin) {
                  auto m = core_.machines->get(parent);
                  if (m && m->ownerId != c.actor.userId)
                      return Response::text(403, QStringLiteral("the parent machine %1 is not yours").arg(parent));
              }
              auto made = devices_.create(c.actor, c.form.text("hostname"), c.form.texts("mac_addresses"),
                                          c.form.text("parent"), c.form.text("domain"));
              if (!made)
                  return refusal(made.error());
              return deviceAnswer(*made);
          }));
    const QByteArray one = root + "{system_id}/";
    r.add("GET", one, signedIn([this](Context &c) {
              auto d = devices_.get(QString::fromUtf8(c.call.param("system_id")));
              if (!d)
                  return Response::unavailable(d.errorMessage());
              if (!*d || (!c.actor.isAdmin && (*d)->ownerId != c.actor.userId))
                  return Response::text(404, QStringLiteral("no such device"));
              return deviceAnswer(**d);
          }));
    r.add("DELETE", one, signedIn([this](Context &c) {
              const QString id = QString::fromUtf8(c.call.param("system_id"));
              auto d = devices_.get(id);
              if (!d)
                  return Response::unavailable(d.errorMessage());
              if (!*d)
                  return Response::text(404, QStringLiteral("no device with system id %1").arg(id));
              if (!c.actor.isAdmin && (*d)->ownerId != c.actor.userId)
                  return Response::text(403, QStringLiteral("the device %1 is another user's").arg((*d)->hostname));
              if (auto removed = devices_.remove(c.actor, id); !removed)
                  return refusal(removed.error());
              return Response::empty(204);
          }));

    // Interfaces of devices live under nodes/ (as on MAAS).
    const QByteArray interfaces = QByteArray(kApiRoot) + "nodes/{system_id}/interfaces/";
    const QByteArray iface = interfaces + "{id}/";
    auto deviceOf = [this](Context &c) -> std::variant<Device, Response> {
        auto d = devices_.get(QString::fromUtf8(c.call.param("system_id")));
        if (!d)
            return Response::unavailable(d.errorMessage());
        if (!*d)
            return Response::text(404, QStringLiteral("no device with system id %1 (interfaces of machines are "
                                                      "not changed through the API)")
                                           .arg(QString::fromUtf8(c.call.param("system_id"))));
        if (!c.actor.isAdmin && (*d)->ownerId != c.actor.userId)
            return Response::text(403, QStringLiteral("the device %1 is another user's").arg((*d)->hostname));
        return **d;
    };
    r.add("GET", interfaces, signedIn([this, deviceOf](Context &c) {
              auto d = deviceOf(c);
              if (auto *refused = std::get_if<Response>(&d))
                  return *refused;
              QJsonArray list;
              for (const DeviceInterface &i : std::get<Device>(d).interfaces)
                  list.append(deviceInterfaceJson(std::get<Device>(d), i));
              return json(list);
          }));
    r.add("POST", interfaces, signedIn([this, deviceOf](Context &c) {
              auto d = deviceOf(c);
              if (auto *refused = std::get_if<Response>(&d))
                  return *refused;
              auto made = devices_.addInterface(c.actor, std::get<Device>(d).systemId, c.form.text("name"),
                                                c.form.text("mac_address"));
              if (!made)
                  return refusal(made.error());
              return json(deviceInterfaceJson(std::get<Device>(d), *made));
          }),
          "create_physical");
    r.add("PUT", iface, signedIn([this, deviceOf](Context &c) {
              auto d = deviceOf(c);
              if (auto *refused = std::get_if<Response>(&d))
                  return *refused;
              auto updated =
                  devices_.updateInterface(c.actor, std::get<Device>(d).systemId, c.call.param("id").toLongLong(),
                                           c.form.text("name"), c.form.text("mac_address"));
              if (!updated)
                  return refusal(updated.error());
              return json(deviceInterfaceJson(std::get<Device>(d), *updated));
          }));
    r.add("POST", iface, signedIn([this, deviceOf](Context &c) {
              auto d = deviceOf(c);
              if (auto *refused = std::get_if<Response>(&d))
                  return *refused;
              quint32 first = 0, last = 0;
              if (auto dhcp = dhcp::ServerConfig::fromConfig(*core_.config)) {
                  first = dhcp->reservedFirst;
                  last = dhcp->reservedLast;
              }
              auto linked = devices_.link(c.actor, std::get<Device>(d).systemId, c.call.param("id").toLongLong(),
                                          c.form.text("mode"), c.form.text("ip_address"), first, last);
              if (!linked)
                  return refusal(linked.error());
              return json(deviceInterfaceJson(std::get<Device>(d), *linked));
          }),
          "link_subnet");
    r.add("POST", iface, signedIn([this, deviceOf](Context &c) {
              auto d = deviceOf(c);
              if (auto *refused = std::get_if<Response>(&d))
                  return *refused;
              auto unlinked = devices_.unlink(c.actor, std::get<Device>(d).systemId, c.call.param("id").toLongLong(),
                                              c.form.value("id").toLongLong());
              if (!unlinked)
                  return refusal(unlinked.error());
              return json(deviceInterfaceJson(std::get<Device>(d), *unlinked));
          }),
          "unlink_subnet");
}

} // namespace metaldesk::api
