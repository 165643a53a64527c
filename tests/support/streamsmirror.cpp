#include "streamsmirror.h"

#include "childprocess.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <cstdlib>
#include <unistd.h>

namespace metaldesk::testing {

namespace {

const QString kContentId = QStringLiteral("com.ubuntu.maas:stable:v3:download");

QString writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
        return QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
    return {};
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The same bytes for the same path at every run: xorshift seeded from the path.
QByteArray pseudoRandom(const QString &seed, qint64 size)
{
    quint64 x = qHash(seed, 0x5eed) | 1;
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes[i] = char(x >> 24);
    }
    return bytes;
}

} // namespace

StreamsMirror::StreamsMirror(QString workDir) : dir_(std::move(workDir))
{
    // GnuPG's agent socket must fit a sockaddr_un: a short home under /tmp.
    QByteArray pattern = "/tmp/md-mirror-gpg-XXXXXX";
    if (::mkdtemp(pattern.data()))
        home_ = QString::fromLocal8Bit(pattern);
}

StreamsMirror::~StreamsMirror()
{
    stop();
    if (!home_.isEmpty()) {
        QProcess::execute(QStringLiteral("gpgconf"),
                          {QStringLiteral("--homedir"), home_, QStringLiteral("--kill"), QStringLiteral("all")});
        QDir(home_).removeRecursively();
    }
}

QString StreamsMirror::gpg(const QStringList &args, QByteArray *out) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(QStringLiteral("gpg"),
            QStringList{QStringLiteral("--batch"), QStringLiteral("--homedir"), home_, QStringLiteral("--passphrase"),
                        QString(), QStringLiteral("--pinentry-mode"), QStringLiteral("loopback")} +
                args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QStringLiteral("gpg %1 failed: %2 %3")
            .arg(args.join(QLatin1Char(' ')), p.errorString(), QString::fromLocal8Bit(p.readAllStandardError()));
    if (out)
        *out = p.readAllStandardOutput();
    return {};
}

QString StreamsMirror::newKey(const QString &name, QString *fingerprint)
{
    if (home_.isEmpty())
        return QStringLiteral("cannot make a GnuPG home under /tmp");
    const QString uid = QStringLiteral("%1 <%1@mirror.metaldesk.test>").arg(name);
    if (QString why = gpg({QStringLiteral("--quick-gen-key"), uid, QStringLiteral("rsa2048"), QStringLiteral("sign"),
                           QStringLiteral("never")});
        !why.isEmpty())
        return why;
    QByteArray listing;
    if (QString why = gpg({QStringLiteral("--with-colons"), QStringLiteral("--list-keys"), uid}, &listing);
        !why.isEmpty())
        return why;
    for (const QByteArray &line : listing.split('\n'))
        if (line.startsWith("fpr:")) {
            *fingerprint = QString::fromLatin1(line.split(':').value(9)).toUpper();
            return {};
        }
    return QStringLiteral("gpg made no key for %1").arg(name);
}

QString StreamsMirror::sign(const QString &plainPath, const QString &signedPath, const QString &key) const
{
    QFile::remove(signedPath);
    return gpg({QStringLiteral("--local-user"), key, QStringLiteral("--clearsign"), QStringLiteral("--output"),
                signedPath, plainPath});
}

// MAAS's paths: the kernel and initrd under the subarchitecture and flavour, the root beside.
QString StreamsMirror::pathOf(const QString &ftype, const QString &release, const QString &version, const QString &arch,
                              const QString &versionName)
{
    const QString base = QStringLiteral("%1/%2/%3/").arg(release, arch, versionName);
    if (ftype == QLatin1String("boot-kernel") || ftype == QLatin1String("boot-initrd"))
        return base + QStringLiteral("ga-") + version + QStringLiteral("/generic/") + ftype;
    if (ftype == QLatin1String("manifest"))
        return base + QStringLiteral("squashfs.manifest");
    return base + ftype; // squashfs, root-tgz
}

void StreamsMirror::addToProduct(const QString &os, const QString &release, const QString &version, const QString &arch,
                                 const QString &versionName, const QList<File> &files)
{
    auto it = std::find_if(products_.begin(), products_.end(),
                           [&](const Product &p) { return p.os == os && p.release == release && p.arch == arch; });
    if (it == products_.end())
        it = products_.insert(products_.end(), Product{os, release, version, arch, {}});
    it->versions.append({versionName, files});
}

QList<StreamsMirror::File> StreamsMirror::addVersion(const QString &release, const QString &version,
                                                     const QString &arch, const QString &versionName,
                                                     qint64 squashfsSize)
{
    QList<File> files;
    for (const QString &ftype : {QStringLiteral("boot-kernel"), QStringLiteral("boot-initrd"),
                                 QStringLiteral("squashfs"), QStringLiteral("manifest")}) {
        const QString path = pathOf(ftype, release, version, arch, versionName);
        const QByteArray bytes =
            ftype == QLatin1String("manifest")
                ? QStringLiteral("base-files\t12.4\ncloud-init\t22.4.2-1\nlinux-image-amd64\t6.1\n").toUtf8()
                : pseudoRandom(path, ftype == QLatin1String("squashfs") ? squashfsSize : 64 << 10);
        if (!writeFile(root() + QLatin1Char('/') + path, bytes).isEmpty())
            return {};
        files << File{ftype, path, QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex(), bytes.size()};
    }
    addToProduct(QStringLiteral("ubuntu"), release, version, arch, versionName, files);
    return files;
}

