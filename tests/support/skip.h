#pragma once

#include <QtTest>

namespace metaldesk::testing {

// Whether this run is CI's (CI=true): root, every package tools/setup installs.
inline bool inCi() { return qEnvironmentVariable("CI") == QLatin1String("true"); }

} // namespace metaldesk::testing

// A test that cannot run here (a tool or a privilege is missing) says why and skips. Under CI,
// where everything is there, a skip would only hide a broken install step: it fails instead.
// Use this, never QSKIP directly (tests/conventions.cmake checks).
#define METALDESK_SKIP(message)                                                                                        \
    do {                                                                                                               \
        if (metaldesk::testing::inCi())                                                                                \
            QFAIL(qPrintable(QStringLiteral("would skip, but CI=true has every tool and privilege: ") +                \
                             QString::fromUtf8(message)));                                                             \
        QSKIP(message);                                                                                                \
    } while (false)
