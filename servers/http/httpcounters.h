#pragma once

#include "core/runtime/service.h"

#include <array>

namespace metaldesk::http {

// What an HTTP service counts, for the Services page. Kept under the service's mutex.
struct Counters {
    quint64 requests = 0;                   // answered, whatever the status
    std::array<quint64, 5> byStatusClass{}; // [0] 1xx … [4] 5xx
    quint64 bytesSent = 0;                  // heads and bodies
    quint64 connectionsOpen = 0;
    quint64 connectionsAccepted = 0;
    quint64 connectionsRefused = 0; // over the connection limit (answered 503)
    quint64 badRequests = 0;        // requests that did not parse (400, 405, 411, 413, 417, 431, 505)
    quint64 timedOut = 0;           // cut off in the middle of a request or of an answer

    void countAnswer(int status)
    {
        ++requests;
        if (status >= 100 && status < 600)
            ++byStatusClass[size_t(status / 100 - 1)];
    }
};

// The counters as the Services page lists them; requests first (the one it charts as a rate).
QList<Counter> counterList(const Counters &c);

} // namespace metaldesk::http
