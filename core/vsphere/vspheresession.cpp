#include "core/vsphere/vspheresession.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QThread>
#include <QUrl>
#include <QVersionNumber>

#include <algorithm>

namespace metaldesk {

namespace {

struct VsphereText {
    Q_DECLARE_TR_FUNCTIONS(Vsphere)
};

constexpr int callTimeoutMs = 30'000;
constexpr qint64 maxReplyBytes = 64 * 1024 * 1024;
constexpr int taskTimeoutMs = 300'000;
// The newest vim25 version MetalDesk was tested with; a newer host is spoken to in this one.
const QVersionNumber newestVersion({8, 0, 3, 0});

QString fingerprintOf(const QSslCertificate &certificate)
{
    return normaliseFingerprint(QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex()));
}

} // namespace

QString normaliseFingerprint(const QString &text)
{
    QString hex;
    for (QChar c : text)
        if (c.isLetterOrNumber())
            hex += c.toUpper();
    QStringList pairs;
    for (int i = 0; i < hex.size(); i += 2)
        pairs << hex.mid(i, 2);
    return pairs.join(QLatin1Char(':'));
}

QString vsphereFaultText(const vim::Fault &fault)
{
    const QString detail = fault.message.isEmpty() ? fault.type : fault.type + QLatin1String(": ") + fault.message;
    if (fault.type == QLatin1String("InvalidLogin"))
        return VsphereText::tr("vSphere refused the user name or password (%1)").arg(detail);
    if (fault.type == QLatin1String("RestrictedVersion"))
        return VsphereText::tr(
                   "this ESXi licence allows discovery only: the host refuses power and configuration calls (%1). "
                   "Switch its machines by hand, or give the host a licence that includes the vSphere API")
            .arg(detail);
    if (fault.type == QLatin1String("NoPermission") || fault.type == QLatin1String("NotAuthenticated"))
        return VsphereText::tr("the vSphere user may not do this (%1)").arg(detail);
    if (fault.type == QLatin1String("InvalidPowerState"))
        return VsphereText::tr("the VM's power state does not allow this (%1)").arg(detail);
    if (fault.type == QLatin1String("ManagedObjectNotFound"))
        return VsphereText::tr("the VM is no longer on the vSphere host (%1)").arg(detail);
    return VsphereText::tr("vSphere refused the call (%1)").arg(detail);
}

VsphereSession::~VsphereSession()
{
    if (signedIn_)
        (void)call(vim::logout(content_.sessionManager)); // the host frees the session at once
}

Expected<std::unique_ptr<VsphereSession>> VsphereSession::open(const VsphereEndpoint &endpoint,
                                                               QString *presentedFingerprint)
{
    std::unique_ptr<VsphereSession> session(new VsphereSession);
    session->endpoint_ = endpoint;
    session->endpoint_.fingerprint = normaliseFingerprint(endpoint.fingerprint);
    session->network_ = std::make_unique<QNetworkAccessManager>();
    session->soapAction_ = QStringLiteral("\"urn:vim25/6.0\"");
    auto fail = [&](Error error) -> Expected<std::unique_ptr<VsphereSession>> {
        if (presentedFingerprint)
            *presentedFingerprint = session->presented_;
        return error;
    };
    if (endpoint.host.trimmed().isEmpty())
        return Error{VsphereText::tr("the vSphere host's address is empty")};
    if (endpoint.user.isEmpty() || endpoint.password.isEmpty())
        return Error{VsphereText::tr("vSphere needs a user name and a password")};

    auto reply = session->call(vim::retrieveServiceContent());
    if (!reply)
        return fail(reply.error());
    auto values = vim::returnValues(*reply);
    if (!values)
        return fail(values.error());
    if (values->isEmpty())
        return fail(Error{VsphereText::tr("the host answered, but not as vSphere does (no service content)")});
    auto content = vim::parseServiceContent(*values->first());
    if (!content)
        return fail(content.error());
    session->content_ = *content;
    // Speak the host's own version, or the newest one MetalDesk knows when the host is newer.
    const QVersionNumber hostVersion = QVersionNumber::fromString(content->apiVersion);
    if (!hostVersion.isNull())
        session->soapAction_ = QStringLiteral("\"urn:vim25/%1\"")
                                   .arg((hostVersion > newestVersion ? newestVersion : hostVersion).toString());

    auto signedIn = session->call(vim::login(content->sessionManager, endpoint.user, endpoint.password));
    if (!signedIn)
        return fail(signedIn.error());
    session->signedIn_ = true;
    if (presentedFingerprint)
        *presentedFingerprint = session->presented_;
    return session;
}

