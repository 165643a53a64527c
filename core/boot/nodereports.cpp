#include "core/boot/nodereports.h"

#include "core/boot/bootenvtexts.h"
#include "core/images/bootimagestore.h"

#include "core/lifecycle/lifecycleengine.h"
#include "core/lifecycle/lifecycletables.h"
#include "core/machines/noderesults.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QUrl>

namespace metaldesk {

Q_LOGGING_CATEGORY(lcNodeReports, "metaldesk.metadata")

namespace {

constexpr qsizetype kMaxReasonLength = 2000;
constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kLimitWarningMs = 10 * kMinuteMs; // how often the log says enlistment hit its count limit

Actor metadataActor() { return Actor::system(QStringLiteral("metadata")); }

QString statusText(NodeStatus s) { return QCoreApplication::translate("NodeStatus", nodeStatusLabel(s)); }
Text statusWord(NodeStatus s) { return Text("NodeStatus", nodeStatusLabel(s)); }

Text unsupportedArchitecture(const QString &architecture)
{
    return Text::event(QT_TRANSLATE_NOOP("Events", "The machine reports the architecture %1, which MetalDesk's boot "
                                                   "environment does not support (it supports %2)"))
        .arg(architecture)
        .arg(supportedArchitectures().join(QLatin1String(", ")));
}

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

// A machine's report, stored as parsed: the last one of a name counts (a machine commissioned
// again replaces what it said before).
Expected<void> replaceResult(const QSqlDatabase &db, qint64 machineId, const QString &name, const QByteArray &output)
{
    auto gone = runQuery(db, QStringLiteral("DELETE FROM commissioning_results WHERE name = ? AND machine_id = ?"),
                         {name, machineId});
    if (!gone)
        return gone.error();
    auto saved = runQuery(db,
                          QStringLiteral("INSERT INTO commissioning_results (machine_id, name, exit_status, output, "
                                         "created) VALUES (?, ?, 0, ?, ?)"),
                          {machineId, name, QString::fromUtf8(output), nowMs()});
    if (!saved)
        return saved.error();
    return {};
}

// An event written in the caller's transaction (emitted by the engine after it commits).
Expected<void> insertEvent(const QSqlDatabase &db, const Machine &machine, const QString &type, const Text &message,
                           QList<Event> &events)
{
    Event e;
    e.systemId = machine.systemId;
    e.hostname = machine.hostname;
    e.username = metadataActor().username;
    e.type = type;
    e.level = EventLevel::Info;
    e.message = message;
    auto recorded = EventStore::insert(db, e);
    if (!recorded)
        return recorded.error();
    events << *recorded;
    return {};
}

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
      feed_(feed),
      enlistments_(3, kMinuteMs),
      machineEvents_(kEventsPerMinute, kMinuteMs),
      limitWarnings_(1, kLimitWarningMs, 1)
{
    clock_.start();
}

void NodeReports::record(const Machine &machine, const QString &type, EventLevel level, const Text &message,
                         Source source)
{
    Event e;
    e.systemId = machine.systemId;
    e.hostname = machine.hostname;
    e.username = metadataActor().username;
    e.type = type;
    e.level = level;
    auto write = [this](const Event &event) {
        auto recorded = events_.record(event);
        if (!recorded) {
            qCWarning(lcNodeReports).noquote() << "cannot record an event:" << recorded.errorMessage();
            return;
        }
        if (feed_)
            emit feed_->eventRecorded(*recorded);
    };
    if (!machine.systemId.isEmpty()) {
        const QString budget =
            source == Source::Anonymous ? QStringLiteral("anonymous:") + machine.systemId : machine.systemId;
        const RateLimiter::Verdict verdict = machineEvents_.take(budget, monotonicMs());
        if (!verdict.allowed) {
            qCDebug(lcNodeReports).noquote()
                << "not recorded (over the limit):" << machine.systemId << message.english();
            return;
        }
        if (verdict.refusedBefore > 0) {
            Event dropped = e;
            dropped.type = QStringLiteral("metadata");
            dropped.level = EventLevel::Warning;
            dropped.message = Text::event(QT_TRANSLATE_N_NOOP("Events", "%n reports of the machine were not recorded: "
                                                                        "more than %1 came within a minute"),
                                          verdict.refusedBefore)
                                  .arg(kEventsPerMinute);
            write(dropped);
        }
    }
    e.message = message;
    write(e);
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

ReportError NodeReports::ignored(const Machine &machine, const QString &purpose, const QList<NodeStatus> &expected)
{
    const Text wanted = expected.size() == 2 ? Text::event(QT_TRANSLATE_NOOP("Events", "%1 or %2"))
                                                   .arg(statusWord(expected.first()))
                                                   .arg(statusWord(expected.last()))
                                             : statusWord(expected.value(0));
    const Text reason = Text::event(QT_TRANSLATE_NOOP("Events", "Ignored the boot environment's %1 report: the "
                                                                "machine is %2, not %3"))
                            .arg(purpose)
                            .arg(statusWord(machine.status))
                            .arg(wanted);
    record(machine, QStringLiteral("metadata"), EventLevel::Warning, reason);
    return {ReportError::WrongStatus, reason.english()};
}

Expected<std::optional<NodeResult>> NodeReports::latestResult(const QString &systemId, const QString &name) const
{
    return NodeResultStore(db_).latest(systemId, name);
}

namespace {

// An image URL as the event log may keep it: the machine gets the credentials, the log does not.
QString withoutCredentials(const QString &url) { return QUrl(url).toDisplayString(QUrl::RemoveUserInfo); }

MachineStore::Hardware hardwareOf(const Inventory &inventory, bool withBootDisk)
{
    MachineStore::Hardware hw;
    hw.architecture = inventory.architecture;
    hw.cpuCount = inventory.cpuCount;
    hw.memory = inventory.memoryMiB;
    hw.storage = inventory.storageBytes();
    if (withBootDisk)
        hw.bootDisk = inventory.bootDisk();
    return hw;
}

} // namespace

ReportError NodeReports::refuseEnlistment(const Text &reason, int retryAfterSeconds)
{
    // The user learns why machines do not appear, once in a while (every refusal is counted on the
    // Services page).
    if (limitWarnings_.take(QStringLiteral("count"), monotonicMs()).allowed) {
        record(Machine{}, QStringLiteral("enlist"), EventLevel::Warning, reason);
        qCWarning(lcNodeReports).noquote() << "enlistment refused:" << reason.english();
    }
    return ReportError{ReportError::Limited, reason.english(), retryAfterSeconds};
}

ReportOutcome<Enlisted> NodeReports::enlist(QByteArrayView body, const QHostAddress &from)
{
    auto perMinute = config_.integer(setting::EnlistPerMinute);
    auto maxNew = config_.integer(setting::EnlistMaxNewMachines);
    if (!perMinute || !maxNew)
        return ReportError{ReportError::Unavailable, !perMinute ? perMinute.errorMessage() : maxNew.errorMessage()};
    // The rate comes first: a flood costs a table lookup, not a parse or a write.
    enlistments_.setLimit(*perMinute);
    const QString source = from.isNull() ? QStringLiteral("-") : from.toString();
    const RateLimiter::Verdict verdict = enlistments_.take(source, monotonicMs());
    if (!verdict.allowed) {
        const int wait = int((verdict.retryAfterMs + 999) / 1000);
        return ReportError{ReportError::Limited,
                           tr("%1 has enlisted %n times within a minute, the most enlist_per_minute allows: try "
                              "again in %2 s",
                              "", *perMinute)
                               .arg(source)
                               .arg(wait),
                           wait};
    }
    if (*maxNew == 0)
        return refuseEnlistment(
            Text::event(QT_TRANSLATE_NOOP("Events", "A machine tried to enlist, but enlistment is off "
                                                    "(enlist_max_new_machines is 0): add machines by hand, or allow "
                                                    "it with metaldesk set-config enlist_max_new_machines 100")),
            60);

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
            const Text reason = unsupportedArchitecture(inventory->architecture);
            record(*known, QStringLiteral("enlist"), EventLevel::Warning, reason, Source::Anonymous);
            return ReportError{ReportError::Invalid, reason.english()};
        }
        // No machine to attach it to: the event log still tells the user why nothing appeared.
        Machine nobody;
        const Text reason = Text::event(QT_TRANSLATE_NOOP("Events", "A machine (MAC %1) tried to enlist with the "
                                                                    "architecture %2, which MetalDesk's boot "
                                                                    "environment does not support (it supports %3)"))
                                .arg(inventory->bootMac)
                                .arg(inventory->architecture)
                                .arg(supported);
        record(nobody, QStringLiteral("enlist"), EventLevel::Warning, reason);
        return ReportError{ReportError::Invalid, reason.english()};
    }

