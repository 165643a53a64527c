#pragma once

#include "core/base/expected.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace metaldesk {

// What MetalDesk needs from a libvirt domain's XML (virDomainGetXMLDesc), read without libvirt:
// pure, so it is tested on captured XML and fuzzed.
struct DomainDescription {
    QString name;
    QString uuid;              // libvirt's, lower case: it stays when the VM is renamed
    QString architecture;      // MAAS's form: "amd64/generic"; empty when libvirt's is unknown to MAAS
    QString firmware;          // "bios" or "uefi"
    QStringList macAddresses;  // normalised, in the order of the domain's interfaces
    bool hasPtySerial = false; // a serial console libvirt can hand out (virDomainOpenConsole)
};

// Refused with the reason when the XML is not a domain (not well-formed, no name).
Expected<DomainDescription> parseDomainXml(const QByteArray &xml);

// The same domain made to boot from the network first and its disk second (MAAS's
// configure_pxe_boot): every <boot> of <os> and of each device is dropped and <boot dev='network'/>
// <boot dev='hd'/> written at the end of <os>. Everything else is copied as it is.
Expected<QByteArray> withNetworkBootFirst(const QByteArray &xml);

// libvirt's architecture ("x86_64") in MAAS's terms ("amd64/generic"); empty when MAAS has none.
QString maasArchitecture(const QString &libvirtArch);

} // namespace metaldesk
