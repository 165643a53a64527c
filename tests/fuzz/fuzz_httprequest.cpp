// libFuzzer target: the HTTP request parser must survive any bytes, with the boot server's limits
// (no bodies) and the request/response services' (bodies); what it accepts must parse the same from
// its own bytes alone, a body is exactly Content-Length long, every Range answer lies inside the
// representation, the router answers any target, and forms (URL-encoded, multipart) hold no more
// than was sent.
// Built by the "fuzz" preset; run by tools/fuzz.
#include "servers/http/form.h"
#include "servers/http/httprequest.h"
#include "servers/http/router.h"

#include <cstdint>

using namespace metaldesk::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    // With bodies, as the metadata service and the API parse.
    const Limits bodies{2048, 20, 4096, {"GET", "HEAD", "POST", "PUT", "DELETE"}};
    auto withBody = parse(bytes, bodies);
    if (const Request *r = std::get_if<Request>(&withBody)) {
        if (r->length < r->headLength || r->length > bytes.size() || r->body.size() != r->length - r->headLength ||
            r->body.size() > bodies.maxBodyBytes)
            __builtin_trap();
        auto again = parse(bytes.first(r->length), bodies);
        const Request *same = std::get_if<Request>(&again);
        if (!same || same->body != r->body || same->method != r->method)
            __builtin_trap();
        static Router router = [] {
            Router made;
            made.add("GET", "/MAAS/metadata/{version}/meta-data/{item}", [](const Call &) { return Response{}; });
            made.add(
                "POST", "/MAAS/api/2.0/machines/", [](const Call &) { return Response{}; }, "allocate");
            return made;
        }();
        const Response answer = router.route(*r, Peer{});
        if (answer.status < 200 || answer.status > 599)
            __builtin_trap();
        (void)formValue(r->body, "op");
        // The API's parameters: every value and file comes out of the bytes sent.
        if (auto form = parseForm(*r)) {
            qsizetype total = 0;
            for (const FormFile &file : form->files)
                total += file.content.size();
            for (const auto &field : form->fields)
                total += field.second.size();
            if (total > r->body.size() + r->target.size())
                __builtin_trap();
        }
    } else if (const ParseFailure *f = std::get_if<ParseFailure>(&withBody)) {
        if (statusFor(f->error) < 400 || statusFor(f->error) > 505)
            __builtin_trap();
    }

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
