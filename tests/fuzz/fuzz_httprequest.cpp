// libFuzzer target: the HTTP request parser must survive any bytes; what it accepts must parse
// the same from its own head alone, and every Range answer must lie inside the representation.
// Built by the "fuzz" preset; run by tools/fuzz.
#include "servers/http/httprequest.h"

#include <cstdint>

using namespace metaldesk::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const Limits limits{2048, 20};
    auto result = parse(bytes, limits);
    const Request *request = std::get_if<Request>(&result);
    if (!request)
        return 0;
    if (request->headLength <= 0 || request->headLength > bytes.size() || request->headLength > limits.maxHeadBytes)
        __builtin_trap();
    // The head alone is the same request (nothing after it was looked at).
    auto again = parse(bytes.first(request->headLength), limits);
    const Request *same = std::get_if<Request>(&again);
    if (!same || same->target != request->target || same->headers.size() != request->headers.size())
        __builtin_trap();
    (void)decodedPath(request->target);
    (void)request->keepAlive();
    if (const auto range = request->header("range")) {
        for (qint64 representation : {qint64(0), qint64(1), qint64(1000), qint64(1) << 40}) {
            const RangeAnswer answer = parseRange(*range, representation);
            if (const ByteRange *r = std::get_if<ByteRange>(&answer))
                if (r->first < 0 || r->length < 1 || r->first + r->length > representation)
                    __builtin_trap();
        }
    }
    return 0;
}
