#include "servers/metadata/metadataserver.h"

#include "core/storage/configstore.h"
#include "servers/dhcp/dhcpserver.h"
#include "servers/http/httprequest.h"
#include "core/lifecycle/lifecycleengine.h"
#include "core/boot/nodereports.h"
#include "core/users/nodetokens.h"
#include "core/users/oauthheader.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <chrono>
#include <ctime>
#include <sys/socket.h>

namespace metaldesk::metadata {

Q_LOGGING_CATEGORY(lcMetadata, "metaldesk.metadata")

namespace {

struct MetadataText {
    Q_DECLARE_TR_FUNCTIONS(Metadata)
};

// Strings the boot HTTP server already has, with their translations.
QString httpText(const char *text) { return QCoreApplication::translate("HttpBoot", text); }

using Clock = std::chrono::steady_clock;
using Response = Server::Response;

// MAAS's metadata versions (metadataserver/api.py, check_version): cloud-init's MAAS datasource
// asks for 2012-03-01.
bool isVersion(QByteArrayView v) { return v == "latest" || v == "2012-03-01"; }

const char *reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

// An IMF-fixdate (RFC 9110 §5.6.7), written by hand: strftime follows the locale. cloud-init
// reads it to correct its OAuth timestamps when its clock is off.
QByteArray httpDate()
{
    static constexpr const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const time_t t = time(nullptr);
    tm utc{};
    gmtime_r(&t, &utc);
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[utc.tm_wday], utc.tm_mday,
                  months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return QByteArray(text);
}

Response text(int status, const QString &body)
{
    Response r;
    r.status = status;
    r.body = body.toUtf8();
    if (!r.body.endsWith('\n'))
        r.body += '\n';
    return r;
}

Response json(const QJsonObject &object, int status = 200)
{
    Response r;
    r.status = status;
    r.contentType = "application/json";
    r.body = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    return r;
}

Response methodNotAllowed(QByteArrayView allow)
{
    Response r = text(405, QStringLiteral("method not allowed here; use %1").arg(QString::fromLatin1(allow)));
    r.fields = "Allow: " + allow.toByteArray() + "\r\n";
    return r;
}

Response fromError(const ReportError &e)
{
    switch (e.kind) {
    case ReportError::Invalid: return text(400, e.reason);
    case ReportError::WrongStatus: return text(409, e.reason);
    case ReportError::Forbidden: return text(403, e.reason);
    case ReportError::Unavailable: return text(503, e.reason);
    }
    return text(500, e.reason);
}

QString addressText(const QHostAddress &address)
{
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);
    if (mapped)
        return QHostAddress(v4).toString();
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QLatin1Char('[') + address.toString() + QLatin1Char(']');
    return address.toString();
}

// The boot network from the DHCP settings, when MetalDesk gives the addresses there.
std::optional<BootNetwork> bootNetwork(const ConfigStore &config)
{
    auto dhcp = dhcp::ServerConfig::fromConfig(config);
    if (!dhcp || dhcp->interfaceName.isEmpty() || dhcp->mode != dhcp::ServerConfig::Mode::Managed)
        return std::nullopt;
    BootNetwork n;
    n.reservedFirst = dhcp->reservedFirst;
    n.reservedLast = dhcp->reservedLast;
    n.prefixLength = __builtin_popcount(dhcp->settings.subnetMask);
    n.router = dhcp->settings.router;
    n.dnsServers = dhcp->settings.dnsServers;
    return n;
}

} // namespace

struct Server::Connection {
    QTcpSocket *socket = nullptr;
    QByteArray in;
    bool requestStarted = false; // part of a request has arrived: its deadline does not move
    bool continueSent = false;
    bool closing = false;
    Clock::time_point deadline;
};

Expected<ServerConfig> ServerConfig::fromConfig(const ConfigStore &config, const QString &listenAddress)
{
    ServerConfig c;
    if (!listenAddress.isEmpty())
        c.address = listenAddress;
    if (QHostAddress a; !a.setAddress(c.address))
        return Error{httpText("the listen address '%1' is not an IP address").arg(c.address)};
    auto number = [&config](const char *key, int lowest, int highest, int &out) -> Expected<void> {
        auto v = config.value(QLatin1String(key));
        if (!v)
            return v.error();
        const QString value = v->trimmed();
        if (value.isEmpty())
            return {};
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n < lowest || n > highest)
            return Error{httpText("the setting %1 is '%2': it should be a number from %3 to %4")
                             .arg(QLatin1String(key), value)
                             .arg(lowest)
                             .arg(highest)};
        out = n;
        return {};
    };
    int port = c.port;
    int httpPort = c.bootHttpPort;
    int timeoutSeconds = c.timeoutMs / 1000;
    if (auto r = number("metadata_port", 1, 65535, port); !r)
        return r.error();
    if (auto r = number("http_port", 1, 65535, httpPort); !r)
        return r.error();
    if (auto r = number("metadata_timeout_seconds", 1, 3600, timeoutSeconds); !r)
        return r.error();
    if (auto r = number("metadata_max_connections", 1, 100000, c.maxConnections); !r)
        return r.error();
    c.port = quint16(port);
    c.bootHttpPort = quint16(httpPort);
    c.timeoutMs = timeoutSeconds * 1000;
    return c;
}

