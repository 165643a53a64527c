// The simplestreams parsers on MAAS's layout and on what a hostile mirror could send.
#include "core/images/imagesources.h"
#include "core/images/simplestreams.h"

#include <QtTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kSha(64, 'a');

// A products file with one product and the given items of version 20261201.
QByteArray productsWith(const QJsonObject &items, const QString &release = u"noble"_s)
{
    const QJsonObject product{{u"arch"_s, u"amd64"_s},
                              {u"kflavor"_s, u"generic"_s},
                              {u"label"_s, u"stable"_s},
                              {u"os"_s, u"ubuntu"_s},
                              {u"release"_s, release},
                              {u"release_title"_s, u"24.04 LTS"_s},
                              {u"subarch"_s, u"ga-24.04"_s},
                              {u"version"_s, u"24.04"_s},
                              {u"versions"_s, QJsonObject{{u"20261201"_s, QJsonObject{{u"items"_s, items}}}}}};
    const QJsonObject root{
        {u"content_id"_s, u"com.ubuntu.maas:stable:v3:download"_s},
        {u"datatype"_s, u"image-ids"_s},
        {u"format"_s, u"products:1.0"_s},
        {u"products"_s, QJsonObject{{u"com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"_s, product}}}};
    return QJsonDocument(root).toJson();
}

QJsonObject item(const QString &ftype, const QString &path, double size = 1000,
                 const QString &sha = QString::fromLatin1(kSha))
{
    return {{u"ftype"_s, ftype}, {u"path"_s, path}, {u"sha256"_s, sha}, {u"size"_s, size}};
}

} // namespace

class TestSimplestreams : public QObject {
    Q_OBJECT
private slots:
    void readsMaasIndex()
    {
        const QJsonObject entry{{u"datatype"_s, u"image-ids"_s},
                                {u"format"_s, u"products:1.0"_s},
                                {u"path"_s, u"streams/v1/com.ubuntu.maas:stable:v3:download.sjson"_s},
                                {u"products"_s, QJsonArray{u"com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"_s}}};
        const QJsonObject evil{{u"datatype"_s, u"image-ids"_s}, {u"path"_s, u"../../etc/passwd"_s}};
        const QByteArray index =
            QJsonDocument(QJsonObject{{u"format"_s, u"index:1.0"_s},
                                      {u"updated"_s, u"Wed, 25 Jun 2025 11:01:49 +0000"_s},
                                      {u"index"_s, QJsonObject{{u"com.ubuntu.maas:stable:v3:download"_s, entry},
                                                               {u"evil"_s, evil}}}})
                .toJson();
        auto entries = parseStreamsIndex(index);
        QVERIFY2(entries, qPrintable(entries.errorMessage()));
        QCOMPARE(entries->size(), 1); // the entry whose path leaves the mirror is not there at all
        QCOMPARE(entries->first().path, u"streams/v1/com.ubuntu.maas:stable:v3:download.sjson"_s);
        QCOMPARE(entries->first().datatype, u"image-ids"_s);
        QCOMPARE(entries->first().products, QStringList{u"com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04"_s});
    }

    void readsMaasProducts()
    {
        const QJsonObject items{
            {u"boot-kernel"_s, item(u"boot-kernel"_s, u"noble/amd64/20261201/ga-24.04/generic/boot-kernel"_s)},
            {u"squashfs"_s, item(u"squashfs"_s, u"noble/amd64/20261201/squashfs"_s, 1.5e9)}};
        auto products = parseStreamsProducts(productsWith(items));
        QVERIFY2(products, qPrintable(products.errorMessage()));
        QCOMPARE(products->size(), 1);
        const StreamsProduct &p = products->first();
        QCOMPARE(p.imageName(), u"ubuntu/noble"_s);
        QCOMPARE(p.architecture(), u"amd64/ga-24.04"_s);
        QCOMPARE(p.versions.size(), 1);
        QCOMPARE(p.versions.first().name, u"20261201"_s);
        QCOMPARE(p.versions.first().items.size(), 2);
        const StreamsItem &squashfs = p.versions.first().items.at(1);
        QCOMPARE(squashfs.ftype, u"squashfs"_s);
        QCOMPARE(squashfs.size, qint64(1500000000));
        QCOMPARE(squashfs.sha256, kSha);
    }

