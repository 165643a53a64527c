#pragma once

#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QPalette>
#include <QString>
#include <QWidget>

namespace metaldesk {

// The console's text colours for what went wrong (a failure, a refused action, an invalid value)
// and for what needs a look (a warning): dark enough to read on the light window background.
inline const QColor kErrorColor(0xb0, 0x00, 0x20);
inline const QColor kWarningColor(0x8a, 0x4b, 0x00);

inline void setTextColor(QWidget *widget, const QColor &color)
{
    QPalette palette = widget->palette();
    palette.setColor(QPalette::WindowText, color);
    widget->setPalette(palette);
}

// An error as the core words it ("the image URL ... is not valid") made a sentence for a label:
// its first letter in upper case and a full stop at the end.
inline QString asSentence(const QString &text)
{
    if (text.isEmpty())
        return text;
    QString sentence = text.left(1).toUpper() + text.mid(1);
    if (!sentence.endsWith(QLatin1Char('.')))
        sentence += QLatin1Char('.');
    return sentence;
}

// Every date and time in the window, in one format: the locale's own order and words (a
// 12-hour clock where the locale uses one), with the whole year and the seconds that tell events of
// one minute apart. "12/4/2026 9:32:12 PM" in English, "2026. 12. 4. 오후 9:32:12" in Korean.
inline QString dateTimeText(qint64 msSinceEpoch, const QLocale &locale = QLocale())
{
    QString date = locale.dateFormat(QLocale::ShortFormat);
    if (!date.contains(QLatin1String("yyyy")))
        date.replace(QLatin1String("yy"), QLatin1String("yyyy"));
    QString time = locale.timeFormat(QLocale::ShortFormat);
    if (!time.contains(QLatin1String("ss")))
        time.replace(QLatin1String("mm"), QLatin1String("mm:ss"));
    return locale.toString(QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toLocalTime(), date + QLatin1Char(' ') + time);
}

} // namespace metaldesk
