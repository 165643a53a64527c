#include "core/power/libvirtpowerdriver.h"

#include <QCoreApplication>
#include <functional>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <mutex>

namespace metaldesk {

namespace {
// libvirt prints every error to stderr unless told otherwise; we report them as values instead.
void ignoreLibvirtError(void *, virErrorPtr) {}

// libvirt's error for this thread's last call, as a sentence; retryable when the peer did not answer.
Error lastError(const QString &context)
{
    const virError *e = virGetLastError();
    const QString message =
        e && e->message ? QString::fromUtf8(e->message) : QCoreApplication::translate("Power", "unknown libvirt error");
    const bool retryable = e && (e->code == VIR_ERR_SYSTEM_ERROR || e->code == VIR_ERR_RPC ||
                                 e->code == VIR_ERR_OPERATION_TIMEOUT || e->code == VIR_ERR_NO_CONNECT);
    return Error{context.isEmpty() ? message : QStringLiteral("%1: %2").arg(context, message), retryable};
}

// One connection and domain for one call, closed on every path.
Expected<void> withDomain(const PowerDriver &driver, const PowerTarget &target,
                          const std::function<Expected<void>(virDomainPtr)> &body)
{
    const QString uri = powerParameter(driver, target.parameters, QStringLiteral("power_address"));
    const QString name = powerParameter(driver, target.parameters, QStringLiteral("power_id"));
    virConnectPtr conn = virConnectOpen(uri.toUtf8().constData());
    if (!conn)
        return lastError(QCoreApplication::translate("Power", "cannot connect to %1").arg(uri));
    virDomainPtr dom = virDomainLookupByName(conn, name.toUtf8().constData());
    Expected<void> result;
    if (!dom) {
        const virError *e = virGetLastError();
        result = e && e->code == VIR_ERR_NO_DOMAIN
                     ? Error{QCoreApplication::translate("Power", "%1 has no VM named '%2'").arg(uri, name)}
                     : lastError(QCoreApplication::translate("Power", "cannot find '%1' at %2").arg(name, uri));
    } else {
        result = body(dom);
        virDomainFree(dom);
    }
    virConnectClose(conn);
    return result;
}

Expected<PowerState> stateOf(virDomainPtr dom)
{
    int state = VIR_DOMAIN_NOSTATE;
    int reason = 0;
    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        return lastError(QCoreApplication::translate("Power", "cannot read the VM's state"));
    // As MAAS's virsh driver: running, blocked and shutting down are on; the rest is off.
    switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
    case VIR_DOMAIN_SHUTDOWN: return PowerState::On;
    default: return PowerState::Off;
    }
}
} // namespace

LibvirtPowerDriver::LibvirtPowerDriver()
{
    static std::once_flag once;
    std::call_once(once, [] {
        virInitialize();
        virSetErrorFunc(nullptr, ignoreLibvirtError);
    });
}

QString LibvirtPowerDriver::label() const { return QCoreApplication::translate("Power", "libvirt (virsh)"); }

QList<PowerParameter> LibvirtPowerDriver::parameters() const
{
    return {
        {QStringLiteral("power_address"), QT_TRANSLATE_NOOP("PowerParameter", "libvirt URI"), true, false,
         QStringLiteral("qemu:///system")},
        {QStringLiteral("power_id"), QT_TRANSLATE_NOOP("PowerParameter", "VM name"), true, false, {}},
    };
}

Expected<void> LibvirtPowerDriver::setPower(const PowerTarget &target, bool on) const
{
    return withDomain(*this, target, [on](virDomainPtr dom) -> Expected<void> {
        auto state = stateOf(dom);
        if (!state)
            return state.error();
        if (on == (*state == PowerState::On))
            return {}; // already there
        const int rc = on ? virDomainCreate(dom) : virDomainDestroy(dom);
        if (rc < 0)
            return lastError(on ? QCoreApplication::translate("Power", "cannot start the VM")
                                : QCoreApplication::translate("Power", "cannot stop the VM"));
        return {};
    });
}

Expected<PowerState> LibvirtPowerDriver::queryPower(const PowerTarget &target) const
{
    PowerState found = PowerState::Unknown;
    auto done = withDomain(*this, target, [&found](virDomainPtr dom) -> Expected<void> {
        auto state = stateOf(dom);
        if (!state)
            return state.error();
        found = *state;
        return {};
    });
    if (!done)
        return done.error();
    return found;
}

} // namespace metaldesk
