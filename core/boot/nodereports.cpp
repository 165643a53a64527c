#include "core/boot/nodereports.h"

#include "core/images/bootimagestore.h"

#include "core/lifecycle/lifecycleengine.h"
#include "core/lifecycle/lifecycletables.h"
#include "core/machines/noderesults.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcNodeReports, "metaldesk.metadata")

namespace {

constexpr qsizetype kMaxReasonLength = 2000;

Actor metadataActor() { return Actor::system(QStringLiteral("metadata")); }

QString statusText(NodeStatus s) { return QCoreApplication::translate("NodeStatus", nodeStatusLabel(s)); }

// A reason as the machine sent it, made safe for one line of the event log.
QString oneLine(QString text)
{
    for (QChar &c : text)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            c = QLatin1Char(' ');
    return text.simplified().left(kMaxReasonLength);
}

// A strict JSON object with string members: the status and cloud-init reports.
struct JsonReport {
    QJsonObject object;
    QString error;
    static JsonReport parse(QByteArrayView body, const char *what)
    {
        JsonReport r;
        QJsonParseError e;
        const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray(), &e);
        if (e.error != QJsonParseError::NoError)
            r.error = QStringLiteral("the %1 is not JSON: %2 at byte %3")
                          .arg(QLatin1String(what), e.errorString())
                          .arg(e.offset);
        else if (!doc.isObject())
            r.error = QStringLiteral("the %1 must be a JSON object").arg(QLatin1String(what));
        else
            r.object = doc.object();
        return r;
    }
    // The member as a string; `present` false when absent. Sets error when it is not a string.
    QString text(const char *key, bool required, int maxLength = 256)
    {
        const QJsonValue v = object.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull()) {
            if (required && error.isEmpty())
                error = QStringLiteral("%1 is missing").arg(QLatin1String(key));
            return {};
        }
        if (!v.isString()) {
            if (error.isEmpty())
                error = QStringLiteral("%1 must be a string").arg(QLatin1String(key));
            return {};
        }
        const QString s = v.toString();
        if (s.size() > maxLength && error.isEmpty())
            error = QStringLiteral("%1 is longer than %2 characters").arg(QLatin1String(key)).arg(maxLength);
        return s;
    }
};

} // namespace

NodeReports::NodeReports(std::shared_ptr<Database> db, ChangeFeed *feed, LifecycleEngine *engine)
    : db_(db),
      engine_(engine),
      machines_(db, feed),
      events_(db),
      tokens_(db),
      settings_(db),
      addresses_(db),
      config_(db),
      feed_(feed)
{
}

void NodeReports::record(const Machine &machine, const QString &type, EventLevel level, const QString &description)
{
    Event e;
    e.systemId = machine.systemId;
    e.hostname = machine.hostname;
    e.username = metadataActor().username;
    e.type = type;
    e.level = level;
    e.description = description;
    auto recorded = events_.record(e);
    if (!recorded) {
        qCWarning(lcNodeReports).noquote() << "cannot record an event:" << recorded.errorMessage();
        return;
    }
    if (feed_)
        emit feed_->eventRecorded(*recorded);
}

ReportOutcome<Machine> NodeReports::machine(const QString &systemId) const
{
    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    return *m;
}

// A refusal because the machine moved on is the client's problem (409); anything else is ours (503).
ReportError NodeReports::transitionError(const QString &systemId, const Error &error,
                                         std::optional<NodeStatus> to) const
{
    auto m = machines_.get(systemId);
    if (m && ((to && !isAllowedTransition(m->status, *to)) || (!to && !failureStatusFor(m->status))))
        return {ReportError::WrongStatus, error.message};
    return {ReportError::Unavailable, error.message};
}

ReportError NodeReports::ignored(const Machine &machine, const QString &purpose, const QString &expected)
{
    const QString reason = tr("Ignored the boot environment's %1 report: the machine is %2, not %3")
                               .arg(purpose, statusText(machine.status), expected);
    record(machine, QStringLiteral("metadata"), EventLevel::Warning, reason);
    return {ReportError::WrongStatus, reason};
}

Expected<void> NodeReports::saveResult(const QString &systemId, const QString &name, QByteArrayView output)
{
    auto db = db_->connection();
    if (!db)
        return db.error();
    Transaction txn(*db_, *db);
    if (!txn.begun())
        return Error{txn.beginError()};
    // The last one counts: a machine commissioned again replaces what it said before.
    auto gone = runQuery(*db,
                         QStringLiteral("DELETE FROM commissioning_results WHERE name = ? AND machine_id = "
                                        "(SELECT id FROM machines WHERE system_id = ?)"),
                         {name, systemId});
    if (!gone)
        return gone.error();
    auto saved = runQuery(*db,
                          QStringLiteral("INSERT INTO commissioning_results (machine_id, name, exit_status, output, "
                                         "created) SELECT id, ?, 0, ?, ? FROM machines WHERE system_id = ?"),
                          {name, QString::fromUtf8(output.toByteArray()), nowMs(), systemId});
    if (!saved)
        return saved.error();
    return txn.commit();
}

