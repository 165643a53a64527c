// The router of the request/response services: patterns, captures, methods, MAAS's ops, and the
// answers for what no route serves.
#include "servers/http/router.h"

#include <QtTest>

using namespace metaldesk::http;

namespace {

Request request(const char *method, const char *target, QByteArray body = {})
{
    Request r;
    r.method = method;
    r.target = target;
    r.body = std::move(body);
    return r;
}

// A handler that says which route answered, with its captures.
Handler says(const char *what)
{
    return [what](const Call &call) {
        QByteArray text = what;
        QList<QByteArray> names = call.params.keys();
        std::sort(names.begin(), names.end());
        for (const QByteArray &name : names)
            text += ' ' + name + '=' + call.params.value(name);
        return Response::text(200, QString::fromUtf8(text));
    };
}

} // namespace

class TestRouter : public QObject {
    Q_OBJECT
private slots:
    void init();
    void routesByPathAndMethod();
    void capturesSegments();
    void takesTrailingSlashesEitherWay();
    void answersHeadWithTheGetRoute();
    void saysWhatIsAllowed();
    void routesMaasOps();
    void refusesUnknownOpsNamingTheValidOnes();
    void readsFormValues();
    void describesEveryRoute();

private:
    Router router_;
    Peer peer_;
    QByteArray answer(const char *method, const char *target)
    {
        return router_.route(request(method, target), peer_).body.trimmed();
    }
    int status(const char *method, const char *target) { return router_.route(request(method, target), peer_).status; }
};

void TestRouter::init()
{
    router_ = Router();
    router_.add("GET", "/MAAS/metadata/", says("root"));
    router_.add("POST", "/MAAS/metadata/metaldesk/v1/enlist", says("enlist"));
    router_.add("GET", "/MAAS/metadata/latest/meta-data/{item}", says("item"));
    router_.add("POST", "/MAAS/metadata/status/{system_id}", says("status"));
    router_.add("GET", "/MAAS/api/2.0/machines/", says("list"));
    router_.add("POST", "/MAAS/api/2.0/machines/", says("allocate"), "allocate");
    router_.add("POST", "/MAAS/api/2.0/machines/", says("release"), "release");
    router_.add("GET", "/MAAS/api/2.0/machines/{system_id}/", says("read"));
    router_.add("POST", "/MAAS/api/2.0/machines/{system_id}/", says("deploy"), "deploy");
}

void TestRouter::routesByPathAndMethod()
{
    QCOMPARE(answer("GET", "/MAAS/metadata/"), QByteArray("root"));
    QCOMPARE(answer("POST", "/MAAS/metadata/metaldesk/v1/enlist"), QByteArray("enlist"));
    QCOMPARE(status("GET", "/MAAS/metadata/metaldesk/v2/enlist"), 404);
    QCOMPARE(status("GET", "/MAAS/"), 404);
    QCOMPARE(status("GET", "/MAAS/metadata//"), 404); // an empty segment inside matches nothing
    QCOMPARE(status("GET", "/MAAS/metadata/latest/meta-data//x"), 404);
    QCOMPARE(status("GET", "/%zz"), 400); // not a path
}

void TestRouter::capturesSegments()
{
    QCOMPARE(answer("GET", "/MAAS/metadata/latest/meta-data/instance-id"), QByteArray("item item=instance-id"));
    QCOMPARE(answer("GET", "/MAAS/api/2.0/machines/4y3h7n/"), QByteArray("read system_id=4y3h7n"));
    // Captures are decoded; a query is not part of them.
    QCOMPARE(answer("GET", "/MAAS/api/2.0/machines/a%20b/?x=1"), QByteArray("read system_id=a b"));
}

void TestRouter::takesTrailingSlashesEitherWay()
{
    QCOMPARE(answer("GET", "/MAAS/metadata"), QByteArray("root"));
    QCOMPARE(answer("GET", "/MAAS/api/2.0/machines"), QByteArray("list"));
    QCOMPARE(answer("GET", "/MAAS/metadata/latest/meta-data/local-hostname/"), QByteArray("item item=local-hostname"));
}

void TestRouter::answersHeadWithTheGetRoute()
{
    QCOMPARE(answer("HEAD", "/MAAS/metadata/"), QByteArray("root"));
    QCOMPARE(status("HEAD", "/MAAS/metadata/metaldesk/v1/enlist"), 405);
}

void TestRouter::saysWhatIsAllowed()
{
    const Response r = router_.route(request("GET", "/MAAS/metadata/metaldesk/v1/enlist"), peer_);
    QCOMPARE(r.status, 405);
    QCOMPARE(r.fields, QByteArray("Allow: POST\r\n"));
    const Response machines = router_.route(request("DELETE", "/MAAS/api/2.0/machines/"), peer_);
    QCOMPARE(machines.status, 405);
    QCOMPARE(machines.fields, QByteArray("Allow: GET, HEAD, POST\r\n"));
}

void TestRouter::routesMaasOps()
{
    QCOMPARE(answer("POST", "/MAAS/api/2.0/machines/?op=allocate"), QByteArray("allocate"));
    QCOMPARE(answer("POST", "/MAAS/api/2.0/machines/?op=release"), QByteArray("release"));
    QCOMPARE(answer("POST", "/MAAS/api/2.0/machines/abc/?op=deploy"), QByteArray("deploy system_id=abc"));
    QCOMPARE(answer("GET", "/MAAS/api/2.0/machines/?hostname=a"), QByteArray("list"));
}

void TestRouter::refusesUnknownOpsNamingTheValidOnes()
{
    const Response unknown = router_.route(request("POST", "/MAAS/api/2.0/machines/?op=explode"), peer_);
    QCOMPARE(unknown.status, 400);
    QVERIFY2(unknown.body.contains("unknown op 'explode'") && unknown.body.contains("allocate, release"),
             unknown.body.constData());
    const Response none = router_.route(request("POST", "/MAAS/api/2.0/machines/"), peer_);
    QCOMPARE(none.status, 400);
    QVERIFY2(none.body.contains("needs an op: allocate, release"), none.body.constData());
    // A GET that names an op no GET route has.
    QCOMPARE(status("GET", "/MAAS/api/2.0/machines/?op=allocate"), 400);
}

void TestRouter::readsFormValues()
{
    QCOMPARE(formValue("op=allocate&name=a+b%21", "name"), std::optional<QByteArray>("a b!"));
    QCOMPARE(formValue("op=allocate&name=x", "op"), std::optional<QByteArray>("allocate"));
    QCOMPARE(formValue("flag&x=1", "flag"), std::optional<QByteArray>(""));
    QCOMPARE(formValue("a=1", "b"), std::nullopt);
    QCOMPARE(formValue("a=%zz", "a"), std::nullopt);
    QCOMPARE(formValue("", "a"), std::nullopt);
}

void TestRouter::describesEveryRoute()
{
    const QStringList lines = router_.describe();
    QCOMPARE(lines.size(), 9);
    QVERIFY(lines.contains(QStringLiteral("POST /MAAS/api/2.0/machines/?op=allocate")));
    QVERIFY(lines.contains(QStringLiteral("GET /MAAS/metadata/latest/meta-data/{item}")));
}

QTEST_APPLESS_MAIN(TestRouter)
#include "tst_router.moc"
