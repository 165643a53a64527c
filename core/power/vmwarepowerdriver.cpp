#include "core/power/vmwarepowerdriver.h"

#include "core/vsphere/vspheresession.h"

#include <QCoreApplication>

namespace metaldesk {

namespace {

QString parameter(const QJsonObject &parameters, const char *name)
{
    return parameters.value(QLatin1String(name)).toString().trimmed();
}

struct Found {
    std::unique_ptr<VsphereSession> session;
    vim::VirtualMachine vm;
};

Expected<Found> findVm(const PowerTarget &target)
{
    auto session = VsphereSession::open(vsphereEndpoint(target.parameters));
    if (!session)
        return session.error();
    auto vm =
        (*session)->findVm(parameter(target.parameters, "power_uuid"), parameter(target.parameters, "power_vm_name"));
    if (!vm)
        return vm.error();
    return Found{std::move(*session), *vm};
}

} // namespace

VsphereEndpoint vsphereEndpoint(const QJsonObject &parameters)
{
    VsphereEndpoint endpoint;
    endpoint.host = parameter(parameters, "power_address");
    bool ok = false;
    const int port = parameter(parameters, "power_port").toInt(&ok);
    if (ok && port > 0 && port < 65536)
        endpoint.port = quint16(port);
    endpoint.user = parameters.value(QLatin1String("power_user")).toString();
    endpoint.password = parameters.value(QLatin1String("power_pass")).toString();
    endpoint.fingerprint = parameter(parameters, "power_fingerprint");
    endpoint.verify = parameter(parameters, "power_protocol") != QLatin1String("https+unverified");
    return endpoint;
}

Text VmwarePowerDriver::label() const { return Text("Power", QT_TRANSLATE_NOOP("Power", "VMware vSphere")); }

QList<PowerParameter> VmwarePowerDriver::parameters() const
{
    return {
        {QStringLiteral("power_address"),
         QT_TRANSLATE_NOOP("PowerParameter", "vCenter or ESXi host"),
         true,
         false,
         {},
         {}},
        {QStringLiteral("power_user"), QT_TRANSLATE_NOOP("PowerParameter", "User name"), true, false, {}, {}},
        {QStringLiteral("power_pass"), QT_TRANSLATE_NOOP("PowerParameter", "Password"), true, true, {}, {}},
        {QStringLiteral("power_vm_name"), QT_TRANSLATE_NOOP("PowerParameter", "VM name"), false, false, {}, {}},
        {QStringLiteral("power_uuid"), QT_TRANSLATE_NOOP("PowerParameter", "VM UUID"), false, false, {}, {}},
        {QStringLiteral("power_port"),
         QT_TRANSLATE_NOOP("PowerParameter", "Port"),
         false,
         false,
         QStringLiteral("443"),
         {}},
        {QStringLiteral("power_protocol"),
         QT_TRANSLATE_NOOP("PowerParameter", "Protocol"),
         false,
         false,
         QStringLiteral("https"),
         {QStringLiteral("https"), QStringLiteral("https+unverified")}},
        {QStringLiteral("power_fingerprint"),
         QT_TRANSLATE_NOOP("PowerParameter", "Certificate fingerprint (SHA-256)"),
         false,
         false,
         {},
         {}},
    };
}

Expected<void> VmwarePowerDriver::setNetworkBoot(const PowerTarget &target) const
{
    auto found = findVm(target);
    if (!found)
        return found.error();
    return found->session->bootFromNetwork(found->vm);
}

Expected<void> VmwarePowerDriver::setPower(const PowerTarget &target, bool on) const
{
    auto found = findVm(target);
    if (!found)
        return found.error();
    if (found->vm.power == (on ? PowerState::On : PowerState::Off))
        return {}; // there already: vSphere would refuse with InvalidPowerState
    return found->session->runVmTask(on ? QStringLiteral("PowerOnVM_Task") : QStringLiteral("PowerOffVM_Task"),
                                     found->vm.ref);
}

Expected<PowerState> VmwarePowerDriver::queryPower(const PowerTarget &target) const
{
    auto found = findVm(target);
    if (!found)
        return found.error();
    return found->vm.power;
}

} // namespace metaldesk