QList<StreamsMirror::File> StreamsMirror::addFiles(const QString &os, const QString &release, const QString &version,
                                                   const QString &arch, const QString &versionName,
                                                   const QList<std::pair<QString, QString>> &sources)
{
    QList<File> files;
    for (const auto &[ftype, source] : sources) {
        const QString path = pathOf(ftype, release, version, arch, versionName);
        const QString target = root() + QLatin1Char('/') + path;
        QDir().mkpath(QFileInfo(target).path());
        QFile::remove(target);
        if (::link(QFile::encodeName(source).constData(), QFile::encodeName(target).constData()) != 0 &&
            !QFile::copy(source, target))
            return {};
        QFile f(target);
        QCryptographicHash sha(QCryptographicHash::Sha256);
        if (!f.open(QIODevice::ReadOnly) || !sha.addData(&f))
            return {};
        files << File{ftype, path, sha.result().toHex(), f.size()};
    }
    addToProduct(os, release, version, arch, versionName, files);
    return files;
}

QString StreamsMirror::productsPath() const
{
    return root() + QStringLiteral("/streams/v1/") + kContentId + QStringLiteral(".sjson");
}

QString StreamsMirror::write()
{
    if (fingerprint_.isEmpty())
        if (QString why = newKey(QStringLiteral("signer"), &fingerprint_); !why.isEmpty())
            return why;
    QByteArray exported;
    if (QString why = gpg({QStringLiteral("--export"), fingerprint_}, &exported); !why.isEmpty())
        return why;
    if (QString why = writeFile(keyringPath(), exported); !why.isEmpty())
        return why;

    const QString updated =
        QLocale::c().toString(QDateTime::currentDateTimeUtc(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss +0000"));
    QJsonObject products;
    QJsonArray ids;
    for (const Product &p : std::as_const(products_)) {
        const QString subarch = QStringLiteral("ga-") + p.version;
        const QString id = QStringLiteral("com.ubuntu.maas.stable:v3:boot:%1:%2:%3").arg(p.version, p.arch, subarch);
        QJsonObject versions;
        for (const auto &[name, files] : p.versions) {
            QJsonObject items;
            for (const File &f : files)
                items.insert(f.ftype, QJsonObject{{QStringLiteral("ftype"), f.ftype},
                                                  {QStringLiteral("path"), f.path},
                                                  {QStringLiteral("sha256"), QString::fromLatin1(f.sha256)},
                                                  {QStringLiteral("size"), double(f.size)}});
            versions.insert(name, QJsonObject{{QStringLiteral("items"), items}});
        }
        products.insert(id, QJsonObject{{QStringLiteral("arch"), p.arch},
                                        {QStringLiteral("kflavor"), QStringLiteral("generic")},
                                        {QStringLiteral("krel"), p.release},
                                        {QStringLiteral("label"), QStringLiteral("stable")},
                                        {QStringLiteral("os"), p.os},
                                        {QStringLiteral("release"), p.release},
                                        {QStringLiteral("release_codename"), p.release},
                                        {QStringLiteral("release_title"), p.version},
                                        {QStringLiteral("subarch"), subarch},
                                        {QStringLiteral("subarches"), QStringLiteral("generic,") + subarch},
                                        {QStringLiteral("version"), p.version},
                                        {QStringLiteral("versions"), versions}});
        ids.append(id);
    }
    const QJsonObject productsFile{{QStringLiteral("content_id"), kContentId},
                                   {QStringLiteral("datatype"), QStringLiteral("image-ids")},
                                   {QStringLiteral("format"), QStringLiteral("products:1.0")},
                                   {QStringLiteral("updated"), updated},
                                   {QStringLiteral("products"), products}};
    const QString streams = root() + QStringLiteral("/streams/v1/");
    const QJsonObject index{
        {QStringLiteral("format"), QStringLiteral("index:1.0")},
        {QStringLiteral("updated"), updated},
        {QStringLiteral("index"),
         QJsonObject{{kContentId, QJsonObject{{QStringLiteral("datatype"), QStringLiteral("image-ids")},
                                              {QStringLiteral("format"), QStringLiteral("products:1.0")},
                                              {QStringLiteral("path"),
                                               QStringLiteral("streams/v1/") + kContentId + QStringLiteral(".sjson")},
                                              {QStringLiteral("products"), ids},
                                              {QStringLiteral("updated"), updated}}}}}};
    for (const auto &[name, json] : {std::pair{kContentId, productsFile}, std::pair{QStringLiteral("index"), index}}) {
        const QString plain = streams + name + QStringLiteral(".json");
        if (QString why = writeFile(plain, QJsonDocument(json).toJson()); !why.isEmpty())
            return why;
        if (QString why = sign(plain, streams + name + QStringLiteral(".sjson"), fingerprint_); !why.isEmpty())
            return why;
    }
    return {};
}

QString StreamsMirror::resignProductsWithOtherKey()
{
    if (otherFingerprint_.isEmpty())
        if (QString why = newKey(QStringLiteral("stranger"), &otherFingerprint_); !why.isEmpty())
            return why;
    QByteArray exported;
    if (QString why = gpg({QStringLiteral("--export"), otherFingerprint_}, &exported); !why.isEmpty())
        return why;
    if (QString why = writeFile(otherKeyringPath(), exported); !why.isEmpty())
        return why;
    QString plain = productsPath();
    plain.replace(QLatin1String(".sjson"), QLatin1String(".json"));
    return sign(plain, productsPath(), otherFingerprint_);
}

QString StreamsMirror::tamperProducts()
{
    QByteArray text = readFile(productsPath());
    // The first "size": 6553… of the signed JSON becomes 7553…: still JSON, no longer signed.
    const qsizetype at = text.indexOf("\"size\": ");
    if (at < 0)
        return QStringLiteral("the products file has no size to change");
    text[at + 8] = text[at + 8] == '7' ? '8' : '7';
    return writeFile(productsPath(), text);
}

QString StreamsMirror::corruptFile(const QString &relativePath)
{
    QFile f(root() + QLatin1Char('/') + relativePath);
    if (!f.open(QIODevice::ReadWrite) || f.size() < 8)
        return QStringLiteral("cannot change %1: %2").arg(relativePath, f.errorString());
    QByteArray bytes = f.read(8);
    for (char &c : bytes)
        c = char(~c);
    f.seek(0);
    f.write(bytes);
    return {};
}

QByteArray StreamsMirror::armoredKey() const
{
    QByteArray out;
    gpg({QStringLiteral("--armor"), QStringLiteral("--export"), fingerprint_}, &out);
    return out;
}

QString StreamsMirror::url() const { return QStringLiteral("http://127.0.0.1:%1/").arg(port_); }

QByteArray StreamsMirror::accessLog() const { return readFile(dir_ + QStringLiteral("/nginx/access.log")); }

QString StreamsMirror::start(qint64 limitRate)
{
    if (port_ == 0) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost))
            return QStringLiteral("no free port on 127.0.0.1");
        port_ = probe.serverPort();
    }
    const QString work = dir_ + QStringLiteral("/nginx");
    QDir().mkpath(work + QStringLiteral("/tmp"));
    // One process, in the foreground, as root (it reads a test's private temporary directory).
    const QString conf = QStringLiteral("user root;\n"
                                        "master_process off;\n"
                                        "daemon off;\n"
                                        "pid %1/nginx.pid;\n"
                                        "error_log %1/error.log warn;\n"
                                        "events { worker_connections 256; }\n"
                                        "http {\n"
                                        "  log_format ranges '$remote_addr \"$request\" $status \"$http_range\"';\n"
                                        "  access_log %1/access.log ranges;\n"
                                        "  client_body_temp_path %1/tmp/body;\n"
                                        "  proxy_temp_path %1/tmp/proxy;\n"
                                        "  fastcgi_temp_path %1/tmp/fastcgi;\n"
                                        "  uwsgi_temp_path %1/tmp/uwsgi;\n"
                                        "  scgi_temp_path %1/tmp/scgi;\n"
                                        "  default_type application/octet-stream;\n"
                                        "  server {\n"
                                        "    listen 127.0.0.1:%2;\n"
                                        "    root %3;\n"
                                        "    limit_rate %4;\n"
                                        "  }\n"
                                        "}\n")
                             .arg(work)
                             .arg(port_)
                             .arg(root())
                             .arg(limitRate);
    if (QString why = writeFile(work + QStringLiteral("/nginx.conf"), conf.toUtf8()); !why.isEmpty())
        return why;
    dieWithParent(nginx_);
    nginx_.setProcessChannelMode(QProcess::MergedChannels);
    nginx_.start(QStringLiteral("/usr/sbin/nginx"),
                 {QStringLiteral("-p"), work, QStringLiteral("-c"), work + QStringLiteral("/nginx.conf"),
                  QStringLiteral("-e"), work + QStringLiteral("/error.log")});
    if (!nginx_.waitForStarted(5000))
        return QStringLiteral("nginx does not start: %1").arg(nginx_.errorString());
    for (int i = 0; i < 200; ++i) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, port_);
        if (probe.waitForConnected(100))
            return {};
        if (nginx_.state() == QProcess::NotRunning)
            break;
        QThread::msleep(50);
    }
    const QString why =
        QString::fromLocal8Bit(nginx_.readAll() + readFile(work + QStringLiteral("/error.log")).right(1000));
    stop();
    return QStringLiteral("nginx does not answer on port %1: %2").arg(port_).arg(why);
}

void StreamsMirror::stop()
{
    if (nginx_.state() == QProcess::NotRunning)
        return;
    nginx_.terminate();
    if (!nginx_.waitForFinished(5000)) {
        nginx_.kill();
        nginx_.waitForFinished(5000);
    }
}

} // namespace metaldesk::testing
