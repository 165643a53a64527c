#pragma once

#include <QTest>

// Fails the test with the core's own message when an Expected holds an error.
#define REQUIRE_OK(expr)                                                                                               \
    do {                                                                                                               \
        const auto &result_ = (expr);                                                                                  \
        QVERIFY2(result_.ok(), qPrintable(result_.errorMessage()));                                                    \
    } while (false)