Expected<vim::Element> VsphereSession::call(const QByteArray &envelope)
{
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(endpoint_.host.trimmed());
    url.setPort(endpoint_.port);
    url.setPath(QStringLiteral("/sdk"));
    if (!url.isValid())
        return Error{VsphereText::tr("'%1' is not a host name or address").arg(endpoint_.host)};
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/xml; charset=\"utf-8\""));
    request.setRawHeader("SOAPAction", soapAction_.toLatin1());
    request.setTransferTimeout(callTimeoutMs);
    lastFault_.reset();
    QNetworkReply *reply = network_->post(request, envelope);

    bool untrusted = false;
    QByteArray body;
    bool tooLarge = false;
    QObject::connect(reply, &QNetworkReply::sslErrors, reply, [&](const QList<QSslError> &errors) {
        QSslCertificate certificate = reply->sslConfiguration().peerCertificate();
        for (const QSslError &e : errors)
            if (certificate.isNull() && !e.certificate().isNull())
                certificate = e.certificate();
        presented_ = fingerprintOf(certificate);
        // No authority vouches for it: only the fingerprint the user confirmed makes it the host's.
        if (!endpoint_.verify || (!endpoint_.fingerprint.isEmpty() && presented_ == endpoint_.fingerprint))
            reply->ignoreSslErrors(errors);
        else
            untrusted = true;
    });
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [&] {
        body += reply->readAll();
        if (body.size() > maxReplyBytes) {
            tooLarge = true;
            reply->abort();
        }
    });
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    body += reply->readAll();
    const auto networkError = reply->error();
    const QString networkText = reply->errorString();
    if (presented_.isEmpty())
        presented_ = fingerprintOf(reply->sslConfiguration().peerCertificate());
    reply->deleteLater();

    const QString where = QStringLiteral("%1:%2").arg(endpoint_.host.trimmed()).arg(endpoint_.port);
    if (untrusted && endpoint_.fingerprint.isEmpty())
        return Error{
            VsphereText::tr("the certificate of %1 is not signed by an authority this computer trusts. Its SHA-256 "
                            "fingerprint is %2: compare it with the one the host shows, and confirm it to trust it")
                .arg(where, presented_)};
    if (untrusted)
        return Error{
            VsphereText::tr("the certificate of %1 has changed: it is now %2, and MetalDesk trusts %3. If the host's "
                            "certificate was replaced, confirm the new fingerprint; if not, something else answers "
                            "in its place")
                .arg(where, presented_, endpoint_.fingerprint)};
    if (tooLarge)
        return Error{VsphereText::tr("the reply of %1 is larger than 64 MiB: refused").arg(where)};
    if (!body.isEmpty()) {
        auto parsed = vim::parseXml(body);
        if (parsed) {
            if (auto fault = vim::faultOf(*parsed)) {
                lastFault_ = fault;
                return Error{vsphereFaultText(*fault)};
            }
            if (networkError == QNetworkReply::NoError)
                return parsed;
        } else if (networkError == QNetworkReply::NoError) {
            return parsed.error();
        }
    }
    if (networkError == QNetworkReply::NoError)
        return Error{VsphereText::tr("%1 sent an empty reply").arg(where)};
    const bool retryable =
        networkError != QNetworkReply::ContentNotFoundError && networkError != QNetworkReply::ProtocolUnknownError;
    return Error{VsphereText::tr("cannot reach the vSphere host at %1: %2").arg(where, networkText), retryable};
}

Expected<vim::RetrieveResult> VsphereSession::retrieve(const QByteArray &request, vim::Element &reply)
{
    auto answer = call(request);
    if (!answer)
        return answer.error();
    reply = std::move(*answer);
    auto values = vim::returnValues(reply);
    if (!values)
        return values.error();
    auto result = vim::parseRetrieveResult(*values);
    if (!result)
        return result.error();
    for (const auto &object : result->objects)
        if (object.missing) // read without the right (NotAuthenticated, NoPermission)
            return Error{vsphereFaultText(*object.missing)};
    return result;
}

Expected<QList<vim::VirtualMachine>> VsphereSession::listVms(const std::function<bool(int, int)> &progress)
{
    auto created =
        call(vim::createContainerView(content_.viewManager, content_.rootFolder, QStringLiteral("VirtualMachine")));
    if (!created)
        return created.error();
    auto values = vim::returnValues(*created);
    if (!values)
        return values.error();
    if (values->isEmpty() || values->first()->text.isEmpty())
        return Error{VsphereText::tr("the vSphere host made no view of its VMs")};
    const vim::ObjectRef view = values->first()->ref();

    QList<vim::VirtualMachine> vms;
    Expected<void> outcome;
    vim::Element reply;
    auto page = retrieve(vim::retrieveFromView(content_.propertyCollector, view, QStringLiteral("VirtualMachine"),
                                               vim::vmPropertyPaths()),
                         reply);
    while (true) {
        if (!page) {
            outcome = page.error();
            break;
        }
        for (const auto &object : page->objects) {
            vim::VirtualMachine vm = vim::parseVirtualMachine(object);
            if (!vm.isTemplate)
                vms << vm;
        }
        const QString token = page->token;
        if (progress && !progress(vms.size(), token.isEmpty() ? vms.size() : vms.size() + 1)) {
            outcome = Error{VsphereText::tr("stopped")};
            break;
        }
        if (token.isEmpty())
            break;
        page = retrieve(vim::continueRetrieve(content_.propertyCollector, token), reply);
    }
    (void)call(vim::destroyView(view)); // the session's end frees it too
    if (!outcome)
        return outcome.error();
    std::sort(vms.begin(), vms.end(),
              [](const vim::VirtualMachine &a, const vim::VirtualMachine &b) { return a.name < b.name; });
    return vms;
}

