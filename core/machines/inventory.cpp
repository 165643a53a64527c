#include "core/machines/inventory.h"

#include "core/machines/machine.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <cmath>
#include <limits>

namespace metaldesk {

namespace {

constexpr int kMaxString = 256;
constexpr int kMaxDisks = 1024;
constexpr int kMaxNics = 256;
constexpr double kMaxExactInteger = 9007199254740992.0; // 2^53: larger doubles are not whole numbers

struct Checker {
    QString error;

    bool fail(const QString &what)
    {
        if (error.isEmpty())
            error = what;
        return false;
    }

    bool object(const QJsonValue &v, const QString &path, QJsonObject &out)
    {
        if (!v.isObject())
            return fail(QStringLiteral("%1 must be a JSON object").arg(path));
        out = v.toObject();
        return true;
    }

    bool string(const QJsonObject &o, const QString &key, const QString &path, QString &out, int minLength = 0,
                int maxLength = kMaxString)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return fail(QStringLiteral("%1 is missing").arg(path));
        if (!v.isString())
            return fail(QStringLiteral("%1 must be a string").arg(path));
        out = v.toString();
        if (out.size() < minLength)
            return fail(QStringLiteral("%1 must not be empty").arg(path));
        if (out.size() > maxLength)
            return fail(QStringLiteral("%1 is longer than %2 characters").arg(path).arg(maxLength));
        for (QChar c : std::as_const(out))
            if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                return fail(QStringLiteral("%1 contains a control character").arg(path));
        return true;
    }

    bool integer(const QJsonObject &o, const QString &key, const QString &path, qint64 &out, qint64 lowest,
                 qint64 highest)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return fail(QStringLiteral("%1 is missing").arg(path));
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(d) || std::floor(d) != d || std::fabs(d) > kMaxExactInteger)
            return fail(QStringLiteral("%1 must be a whole number").arg(path));
        if (d < double(lowest) || d > double(highest))
            return fail(QStringLiteral("%1 must be from %2 to %3").arg(path).arg(lowest).arg(highest));
        out = qint64(d);
        return true;
    }

    bool boolean(const QJsonObject &o, const QString &key, const QString &path, bool &out)
    {
        const QJsonValue v = o.value(key);
        if (!v.isBool())
            return fail(QStringLiteral("%1 must be true or false").arg(path));
        out = v.toBool();
        return true;
    }

    bool mac(const QJsonObject &o, const QString &key, const QString &path, QString &out)
    {
        QString text;
        if (!string(o, key, path, text, 1, 64))
            return false;
        out = normaliseMacAddress(text);
        if (out.isEmpty())
            return fail(QStringLiteral("%1 '%2' is not a MAC address").arg(path, text));
        return true;
    }

    bool array(const QJsonObject &o, const QString &key, const QString &path, QJsonArray &out, int maxItems)
    {
        const QJsonValue v = o.value(key);
        if (!v.isArray())
            return fail(QStringLiteral("%1 must be a JSON array").arg(path));
        out = v.toArray();
        if (out.size() > maxItems)
            return fail(QStringLiteral("%1 has more than %2 entries").arg(path).arg(maxItems));
        return true;
    }
};

bool isDiskName(const QString &name)
{
    if (name.isEmpty() || name.size() > 64 || name == QLatin1String(".") || name == QLatin1String(".."))
        return false;
    for (QChar c : name)
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f || c == QLatin1Char('/'))
            return false;
    return true;
}

QString sizeText(qint64 bytes) { return QLocale().formattedDataSize(bytes, 0, QLocale::DataSizeIecFormat); }

} // namespace

QStringList supportedArchitectures() { return {QStringLiteral("amd64/generic")}; }

QString supportedArchitecture(const QString &architecture)
{
    const QString a = architecture == QLatin1String("amd64") ? QStringLiteral("amd64/generic") : architecture;
    return supportedArchitectures().contains(a) ? a : QString();
}

QStringList Inventory::macAddresses() const
{
    QStringList macs;
    if (!bootMac.isEmpty())
        macs << bootMac;
    for (const Nic &nic : nics)
        if (!macs.contains(nic.mac))
            macs << nic.mac;
    return macs;
}

