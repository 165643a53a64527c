#include "core/power/wakeonlanpowerdriver.h"

#include "core/machines/machine.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QUdpSocket>

namespace metaldesk {

Text WakeOnLanPowerDriver::label() const { return Text("Power", QT_TRANSLATE_NOOP("Power", "Wake-on-LAN")); }

QList<PowerParameter> WakeOnLanPowerDriver::parameters() const
{
    return {
        // Empty: the machine's first interface, the one it boots from.
        {QStringLiteral("mac_address"),
         QT_TRANSLATE_NOOP("PowerParameter", "MAC address to wake"),
         false,
         false,
         {},
         {}},
        // The boot network's broadcast address sends it out of the right interface.
        {QStringLiteral("power_address"),
         QT_TRANSLATE_NOOP("PowerParameter", "Broadcast address"),
         false,
         false,
         QStringLiteral("255.255.255.255"),
         {}},
        {QStringLiteral("power_port"),
         QT_TRANSLATE_NOOP("PowerParameter", "Port"),
         false,
         false,
         QStringLiteral("9"),
         {}},
    };
}

QByteArray WakeOnLanPowerDriver::magicPacket(const QString &macAddress)
{
    const QString mac = normaliseMacAddress(macAddress);
    if (mac.isEmpty())
        return {};
    const QByteArray bytes = QByteArray::fromHex(mac.toLatin1().replace(':', QByteArray()));
    QByteArray packet(6, char(0xff));
    for (int i = 0; i < 16; ++i)
        packet += bytes;
    return packet;
}

Expected<void> WakeOnLanPowerDriver::setPower(const PowerTarget &target, bool on) const
{
    if (!on)
        return Error{QCoreApplication::translate("Power", "Wake-on-LAN can only switch a machine on: switch %1 off "
                                                          "by hand, or shut it down from its system")
                         .arg(target.hostname)};
    QString mac = powerParameter(*this, target.parameters, QStringLiteral("mac_address"));
    if (mac.isEmpty() && !target.macAddresses.isEmpty())
        mac = target.macAddresses.first();
    const QByteArray packet = magicPacket(mac);
    if (packet.isEmpty())
        return Error{
            QCoreApplication::translate("Power", "Wake-on-LAN needs the machine's MAC address ('%1' is not one)")
                .arg(mac)};
    const QString address = powerParameter(*this, target.parameters, QStringLiteral("power_address"));
    const QHostAddress to(address);
    if (to.protocol() != QAbstractSocket::IPv4Protocol)
        return Error{QCoreApplication::translate("Power", "'%1' is not an IPv4 broadcast address").arg(address)};
    bool portOk = false;
    const int port = powerParameter(*this, target.parameters, QStringLiteral("power_port")).toInt(&portOk);
    if (!portOk || port <= 0 || port > 65535)
        return Error{QCoreApplication::translate("Power", "the Wake-on-LAN port must be 1-65535")};
    QUdpSocket socket;
    if (socket.writeDatagram(packet, to, quint16(port)) != packet.size())
        return Error{QCoreApplication::translate("Power", "cannot send the Wake-on-LAN packet to %1: %2")
                         .arg(address, socket.errorString()),
                     true};
    return {};
}

Text WakeOnLanPowerDriver::unconfirmedText(PowerCommand command, const QString &hostname) const
{
    if (command == PowerCommand::Cycle)
        return Text::event(QT_TRANSLATE_NOOP("Events", "Wake-on-LAN packet sent to %1 (if it was on, restart it by "
                                                       "hand)"))
            .arg(hostname);
    return Text::event(QT_TRANSLATE_NOOP("Events", "Wake-on-LAN packet sent to %1: whether it woke cannot be read"))
        .arg(hostname);
}

} // namespace metaldesk