Server::Server(std::shared_ptr<Database> db, ChangeFeed *feed, LifecycleEngine *engine, ServerConfig config)
    : db_(std::move(db)), feed_(feed), engine_(engine), config_(std::move(config))
{
}

Server::~Server() { stop(); }

QString Server::description() const
{
    return MetadataText::tr("metadata service for booting machines on tcp %1:%2 (/MAAS/metadata/)")
        .arg(config_.address)
        .arg(config_.port);
}

void Server::start()
{
    reports_ = std::make_unique<NodeReports>(db_, feed_, engine_);
    tokens_ = std::make_unique<NodeTokenStore>(db_);
    settings_ = std::make_unique<ConfigStore>(db_);
    listener_ = new QTcpServer(this);
    listener_->setMaxPendingConnections(128);
    if (!listener_->listen(QHostAddress(config_.address), config_.port)) {
        const QString reason = listener_->errorString();
        QString detail;
        switch (listener_->serverError()) {
        case QAbstractSocket::SocketAccessError:
            detail = httpText("cannot listen on tcp %1 port %2: %3. Ports below 1024 need root or the capability: "
                              "sudo setcap cap_net_bind_service=ep %4")
                         .arg(config_.address)
                         .arg(config_.port)
                         .arg(reason, QCoreApplication::applicationFilePath());
            break;
        case QAbstractSocket::AddressInUseError:
            detail = MetadataText::tr("cannot listen on tcp %1 port %2: %3. Another program serves this port (MAAS's "
                                      "region controller uses it too): stop it, or choose another port in the "
                                      "setting metadata_port")
                         .arg(config_.address)
                         .arg(config_.port)
                         .arg(reason);
            break;
        case QAbstractSocket::SocketAddressNotAvailableError:
            detail = httpText("cannot listen on tcp %1 port %2: %3. No interface of this machine has that address: "
                              "check --listen")
                         .arg(config_.address)
                         .arg(config_.port)
                         .arg(reason);
            break;
        default:
            detail = httpText("cannot listen on tcp %1 port %2: %3").arg(config_.address).arg(config_.port).arg(reason);
        }
        qCWarning(lcMetadata).noquote() << detail;
        delete listener_;
        listener_ = nullptr;
        emit stateChanged(QStringLiteral("failed"), detail);
        return;
    }
    connect(listener_, &QTcpServer::newConnection, this, &Server::acceptAll);
    sweepTimer_ = new QTimer(this);
    connect(sweepTimer_, &QTimer::timeout, this, &Server::sweep);
    sweepTimer_->start(std::clamp(config_.timeoutMs / 4, 50, 1000));
    qCInfo(lcMetadata).noquote() << description();
    emit stateChanged(QStringLiteral("running"), description());
}

void Server::stop()
{
    if (!listener_ && connections_.empty())
        return;
    for (auto &c : connections_) {
        c->socket->disconnect(this);
        c->socket->abort();
        delete c->socket;
    }
    {
        QMutexLocker lock(&countersLock_);
        counters_.connectionsOpen -= connections_.size();
    }
    connections_.clear();
    delete sweepTimer_;
    sweepTimer_ = nullptr;
    delete listener_;
    listener_ = nullptr;
    emit stateChanged(QStringLiteral("stopped"), {});
}

Counters Server::counters() const
{
    QMutexLocker lock(&countersLock_);
    return counters_;
}

