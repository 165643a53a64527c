#pragma once

#include "core/base/expected.h"
#include "core/power/powerdriver.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// vSphere's SOAP API (vim25), as pure functions: the envelopes MetalDesk sends and the replies it
// reads. No network here (VsphereSession carries them), so all of it is tested on captured XML
// and fuzzed. Facts: docs/vsphere.md and VMware's vim25 WSDL.
namespace metaldesk::vim {

// A managed object reference: <obj type="VirtualMachine">vm-57</obj>.
struct ObjectRef {
    QString type;
    QString value;
    bool isNull() const { return value.isEmpty(); }
    bool operator==(const ObjectRef &) const = default;
};

// One element of a reply. Names are local: vim25 replies come with varying prefixes (vcsim writes
// "XMLSchema-instance:type", ESXi "xsi:type"), so prefixes are dropped and xsi:type kept apart.
struct Element {
    QString name;
    QString type;    // the "type" attribute, a reference's type
    QString xsiType; // xsi:type without its prefix: "VirtualE1000"
    QString text;    // the text of a leaf
    QList<Element> children;

    const Element *child(QStringView childName) const;
    QList<const Element *> all(QStringView childName) const;
    QString childText(QStringView childName) const;
    ObjectRef ref() const { return {type, text}; }
};

// Well-formed XML, at most 64 levels deep and 256k elements (a hostile host cannot make it grow
// without bound), or the reason it was refused.
Expected<Element> parseXml(const QByteArray &xml);

// A SOAP fault: vSphere's fault type ("InvalidLogin") and its text.
struct Fault {
    QString type;
    QString message;
};
// The fault in a reply, if it is one.
std::optional<Fault> faultOf(const Element &envelope);
// The reply's <returnval>s (Body/<Method>Response/returnval); none when the call returned nothing.
// Refused when the envelope is not a SOAP reply.
Expected<QList<const Element *>> returnValues(const Element &envelope);

// --- requests ---
QByteArray retrieveServiceContent();
QByteArray login(const ObjectRef &sessionManager, const QString &user, const QString &password);
QByteArray logout(const ObjectRef &sessionManager);
QByteArray createContainerView(const ObjectRef &viewManager, const ObjectRef &container, const QString &type);
QByteArray destroyView(const ObjectRef &view);
// The listed properties of every object a container view holds (RetrievePropertiesEx).
QByteArray retrieveFromView(const ObjectRef &propertyCollector, const ObjectRef &view, const QString &type,
                            const QStringList &paths);
QByteArray continueRetrieve(const ObjectRef &propertyCollector, const QString &token);
// The listed properties of one object.
QByteArray retrieveFromObject(const ObjectRef &propertyCollector, const ObjectRef &object, const QStringList &paths);
QByteArray findByUuid(const ObjectRef &searchIndex, const QString &uuid, bool instanceUuid);
// "PowerOnVM_Task", "PowerOffVM_Task", "ResetVM_Task": a task on the VM.
QByteArray vmTask(const QString &method, const ObjectRef &vm);
// ReconfigVM_Task whose boot order is these network cards (by device key), then the firmware's own.
QByteArray bootFromNetworkCards(const ObjectRef &vm, const QList<int> &nicKeys);

// --- replies ---
struct ServiceContent {
    ObjectRef rootFolder, propertyCollector, viewManager, sessionManager, searchIndex;
    QString apiType; // "HostAgent" (ESXi) or "VirtualCenter"
    QString apiVersion;
    QString fullName; // "VMware ESXi 7.0.3 build-…", for the wizard
};
Expected<ServiceContent> parseServiceContent(const Element &returnval);

// A property as RetrievePropertiesEx returns it: one object's named values.
struct ObjectContent {
    ObjectRef object;
    QList<const Element *> values; // each a propSet: <name> and <val>
    std::optional<Fault> missing;  // the first missingSet fault (NotAuthenticated, NoPermission)
    const Element *value(QStringView path) const;
};
struct RetrieveResult {
    QList<ObjectContent> objects;
    QString token; // more to fetch with continueRetrieve
};
Expected<RetrieveResult> parseRetrieveResult(const QList<const Element *> &returnValues);

// A VM as MetalDesk reads it, with the paths it asks for (vmPropertyPaths).
struct VirtualMachine {
    ObjectRef ref;
    QString name;
    QString uuid;         // the instance UUID (vCenter's), else the BIOS UUID, lower case
    QString biosUuid;     // config.uuid
    QString architecture; // MAAS's form, from the guest type
    QString firmware;     // "bios" or "uefi"
    QStringList macAddresses;
    QList<int> nicKeys; // device keys of its network cards, for the boot order
    PowerState power = PowerState::Unknown;
    bool isTemplate = false; // a template cannot be switched on: never a machine
};
QStringList vmPropertyPaths();
VirtualMachine parseVirtualMachine(const ObjectContent &content);
PowerState parsePowerState(const QString &vimState); // suspended counts as on, as in MAAS

// A task's progress: "queued", "running", "success" or "error" with its fault.
struct TaskState {
    QString state;
    std::optional<Fault> error;
};
Expected<TaskState> parseTaskState(const ObjectContent &content);

} // namespace metaldesk::vim