    if (known) {
        // Anonymous: it adds no MAC to the machine (commissioning does, with the machine's own
        // credential) and the answer does not say which machine has it.
        record(*known, QStringLiteral("enlist"), EventLevel::Info,
               Text::event(QT_TRANSLATE_NOOP("Events", "The boot environment enlisted this machine again (it was known "
                                                       "already); nothing changed")),
               Source::Anonymous);
        return Enlisted{};
    }

    NewMachine spec;
    spec.architecture = architecture;
    spec.macAddresses = macs;
    spec.initialStatus = NodeStatus::New;
    Inventory facts = *inventory;
    facts.architecture = architecture;
    qint64 newMachines = 0;
    // One transaction: the machine, its hardware, what it reported and the event, or none of them.
    // The count is taken there too, so that enlistments at once cannot pass the limit together.
    auto alongside = [&](const QSqlDatabase &db, const Machine &m, QList<Event> &events) -> Expected<void> {
        auto count =
            runQuery(db, QStringLiteral("SELECT COUNT(*) FROM machines WHERE status = ?"), {int(NodeStatus::New)});
        if (!count)
            return count.error();
        newMachines = count->next() ? count->value(0).toLongLong() : 0;
        count->finish();
        if (newMachines > *maxNew)
            return Error{QStringLiteral("over enlist_max_new_machines")};
        // The boot disk is commissioning's to establish, with the machine's credential.
        if (auto written = MachineStore::writeHardware(db, m.id, hardwareOf(facts, false)); !written)
            return written;
        if (auto saved = replaceResult(db, m.id, QLatin1String(kEnlistmentResult), facts.toJson()); !saved)
            return saved;
        return insertEvent(
            db, m, QStringLiteral("enlist"),
            Text::event(QT_TRANSLATE_NOOP("Events", "Enlisted by the boot environment: %1")).arg(facts.summary()),
            events);
    };
    auto created = engine_->createMachine(spec, Actor::system(QStringLiteral("enlistment")), alongside);
    if (!created) {
        if (newMachines > *maxNew)
            return refuseEnlistment(
                Text::event(QT_TRANSLATE_NOOP("Events", "A machine (MAC %1) could not enlist: %2 machines are New "
                                                        "already, the most enlist_max_new_machines allows. Commission "
                                                        "or delete some, or raise the limit: metaldesk set-config "
                                                        "enlist_max_new_machines %3"))
                    .arg(inventory->bootMac)
                    .arg(*maxNew)
                    .arg(qMin(*maxNew * 2, 100000)),
                60);
        // Another request enlisted the same machine a moment ago (both saw it unknown).
        for (const QString &mac : macs)
            if (auto found = machines_.findByMac(mac); found && *found)
                return Enlisted{};
        return ReportError{ReportError::Unavailable, created.errorMessage()};
    }
    qCInfo(lcNodeReports).noquote() << "enlisted" << created->systemId << created->hostname
                                    << macs.join(QLatin1Char(',')) << "from" << source;
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
        return ignored(*m, QStringLiteral("commission"), {NodeStatus::Commissioning});
    const QString architecture = supportedArchitecture(inventory->architecture);
    if (architecture.isEmpty()) {
        const Text reason = unsupportedArchitecture(inventory->architecture);
        if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
            return transitionError(systemId, failed.error(), std::nullopt);
        return ReportError{ReportError::Invalid, reason.english()};
    }
    inventory->architecture = architecture;
    // One transaction: what it reported, its hardware and NICs, the event and Ready, or none of them.
    QStringList elsewhere;
    auto alongside = [&](const QSqlDatabase &db, const Machine &locked, QList<Event> &events) -> Expected<void> {
        if (locked.status != NodeStatus::Commissioning)
            return Error{
                tr("the machine is %1, not %2").arg(statusText(locked.status), statusText(NodeStatus::Commissioning))};
        if (auto saved = replaceResult(db, locked.id, QLatin1String(kCommissioningResult), inventory->toJson()); !saved)
            return saved;
        if (auto written = MachineStore::writeHardware(db, locked.id, hardwareOf(*inventory, true)); !written)
            return written;
        if (auto added = MachineStore::insertInterfaces(db, locked.id, inventory->macAddresses(), &elsewhere); !added)
            return added.error();
        return insertEvent(
            db, locked, QStringLiteral("commissioning"),
            Text::event(QT_TRANSLATE_NOOP("Events", "Commissioning results received: %1")).arg(inventory->summary()),
            events);
    };
    if (auto ready =
            engine_->changeStatus(systemId, NodeStatus::Ready, metadataActor(),
                                  Text::event(QT_TRANSLATE_NOOP("Events", "Commissioning finished")), alongside);
        !ready) {
        if (auto now = machines_.get(systemId); now && now->status != NodeStatus::Commissioning)
            return ReportError{ReportError::WrongStatus, ready.errorMessage()}; // it moved on meanwhile
        return transitionError(systemId, ready.error(), NodeStatus::Ready);
    }
    if (!elsewhere.isEmpty())
        qCWarning(lcNodeReports).noquote()
            << systemId << "reports NICs that belong to other machines:" << elsewhere.join(QLatin1String(", "));
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
    // Progress too belongs to the status it reports on: a token of another phase writes nothing.
    if (!expected.contains(m->status)) {
        auto refusal = ignored(*m, purpose, expected);
        if (!reason.isEmpty())
            refusal.reason += QStringLiteral(" (%1)").arg(reason);
        return refusal;
    }
    if (result == QLatin1String("working")) {
        record(*m, eventType, EventLevel::Info,
               reason.isEmpty() ? Text::event(QT_TRANSLATE_NOOP("Events", "The boot environment is working"))
                                : Text::event(QT_TRANSLATE_NOOP("Events", "The boot environment is working: %1"))
                                      .arg(bootEnvironmentText(reason)));
        return Accepted{};
    }
    if (result == QLatin1String("failed")) {
        const Text why =
            reason.isEmpty()
                ? Text::event(QT_TRANSLATE_NOOP("Events", "The boot environment reported a failure without a reason"))
                : bootEnvironmentText(reason);
        if (auto failed = engine_->markFailed(systemId, why, metadataActor()); !failed)
            return transitionError(systemId, failed.error(), std::nullopt);
        qCInfo(lcNodeReports).noquote() << systemId << purpose << "failed:" << why.english();
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
               Text::event(QT_TRANSLATE_NOOP("Events", "The image is on the disk; the machine restarts into the "
                                                       "installed system")));
        return Accepted{};
    }
    const Text done = m->status == NodeStatus::DiskErasing
                          ? Text::event(QT_TRANSLATE_NOOP("Events", "Disks erased; released"))
                          : Text::event(QT_TRANSLATE_NOOP("Events", "Released"));
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

