// libFuzzer target: the OAuth PLAINTEXT Authorization header parser (every metadata call, and the
// MAAS API's) must survive any bytes, and what it accepts must carry the parts a credential needs.
// Built by the "fuzz" preset; run by tools/fuzz.
#include "core/users/oauthheader.h"

#include <cstdint>

using namespace metaldesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    auto credentials = parseOAuthHeader(bytes);
    if (credentials && (credentials->consumerKey.isEmpty() || credentials->tokenKey.isEmpty()))
        __builtin_trap();
    (void)percentDecoded(bytes);
    return 0;
}
