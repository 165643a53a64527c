#include "core/vsphere/vimsoap.h"

#include "core/machines/machine.h"

#include <QCoreApplication>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

namespace metaldesk::vim {

namespace {

const QString soapNs = QStringLiteral("http://schemas.xmlsoap.org/soap/envelope/");
const QString xsiNs = QStringLiteral("http://www.w3.org/2001/XMLSchema-instance");
const QString vimNs = QStringLiteral("urn:vim25");
constexpr int maxDepth = 64;
constexpr int maxElements = 256 * 1024;

struct VsphereText {
    Q_DECLARE_TR_FUNCTIONS(Vsphere)
};

// One request: <Envelope><Body><Method xmlns="urn:vim25"><_this type=…>…</_this> and the arguments
// the caller writes, in the WSDL's order (vSphere refuses another order).
class Call {
public:
    Call(const QString &method, const ObjectRef &self) : writer_(&xml_)
    {
        writer_.writeStartDocument();
        writer_.writeNamespace(soapNs, QStringLiteral("soapenv"));
        writer_.writeNamespace(xsiNs, QStringLiteral("xsi"));
        writer_.writeStartElement(soapNs, QStringLiteral("Envelope"));
        writer_.writeStartElement(soapNs, QStringLiteral("Body"));
        writer_.writeDefaultNamespace(vimNs);
        writer_.writeStartElement(vimNs, method);
        ref(QStringLiteral("_this"), self);
    }
    Call &leaf(const QString &name, const QString &value)
    {
        writer_.writeTextElement(vimNs, name, value);
        return *this;
    }
    Call &ref(const QString &name, const ObjectRef &object)
    {
        writer_.writeStartElement(vimNs, name);
        writer_.writeAttribute(QStringLiteral("type"), object.type);
        writer_.writeCharacters(object.value);
        writer_.writeEndElement();
        return *this;
    }
    Call &open(const QString &name, const QString &xsiType = {})
    {
        writer_.writeStartElement(vimNs, name);
        if (!xsiType.isEmpty())
            writer_.writeAttribute(xsiNs, QStringLiteral("type"), xsiType);
        return *this;
    }
    Call &close()
    {
        writer_.writeEndElement();
        return *this;
    }
    QByteArray done()
    {
        writer_.writeEndDocument(); // closes every open element
        return xml_;
    }

private:
    QByteArray xml_;
    QXmlStreamWriter writer_;
};

void propertySpec(Call &call, const QString &type, const QStringList &paths)
{
    call.open(QStringLiteral("propSet")).leaf(QStringLiteral("type"), type);
    for (const QString &path : paths)
        call.leaf(QStringLiteral("pathSet"), path);
    call.close();
}

std::optional<Fault> localizedFault(const Element *element)
{
    // A LocalizedMethodFault: <fault xsi:type="InvalidPowerState">…</fault><localizedMessage>.
    if (!element)
        return std::nullopt;
    const Element *fault = element->child(u"fault");
    return Fault{fault ? fault->xsiType : QString(), element->childText(u"localizedMessage")};
}

} // namespace

const Element *Element::child(QStringView childName) const
{
    for (const Element &c : children)
        if (c.name == childName)
            return &c;
    return nullptr;
}

QList<const Element *> Element::all(QStringView childName) const
{
    QList<const Element *> found;
    for (const Element &c : children)
        if (c.name == childName)
            found << &c;
    return found;
}

QString Element::childText(QStringView childName) const
{
    const Element *c = child(childName);
    return c ? c->text : QString();
}

Expected<Element> parseXml(const QByteArray &xml)
{
    QXmlStreamReader reader(xml);
    Element root;
    QList<Element *> open; // the path from the root to the element being read
    int count = 0;
    while (!reader.atEnd()) {
        const auto token = reader.readNext();
        if (token == QXmlStreamReader::StartElement) {
            if (open.size() >= maxDepth || ++count > maxElements)
                return Error{VsphereText::tr("the vSphere host sent a reply too deep or too large to read")};
            Element *element = nullptr;
            if (open.isEmpty()) {
                if (!root.name.isEmpty())
                    return Error{VsphereText::tr("the vSphere host sent more than one XML document")};
                element = &root;
            } else {
                open.last()->children.append(Element{});
                element = &open.last()->children.last();
            }
            element->name = reader.name().toString();
            const QXmlStreamAttributes attributes = reader.attributes();
            element->type = attributes.value(QLatin1String("type")).toString();
            for (const auto &a : attributes)
                if (a.namespaceUri() == xsiNs && a.name() == QLatin1String("type")) {
                    const QStringView value = a.value();
                    element->xsiType = value.mid(value.lastIndexOf(QLatin1Char(':')) + 1).toString();
                }
            open << element;
        } else if (token == QXmlStreamReader::EndElement) {
            open.removeLast();
        } else if (token == QXmlStreamReader::Characters && !open.isEmpty() && open.last()->children.isEmpty()) {
            open.last()->text += reader.text();
        }
    }
    if (reader.hasError())
        return Error{VsphereText::tr("the vSphere host sent XML that does not parse (%1, line %2)")
                         .arg(reader.errorString())
                         .arg(reader.lineNumber())};
    if (root.name.isEmpty())
        return Error{VsphereText::tr("the vSphere host sent an empty reply")};
    return root;
}

std::optional<Fault> faultOf(const Element &envelope)
{
    const Element *body = envelope.child(u"Body");
    const Element *fault = body ? body->child(u"Fault") : nullptr;
    if (!fault)
        return std::nullopt;
    Fault f;
    f.message = fault->childText(u"faultstring").trimmed();
    if (const Element *detail = fault->child(u"detail"); detail && !detail->children.isEmpty()) {
        const Element &kind = detail->children.first();
        f.type = kind.xsiType;
        if (f.type.isEmpty()) // <InvalidLoginFault> without xsi:type
            f.type = kind.name.endsWith(QLatin1String("Fault")) ? kind.name.chopped(5) : kind.name;
    }
    if (f.type.isEmpty())
        f.type = fault->childText(u"faultcode").section(QLatin1Char(':'), -1);
    return f;
}

Expected<QList<const Element *>> returnValues(const Element &envelope)
{
    const Element *body = envelope.name == QLatin1String("Envelope") ? envelope.child(u"Body") : nullptr;
    if (!body || body->children.isEmpty() || !body->children.first().name.endsWith(QLatin1String("Response")))
        return Error{VsphereText::tr("the vSphere host sent something that is not a SOAP reply")};
    return body->children.first().all(u"returnval");
}

QByteArray retrieveServiceContent()
{
    return Call(QStringLiteral("RetrieveServiceContent"),
                {QStringLiteral("ServiceInstance"), QStringLiteral("ServiceInstance")})
        .done();
}

QByteArray login(const ObjectRef &sessionManager, const QString &user, const QString &password)
{
    return Call(QStringLiteral("Login"), sessionManager)
        .leaf(QStringLiteral("userName"), user)
        .leaf(QStringLiteral("password"), password)
        .done();
}

QByteArray logout(const ObjectRef &sessionManager) { return Call(QStringLiteral("Logout"), sessionManager).done(); }

QByteArray createContainerView(const ObjectRef &viewManager, const ObjectRef &container, const QString &type)
{
    return Call(QStringLiteral("CreateContainerView"), viewManager)
        .ref(QStringLiteral("container"), container)
        .leaf(QStringLiteral("type"), type)
        .leaf(QStringLiteral("recursive"), QStringLiteral("true"))
        .done();
}

QByteArray destroyView(const ObjectRef &view) { return Call(QStringLiteral("DestroyView"), view).done(); }

QByteArray retrieveFromView(const ObjectRef &propertyCollector, const ObjectRef &view, const QString &type,
                            const QStringList &paths)
{
    Call call(QStringLiteral("RetrievePropertiesEx"), propertyCollector);
    call.open(QStringLiteral("specSet"));
    propertySpec(call, type, paths);
    call.open(QStringLiteral("objectSet"))
        .ref(QStringLiteral("obj"), view)
        .leaf(QStringLiteral("skip"), QStringLiteral("true"))
        .open(QStringLiteral("selectSet"), QStringLiteral("TraversalSpec"))
        .leaf(QStringLiteral("type"), QStringLiteral("ContainerView"))
        .leaf(QStringLiteral("path"), QStringLiteral("view"))
        .leaf(QStringLiteral("skip"), QStringLiteral("false"))
        .close()
        .close()
        .close();
    // Pages of 100 VMs: a vCenter with thousands answers in parts (vcsim ignores it).
    return call.open(QStringLiteral("options")).leaf(QStringLiteral("maxObjects"), QStringLiteral("100")).done();
}

QByteArray continueRetrieve(const ObjectRef &propertyCollector, const QString &token)
{
    return Call(QStringLiteral("ContinueRetrievePropertiesEx"), propertyCollector)
        .leaf(QStringLiteral("token"), token)
        .done();
}

QByteArray retrieveFromObject(const ObjectRef &propertyCollector, const ObjectRef &object, const QStringList &paths)
{
    Call call(QStringLiteral("RetrievePropertiesEx"), propertyCollector);
    call.open(QStringLiteral("specSet"));
    propertySpec(call, object.type, paths);
    call.open(QStringLiteral("objectSet")).ref(QStringLiteral("obj"), object).close().close();
    return call.open(QStringLiteral("options")).done();
}

QByteArray findByUuid(const ObjectRef &searchIndex, const QString &uuid, bool instanceUuid)
{
    return Call(QStringLiteral("FindByUuid"), searchIndex)
        .leaf(QStringLiteral("uuid"), uuid)
        .leaf(QStringLiteral("vmSearch"), QStringLiteral("true"))
        .leaf(QStringLiteral("instanceUuid"), instanceUuid ? QStringLiteral("true") : QStringLiteral("false"))
        .done();
}

QByteArray vmTask(const QString &method, const ObjectRef &vm) { return Call(method, vm).done(); }

QByteArray bootFromNetworkCards(const ObjectRef &vm, const QList<int> &nicKeys)
{
    Call call(QStringLiteral("ReconfigVM_Task"), vm);
    call.open(QStringLiteral("spec")).open(QStringLiteral("bootOptions"));
    for (int key : nicKeys)
        call.open(QStringLiteral("bootOrder"), QStringLiteral("VirtualMachineBootOptionsBootableEthernetDevice"))
            .leaf(QStringLiteral("deviceKey"), QString::number(key))
            .close();
    return call.done();
}

Expected<ServiceContent> parseServiceContent(const Element &returnval)
{
    ServiceContent c;
    const auto ref = [&](QStringView name) {
        const Element *e = returnval.child(name);
        return e ? e->ref() : ObjectRef{};
    };
    c.rootFolder = ref(u"rootFolder");
    c.propertyCollector = ref(u"propertyCollector");
    c.viewManager = ref(u"viewManager");
    c.sessionManager = ref(u"sessionManager");
    c.searchIndex = ref(u"searchIndex");
    if (const Element *about = returnval.child(u"about")) {
        c.apiType = about->childText(u"apiType");
        c.apiVersion = about->childText(u"apiVersion");
        c.fullName = about->childText(u"fullName");
    }
    if (c.rootFolder.isNull() || c.propertyCollector.isNull() || c.sessionManager.isNull())
        return Error{
            VsphereText::tr("the host answered, but not as vSphere does (its service content lacks the root folder, "
                            "the property collector or the session manager)")};
    return c;
}

const Element *ObjectContent::value(QStringView path) const
{
    for (const Element *p : values)
        if (p->childText(u"name") == path)
            return p->child(u"val");
    return nullptr;
}

Expected<RetrieveResult> parseRetrieveResult(const QList<const Element *> &returnValues)
{
    RetrieveResult result;
    if (returnValues.isEmpty())
        return result; // nothing matched: vSphere returns no returnval at all
    const Element &r = *returnValues.first();
    result.token = r.childText(u"token");
    for (const Element *o : r.all(u"objects")) {
        ObjectContent content;
        if (const Element *obj = o->child(u"obj"))
            content.object = obj->ref();
        if (content.object.isNull())
            return Error{VsphereText::tr("the vSphere host listed an object without its reference")};
        content.values = o->all(u"propSet");
        if (const Element *missing = o->child(u"missingSet"))
            content.missing = localizedFault(missing->child(u"fault"));
        result.objects << content;
    }
    return result;
}

QStringList vmPropertyPaths()
{
    return {QStringLiteral("name"),
            QStringLiteral("config.uuid"),
            QStringLiteral("config.instanceUuid"),
            QStringLiteral("config.guestId"),
            QStringLiteral("config.firmware"),
            QStringLiteral("config.hardware.device"),
            QStringLiteral("config.template"),
            QStringLiteral("runtime.powerState")};
}

PowerState parsePowerState(const QString &vimState)
{
    if (vimState == QLatin1String("poweredOn") || vimState == QLatin1String("suspended"))
        return PowerState::On;
    if (vimState == QLatin1String("poweredOff"))
        return PowerState::Off;
    return PowerState::Unknown;
}

VirtualMachine parseVirtualMachine(const ObjectContent &content)
{
    VirtualMachine vm;
    vm.ref = content.object;
    const auto leaf = [&](QStringView path) {
        const Element *v = content.value(path);
        return v ? v->text.trimmed() : QString();
    };
    vm.name = leaf(u"name");
    vm.biosUuid = leaf(u"config.uuid").toLower();
    const QString instanceUuid = leaf(u"config.instanceUuid").toLower();
    vm.uuid = instanceUuid.isEmpty() ? vm.biosUuid : instanceUuid;
    // MAAS's probe: a 64-bit guest type is amd64, others i386; ESXi on ARM names its guests arm64.
    const QString guest = leaf(u"config.guestId").toLower();
    vm.architecture = guest.startsWith(QLatin1String("arm64")) ? QStringLiteral("arm64/generic")
                      : guest.contains(QLatin1String("64"))    ? QStringLiteral("amd64/generic")
                      : guest.isEmpty()                        ? QStringLiteral("amd64/generic")
                                                               : QStringLiteral("i386/generic");
    vm.firmware = leaf(u"config.firmware") == QLatin1String("efi") ? QStringLiteral("uefi") : QStringLiteral("bios");
    vm.power = parsePowerState(leaf(u"runtime.powerState"));
    vm.isTemplate = leaf(u"config.template") == QLatin1String("true");
    if (const Element *devices = content.value(u"config.hardware.device")) {
        for (const Element &device : devices->children) {
            const QString mac = normaliseMacAddress(device.childText(u"macAddress"));
            if (mac.isEmpty())
                continue; // not a network card, or one without an address yet
            bool ok = false;
            const int key = device.childText(u"key").toInt(&ok);
            vm.macAddresses << mac;
            if (ok)
                vm.nicKeys << key;
        }
    }
    return vm;
}

Expected<TaskState> parseTaskState(const ObjectContent &content)
{
    const Element *state = content.value(u"info.state");
    if (!state)
        return Error{VsphereText::tr("the vSphere host did not say how its task went")};
    TaskState t{state->text.trimmed(), std::nullopt};
    if (const Element *error = content.value(u"info.error"))
        t.error = localizedFault(error);
    return t;
}

} // namespace metaldesk::vim