Expected<std::optional<NodeResult>> NodeReports::latestResult(const QString &systemId, const QString &name) const
{
    return NodeResultStore(db_).latest(systemId, name);
}

std::optional<ReportError> NodeReports::applyHardware(const QString &systemId, const Inventory &inventory)
{
    MachineStore::Hardware hw;
    hw.architecture = inventory.architecture;
    hw.cpuCount = inventory.cpuCount;
    hw.memory = inventory.memoryMiB;
    hw.storage = inventory.storageBytes();
    hw.bootDisk = inventory.bootDisk();
    if (auto set = machines_.setHardware(systemId, hw); !set)
        return ReportError{ReportError::Unavailable, set.errorMessage()};
    QStringList elsewhere;
    auto added = machines_.addInterfaces(systemId, inventory.macAddresses(), &elsewhere);
    if (!added)
        return ReportError{ReportError::Unavailable, added.errorMessage()};
    if (!elsewhere.isEmpty())
        qCWarning(lcNodeReports).noquote()
            << systemId << "reports NICs that belong to other machines:" << elsewhere.join(QLatin1String(", "));
    return std::nullopt;
}

ReportOutcome<Enlisted> NodeReports::enlist(QByteArrayView body)
{
    auto inventory = parseInventory(body);
    if (!inventory)
        return ReportError{ReportError::Invalid, inventory.errorMessage()};
    const QStringList macs = inventory->macAddresses();

    std::optional<Machine> known;
    for (const QString &mac : macs) {
        auto found = machines_.findByMac(mac);
        if (!found)
            return ReportError{ReportError::Unavailable, found.errorMessage()};
        if (*found) {
            known = **found;
            break;
        }
    }
    const QString architecture = supportedArchitecture(inventory->architecture);
    if (architecture.isEmpty()) {
        const QString supported = supportedArchitectures().join(QLatin1String(", "));
        if (known) {
            const QString reason = tr("The machine reports the architecture %1, which MetalDesk's boot environment "
                                      "does not support (it supports %2)")
                                       .arg(inventory->architecture, supported);
            record(*known, QStringLiteral("enlist"), EventLevel::Warning, reason);
            return ReportError{ReportError::Invalid, reason};
        }
        // No machine to attach it to: the event log still tells the user why nothing appeared.
        Machine nobody;
        const QString reason = tr("A machine (MAC %1) tried to enlist with the architecture %2, which MetalDesk's "
                                  "boot environment does not support (it supports %3)")
                                   .arg(inventory->bootMac, inventory->architecture, supported);
        record(nobody, QStringLiteral("enlist"), EventLevel::Warning, reason);
        return ReportError{ReportError::Invalid, reason};
    }

    if (known) {
        // Enlisting again adds nothing but NICs it did not report before; the rest is for
        // commissioning to establish.
        if (auto added = machines_.addInterfaces(known->systemId, macs); !added)
            return ReportError{ReportError::Unavailable, added.errorMessage()};
        if (auto token = tokens_.tokenFor(known->systemId); !token)
            return ReportError{ReportError::Unavailable, token.errorMessage()};
        record(*known, QStringLiteral("enlist"), EventLevel::Info,
               tr("The boot environment enlisted this machine again (it was known already): %1")
                   .arg(inventory->summary()));
        return Enlisted{known->systemId, known->hostname, false};
    }

    NewMachine spec;
    spec.architecture = architecture;
    spec.macAddresses = macs;
    spec.initialStatus = NodeStatus::New;
    auto created = engine_->createMachine(spec, Actor::system(QStringLiteral("enlistment")));
    if (!created) {
        // Another request enlisted the same machine a moment ago (both saw it unknown).
        for (const QString &mac : macs)
            if (auto found = machines_.findByMac(mac); found && *found)
                return Enlisted{(*found)->systemId, (*found)->hostname, false};
        return ReportError{ReportError::Unavailable, created.errorMessage()};
    }
    Inventory facts = *inventory;
    facts.architecture = architecture;
    if (auto problem = applyHardware(created->systemId, facts))
        return *problem;
    if (auto saved = saveResult(created->systemId, QLatin1String(kEnlistmentResult), body); !saved)
        return ReportError{ReportError::Unavailable, saved.errorMessage()};
    if (auto token = tokens_.tokenFor(created->systemId); !token)
        return ReportError{ReportError::Unavailable, token.errorMessage()};
    record(*created, QStringLiteral("enlist"), EventLevel::Info,
           tr("Enlisted by the boot environment: %1").arg(inventory->summary()));
    qCInfo(lcNodeReports).noquote() << "enlisted" << created->systemId << created->hostname
                                    << macs.join(QLatin1Char(','));
    return Enlisted{created->systemId, created->hostname, true};
}