QList<Counter> Server::counterList() const
{
    const Counters c = counters();
    return {
        {QStringLiteral("requests"), httpText("requests answered"), c.requests},
        {QStringLiteral("status.2xx"), httpText("answered 2xx (success)"), c.byStatusClass[1]},
        {QStringLiteral("status.4xx"), httpText("answered 4xx (client error)"), c.byStatusClass[3]},
        {QStringLiteral("status.5xx"), httpText("answered 5xx (server error)"), c.byStatusClass[4]},
        {QStringLiteral("credentials_refused"), MetadataText::tr("credentials refused"), c.credentialsRefused},
        {QStringLiteral("bad_requests"), httpText("bad requests"), c.badRequests},
        {QStringLiteral("enlisted"), MetadataText::tr("machines enlisted"), c.enlisted},
        {QStringLiteral("commissioned"), MetadataText::tr("commissioning results taken"), c.commissioned},
        {QStringLiteral("connections.open"), httpText("connections open"), c.connectionsOpen},
    };
}

void Server::count(int status)
{
    QMutexLocker lock(&countersLock_);
    ++counters_.requests;
    if (status >= 100 && status < 600)
        ++counters_.byStatusClass[size_t(status / 100 - 1)];
    if (status == 401)
        ++counters_.credentialsRefused;
}

void Server::acceptAll()
{
    while (QTcpSocket *socket = listener_->nextPendingConnection()) {
        if (int(connections_.size()) >= config_.maxConnections) {
            // Too many at once: say so and let the client try again later.
            const QByteArray body = "503 too many connections; try again\n";
            socket->write("HTTP/1.1 503 Service Unavailable\r\nServer: MetalDesk\r\nDate: " + httpDate() +
                          "\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                          QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            count(503);
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            socket->disconnectFromHost();
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->socket = socket;
        c->deadline = Clock::now() + std::chrono::milliseconds(config_.timeoutMs);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            for (auto it = connections_.begin(); it != connections_.end(); ++it) {
                if ((*it)->socket != socket)
                    continue;
                connections_.erase(it);
                QMutexLocker lock(&countersLock_);
                --counters_.connectionsOpen;
                break;
            }
            socket->deleteLater();
        });
        connections_.push_back(std::move(c));
        QMutexLocker lock(&countersLock_);
        ++counters_.connectionsOpen;
    }
}

void Server::sweep()
{
    const auto now = Clock::now();
    std::vector<QTcpSocket *> expired;
    for (const auto &c : connections_)
        if (c->deadline <= now)
            expired.push_back(c->socket);
    for (QTcpSocket *socket : expired)
        socket->abort(); // emits disconnected: the connection is forgotten there
}

void Server::send(Connection &c, const Response &r, bool head, bool close, bool http10)
{
    count(r.status);
    QByteArray out;
    out.reserve(256 + r.body.size());
    out += "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + reasonPhrase(r.status) +
           "\r\nServer: MetalDesk\r\nDate: " + httpDate() + "\r\nCache-Control: no-store\r\n";
    if (r.status != 204)
        out += "Content-Type: " + r.contentType + "\r\nContent-Length: " + QByteArray::number(r.body.size()) + "\r\n";
    out += r.fields;
    if (close)
        out += "Connection: close\r\n";
    else if (http10)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!head && r.status != 204)
        out += r.body;
    c.socket->write(out);
    if (r.status >= 400 && logged_++ % 100 == 0)
        qCInfo(lcMetadata).noquote() << "answered" << r.status << QString::fromUtf8(r.body.trimmed().left(300));
}

