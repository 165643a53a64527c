#pragma once

#include "core/base/expected.h"
#include "core/vsphere/vimsoap.h"

#include <QString>
#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace metaldesk {

// Where a vSphere host is and how MetalDesk signs in (MAAS's vmware power parameters).
struct VsphereEndpoint {
    QString host;
    quint16 port = 443;
    QString user;
    QString password;
    // SHA-256 of the certificate the user confirmed (hex, colons optional). A certificate no CA
    // vouches for is accepted only when it has this fingerprint; a changed one is refused.
    QString fingerprint;
    bool verify = true; // false: MAAS's "https+unverified", any certificate
};

// "AB:CD:…" (upper case, colon-separated, as vSphere's own tools print) from any hex spelling.
QString normaliseFingerprint(const QString &text);

// One signed-in session with a vCenter or an ESXi host, signed out when it goes. Calls block and
// are made on worker threads (each runs a local event loop for its reply); every failure is an
// Error in words, retryable when the host did not answer.
class VsphereSession {
public:
    // Reads the service content and signs in. `presentedFingerprint`, when given, receives the
    // SHA-256 of the host's certificate: the wizard shows it for the user to confirm.
    static Expected<std::unique_ptr<VsphereSession>> open(const VsphereEndpoint &endpoint,
                                                          QString *presentedFingerprint = nullptr);
    ~VsphereSession();
    VsphereSession(const VsphereSession &) = delete;
    VsphereSession &operator=(const VsphereSession &) = delete;

    const vim::ServiceContent &content() const { return content_; }
    bool isStandaloneHost() const { return content_.apiType == QLatin1String("HostAgent"); }

    // Every VM, in every datacenter and folder. `progress` hears (done, total) per page and stops
    // the listing by returning false.
    Expected<QList<vim::VirtualMachine>> listVms(const std::function<bool(int, int)> &progress = {});
    // MAAS's lookup: by UUID (instance, then BIOS) when there is one, else by name.
    Expected<vim::VirtualMachine> findVm(const QString &uuid, const QString &name);
    Expected<vim::VirtualMachine> readVm(const vim::ObjectRef &vm);
    // Runs PowerOnVM_Task, PowerOffVM_Task or ResetVM_Task and waits for it to end.
    Expected<void> runVmTask(const QString &method, const vim::ObjectRef &vm);
    // The network cards first in the VM's boot order (MAAS sets it when it enlists a VM).
    Expected<void> bootFromNetwork(const vim::VirtualMachine &vm);
    // Whether this host's licence allows power calls. The free ESXi licence lists VMs but refuses
    // every change with RestrictedVersion: asked by repeating a VM's current power state, which
    // changes nothing on a licensed host (it fails with InvalidPowerState). Only for standalone
    // hosts: a vCenter manages only licensed ones.
    Expected<bool> powerAllowed(const QList<vim::VirtualMachine> &vms);

private:
    VsphereSession() = default;
    Expected<vim::Element> call(const QByteArray &envelope);
    Expected<vim::RetrieveResult> retrieve(const QByteArray &request, vim::Element &reply);
    Expected<void> waitForTask(const vim::ObjectRef &task);

    VsphereEndpoint endpoint_;
    std::unique_ptr<QNetworkAccessManager> network_;
    QString soapAction_;
    QString presented_; // the certificate's fingerprint, once seen
    vim::ServiceContent content_;
    bool signedIn_ = false;
    std::optional<vim::Fault> lastFault_; // the last call's SOAP fault, for callers that tell them apart
};

// vSphere's fault in words: what it means for the user, with vSphere's own text.
QString vsphereFaultText(const vim::Fault &fault);

} // namespace metaldesk
