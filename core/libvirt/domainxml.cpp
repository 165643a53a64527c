#include "core/libvirt/domainxml.h"

#include "core/machines/machine.h"

#include <QCoreApplication>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

namespace metaldesk {

namespace {

// The open elements from the root, as "domain/devices/interface".
struct Path {
    QStringList names;
    bool is(QLatin1StringView path) const { return names.join(QLatin1Char('/')) == path; }
    // A <boot> of a device: domain/devices/<any>/boot.
    bool isDeviceChild() const
    {
        return names.size() == 3 && names[0] == QLatin1String("domain") && names[1] == QLatin1String("devices");
    }
};

bool isUefiLoader(const QXmlStreamAttributes &attributes, const QString &path)
{
    if (attributes.value(QLatin1String("type")) == QLatin1String("pflash"))
        return true;
    const QString lower = path.toLower();
    return lower.contains(QLatin1String("ovmf")) || lower.contains(QLatin1String("aavmf")) ||
           lower.contains(QLatin1String("edk2")) || lower.contains(QLatin1String("efi"));
}

} // namespace

QString maasArchitecture(const QString &libvirtArch)
{
    static const QHash<QString, QString> names{
        {QStringLiteral("x86_64"), QStringLiteral("amd64/generic")},
        {QStringLiteral("i686"), QStringLiteral("i386/generic")},
        {QStringLiteral("aarch64"), QStringLiteral("arm64/generic")},
        {QStringLiteral("armv7l"), QStringLiteral("armhf/generic")},
        {QStringLiteral("ppc64le"), QStringLiteral("ppc64el/generic")},
        {QStringLiteral("s390x"), QStringLiteral("s390x/generic")},
    };
    return names.value(libvirtArch);
}

Expected<DomainDescription> parseDomainXml(const QByteArray &xml)
{
    QXmlStreamReader reader(xml);
    DomainDescription d;
    d.firmware = QStringLiteral("bios");
    Path path;
    while (!reader.atEnd()) {
        const auto token = reader.readNext();
        if (token == QXmlStreamReader::EndElement) {
            if (!path.names.isEmpty())
                path.names.removeLast();
            continue;
        }
        if (token != QXmlStreamReader::StartElement)
            continue;
        path.names << reader.name().toString();
        if (path.names.size() == 1 && !path.is(QLatin1String("domain")))
            return Error{QCoreApplication::translate("Chassis", "the libvirt host sent XML that is not a domain (<%1>)")
                             .arg(path.names[0].left(40))};
        const QXmlStreamAttributes attributes = reader.attributes();
        if (path.is(QLatin1String("domain/name"))) {
            d.name = reader.readElementText().trimmed();
            path.names.removeLast();
        } else if (path.is(QLatin1String("domain/uuid"))) {
            d.uuid = reader.readElementText().trimmed().toLower();
            path.names.removeLast();
        } else if (path.is(QLatin1String("domain/os"))) {
            if (attributes.value(QLatin1String("firmware")) == QLatin1String("efi"))
                d.firmware = QStringLiteral("uefi");
        } else if (path.is(QLatin1String("domain/os/type"))) {
            d.architecture = maasArchitecture(attributes.value(QLatin1String("arch")).toString());
        } else if (path.is(QLatin1String("domain/os/loader"))) {
            if (isUefiLoader(attributes, reader.readElementText()))
                d.firmware = QStringLiteral("uefi");
            path.names.removeLast();
        } else if (path.is(QLatin1String("domain/devices/interface/mac"))) {
            const QString mac = normaliseMacAddress(attributes.value(QLatin1String("address")).toString());
            if (!mac.isEmpty() && !d.macAddresses.contains(mac))
                d.macAddresses << mac;
        } else if (path.is(QLatin1String("domain/devices/serial"))) {
            if (attributes.value(QLatin1String("type")) == QLatin1String("pty"))
                d.hasPtySerial = true;
        }
    }
    if (reader.hasError())
        return Error{QCoreApplication::translate(
                         "Chassis", "the libvirt host sent a domain description that is not valid XML (line %1: %2)")
                         .arg(reader.lineNumber())
                         .arg(reader.errorString())};
    if (d.name.isEmpty())
        return Error{
            QCoreApplication::translate("Chassis", "the libvirt host sent a domain description without a name")};
    return d;
}

namespace {
// Copies one token as it was read: names as written (prefix included), namespace declarations as
// the attributes they are, so that the host gets its own XML back but for the boot order.
void copyToken(const QXmlStreamReader &reader, QXmlStreamWriter &writer)
{
    switch (reader.tokenType()) {
    case QXmlStreamReader::StartElement:
        writer.writeStartElement(reader.qualifiedName().toString());
        for (const QXmlStreamAttribute &a : reader.attributes())
            writer.writeAttribute(a.qualifiedName().toString(), a.value().toString());
        break;
    case QXmlStreamReader::EndElement: writer.writeEndElement(); break;
    case QXmlStreamReader::Characters:
        if (reader.isCDATA())
            writer.writeCDATA(reader.text().toString());
        else
            writer.writeCharacters(reader.text().toString());
        break;
    case QXmlStreamReader::Comment: writer.writeComment(reader.text().toString()); break;
    case QXmlStreamReader::EntityReference: writer.writeEntityReference(reader.name().toString()); break;
    case QXmlStreamReader::ProcessingInstruction:
        writer.writeProcessingInstruction(reader.processingInstructionTarget().toString(),
                                          reader.processingInstructionData().toString());
        break;
    default: break; // the declaration and a DTD: libvirt writes neither
    }
}
} // namespace

Expected<QByteArray> withNetworkBootFirst(const QByteArray &xml)
{
    QXmlStreamReader reader(xml);
    reader.setNamespaceProcessing(false);
    QByteArray out;
    QXmlStreamWriter writer(&out);
    Path path;
    bool sawOs = false;
    while (!reader.atEnd()) {
        const auto token = reader.readNext();
        if (token == QXmlStreamReader::StartElement) {
            const bool boot = reader.name() == QLatin1String("boot");
            if (boot && (path.is(QLatin1String("domain/os")) || path.isDeviceChild())) {
                reader.skipCurrentElement();
                continue;
            }
            path.names << reader.name().toString();
            if (path.names.size() == 1 && !path.is(QLatin1String("domain")))
                return Error{QCoreApplication::translate("Chassis", "the libvirt host sent XML that is not a domain")};
        } else if (token == QXmlStreamReader::EndElement) {
            if (path.is(QLatin1String("domain/os"))) {
                sawOs = true;
                for (const char *device : {"network", "hd"}) {
                    writer.writeEmptyElement(QStringLiteral("boot"));
                    writer.writeAttribute(QStringLiteral("dev"), QLatin1String(device));
                }
            }
            if (!path.names.isEmpty())
                path.names.removeLast();
        } else if (token == QXmlStreamReader::Invalid) {
            break;
        }
        copyToken(reader, writer);
    }
    if (reader.hasError())
        return Error{QCoreApplication::translate(
                         "Chassis", "the libvirt host sent a domain description that is not valid XML (line %1: %2)")
                         .arg(reader.lineNumber())
                         .arg(reader.errorString())};
    if (!sawOs)
        return Error{QCoreApplication::translate("Chassis", "the domain has no <os> element to set its boot order in")};
    return out;
}

} // namespace metaldesk
