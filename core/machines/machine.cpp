#include "core/machines/machine.h"

#include <QHash>

namespace metaldesk {

Text Machine::statusMessageText() const
{
    if (statusMessageJson.isEmpty())
        return Text::plain(statusMessage);
    return Text::fromJsonBytes(statusMessageJson).value_or(Text::plain(statusMessage));
}

QString Machine::statusMessageInWords() const { return statusMessageText().translated(); }

const char *systemActorLabel(const QString &name)
{
    static const QHash<QString, const char *> labels{
        {QStringLiteral("metadata"), QT_TRANSLATE_NOOP("Actor", "Boot environment")},
        {QStringLiteral("timeout"), QT_TRANSLATE_NOOP("Actor", "Timeout monitor")},
        {QStringLiteral("enlistment"), QT_TRANSLATE_NOOP("Actor", "Enlistment")},
        {QStringLiteral("power check"), QT_TRANSLATE_NOOP("Actor", "Power check")},
        {QStringLiteral("command line"), QT_TRANSLATE_NOOP("Actor", "Command line")},
        {QStringLiteral("first run"), QT_TRANSLATE_NOOP("Actor", "First-run wizard")},
    };
    return labels.value(name, nullptr);
}

QString normaliseMacAddress(const QString &text)
{
    QString hex;
    for (QChar c : text) {
        if (c.isSpace() || c == QLatin1Char(':') || c == QLatin1Char('-') || c == QLatin1Char('.'))
            continue;
        if (c.unicode() > 127 || !isxdigit(c.toLatin1()))
            return {};
        hex += c.toLower();
    }
    if (hex.size() != 12)
        return {};
    QString mac;
    for (int i = 0; i < 12; i += 2) {
        if (i)
            mac += QLatin1Char(':');
        mac += hex.mid(i, 2);
    }
    return mac;
}

bool isValidHostname(const QString &hostname)
{
    if (hostname.isEmpty() || hostname.size() > 63)
        return false;
    if (hostname.front() == QLatin1Char('-') || hostname.back() == QLatin1Char('-'))
        return false;
    for (QChar c : hostname) {
        const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
                        (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-');
        if (!ok)
            return false;
    }
    return true;
}

} // namespace metaldesk
