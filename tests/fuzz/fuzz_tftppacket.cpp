// libFuzzer target: the TFTP parser must survive any bytes, and what it accepts must write out
// and read back to the same bytes. Built by the "fuzz" preset; run by tools/fuzz.
#include "servers/tftp/tftppacket.h"

#include <cstdint>

using namespace metaldesk::tftp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    auto result = parse(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    const Message *m = std::get_if<Message>(&result);
    if (!m)
        return 0;
    const QByteArray written = serialize(*m);
    auto again = parse(written);
    const Message *n = std::get_if<Message>(&again);
    if (!n || serialize(*n) != written)
        __builtin_trap();
    return 0;
}
