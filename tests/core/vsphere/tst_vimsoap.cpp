// vSphere's SOAP envelopes and replies, without a network: the requests are checked element by
// element (vSphere refuses arguments out of the WSDL's order), the replies are ones vcsim sent
// (captured with curl into data/) and ESXi's shapes from VMware's documentation.
#include "core/vsphere/vimsoap.h"

#include <QFile>
#include <QtTest>

using namespace metaldesk;
using namespace metaldesk::vim;
using namespace Qt::StringLiterals;

namespace {

QByteArray data(const QString &name)
{
    QFile f(QStringLiteral(DATA_DIR "/") + name);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Element parsed(const QByteArray &xml)
{
    auto e = parseXml(xml);
    if (!e)
        qWarning() << e.errorMessage();
    return e ? *e : Element{};
}

// The element names under the request's method, in order, with one level of children.
QStringList shape(const QByteArray &request)
{
    const Element envelope = parsed(request);
    const Element *body = envelope.child(u"Body");
    QStringList names;
    if (!body || body->children.isEmpty())
        return names;
    const Element &method = body->children.first();
    names << method.name;
    for (const Element &argument : method.children) {
        QString name = argument.name;
        for (const Element &inner : argument.children)
            name += QLatin1Char('/') + inner.name;
        names << name;
    }
    return names;
}

// An ESXi fault as VMware documents it: xsi: prefix, detail element named after the fault.
const QByteArray restrictedFault =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<soapenv:Envelope xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" "
    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><soapenv:Fault>"
    "<faultcode>ServerFaultCode</faultcode><faultstring>Current license or ESXi version prohibits execution of the "
    "requested operation.</faultstring><detail><RestrictedVersionFault xmlns=\"urn:vim25\" "
    "xsi:type=\"RestrictedVersion\"></RestrictedVersionFault></detail></soapenv:Fault></soapenv:Body>"
    "</soapenv:Envelope>";

} // namespace

class TestVimSoap : public QObject {
    Q_OBJECT
private slots:
    void loginEscapesAndKeepsOrder()
    {
        const QByteArray request = login({QStringLiteral("SessionManager"), QStringLiteral("ha-sessionmgr")},
                                         QStringLiteral("root"), QStringLiteral("p<&>\"w"));
        QCOMPARE(shape(request), (QStringList{u"Login"_s, u"_this"_s, u"userName"_s, u"password"_s}));
        const Element e = parsed(request);
        const Element &method = e.child(u"Body")->children.first();
        QCOMPARE(method.child(u"_this")->ref(), (ObjectRef{u"SessionManager"_s, u"ha-sessionmgr"_s}));
        QCOMPARE(method.childText(u"password"), QStringLiteral("p<&>\"w"));
        QVERIFY(!request.contains("p<&>")); // escaped on the wire
        QVERIFY(request.contains("xmlns=\"urn:vim25\""));
    }

    void retrieveFromViewFollowsTheWsdlOrder()
    {
        const QByteArray request =
            retrieveFromView({u"PropertyCollector"_s, u"propertyCollector"_s}, {u"ContainerView"_s, u"session[1]2"_s},
                             u"VirtualMachine"_s, {u"name"_s, u"runtime.powerState"_s});
        QCOMPARE(shape(request), (QStringList{u"RetrievePropertiesEx"_s, u"_this"_s, u"specSet/propSet/objectSet"_s,
                                              u"options/maxObjects"_s}));
        const Element e = parsed(request);
        const Element *objectSet = e.child(u"Body")->children.first().child(u"specSet")->child(u"objectSet");
        QStringList order;
        for (const Element &c : objectSet->children)
            order << c.name;
        QCOMPARE(order, (QStringList{u"obj"_s, u"skip"_s, u"selectSet"_s}));
        QCOMPARE(objectSet->child(u"selectSet")->xsiType, QStringLiteral("TraversalSpec"));
        QCOMPARE(objectSet->child(u"obj")->ref().value, QStringLiteral("session[1]2"));
    }

    void bootOrderListsEveryNetworkCard()
    {
        const QByteArray request = bootFromNetworkCards({u"VirtualMachine"_s, u"vm-57"_s}, {4000, 4001});
        QCOMPARE(shape(request), (QStringList{u"ReconfigVM_Task"_s, u"_this"_s, u"spec/bootOptions"_s}));
        const Element e = parsed(request);
        const auto order = e.child(u"Body")->children.first().child(u"spec")->child(u"bootOptions")->all(u"bootOrder");
        QCOMPARE(order.size(), 2);
        QCOMPARE(order[0]->xsiType, QStringLiteral("VirtualMachineBootOptionsBootableEthernetDevice"));
        QCOMPARE(order[1]->childText(u"deviceKey"), QStringLiteral("4001"));
    }

    void readsVcsimsVms()
    {
        const Element reply = parsed(data(QStringLiteral("vms-vcsim.xml")));
        QVERIFY(!faultOf(reply));
        auto values = returnValues(reply);
        QVERIFY2(values, qPrintable(values.errorMessage()));
        auto result = parseRetrieveResult(*values);
        QVERIFY2(result, qPrintable(result.errorMessage()));
        QCOMPARE(result->objects.size(), 4);
        QVERIFY(result->token.isEmpty());
        const VirtualMachine vm = parseVirtualMachine(result->objects.first());
        QCOMPARE(vm.ref, (ObjectRef{u"VirtualMachine"_s, u"vm-57"_s}));
        QCOMPARE(vm.name, QStringLiteral("DC0_H0_VM0"));
        QCOMPARE(vm.uuid, QStringLiteral("b4689bed-97f0-5bcd-8a4c-07477cc8f06f")); // the instance UUID
        QCOMPARE(vm.biosUuid, QStringLiteral("265104de-1472-547c-b873-6dc7883fb6cb"));
        QCOMPARE(vm.firmware, QStringLiteral("bios"));
        QCOMPARE(vm.power, PowerState::On);
        QCOMPARE(vm.macAddresses, QStringList{u"00:0c:29:36:63:62"_s});
        QCOMPARE(vm.nicKeys, QList<int>{4000});
        QCOMPARE(vm.architecture, QStringLiteral("i386/generic")); // MAAS: "otherGuest" has no 64 in it
        QVERIFY(!vm.isTemplate);
    }

