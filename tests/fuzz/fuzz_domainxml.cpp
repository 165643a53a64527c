// libFuzzer target: the domain XML a libvirt host sends (a chassis is a peer MetalDesk does not
// control) must parse or be refused, never crash; and a boot-order rewrite of what parses must
// parse again as the same domain. Built by the "fuzz" preset; run by tools/fuzz.
#include "core/libvirt/domainxml.h"

#include <cstdint>

using namespace metaldesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray xml(reinterpret_cast<const char *>(data), qsizetype(size));
    auto domain = parseDomainXml(xml);
    if (!domain)
        return 0;
    auto rewritten = withNetworkBootFirst(xml);
    if (!rewritten)
        return 0;
    auto again = parseDomainXml(*rewritten);
    if (!again || again->name != domain->name || again->macAddresses != domain->macAddresses)
        __builtin_trap();
    return 0;
}