Expected<vim::VirtualMachine> VsphereSession::readVm(const vim::ObjectRef &vm)
{
    vim::Element reply;
    auto result = retrieve(vim::retrieveFromObject(content_.propertyCollector, vm, vim::vmPropertyPaths()), reply);
    if (!result)
        return result.error();
    if (result->objects.isEmpty())
        return Error{VsphereText::tr("the VM %1 is no longer on the vSphere host").arg(vm.value)};
    return vim::parseVirtualMachine(result->objects.first());
}

Expected<vim::VirtualMachine> VsphereSession::findVm(const QString &uuid, const QString &name)
{
    if (!uuid.isEmpty() && !content_.searchIndex.isNull()) {
        for (bool instance : {true, false}) {
            auto reply = call(vim::findByUuid(content_.searchIndex, uuid, instance));
            if (!reply)
                return reply.error();
            auto values = vim::returnValues(*reply);
            if (!values)
                return values.error();
            if (!values->isEmpty() && !values->first()->text.isEmpty())
                return readVm(values->first()->ref());
        }
    }
    if (!name.isEmpty()) {
        auto vms = listVms();
        if (!vms)
            return vms.error();
        for (const auto &vm : *vms)
            if (vm.name == name)
                return vm;
    }
    return Error{uuid.isEmpty()
                     ? VsphereText::tr("the vSphere host has no VM named '%1'").arg(name)
                     : VsphereText::tr("the vSphere host has no VM with UUID %1 (nor one named '%2')").arg(uuid, name)};
}

Expected<void> VsphereSession::waitForTask(const vim::ObjectRef &task)
{
    const QStringList paths{QStringLiteral("info.state"), QStringLiteral("info.error")};
    QElapsedTimer waited;
    waited.start();
    int pause = 50;
    while (true) {
        vim::Element reply;
        auto result = retrieve(vim::retrieveFromObject(content_.propertyCollector, task, paths), reply);
        if (!result)
            return result.error();
        if (result->objects.isEmpty())
            return Error{VsphereText::tr("the vSphere host forgot its task %1").arg(task.value)};
        auto state = vim::parseTaskState(result->objects.first());
        if (!state)
            return state.error();
        if (state->state == QLatin1String("success"))
            return {};
        if (state->state == QLatin1String("error")) {
            lastFault_ = state->error;
            return Error{vsphereFaultText(state->error.value_or(vim::Fault{QStringLiteral("Task"), {}}))};
        }
        if (waited.elapsed() > taskTimeoutMs)
            return Error{VsphereText::tr("the vSphere task %1 did not end within %2 minutes")
                             .arg(task.value)
                             .arg(taskTimeoutMs / 60000),
                         true};
        QThread::msleep(pause);
        pause = std::min(pause * 2, 1000);
    }
}

Expected<void> VsphereSession::runVmTask(const QString &method, const vim::ObjectRef &vm)
{
    auto reply = call(vim::vmTask(method, vm));
    if (!reply)
        return reply.error();
    auto values = vim::returnValues(*reply);
    if (!values)
        return values.error();
    if (values->isEmpty() || values->first()->text.isEmpty())
        return Error{VsphereText::tr("the vSphere host started no task for %1").arg(method)};
    return waitForTask(values->first()->ref());
}

Expected<void> VsphereSession::bootFromNetwork(const vim::VirtualMachine &vm)
{
    if (vm.nicKeys.isEmpty())
        return Error{VsphereText::tr("the VM %1 has no network card to boot from").arg(vm.name)};
    auto reply = call(vim::bootFromNetworkCards(vm.ref, vm.nicKeys));
    if (!reply)
        return reply.error();
    auto values = vim::returnValues(*reply);
    if (!values)
        return values.error();
    if (values->isEmpty() || values->first()->text.isEmpty())
        return Error{VsphereText::tr("the vSphere host started no task to change the boot order")};
    return waitForTask(values->first()->ref());
}

Expected<bool> VsphereSession::powerAllowed(const QList<vim::VirtualMachine> &vms)
{
    if (!isStandaloneHost())
        return true;
    for (const auto &listed : vms) {
        auto vm = readVm(listed.ref); // as it is now, not as it was listed
        if (!vm || vm->power == PowerState::Unknown)
            continue;
        // Asks for the state it is in: a licensed host refuses with InvalidPowerState and changes nothing.
        auto asked = runVmTask(vm->power == PowerState::On ? QStringLiteral("PowerOnVM_Task")
                                                           : QStringLiteral("PowerOffVM_Task"),
                               vm->ref);
        if (asked)
            return true;
        if (lastFault_ && lastFault_->type == QLatin1String("RestrictedVersion"))
            return false;
        if (lastFault_ && lastFault_->type == QLatin1String("InvalidPowerState"))
            return true;
        return asked.error();
    }
    return true; // no VM to ask: nothing to switch yet
}

} // namespace metaldesk