qint64 Inventory::storageBytes() const
{
    // Saturates: an anonymous enlistment may report 1024 disks of 2^53 bytes each.
    qint64 sum = 0;
    for (const Disk &d : disks)
        if (__builtin_add_overflow(sum, d.sizeBytes, &sum))
            return std::numeric_limits<qint64>::max();
    return sum;
}

Text Inventory::summary() const
{
    QStringList diskTexts;
    for (const Disk &d : disks)
        diskTexts << QStringLiteral("%1 %2").arg(d.name, sizeText(d.sizeBytes));
    QStringList nicTexts;
    for (const Nic &n : nics)
        nicTexts << QStringLiteral("%1 (%2)").arg(n.mac, n.driver.isEmpty() ? QStringLiteral("?") : n.driver);
    const Text none = Text::event(QT_TRANSLATE_NOOP("Events", "none"));
    const QString machine = QStringList{dmiVendor, dmiProduct}.join(QLatin1Char(' ')).trimmed();
    auto listOr = [&none](const QStringList &items) {
        return items.isEmpty() ? none : Text::plain(items.join(QLatin1String(", ")));
    };
    return Text::event(QT_TRANSLATE_NOOP("Events", "%1 CPUs (%2), %3 MiB of memory; disks: %4; NICs: %5; %6 "
                                                   "firmware; %7"))
        .arg(cpuCount)
        .arg(cpuModel.isEmpty() ? QStringLiteral("?") : cpuModel)
        .arg(memoryMiB)
        .arg(listOr(diskTexts))
        .arg(listOr(nicTexts))
        .arg(firmware.toUpper())
        .arg(machine.isEmpty() ? QStringLiteral("?") : machine);
}

