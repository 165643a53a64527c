#pragma once

#include <QString>
#include <QStringList>

namespace metaldesk::testing {

// Network namespaces made for one test and deleted with this object; traffic never leaves them.
// Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); available() says why not otherwise.
class NetworkNamespaces {
public:
    static bool available(QString *whyNot);
    NetworkNamespaces();
    ~NetworkNamespaces();
    NetworkNamespaces(const NetworkNamespaces &) = delete;
    NetworkNamespaces &operator=(const NetworkNamespaces &) = delete;

    // A namespace named "<base>-<pid>", with loopback up. Returns its full name.
    QString add(const QString &base);
    // A veth pair between two namespaces; address "10.99.0.1/24" or "" for none on each end.
    bool link(const QString &nsA, const QString &ifA, const QString &addressA, const QString &nsB, const QString &ifB,
              const QString &addressB, const QString &macB = {});
    // The argument list that runs `command` inside `ns` (for QProcess).
    static QStringList inside(const QString &ns, const QStringList &command);
    // Runs a command inside `ns` and returns its output (stdout and stderr).
    static QString run(const QString &ns, const QStringList &command, int *exitCode = nullptr, int timeoutMs = 30000);
    const QString &error() const { return error_; }

private:
    bool ip(const QStringList &args);
    QStringList names_;
    QString error_;
};

} // namespace metaldesk::testing
