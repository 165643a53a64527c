#pragma once

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QString>

namespace metaldesk::testing {

// A simplestreams v1 mirror in MAAS's v3 layout (streams/v1/index.sjson and one products file),
// built in a directory at test time, clear-signed with a throwaway GPG key (temporary GNUPGHOME,
// gpg --batch, no passphrase) and served by nginx on 127.0.0.1. Stopped by PID when destroyed.
// The key is made by the first write(): keyringPath(), armoredKey() and fingerprint() after it.
class StreamsMirror {
public:
    struct File {
        QString ftype;     // "boot-kernel", "boot-initrd", "squashfs", "manifest"
        QString path;      // relative to the mirror root: "noble/amd64/20261201/ga-24.04/generic/boot-kernel"
        QByteArray sha256; // hex, lower case
        qint64 size = 0;
    };
    explicit StreamsMirror(QString workDir); // everything lives under workDir (mirror root is workDir + "/mirror")
    ~StreamsMirror();
    // Adds one version of com.ubuntu.maas.stable:v3:boot:<version>:<arch>:ga-<version> (os "ubuntu",
    // subarch "ga-<version>", kflavor "generic", label "stable") with four files of deterministic
    // pseudo-random bytes, at MAAS's paths: boot-kernel and boot-initrd (64 KiB) under ga-<version>/generic/,
    // squashfs (`squashfsSize` bytes) and squashfs.manifest beside the version. Returns the files written.
    QList<File> addVersion(const QString &release, const QString &version, const QString &arch,
                           const QString &versionName, qint64 squashfsSize);
    // Adds a version made of real files (`sources`: ftype → a file, as tests/e2e/build-image makes
    // them), product com.ubuntu.maas.stable:v3:boot:<version>:<arch>:ga-<version> of that os. Each
    // file is hard-linked (or copied) to MAAS's path for its type. Empty list when one cannot be.
    QList<File> addFiles(const QString &os, const QString &release, const QString &version, const QString &arch,
                         const QString &versionName, const QList<std::pair<QString, QString>> &sources);
    // streams/v1/index.sjson and com.ubuntu.maas:stable:v3:download.sjson, clear-signed (maas.md §6.1),
    // and the same JSON unsigned as .json beside them. Empty when written; otherwise why not.
    QString write();
    // Signs the products file with a second key, not in keyringPath(). After write(). Empty or why not.
    QString resignProductsWithOtherKey();
    // Changes one digit of the signed products JSON (still JSON; the signature fails). After write().
    QString tamperProducts();
    // Same size, different bytes: the file's sha256 no longer matches the products file.
    QString corruptFile(const QString &relativePath);
    // nginx on 127.0.0.1 (the port is kept across a restart); access log lines end with
    // `$status "$http_range"`. `limitRate`: bytes per second, 0 unlimited. Empty when it answers.
    QString start(qint64 limitRate = 0);
    void stop(); // SIGTERM, wait, SIGKILL after 5 s; idempotent

    QString url() const; // "http://127.0.0.1:<port>/"
    QString root() const { return dir_ + QStringLiteral("/mirror"); }
    QString keyringPath() const { return dir_ + QStringLiteral("/keyring.gpg"); } // gpg --export
    QByteArray armoredKey() const;                                                // gpg --armor --export
    QString fingerprint() const { return fingerprint_; }                          // 40 upper-case hex digits
    QString otherKeyringPath() const { return dir_ + QStringLiteral("/other-keyring.gpg"); }
    QByteArray accessLog() const;

private:
    struct Product {
        QString os, release, version, arch;
        QList<std::pair<QString, QList<File>>> versions; // by version name, in the order added
    };
    QString gpg(const QStringList &args, QByteArray *out = nullptr) const;
    QString newKey(const QString &name, QString *fingerprint);
    QString sign(const QString &plainPath, const QString &signedPath, const QString &key) const;
    QString productsPath() const;
    static QString pathOf(const QString &ftype, const QString &release, const QString &version, const QString &arch,
                          const QString &versionName);
    void addToProduct(const QString &os, const QString &release, const QString &version, const QString &arch,
                      const QString &versionName, const QList<File> &files);

    QString dir_;
    QString home_; // GNUPGHOME, short (under /tmp) for gpg-agent's socket path
    QString fingerprint_;
    QString otherFingerprint_;
    QList<Product> products_;
    quint16 port_ = 0;
    QProcess nginx_;
};

} // namespace metaldesk::testing