    void readsFaultsByTypeNotText()
    {
        const auto invalidLogin = faultOf(parsed(data(QStringLiteral("fault-invalidlogin-vcsim.xml"))));
        QVERIFY(invalidLogin);
        QCOMPARE(invalidLogin->type, QStringLiteral("InvalidLogin"));
        QCOMPARE(invalidLogin->message, QStringLiteral("Login failure"));

        const auto restricted = faultOf(parsed(restrictedFault));
        QVERIFY(restricted);
        QCOMPARE(restricted->type, QStringLiteral("RestrictedVersion"));
        QVERIFY(restricted->message.contains(QLatin1String("prohibits")));

        // No xsi:type: the detail element's name says it.
        QByteArray bare = restrictedFault;
        bare.replace(" xsi:type=\"RestrictedVersion\"", "");
        QCOMPARE(faultOf(parsed(bare))->type, QStringLiteral("RestrictedVersion"));
    }

    void missingSetFaultIsSeen()
    {
        // Properties read without a session come back in a 200 reply with a missingSet fault.
        const QByteArray reply =
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><RetrievePropertiesExResponse "
            "xmlns=\"urn:vim25\"><returnval><objects><obj type=\"VirtualMachine\">vm-1</obj><missingSet><path>name"
            "</path><fault><fault xsi:type=\"NotAuthenticated\"><object type=\"VirtualMachine\">vm-1</object>"
            "<privilegeId>System.View</privilegeId></fault><localizedMessage></localizedMessage></fault>"
            "</missingSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";
        const Element envelope = parsed(reply); // the result points into it: kept while it is read
        auto values = returnValues(envelope);
        auto result = parseRetrieveResult(*values);
        QVERIFY(result);
        QCOMPARE(result->objects.size(), 1);
        QVERIFY(result->objects.first().missing);
        QCOMPARE(result->objects.first().missing->type, QStringLiteral("NotAuthenticated"));
    }

    void serviceContentOfAnEsxiHost()
    {
        const Element reply = parsed(data(QStringLiteral("servicecontent-esx-vcsim.xml")));
        auto content = parseServiceContent(*returnValues(reply)->first());
        QVERIFY2(content, qPrintable(content.errorMessage()));
        QCOMPARE(content->apiType, QStringLiteral("HostAgent"));
        QCOMPARE(content->rootFolder, (ObjectRef{u"Folder"_s, u"ha-folder-root"_s}));
        QCOMPARE(content->sessionManager.value, QStringLiteral("ha-sessionmgr"));
        QVERIFY(content->fullName.startsWith(QLatin1String("VMware ESXi")));
    }

    void taskStates()
    {
        const QByteArray reply =
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><RetrievePropertiesExResponse "
            "xmlns=\"urn:vim25\"><returnval><objects><obj type=\"Task\">task-9</obj><propSet><name>info.error</name>"
            "<val xsi:type=\"LocalizedMethodFault\"><fault xsi:type=\"InvalidPowerState\"><requestedState>poweredOff"
            "</requestedState><existingState>poweredOff</existingState></fault><localizedMessage>The attempted "
            "operation cannot be performed in the current state (Powered off).</localizedMessage></val></propSet>"
            "<propSet><name>info.state</name><val xsi:type=\"TaskInfoState\">error</val></propSet></objects>"
            "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";
        const Element envelope = parsed(reply); // the result points into it: kept while it is read
        auto values = returnValues(envelope);
        auto result = parseRetrieveResult(*values);
        auto state = parseTaskState(result->objects.first());
        QVERIFY(state);
        QCOMPARE(state->state, QStringLiteral("error"));
        QCOMPARE(state->error->type, QStringLiteral("InvalidPowerState"));
        QVERIFY(state->error->message.contains(QLatin1String("Powered off")));
    }

    void badInputIsRefused_data()
    {
        QTest::addColumn<QByteArray>("xml");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not xml") << QByteArray("HTTP/1.1 200 OK");
        QTest::newRow("unclosed") << QByteArray("<Envelope><Body>");
        QTest::newRow("two roots") << QByteArray("<a/><b/>");
        QTest::newRow("deep") << (QByteArray("<a>").repeated(100) + QByteArray("</a>").repeated(100));
    }
    void badInputIsRefused()
    {
        QFETCH(QByteArray, xml);
        QVERIFY(!parseXml(xml));
    }

    void notASoapReply()
    {
        QVERIFY(!returnValues(parsed("<html><body>Welcome to ESXi</body></html>")));
        QVERIFY(!parseServiceContent(parsed("<returnval><about/></returnval>")));
        // An object without a reference is not half-read.
        const QByteArray noRef = "<Envelope><Body><RetrievePropertiesExResponse><returnval><objects><propSet/>"
                                 "</objects></returnval></RetrievePropertiesExResponse></Body></Envelope>";
        QVERIFY(!parseRetrieveResult(*returnValues(parsed(noRef))));
    }
};

QTEST_GUILESS_MAIN(TestVimSoap)
#include "tst_vimsoap.moc"