    void leavesOutVersionsWithBadItems_data()
    {
        QTest::addColumn<QJsonObject>("bad");
        QTest::addColumn<QString>("why");
        QTest::newRow("absolute path") << item(u"squashfs"_s, u"/etc/shadow"_s) << u"leaves the mirror"_s;
        QTest::newRow("dot-dot") << item(u"squashfs"_s, u"noble/../../x"_s) << u"leaves the mirror"_s;
        QTest::newRow("url") << item(u"squashfs"_s, u"http://elsewhere/x"_s) << u"leaves the mirror"_s;
        QTest::newRow("backslash") << item(u"squashfs"_s, u"noble\\x"_s) << u"leaves the mirror"_s;
        QTest::newRow("negative size") << item(u"squashfs"_s, u"noble/x"_s, -1) << u"size"_s;
        QTest::newRow("fractional size") << item(u"squashfs"_s, u"noble/x"_s, 1.5) << u"size"_s;
        QTest::newRow("huge size") << item(u"squashfs"_s, u"noble/x"_s, 1e30) << u"size"_s;
        QTest::newRow("short sha") << item(u"squashfs"_s, u"noble/x"_s, 10, u"abc"_s) << u"SHA-256"_s;
        QTest::newRow("no ftype") << item(QString(), u"noble/x"_s) << u"ftype"_s;
    }
    void leavesOutVersionsWithBadItems()
    {
        QFETCH(QJsonObject, bad);
        QFETCH(QString, why);
        QStringList skipped;
        auto products = parseStreamsProducts(productsWith({{u"squashfs"_s, bad}}), &skipped);
        QVERIFY2(products, qPrintable(products.errorMessage()));
        QVERIFY(products->isEmpty());
        QVERIFY2(skipped.join(u" | "_s).contains(why), qPrintable(skipped.join(u" | "_s)));
    }

    void leavesOutNamesThatAreNotPlain()
    {
        QStringList skipped;
        auto products = parseStreamsProducts(
            productsWith({{u"squashfs"_s, item(u"squashfs"_s, u"a/b"_s)}}, u"../noble"_s), &skipped);
        QVERIFY(products);
        QVERIFY(products->isEmpty());
        QCOMPARE(skipped.size(), 1);
    }

    void refusesWhatIsNotSimplestreams_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("truncated") << productsWith({}).left(40);
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("index given as products") << QByteArray("{\"format\":\"index:1.0\",\"index\":{}}");
    }
    void refusesWhatIsNotSimplestreams()
    {
        QFETCH(QByteArray, json);
        QVERIFY(!parseStreamsProducts(json));
    }

    void selectionsPickOsReleaseAndArchitecture()
    {
        StreamsProduct p;
        p.os = u"ubuntu"_s;
        p.release = u"noble"_s;
        p.arch = u"amd64"_s;
        ImageSource s;
        s.selections = {u"ubuntu/jammy/amd64"_s};
        QVERIFY(!s.selects(p));
        s.selections << u"ubuntu/*/amd64"_s;
        QVERIFY(s.selects(p));
        s.selections = {u"ubuntu/noble/arm64"_s};
        QVERIFY(!s.selects(p));
    }

    void aSourceNeedsAKeyringUnlessMarkedUnsigned()
    {
        ImageSource s;
        s.url = u"http://127.0.0.1:1/"_s;
        s.selections = {u"ubuntu/noble/amd64"_s};
        const QString missing = ImageSourceStore::problem(s);
        QVERIFY2(missing.contains(u"4A3C E3CD"_s), qPrintable(missing)); // MAAS's key, to check against
        s.allowUnsigned = true;
        QCOMPARE(ImageSourceStore::problem(s), QString());
        s.keyring = "not a key";
        QVERIFY(!ImageSourceStore::problem(s).isEmpty());
        s.keyring.clear();
        s.url = u"ftp://mirror/"_s;
        QVERIFY(!ImageSourceStore::problem(s).isEmpty());
        s.url = u"http://127.0.0.1:1/"_s;
        s.indexPath = u"../index.json"_s;
        QVERIFY(!ImageSourceStore::problem(s).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSimplestreams)
#include "tst_simplestreams.moc"