ReportOutcome<Commissioned> NodeReports::commission(const QString &systemId, QByteArrayView body)
{
    auto inventory = parseInventory(body);
    if (!inventory)
        return ReportError{ReportError::Invalid, inventory.errorMessage()};
    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    if (m->status != NodeStatus::Commissioning)
        return ignored(*m, QStringLiteral("commission"), statusText(NodeStatus::Commissioning));
    const QString architecture = supportedArchitecture(inventory->architecture);
    if (architecture.isEmpty()) {
        const QString reason = tr("The machine reports the architecture %1, which MetalDesk's boot environment "
                                  "does not support (it supports %2)")
                                   .arg(inventory->architecture, supportedArchitectures().join(QLatin1String(", ")));
        if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
            return transitionError(systemId, failed.error(), std::nullopt);
        return ReportError{ReportError::Invalid, reason};
    }
    inventory->architecture = architecture;
    if (auto saved = saveResult(systemId, QLatin1String(kCommissioningResult), body); !saved)
        return ReportError{ReportError::Unavailable, saved.errorMessage()};
    if (auto problem = applyHardware(systemId, *inventory))
        return *problem;
    record(*m, QStringLiteral("commissioning"), EventLevel::Info,
           tr("Commissioning results received: %1").arg(inventory->summary()));
    if (auto ready = engine_->changeStatus(systemId, NodeStatus::Ready, metadataActor(), tr("Commissioning finished"));
        !ready)
        return transitionError(systemId, ready.error(), NodeStatus::Ready);
    auto settings = settings_.get(systemId);
    if (!settings)
        return ReportError{ReportError::Unavailable, settings.errorMessage()};
    qCInfo(lcNodeReports).noquote() << "commissioned" << systemId << m->hostname;
    return Commissioned{!settings->keepPoweredOn};
}

ReportOutcome<Accepted> NodeReports::reportStatus(const QString &systemId, QByteArrayView body)
{
    JsonReport report = JsonReport::parse(body, "status report");
    const QString purpose = report.error.isEmpty() ? report.text("purpose", true, 32) : QString();
    const QString result = report.error.isEmpty() ? report.text("result", true, 32) : QString();
    const QString reason = report.error.isEmpty() ? oneLine(report.text("reason", false, kMaxReasonLength)) : QString();
    if (!report.error.isEmpty())
        return ReportError{ReportError::Invalid, report.error};
    // Which statuses each purpose's reports belong to.
    QList<NodeStatus> expected;
    QString eventType;
    if (purpose == QLatin1String("commission")) {
        expected = {NodeStatus::Commissioning};
        eventType = QStringLiteral("commissioning");
    } else if (purpose == QLatin1String("deploy")) {
        expected = {NodeStatus::Deploying};
        eventType = QStringLiteral("deployment");
    } else if (purpose == QLatin1String("release")) {
        expected = {NodeStatus::Releasing, NodeStatus::DiskErasing};
        eventType = QStringLiteral("release");
    } else {
        return ReportError{ReportError::Invalid,
                           QStringLiteral("purpose must be commission, deploy or release, not \"%1\"").arg(purpose)};
    }
    if (result != QLatin1String("ok") && result != QLatin1String("failed") && result != QLatin1String("working"))
        return ReportError{ReportError::Invalid,
                           QStringLiteral("result must be ok, failed or working, not \"%1\"").arg(result)};

    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    if (result == QLatin1String("working")) {
        record(*m, eventType, EventLevel::Info,
               reason.isEmpty() ? tr("The boot environment is working")
                                : tr("The boot environment is working: %1").arg(reason));
        return Accepted{};
    }
    if (!expected.contains(m->status)) {
        QStringList names;
        for (NodeStatus s : std::as_const(expected))
            names << statusText(s);
        auto refusal = ignored(*m, purpose, names.join(QLatin1String(" / ")));
        if (!reason.isEmpty())
            refusal.reason += QStringLiteral(" (%1)").arg(reason);
        return refusal;
    }
    if (result == QLatin1String("failed")) {
        const QString why = reason.isEmpty() ? tr("The boot environment reported a failure without a reason") : reason;
        if (auto failed = engine_->markFailed(systemId, why, metadataActor()); !failed)
            return transitionError(systemId, failed.error(), std::nullopt);
        qCInfo(lcNodeReports).noquote() << systemId << purpose << "failed:" << why;
        return Accepted{};
    }
    // ok
    if (purpose == QLatin1String("commission"))
        return ReportError{ReportError::WrongStatus,
                           tr("Commissioning ends with the inventory (POST metaldesk/v1/commission), not a status")};
    if (purpose == QLatin1String("deploy")) {
        // The machine reboots into the installed system; should it start from the network again,
        // it is sent to its disk (MAAS's netboot off) until its cloud-init marks it Deployed.
        if (auto marked = settings_.markInstalled(systemId); !marked)
            return ReportError{ReportError::Unavailable, marked.errorMessage()};
        record(*m, eventType, EventLevel::Info,
               tr("The image is on the disk; the machine restarts into the installed system"));
        return Accepted{};
    }
    const QString done = m->status == NodeStatus::DiskErasing ? tr("Disks erased; released") : tr("Released");
    if (auto ready = engine_->changeStatus(systemId, NodeStatus::Ready, metadataActor(), done); !ready)
        return transitionError(systemId, ready.error(), NodeStatus::Ready);
    return Accepted{};
}

