// libFuzzer target: a vSphere host's SOAP replies (a chassis is a peer MetalDesk does not control)
// must parse or be refused, never crash, whatever shape they take: faults, retrieve results, VMs,
// task states and service content are all read from whatever parses. Built by the "fuzz" preset;
// run by tools/fuzz.
#include "core/vsphere/vimsoap.h"

#include <cstdint>

using namespace metaldesk;
using namespace metaldesk::vim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray xml(reinterpret_cast<const char *>(data), qsizetype(size));
    auto envelope = parseXml(xml);
    if (!envelope)
        return 0;
    (void)faultOf(*envelope);
    auto values = returnValues(*envelope);
    if (!values || values->isEmpty())
        return 0;
    (void)parseServiceContent(*values->first());
    auto result = parseRetrieveResult(*values);
    if (!result)
        return 0;
    for (const auto &object : result->objects) {
        const VirtualMachine vm = parseVirtualMachine(object);
        if (vm.macAddresses.size() < vm.nicKeys.size())
            __builtin_trap(); // a key is kept only with its card's MAC
        (void)parseTaskState(object);
    }
    return 0;
}