QByteArray Inventory::toJson() const
{
    QJsonArray diskArray;
    for (const Disk &d : disks)
        diskArray.append(QJsonObject{{QStringLiteral("name"), d.name},
                                     {QStringLiteral("model"), d.model},
                                     {QStringLiteral("serial"), d.serial},
                                     {QStringLiteral("size_bytes"), double(d.sizeBytes)}});
    QJsonArray nicArray;
    for (const Nic &n : nics) {
        QJsonObject nic{
            {QStringLiteral("mac"), n.mac}, {QStringLiteral("driver"), n.driver}, {QStringLiteral("link"), n.link}};
        if (n.speedMbps > 0)
            nic.insert(QStringLiteral("speed_mbps"), double(n.speedMbps));
        nicArray.append(nic);
    }
    const QJsonObject root{
        {QStringLiteral("architecture"), architecture},
        {QStringLiteral("firmware"), firmware},
        {QStringLiteral("cpu"), QJsonObject{{QStringLiteral("model"), cpuModel}, {QStringLiteral("count"), cpuCount}}},
        {QStringLiteral("memory_mib"), double(memoryMiB)},
        {QStringLiteral("disks"), diskArray},
        {QStringLiteral("nics"), nicArray},
        {QStringLiteral("dmi"), QJsonObject{{QStringLiteral("vendor"), dmiVendor},
                                            {QStringLiteral("product"), dmiProduct},
                                            {QStringLiteral("serial"), dmiSerial}}},
        {QStringLiteral("boot_mac"), bootMac},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

Expected<Inventory> parseInventory(QByteArrayView json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{QStringLiteral("the inventory is not JSON: %1 at byte %2")
                         .arg(parseError.errorString())
                         .arg(parseError.offset)};
    if (!doc.isObject())
        return Error{QStringLiteral("the inventory must be a JSON object")};
    const QJsonObject root = doc.object();
    Inventory inv;
    Checker c;
    QJsonObject cpu, dmi;
    QJsonArray disks, nics;
    qint64 cpuCount = 0;
    bool ok = c.string(root, QStringLiteral("architecture"), QStringLiteral("architecture"), inv.architecture, 1, 64) &&
              c.string(root, QStringLiteral("firmware"), QStringLiteral("firmware"), inv.firmware, 1, 16) &&
              c.object(root.value(QLatin1String("cpu")), QStringLiteral("cpu"), cpu) &&
              c.string(cpu, QStringLiteral("model"), QStringLiteral("cpu.model"), inv.cpuModel) &&
              c.integer(cpu, QStringLiteral("count"), QStringLiteral("cpu.count"), cpuCount, 1, 65536) &&
              c.integer(root, QStringLiteral("memory_mib"), QStringLiteral("memory_mib"), inv.memoryMiB, 1,
                        qint64(1) << 40) &&
              c.array(root, QStringLiteral("disks"), QStringLiteral("disks"), disks, kMaxDisks) &&
              c.array(root, QStringLiteral("nics"), QStringLiteral("nics"), nics, kMaxNics) &&
              c.object(root.value(QLatin1String("dmi")), QStringLiteral("dmi"), dmi) &&
              c.string(dmi, QStringLiteral("vendor"), QStringLiteral("dmi.vendor"), inv.dmiVendor) &&
              c.string(dmi, QStringLiteral("product"), QStringLiteral("dmi.product"), inv.dmiProduct) &&
              c.string(dmi, QStringLiteral("serial"), QStringLiteral("dmi.serial"), inv.dmiSerial) &&
              c.mac(root, QStringLiteral("boot_mac"), QStringLiteral("boot_mac"), inv.bootMac);
    if (!ok)
        return Error{c.error};
    inv.cpuCount = int(cpuCount);
    if (inv.firmware != QLatin1String("bios") && inv.firmware != QLatin1String("uefi"))
        return Error{QStringLiteral("firmware must be \"bios\" or \"uefi\", not \"%1\"").arg(inv.firmware)};
    for (QChar ch : std::as_const(inv.architecture))
        if (!(ch.isLower() || ch.isDigit() || ch == QLatin1Char('/') || ch == QLatin1Char('-') ||
              ch == QLatin1Char('_') || ch == QLatin1Char('.')) ||
            ch.unicode() > 127)
            return Error{QStringLiteral("architecture \"%1\" is not of the form amd64/generic").arg(inv.architecture)};
    if (const QString a = supportedArchitecture(inv.architecture); !a.isEmpty())
        inv.architecture = a;

    for (qsizetype i = 0; i < disks.size(); ++i) {
        const QString path = QStringLiteral("disks[%1]").arg(i);
        QJsonObject o;
        Inventory::Disk d;
        if (!(c.object(disks.at(i), path, o) &&
              c.string(o, QStringLiteral("name"), path + QStringLiteral(".name"), d.name, 1, 64) &&
              c.string(o, QStringLiteral("model"), path + QStringLiteral(".model"), d.model) &&
              c.string(o, QStringLiteral("serial"), path + QStringLiteral(".serial"), d.serial) &&
              c.integer(o, QStringLiteral("size_bytes"), path + QStringLiteral(".size_bytes"), d.sizeBytes, 0,
                        qint64(kMaxExactInteger))))
            return Error{c.error};
        if (!isDiskName(d.name))
            return Error{QStringLiteral("%1.name \"%2\" is not a block device name").arg(path, d.name)};
        for (const Inventory::Disk &other : std::as_const(inv.disks))
            if (other.name == d.name)
                return Error{QStringLiteral("the disk %1 is listed twice").arg(d.name)};
        inv.disks << d;
    }
    for (qsizetype i = 0; i < nics.size(); ++i) {
        const QString path = QStringLiteral("nics[%1]").arg(i);
        QJsonObject o;
        Inventory::Nic n;
        if (!(c.object(nics.at(i), path, o) && c.mac(o, QStringLiteral("mac"), path + QStringLiteral(".mac"), n.mac) &&
              c.string(o, QStringLiteral("driver"), path + QStringLiteral(".driver"), n.driver, 0, 64) &&
              c.boolean(o, QStringLiteral("link"), path + QStringLiteral(".link"), n.link)))
            return Error{c.error};
        // Optional: the boot environments before it did not send it. Up to 10 Tb/s.
        if (o.contains(QLatin1String("speed_mbps")) &&
            !c.integer(o, QStringLiteral("speed_mbps"), path + QStringLiteral(".speed_mbps"), n.speedMbps, 0, 10000000))
            return Error{c.error};
        for (const Inventory::Nic &other : std::as_const(inv.nics))
            if (other.mac == n.mac)
                return Error{QStringLiteral("the NIC %1 is listed twice").arg(n.mac)};
        inv.nics << n;
    }
    return inv;
}

} // namespace metaldesk