    // The disk a deployment overwrites must be one the machine reported while commissioning.
    if (!m->bootDisk.isEmpty()) {
        auto reported = latestResult(systemId, QLatin1String(kCommissioningResult));
        if (!reported)
            return ReportError{ReportError::Unavailable, reported.errorMessage()};
        bool listed = false;
        if (*reported)
            if (auto inventory = parseInventory((*reported)->output))
                for (const Inventory::Disk &disk : std::as_const(inventory->disks))
                    listed = listed || disk.name == m->bootDisk;
        if (!listed) {
            const Text reason = Text::event(QT_TRANSLATE_NOOP("Events", "The boot disk %1 is not one the machine "
                                                                        "reported while commissioning: commission "
                                                                        "it again"))
                                    .arg(m->bootDisk);
            if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
                return transitionError(systemId, failed.error(), std::nullopt);
            return ReportError{ReportError::WrongStatus, reason.english()};
        }
    }
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
        // The environment checks what it downloaded against it, a whole disk as a root filesystem.
        d.imageSha256 = known->sha256;
        if (known->isRootFilesystem()) {
            const BootImageFile *kernel = known->file(QStringLiteral("boot-kernel"));
            const BootImageFile *initrd = known->file(QStringLiteral("boot-initrd"));
            if (!kernel || !initrd) { // the catalogue cannot change that: the deployment fails, saying why
                const Text reason = Text::event(QT_TRANSLATE_NOOP("Events", "The image %1 has no kernel and initrd "
                                                                            "to install with it: import it again"))
                                        .arg(known->name);
                if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
                    return transitionError(systemId, failed.error(), std::nullopt);
                return ReportError{ReportError::WrongStatus, reason.english()};
            }
            d.kernelUrl = urlOf(kernel->location);
            d.kernelSha256 = kernel->sha256;
            d.initrdUrl = urlOf(initrd->location);
            d.initrdSha256 = initrd->sha256;
        } else if (const BootImageFile *raw = known->file(QStringLiteral("raw")),
                   *map = known->file(QStringLiteral("block-map"));
                   raw && map) {
            d.rawUrl = urlOf(raw->location);
            d.blockMapUrl = urlOf(map->location);
            d.blockMapSha256 = map->sha256;
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
                const Text reason =
                    Text::event(QT_TRANSLATE_NOOP("Events", "No address is free in the reserved range %1-%2: widen "
                                                            "the range on the Network page, or give this machine a "
                                                            "static address"))
                        .arg(QHostAddress(net.reservedFirst).toString())
                        .arg(QHostAddress(net.reservedLast).toString());
                if (auto failed = engine_->markFailed(systemId, reason, metadataActor()); !failed)
                    return transitionError(systemId, failed.error(), std::nullopt);
                return ReportError{ReportError::WrongStatus, reason.english()};
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
        d.network ? QStringLiteral("%1 (%2)").arg(d.network->cidr(), d.network->interfaceName) : QStringLiteral("DHCP");
    record(*m, QStringLiteral("deployment"), EventLevel::Info,
           Text::event(QT_TRANSLATE_NOOP("Events", "The boot environment asked what to install: %1, address %2"))
               .arg(d.imageUrl.isEmpty() ? Text::event(QT_TRANSLATE_NOOP("Events", "no image chosen"))
                                         : Text::plain(withoutCredentials(d.imageUrl)))
               .arg(address));
    return d;
}

ReportOutcome<QByteArray> NodeReports::userData(const QString &systemId)
{
    auto m = machines_.get(systemId);
    if (!m)
        return ReportError{ReportError::Unavailable, m.errorMessage()};
    if (m->status == NodeStatus::Deploying) {
        auto deployed = engine_->changeStatus(systemId, NodeStatus::Deployed, metadataActor(),
                                              Text::event(QT_TRANSLATE_NOOP("Events", "Deployed: the installed "
                                                                                      "system's cloud-init fetched "
                                                                                      "its configuration")));
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
           Text::event(QT_TRANSLATE_NOOP("Events", "cloud-init %1 %2: %3"))
               .arg(oneLine(name))
               .arg(oneLine(what))
               .arg(description));
    if (failure && topLevel && m->status == NodeStatus::Deploying) {
        if (auto failed = engine_->markFailed(
                systemId,
                Text::event(QT_TRANSLATE_NOOP("Events", "cloud-init failed in the installed system: %1"))
                    .arg(description.isEmpty() ? name : description),
                metadataActor());
            !failed)
            return transitionError(systemId, failed.error(), std::nullopt);
    }
    return Accepted{};
}

} // namespace metaldesk