ReportOutcome<Deployment> NodeReports::deployment(const QString &systemId, const DeployContext &context)
{
    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    if (m->status != NodeStatus::Deploying)
        return ReportError{ReportError::WrongStatus,
                           tr("The machine is %1, not %2: there is nothing to deploy")
                               .arg(statusText(m->status), statusText(NodeStatus::Deploying))};
    auto settings = settings_.get(systemId);
    if (!settings)
        return ReportError{ReportError::Unavailable, settings.errorMessage()};
    auto token = tokens_.tokenFor(systemId);
    if (!token)
        return ReportError{ReportError::Unavailable, token.errorMessage()};

    Deployment d;
    d.disk = m->bootDisk;
    d.userData = settings->deploy.userData;
    QString image = settings->deploy.imageUrl.trimmed();
    if (image.isEmpty()) {
        auto fallback = config_.value(setting::DeployImageUrl);
        if (!fallback)
            return ReportError{ReportError::Unavailable, fallback.errorMessage()};
        image = fallback->trimmed();
    }
    // Paths under the boot root are files of the boot HTTP server.
    auto urlOf = [&context](QString path) {
        if (path.isEmpty() || path.startsWith(QLatin1String("http://")) || path.startsWith(QLatin1String("https://")))
            return path;
        QString base = context.bootHttpBase;
        if (!base.endsWith(QLatin1Char('/')))
            base += QLatin1Char('/');
        while (path.startsWith(QLatin1Char('/')))
            path.remove(0, 1);
        return base + path;
    };
    auto fromCatalogue = BootImageStore(db_).atLocation(image);
    if (!fromCatalogue)
        return ReportError{ReportError::Unavailable, fromCatalogue.errorMessage()};
    if (const auto &known = *fromCatalogue) {
        d.imageFormat = known->format;
        if (known->isRootFilesystem()) {
            const BootImageFile *kernel = known->file(QStringLiteral("boot-kernel"));
            const BootImageFile *initrd = known->file(QStringLiteral("boot-initrd"));
            if (!kernel || !initrd) { // the catalogue cannot change that: the deployment fails, saying why
                const QString reason =
                    tr("The image %1 has no kernel and initrd to install with it: import it again").arg(known->name);
                if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
                    return transitionError(systemId, failed.error(), std::nullopt);
                return ReportError{ReportError::WrongStatus, reason};
            }
            d.imageSha256 = known->sha256;
            d.kernelUrl = urlOf(kernel->location);
            d.kernelSha256 = kernel->sha256;
            d.initrdUrl = urlOf(initrd->location);
            d.initrdSha256 = initrd->sha256;
        }
    }
    d.imageUrl = urlOf(image);

    // The boot interface: the machine's first (the boot MAC when it enlisted).
    std::optional<Interface> boot;
    for (const Interface &i : std::as_const(m->interfaces))
        if (!boot || i.id < boot->id)
            boot = i;
    const DeploySettings &wanted = settings->deploy;
    if (boot && (!wanted.staticAddress.isEmpty() || (context.network && context.network->reservedFirst))) {
        StaticNetwork n;
        n.interfaceName = boot->name;
        n.macAddress = boot->macAddress;
        if (!wanted.staticAddress.isEmpty()) {
            n.address = wanted.staticAddress.section(QLatin1Char('/'), 0, 0);
            n.prefixLength = QHostAddress::parseSubnet(wanted.staticAddress).second;
        } else {
            const BootNetwork &net = *context.network;
            auto held = addresses_.assign(systemId, net.reservedFirst, net.reservedLast);
            if (!held)
                return ReportError{ReportError::Unavailable, held.errorMessage()};
            if (!*held) {
                const QString reason =
                    tr("No address is free in the reserved range %1-%2: widen the range on the Network page, or "
                       "give this machine a static address")
                        .arg(QHostAddress(net.reservedFirst).toString(), QHostAddress(net.reservedLast).toString());
                if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
                    return transitionError(systemId, failed.error(), std::nullopt);
                return ReportError{ReportError::WrongStatus, reason};
            }
            n.address = QHostAddress(**held).toString();
            n.prefixLength = net.prefixLength;
        }
        n.gateway = wanted.gateway;
        if (n.gateway.isEmpty() && context.network && context.network->router)
            n.gateway = QHostAddress(context.network->router).toString();
        n.dnsServers = wanted.dnsServers;
        if (n.dnsServers.isEmpty() && context.network)
            for (quint32 dns : context.network->dnsServers)
                n.dnsServers << QHostAddress(dns).toString();
        d.network = n;
    }
    d.cloudConfig = cloudConfig({context.metadataUrl, systemId, *token, d.network});
    const QString address =
        d.network ? QStringLiteral("%1 (%2)").arg(d.network->cidr(), d.network->interfaceName) : tr("DHCP");
    record(*m, QStringLiteral("deployment"), EventLevel::Info,
           tr("The boot environment asked what to install: %1, address %2")
               .arg(d.imageUrl.isEmpty() ? tr("no image chosen") : d.imageUrl, address));
    return d;
}

