#include "core/libvirt/consolescreen.h"

namespace metaldesk {

void ConsoleScreen::feed(const QByteArray &bytes)
{
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        switch (escape_) {
        case Escape::Start:
            if (c == '[')
                escape_ = Escape::Csi;
            else if (c == ']' || c == 'P')
                escape_ = Escape::String;
            else if (c == '(' || c == ')')
                escape_ = Escape::Charset;
            else
                escape_ = Escape::None; // a two-byte sequence (ESC c, ESC 7, ...)
            continue;
        case Escape::Csi:
            if (u >= 0x40 && u <= 0x7e)
                escape_ = Escape::None; // the final byte; parameters and intermediates before it
            else if (u < 0x20 && c != '\x1b')
                put(c); // a control character inside a sequence acts as itself
            else if (c == '\x1b')
                escape_ = Escape::Start;
            continue;
        case Escape::String:
            if (c == '\a')
                escape_ = Escape::None;
            else if (c == '\x1b')
                escape_ = Escape::Start; // ESC \ ends it; whatever follows ESC is read as a new sequence
            continue;
        case Escape::Charset: escape_ = Escape::None; continue;
        case Escape::None: break;
        }
        if (c == '\x1b')
            escape_ = Escape::Start;
        else
            put(c);
    }
}

void ConsoleScreen::put(char c)
{
    switch (c) {
    case '\n':
        carriageReturn_ = false;
        endLine();
        return;
    case '\r': carriageReturn_ = true; return;
    case '\b':
        if (!current_.isEmpty())
            current_.chop(1);
        return;
    case '\t': break;
    default:
        if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f')
            return; // bells, shifts, NULs: nothing to read
    }
    if (carriageReturn_) { // progress lines ("42%\r43%\r"): the newest wins
        current_.clear();
        carriageReturn_ = false;
    }
    if (current_.size() >= columns_)
        endLine();
    current_.append(c);
}

void ConsoleScreen::endLine()
{
    lines_.append(current_);
    current_.clear();
    while (lines_.size() > rows_)
        lines_.removeFirst();
}

QString ConsoleScreen::text() const
{
    QList<QByteArray> shown = lines_;
    if (!current_.isEmpty()) {
        shown.append(current_);
        while (shown.size() > rows_)
            shown.removeFirst();
    }
    return QString::fromUtf8(shown.join('\n'));
}

} // namespace metaldesk
