// libFuzzer target: a mirror's index and products files (after their signature was checked, they
// are still whatever the mirror's owner wrote) must parse or be refused, never crash, and every
// item accepted must name a path inside the mirror, a SHA-256 and a size in range.
// Built by the "fuzz" preset; run by tools/fuzz.
#include "core/images/simplestreams.h"

#include <cstdint>

using namespace metaldesk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    if (auto index = parseStreamsIndex(bytes))
        for (const StreamsIndexEntry &e : *index)
            if (!isSafeMirrorPath(e.path))
                __builtin_trap();
    QStringList skipped;
    if (auto products = parseStreamsProducts(bytes, &skipped))
        for (const StreamsProduct &p : *products) {
            (void)p.architecture();
            for (const StreamsVersion &v : p.versions)
                for (const StreamsItem &i : v.items)
                    if (!isSafeMirrorPath(i.path) || i.path.split(QLatin1Char('/')).contains(QLatin1String("..")) ||
                        i.size < 0 || i.sha256.size() != 64)
                        __builtin_trap();
        }
    return 0;
}
