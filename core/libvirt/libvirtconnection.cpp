#include "core/libvirt/libvirtconnection.h"

#include <QCoreApplication>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <mutex>
#include <thread>

namespace metaldesk {

namespace {

// libvirt prints every error to stderr unless told otherwise; we report them as values instead.
void ignoreLibvirtError(void *, virErrorPtr) {}

void initialiseOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // libvirt writes to its sockets with write(2): a host that goes away mid-call (libvirtd
        // restarted, ssh cut) would raise SIGPIPE and end all of MetalDesk, DHCP and TFTP with it.
        // Ignored, the call fails with EPIPE and says so (virsh does the same).
        std::signal(SIGPIPE, SIG_IGN);
        virInitialize();
        virSetErrorFunc(nullptr, ignoreLibvirtError);
        // libvirt's own event loop on a thread of its own, registered before any connection opens:
        // a remote connection only receives console data (and keepalive answers) while it runs.
        if (virEventRegisterDefaultImpl() == 0)
            std::thread([] {
                while (virEventRunDefaultImpl() == 0) {
                }
            }).detach();
    });
}

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

// The domain for one call, freed on every path.
template <typename T>
Expected<T> withDomain(virConnectPtr conn, const QString &uri, const QString &name,
                       const std::function<Expected<T>(virDomainPtr)> &body)
{
    virDomainPtr dom = virDomainLookupByName(conn, name.toUtf8().constData());
    if (!dom) {
        const virError *e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN)
            return Error{QCoreApplication::translate("Power", "%1 has no VM named '%2'").arg(uri, name)};
        return lastError(QCoreApplication::translate("Power", "cannot find '%1' at %2").arg(name, uri));
    }
    Expected<T> result = body(dom);
    virDomainFree(dom);
    return result;
}

Expected<PowerState> stateOf(virDomainPtr dom)
{
    int state = VIR_DOMAIN_NOSTATE;
    int reason = 0;
    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        return lastError(QCoreApplication::translate("Power", "cannot read the VM's state"));
    switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
    case VIR_DOMAIN_SHUTDOWN: return PowerState::On;
    default: return PowerState::Off;
    }
}

} // namespace

Expected<LibvirtConnection> LibvirtConnection::open(const QString &uri)
{
    // libvirt runs a local program for the ext transport and for a `command` parameter (the ssh
    // binary, say): a power setting must not be a way to run programs as MetalDesk (review L11).
    const QUrl url(uri);
    if (url.scheme().endsWith(QLatin1String("+ext")) || QUrlQuery(url).hasQueryItem(QStringLiteral("command")))
        return Error{QCoreApplication::translate("Power",
                                                 "the libvirt URI %1 would make MetalDesk run a program (the ext "
                                                 "transport or a command parameter): use qemu:///system, "
                                                 "qemu+ssh://USER@HOST/system or qemu+tcp://HOST/system")
                         .arg(uri)};
    initialiseOnce();
    virConnectPtr conn = virConnectOpen(uri.toUtf8().constData());
    if (!conn)
        return lastError(QCoreApplication::translate("Power", "cannot connect to %1").arg(uri));
    return LibvirtConnection(uri, conn);
}

LibvirtConnection::LibvirtConnection(LibvirtConnection &&other) noexcept
    : uri_(std::move(other.uri_)), connection_(std::exchange(other.connection_, nullptr))
{
}

LibvirtConnection &LibvirtConnection::operator=(LibvirtConnection &&other) noexcept
{
    std::swap(uri_, other.uri_);
    std::swap(connection_, other.connection_);
    return *this;
}

LibvirtConnection::~LibvirtConnection()
{
    if (connection_)
        virConnectClose(connection_);
}

Expected<PowerState> LibvirtConnection::powerState(const QString &domain) const
{
    return withDomain<PowerState>(connection_, uri_, domain, stateOf);
}

