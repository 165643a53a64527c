// libFuzzer target: the DHCP parser must survive any bytes, and what it accepts must write out
// and read back the same. Built by the "fuzz" preset; run by tools/fuzz.
#include "servers/dhcp/dhcppacket.h"

#include <cstdint>

using namespace metaldesk::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auto result = parse(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    const Packet *p = std::get_if<Packet>(&result);
    if (!p)
        return 0;
    auto again = parse(serialize(*p));
    const Packet *q = std::get_if<Packet>(&again);
    if (!q || q->options != p->options || q->chaddr != p->chaddr || q->xid != p->xid || q->flags != p->flags ||
        q->file != p->file || q->sname != p->sname)
        __builtin_trap();
    return 0;
}
