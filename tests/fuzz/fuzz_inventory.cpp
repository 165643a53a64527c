// libFuzzer target: the inventory a booting machine posts (anonymously, when it enlists) must
// parse or be refused, never crash, and what is accepted must add up without overflowing. What is
// stored of it (toJson) must parse again to the same.
// Built by the "fuzz" preset; run by tools/fuzz.
#include "core/machines/inventory.h"

#include <cstdint>

using namespace metaldesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    auto inventory = parseInventory(bytes);
    if (inventory) {
        if (inventory->storageBytes() < 0)
            __builtin_trap();
        (void)inventory->summary().english();
        (void)inventory->macAddresses();
        const QByteArray stored = inventory->toJson();
        auto again = parseInventory(stored);
        if (!again || again->toJson() != stored)
            __builtin_trap();
    }
    return 0;
}