Expected<void> LibvirtConnection::setPower(const QString &domain, bool on) const
{
    return withDomain<void>(connection_, uri_, domain, [on](virDomainPtr dom) -> Expected<void> {
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

Expected<QList<LibvirtConnection::Domain>>
LibvirtConnection::listDomains(const std::function<bool(int, int)> &progress) const
{
    virDomainPtr *all = nullptr;
    const int count = virConnectListAllDomains(connection_, &all, 0); // active and inactive
    if (count < 0)
        return lastError(QCoreApplication::translate("Chassis", "cannot list the VMs of %1").arg(uri_));
    QList<Domain> domains;
    Expected<QList<Domain>> result = domains;
    for (int i = 0; i < count; ++i) {
        if (result) {
            char *xml = virDomainGetXMLDesc(all[i], VIR_DOMAIN_XML_INACTIVE);
            if (!xml) {
                result =
                    lastError(QCoreApplication::translate("Chassis", "cannot read a VM's definition at %1").arg(uri_));
            } else {
                auto description = parseDomainXml(QByteArray(xml));
                free(xml);
                auto power = stateOf(all[i]);
                if (!description)
                    result = description.error();
                else if (!power)
                    result = power.error();
                else
                    domains.append({*description, *power});
            }
            if (result && progress && !progress(i + 1, count))
                result = Error{QCoreApplication::translate("Chassis", "the listing was cancelled")};
        }
        virDomainFree(all[i]);
    }
    free(all);
    if (!result)
        return result;
    std::sort(domains.begin(), domains.end(),
              [](const Domain &a, const Domain &b) { return a.description.name < b.description.name; });
    return domains;
}

Expected<void> LibvirtConnection::setNetworkBootFirst(const QString &domain) const
{
    return withDomain<void>(connection_, uri_, domain, [this](virDomainPtr dom) -> Expected<void> {
        char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
        if (!xml)
            return lastError(QCoreApplication::translate("Power", "cannot read the VM's definition"));
        auto changed = withNetworkBootFirst(QByteArray(xml));
        free(xml);
        if (!changed)
            return changed.error();
        virDomainPtr defined = virDomainDefineXML(connection_, changed->constData());
        if (!defined)
            return lastError(QCoreApplication::translate("Power", "cannot make the VM boot from the network"));
        virDomainFree(defined);
        return {};
    });
}

Expected<void> LibvirtConnection::readConsole(const QString &domain,
                                              const std::function<void(const QByteArray &)> &sink,
                                              const std::function<bool()> &keepGoing) const
{
    return withDomain<void>(connection_, uri_, domain, [&](virDomainPtr dom) -> Expected<void> {
        // Non-blocking, polled: the loop can stop at once. The data arrives through libvirt's event
        // loop (initialiseOnce), which fills the stream while this waits.
        virStreamPtr stream = virStreamNew(connection_, VIR_STREAM_NONBLOCK);
        if (!stream)
            return lastError(QCoreApplication::translate("Power", "cannot open a stream to %1").arg(uri_));
        // SAFE without FORCE: an open console elsewhere makes this fail instead of being cut off.
        if (virDomainOpenConsole(dom, nullptr, stream, VIR_DOMAIN_CONSOLE_SAFE) < 0) {
            const virError *e = virGetLastError();
            Error error =
                e && e->code == VIR_ERR_OPERATION_FAILED
                    ? Error{QCoreApplication::translate("Power",
                                                        "another program (virsh console, virt-manager) is reading the "
                                                        "console of %1; MetalDesk reads it again once that one closes")
                                .arg(domain),
                            true}
                    : lastError(QCoreApplication::translate("Power", "cannot open the console of %1").arg(domain));
            virStreamFree(stream);
            return error;
        }
        Expected<void> result;
        char buffer[4096];
        while (keepGoing()) {
            const int n = virStreamRecv(stream, buffer, sizeof buffer);
            if (n > 0) {
                sink(QByteArray(buffer, n));
            } else if (n == -2) {
                QThread::msleep(100); // nothing yet
            } else if (n == 0) {
                break; // closed: the VM stopped
            } else {
                result = lastError(QCoreApplication::translate("Power", "the console of %1 closed").arg(domain));
                break;
            }
        }
        virStreamAbort(stream);
        virStreamFree(stream);
        return result;
    });
}

} // namespace metaldesk
