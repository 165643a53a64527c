#pragma once

#include <QHostAddress>
#include <QString>

namespace metaldesk::net {

// An address as the host part of a URL that we hand to a client (iPXE scripts, metadata URLs):
// IPv4 as is (also when the socket saw it IPv4-mapped), IPv6 in brackets.
QString urlHost(const QHostAddress &address);

} // namespace metaldesk::net
