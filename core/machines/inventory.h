#pragma once

#include "core/base/text.h"

#include "core/base/expected.h"

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

namespace metaldesk {

// What the built-in environment reports about a machine when it enlists and when it is
// commissioned (bootenv/README.md, "The inventory"): one JSON object.
struct Inventory {
    struct Disk {
        QString name; // "vda", "nvme0n1"
        QString model;
        QString serial;
        qint64 sizeBytes = 0;
    };
    struct Nic {
        QString mac; // normalised
        QString driver;
        bool link = false;
        qint64 speedMbps = 0; // the link's speed; 0 when not reported (no link, or a NIC that has none)
    };
    QString architecture; // normalised: "amd64/generic"
    QString firmware;     // "bios" or "uefi"
    QString cpuModel;
    int cpuCount = 0;
    qint64 memoryMiB = 0;
    QList<Disk> disks;
    QList<Nic> nics;
    QString dmiVendor;
    QString dmiProduct;
    QString dmiSerial;
    QString bootMac; // normalised

    // The boot MAC first, then the other NICs' in the order reported, each once.
    QStringList macAddresses() const;
    qint64 storageBytes() const;
    // The disk a deployment writes to unless told otherwise: the first reported (name order).
    QString bootDisk() const { return disks.isEmpty() ? QString() : disks.first().name; }
    // One line for the machine's events: CPUs, memory, disks, NICs, firmware, DMI.
    Text summary() const; // one line for the event log
    // The inventory in the environment's format with only what was parsed: what is stored of a
    // report, so that members the parser ignores (or padding) never reach the database.
    QByteArray toJson() const;
};

// Parses and checks the inventory strictly: every member the environment sends, each of its type
// and within sane bounds (strings ≤ 256 characters without control characters, ≤ 1024 disks,
// ≤ 256 NICs, valid MACs, whole numbers). Members added by later environments are ignored. The
// error says which member is wrong and why (protocol text, not translated: the machine reads it).
Expected<Inventory> parseInventory(QByteArrayView json);

// The architectures the built-in environment runs on ("amd64/generic"); "amd64" is taken as
// "amd64/generic". Empty when `architecture` is not one of them.
QString supportedArchitecture(const QString &architecture);
QStringList supportedArchitectures();

} // namespace metaldesk