// Closing at once with unread input would reset the connection and could destroy the answer before
// the client reads it (a body it sent without waiting for "100 Continue", say). So: send the answer,
// close our side for writing, read and drop what still comes until the client closes, for at most
// two seconds.
void Server::finish(Connection &c)
{
    c.closing = true;
    c.in.clear();
    c.deadline = Clock::now() + std::chrono::milliseconds(std::min(config_.timeoutMs, 2000));
    QTcpSocket *socket = c.socket;
    auto shutDown = [socket] {
        if (socket->bytesToWrite() == 0 && socket->socketDescriptor() >= 0)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    socket->flush();
    if (socket->bytesToWrite() == 0)
        shutDown();
    else
        connect(socket, &QTcpSocket::bytesWritten, this, shutDown);
}

void Server::serve(QTcpSocket *socket)
{
    Connection *conn = nullptr;
    for (const auto &c : connections_)
        if (c->socket == socket)
            conn = c.get();
    if (!conn)
        return;
    Connection &c = *conn;
    if (c.closing) {
        socket->readAll(); // answered and closing: what else comes is not read
        return;
    }
    if (c.in.isEmpty() && !c.requestStarted) {
        c.requestStarted = true;
        c.deadline = Clock::now() + std::chrono::milliseconds(config_.timeoutMs);
    }
    c.in += socket->readAll();
    while (!c.in.isEmpty() && !c.closing) {
        ParseResult parsed = parseRequest(c.in, config_.limits);
        if (auto *more = std::get_if<NeedMore>(&parsed)) {
            if (more->continueWanted && !c.continueSent) {
                socket->write("HTTP/1.1 100 Continue\r\n\r\n");
                c.continueSent = true;
            }
            return;
        }
        if (auto *failure = std::get_if<Failure>(&parsed)) {
            {
                QMutexLocker lock(&countersLock_);
                ++counters_.badRequests;
            }
            c.in.clear();
            send(c, text(failure->status, QString::fromUtf8(failure->reason)), false, true, false);
            finish(c);
            return;
        }
        const Request request = std::get<Request>(std::move(parsed));
        c.in.remove(0, request.length);
        c.continueSent = false;
        const bool close = !request.keepAlive();
        const Response response = answer(request, addressText(socket->localAddress()));
        send(c, response, request.method == "HEAD", close, request.minorVersion == 0);
        if (close) {
            finish(c);
            return;
        }
        c.requestStarted = !c.in.isEmpty();
        c.deadline = Clock::now() + std::chrono::milliseconds(config_.timeoutMs);
    }
}

std::variant<QString, Response> Server::authenticate(const Request &request)
{
    auto refuse = [](const QString &why) {
        Response r = text(401, why);
        r.fields = "WWW-Authenticate: OAuth realm=\"MetalDesk\"\r\n";
        return r;
    };
    const auto header = request.header("authorization");
    if (!header)
        return refuse(QStringLiteral("this call needs the machine's OAuth credential (the metaldesk.token of its "
                                     "boot environment, or the MAAS datasource's keys)"));
    auto credentials = parseOAuthHeader(*header);
    if (!credentials)
        return refuse(credentials.errorMessage());
    auto systemId = tokens_->authenticate(*credentials);
    if (!systemId)
        return text(503, systemId.errorMessage());
    if (!*systemId)
        return refuse(QStringLiteral("the credential matches no machine (it may have been deleted, or its "
                                     "credential renewed): start the action again from MetalDesk"));
    return **systemId;
}

Response Server::answer(const Request &request, const QString &serverAddress)
{
    const std::optional<QByteArray> path = http::decodedPath(request.target);
    if (!path)
        return text(400, QStringLiteral("malformed request target"));
    static constexpr QByteArrayView prefix = "/MAAS/metadata";
    if (!path->startsWith(prefix) || (path->size() > prefix.size() && path->at(prefix.size()) != '/'))
        return text(404, QStringLiteral("not found: the metadata service is under /MAAS/metadata/"));
    QByteArray rest = path->mid(prefix.size());
    while (rest.startsWith('/'))
        rest.remove(0, 1);
    return route(request, rest, serverAddress);
}

Response Server::route(const Request &request, const QByteArray &rest, const QString &serverAddress)
{
    const QByteArray &method = request.method;
    const bool get = method == "GET" || method == "HEAD";
    const bool post = method == "POST";
    const QList<QByteArray> parts = rest.split('/');
    const QString metadataUrl =
        QStringLiteral("http://%1:%2/MAAS/metadata/").arg(serverAddress).arg(config_.port);

    auto authenticated = [&](const std::function<Response(const QString &)> &body) -> Response {
        auto who = authenticate(request);
        if (auto *refusal = std::get_if<Response>(&who))
            return *refusal;
        return body(std::get<QString>(who));
    };

    if (rest.isEmpty()) {
        if (!get)
            return methodNotAllowed("GET, HEAD");
        return text(200, QStringLiteral("2012-03-01\nlatest\n"));
    }

    // MetalDesk's own calls, made by the built-in environment (bootenv/README.md, "The protocol").
    if (parts.value(0) == "metaldesk" && parts.value(1) == "v1" && parts.size() == 3) {
        const QByteArray call = parts[2];
        if (call == "enlist") {
            if (!post)
                return methodNotAllowed("POST");
            auto outcome = reports_->enlist(request.body);
            if (auto *e = std::get_if<ReportError>(&outcome))
                return fromError(*e);
            const Enlisted &done = std::get<Enlisted>(outcome);
            if (done.created) {
                QMutexLocker lock(&countersLock_);
                ++counters_.enlisted;
            }
            return json({{QStringLiteral("system_id"), done.systemId}, {QStringLiteral("hostname"), done.hostname}});
        }
        if (call == "commission") {
            if (!post)
                return methodNotAllowed("POST");
            return authenticated([&](const QString &systemId) {
                auto outcome = reports_->commission(systemId, request.body);
                if (auto *e = std::get_if<ReportError>(&outcome))
                    return fromError(*e);
                {
                    QMutexLocker lock(&countersLock_);
                    ++counters_.commissioned;
                }
                return json({{QStringLiteral("power_off"), std::get<Commissioned>(outcome).powerOff}});
            });
        }
        if (call == "status") {
            if (!post)
                return methodNotAllowed("POST");
            return authenticated([&](const QString &systemId) {
                auto outcome = reports_->reportStatus(systemId, request.body);
                if (auto *e = std::get_if<ReportError>(&outcome))
                    return fromError(*e);
                return json({});
            });
        }
        if (call == "deploy") {
            if (method != "GET")
                return methodNotAllowed("GET");
            return authenticated([&](const QString &systemId) {
                DeployContext context;
                context.metadataUrl = metadataUrl;
                context.bootHttpBase = QStringLiteral("http://%1:%2/").arg(serverAddress).arg(config_.bootHttpPort);
                context.network = bootNetwork(*settings_);
                auto outcome = reports_->deployment(systemId, context);
                if (auto *e = std::get_if<ReportError>(&outcome))
                    return fromError(*e);
                const Deployment &d = std::get<Deployment>(outcome);
                return json({{QStringLiteral("image_url"), d.imageUrl},
                             {QStringLiteral("disk"), d.disk},
                             {QStringLiteral("user_data"), d.userData},
                             {QStringLiteral("cloud_config"), QString::fromUtf8(d.cloudConfig)}});
            });
        }
        return text(404, QStringLiteral("no such call: metaldesk/v1/%1").arg(QString::fromUtf8(call)));
    }

    // cloud-init's webhook reporting (MAAS's api_twisted StatusHandler).
    if (parts.value(0) == "status" && parts.size() == 2 && !parts[1].isEmpty()) {
        if (!post)
            return methodNotAllowed("POST");
        return authenticated([&](const QString &systemId) {
            if (QString::fromUtf8(parts[1]) != systemId)
                return text(403, QStringLiteral("this credential is another machine's: a machine reports only "
                                                "about itself"));
            auto outcome = reports_->cloudInitEvent(systemId, request.body);
            if (auto *e = std::get_if<ReportError>(&outcome))
                return fromError(*e);
            Response r;
            r.status = 204;
            return r;
        });
    }

    // The MAAS datasource: <version>/, <version>/meta-data/<item>, <version>/user-data.
    if (isVersion(parts.value(0))) {
        const QList<QByteArray> tail = parts.mid(1);
        const bool index = tail.isEmpty() || (tail.size() == 1 && tail[0].isEmpty());
        const bool metaIndex =
            tail.value(0) == "meta-data" && (tail.size() == 1 || (tail.size() == 2 && tail[1].isEmpty()));
        const bool metaItem = tail.value(0) == "meta-data" && tail.size() == 2 && !tail[1].isEmpty();
        const bool userData = tail.size() == 1 && tail[0] == "user-data";
        if (!index && !metaIndex && !metaItem && !userData)
            return text(404, QStringLiteral("not found: %1").arg(QString::fromUtf8(rest)));
        if (userData ? method != "GET" : !get)
            return methodNotAllowed(userData ? "GET" : "GET, HEAD");
        return authenticated([&](const QString &systemId) -> Response {
            if (index)
                return text(200, QStringLiteral("meta-data/\nuser-data\n"));
            if (metaIndex)
                return text(200, QStringLiteral("instance-id\nlocal-hostname\npublic-keys\nvendor-data\n"));
            if (userData) {
                auto outcome = reports_->userData(systemId);
                if (auto *e = std::get_if<ReportError>(&outcome))
                    return fromError(*e);
                Response r;
                r.contentType = "application/octet-stream";
                r.body = std::get<QByteArray>(outcome);
                return r;
            }
            auto machine = reports_->machine(systemId);
            if (auto *e = std::get_if<ReportError>(&machine))
                return fromError(*e);
            const Machine &m = std::get<Machine>(machine);
            Response r;
            const QByteArray item = tail[1];
            if (item == "instance-id")
                r.body = m.systemId.toUtf8();
            else if (item == "local-hostname")
                r.body = m.hostname.toUtf8();
            else if (item == "public-keys" || item == "vendor-data")
                r.body = {}; // no SSH keys or vendor configuration kept yet: the user-data can add them
            else
                return text(404, QStringLiteral("no meta-data item %1").arg(QString::fromUtf8(item)));
            return r;
        });
    }
    return text(404, QStringLiteral("not found: %1").arg(QString::fromUtf8(rest)));
}

} // namespace metaldesk::metadata