ReportOutcome<QByteArray> NodeReports::userData(const QString &systemId)
{
    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    if (m->status == NodeStatus::Deploying) {
        auto deployed = engine_->changeStatus(systemId, NodeStatus::Deployed, metadataActor(),
                                              tr("Deployed: the installed system's cloud-init fetched its "
                                                 "configuration"));
        if (!deployed) {
            const ReportError e = transitionError(systemId, deployed.error(), NodeStatus::Deployed);
            if (e.kind == ReportError::Unavailable)
                return e;
            // It moved on meanwhile (aborted, released): the user-data is still its own.
        } else {
            qCInfo(lcNodeReports).noquote() << "deployed" << systemId << m->hostname;
        }
    }
    auto settings = settings_.get(systemId);
    if (!settings)
        return ReportError{ReportError::Unavailable, settings.errorMessage()};
    return settings->deploy.userData.toUtf8();
}

ReportOutcome<Accepted> NodeReports::cloudInitEvent(const QString &systemId, QByteArrayView body)
{
    JsonReport report = JsonReport::parse(body, "cloud-init event");
    const QString name = report.error.isEmpty() ? report.text("name", true) : QString();
    const QString type = report.error.isEmpty() ? report.text("event_type", true, 32) : QString();
    const QString result = report.error.isEmpty() ? report.text("result", false, 32) : QString();
    const QString description =
        report.error.isEmpty() ? oneLine(report.text("description", false, kMaxReasonLength)) : QString();
    if (!report.error.isEmpty())
        return ReportError{ReportError::Invalid, report.error};
    const bool failure = result == QLatin1String("FAIL") || result == QLatin1String("FAILURE");
    // cloud-init sends a start and a finish for every module; the stages' finishes and every
    // failure are what a user wants to read.
    const bool topLevel = !name.contains(QLatin1Char('/'));
    if (!failure && !(topLevel && type == QLatin1String("finish")))
        return Accepted{};
    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    const EventLevel level = failure                           ? EventLevel::Error
                             : result == QLatin1String("WARN") ? EventLevel::Warning
                                                               : EventLevel::Info;
    const QString what = result.isEmpty() ? type : QStringLiteral("%1 (%2)").arg(type, result);
    record(*m, QStringLiteral("cloud-init"), level,
           tr("cloud-init %1 %2: %3").arg(oneLine(name), oneLine(what), description));
    if (failure && topLevel && m->status == NodeStatus::Deploying) {
        if (auto failed = engine_->markFailed(
                systemId,
                tr("cloud-init failed in the installed system: %1").arg(description.isEmpty() ? name : description),
                metadataActor());
            !failed)
            return transitionError(systemId, failed.error(), std::nullopt);
    }
    return Accepted{};
}

} // namespace metaldesk
