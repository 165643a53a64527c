#pragma once
// A DHCP relay agent for tests: many machines' DISCOVER → OFFER → REQUEST → ACK exchanges over
// one UDP socket, sent unicast to the server's port 67 with giaddr set, as a relay on another
// subnet would (RFC 2131 §4.1: the server answers the relay at giaddr:67). Every ACK received is
// recorded, so a test can check that what a client was told is what the server kept.
#include "servers/dhcp/dhcppacket.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QString>
#include <functional>

namespace metaldesk::testing {

// A UDP socket bound to address:port inside the network namespace `ns` (the calling thread
// enters it for the socket() call only). -1 with `error` set on failure.
int udpSocketInNamespace(const QString &ns, quint32 address, quint16 port, QString *error);

// A locally administered MAC for machine number `n` of family `family`: 02:<family>:<n, 4 bytes>.
QByteArray testMac(quint8 family, quint32 n);
QString macText(const QByteArray &mac); // "02:4d:00:00:00:01", as LeaseStore keeps it

struct AckRecord {
    QString mac;
    quint32 ip = 0;
    qint64 atMs = 0; // on the run's clock
};

struct RelayRun {
    QList<AckRecord> acks;
    quint64 offers = 0, naks = 0, timedOut = 0, sendFailed = 0, strays = 0;
    QHash<QString, int> attempts; // by MAC
    qsizetype inFlight = 0;       // exchanges open: at the last loop turn, and when the run ended
};

struct RelayOptions {
    quint32 relayAddress = 0; // giaddr, and where the socket is bound
    quint32 serverAddress = 0;
    quint16 serverPort = 67;
    int window = 64;      // exchanges in flight at once
    int timeoutMs = 1000; // an exchange with no answer for this long is given up
    int retries = 0;      // a MAC whose exchange timed out starts again this many times
    qint64 endMs = 10000; // the run stops then, or when every MAC has its ACK or gave up
    // Called every loop turn with the run's clock and what came so far; may set `startNew` false
    // (no more exchanges begin) or `stop` true.
    std::function<void(qint64 nowMs, const RelayRun &sofar, bool &startNew, bool &stop)> tick;
};

RelayRun runExchanges(int fd, const QList<QByteArray> &macs, const RelayOptions &options);

} // namespace metaldesk::testing
