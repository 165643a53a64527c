// Opens a database as `metaldesk --database ARG` would and reports the outcome: exit 0 when it
// opened, else 1 with the error on stderr. tst_storage runs it as an unprivileged user to see
// what such a user is told (as root, permissions are not enforced in the test process itself).
#include "core/runtime/coreservices.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (app.arguments().size() != 2) {
        std::fprintf(stderr, "usage: metaldesk_opendatabase DATABASE\n");
        return 2;
    }
    auto core = metaldesk::CoreServices::open(app.arguments().at(1));
    if (!core) {
        std::fprintf(stderr, "%s\n", qPrintable(core.errorMessage()));
        return 1;
    }
    return 0;
}
