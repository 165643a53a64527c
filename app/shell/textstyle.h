#pragma once

#include <QColor>
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

} // namespace metaldesk
