#pragma once

#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QPalette>
#include <QString>
#include <QWidget>
#include <algorithm>
#include <cmath>

namespace metaldesk {

// The console's text colours for what went wrong (a failure, a refused action, an invalid value)
// and for what needs a look (a warning): dark enough to read on the light window background.
inline const QColor kErrorColor(0xb0, 0x00, 0x20);
inline const QColor kWarningColor(0x8a, 0x4b, 0x00);

// WCAG 2's contrast ratio of two colours (1 to 21): 4.5 is the least for normal text.
inline double contrastRatio(const QColor &a, const QColor &b)
{
    auto luminance = [](const QColor &c) {
        auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

// The colour of secondary text (hints, captions, what is not known yet): the style's placeholder
// colour, darkened (or, in a dark theme, lightened) towards the text colour until it reads at 4.5:1
// on the window; Fusion's own grey is about 2.9:1.
inline QColor mixed(const QColor &from, const QColor &to, double t)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * t),
                            float(from.greenF() + (to.greenF() - from.greenF()) * t),
                            float(from.blueF() + (to.blueF() - from.blueF()) * t));
}

inline QColor hintColor(const QPalette &palette)
{
    const QColor background = palette.color(QPalette::Window);
    const QColor text = palette.color(QPalette::WindowText);
    // The placeholder colour as drawn: Fusion's is the text colour, half transparent.
    const QColor placeholder = palette.color(QPalette::PlaceholderText);
    const QColor start = mixed(background, placeholder, placeholder.alphaF());
    QColor hint = start;
    for (int step = 1; step <= 10 && contrastRatio(hint, background) < 4.5; ++step)
        hint = mixed(start, text, step / 10.0);
    return hint;
}

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
