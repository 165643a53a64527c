#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>
#include <atomic>

class QSocketNotifier;

namespace metaldesk::dhcp {

// Ends a network-booting machine's wait for an IPv6 router. iPXE configures IPv4 and IPv6 together
// and waits for both: on a boot network without an IPv6 router it sends router solicitations for
// about 10 s at every network boot. Where no router answers, MetalDesk answers a machine that has
// just asked DHCP for a boot file, unicast, with an advertisement that configures nothing (router
// lifetime 0, no prefix, no DHCPv6 flag). It sends no multicast advertisement, answers nobody else,
// and stays silent while another IPv6 router is on the link (iPXE takes its configuration from the
// first advertisement only, so a real router's must not be beaten to it).
// Lives in the DHCP server's thread; counts() is safe from any thread.
class RouterSolicitationAnswerer : public QObject {
    Q_OBJECT
public:
    explicit RouterSolicitationAnswerer(QString interfaceName, QObject *parent = nullptr);
    ~RouterSolicitationAnswerer() override;

    // Opens the ICMPv6 socket on the interface and asks the link's routers to show themselves.
    // Returns an empty string when answering, else why not and the fix (IPv6 is disabled on the
    // interface, no permission), for the Services page.
    QString start();
    // The DHCP server saw this MAC (6 bytes) ask for a boot file: its solicitations are answered for
    // the next two minutes.
    void networkBooting(const QByteArray &mac);

    struct Counts {
        quint64 answered = 0;
        quint64 notBooting = 0;  // from a host that is not network booting: not ours to answer
        quint64 otherRouter = 0; // left to the IPv6 router on the link
        quint64 dropped = 0;     // malformed, a hop limit other than 255, or unanswerable
    };
    Counts counts() const;

private:
    void read();
    void solicitRouters();
    void received(const QByteArray &icmp, const QByteArray &source, int hopLimit);
    static constexpr qint64 kBootingMs = 120'000;
    // Routers advertise at least every 1800 s (RFC 4861 §6.2.1, MaxRtrAdvInterval).
    static constexpr qint64 kRouterGoneMs = 1'800'000;
    static constexpr int kMaxBooting = 4096;
    QString interfaceName_;
    unsigned interfaceIndex_ = 0;
    QByteArray ourMac_;
    int fd_ = -1;
    QSocketNotifier *notifier_ = nullptr;
    QTimer solicitAgain_{this};
    QElapsedTimer clock_;
    QHash<QByteArray, qint64> booting_; // MAC → when it asked for a boot file
    QString otherRouter_;               // the last router heard, and until when it counts
    qint64 otherRouterUntil_ = -1;
    std::atomic<quint64> answered_{0}, notBooting_{0}, otherRouterCount_{0}, dropped_{0};
};

} // namespace metaldesk::dhcp
