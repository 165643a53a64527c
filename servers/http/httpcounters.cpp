#include "servers/http/httpcounters.h"

#include <QCoreApplication>

namespace metaldesk::http {

namespace {
struct HttpText {
    Q_DECLARE_TR_FUNCTIONS(Http)
};
} // namespace

QList<Counter> counterList(const Counters &c)
{
    return {
        {QStringLiteral("requests"), HttpText::tr("requests answered"), c.requests},
        {QStringLiteral("status.2xx"), HttpText::tr("answered 2xx (success)"), c.byStatusClass[1]},
        {QStringLiteral("status.4xx"), HttpText::tr("answered 4xx (client error)"), c.byStatusClass[3]},
        {QStringLiteral("status.5xx"), HttpText::tr("answered 5xx (server error)"), c.byStatusClass[4]},
        {QStringLiteral("bytes"), HttpText::tr("bytes sent"), c.bytesSent},
        {QStringLiteral("connections.open"), HttpText::tr("connections open"), c.connectionsOpen},
        {QStringLiteral("connections.accepted"), HttpText::tr("connections accepted"), c.connectionsAccepted},
        {QStringLiteral("connections.refused"), HttpText::tr("connections refused (over the limit)"),
         c.connectionsRefused},
        {QStringLiteral("bad_requests"), HttpText::tr("bad requests"), c.badRequests},
        {QStringLiteral("timed_out"), HttpText::tr("timed out"), c.timedOut},
    };
}

} // namespace metaldesk::http
