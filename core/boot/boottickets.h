#pragma once

#include <QByteArray>
#include <QString>

// One-time boot URLs (security review H1). In proxy mode another server gives the addresses, so
// MetalDesk cannot tell a booting machine from anyone else asking for its boot script by the
// address it comes from. The proxy DHCP answer that sends iPXE to a machine's script carries a
// ticket instead: random, for that MAC, good once and for a few minutes; the script comes with the
// machine's credentials only to the request that brings it. Process-wide: the DHCP server issues
// tickets and the boot servers, in other threads, redeem them.
namespace metaldesk::boottickets {

// The ticket for this MAC: the one not yet redeemed if there is one (a DHCP exchange answers the
// same machine several times, and iPXE keeps the URL of one of them), else a new one. 32 hex digits.
QByteArray issue(const QString &mac);
// True once for the ticket issued for `mac`, then never again; false after it expired.
bool redeem(const QString &mac, const QByteArray &ticket);

} // namespace metaldesk::boottickets
