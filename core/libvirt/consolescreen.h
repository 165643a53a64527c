#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace metaldesk {

// The last screenful of a serial console, as a person at a terminal would read it: bytes go in as
// they come (split anywhere, even inside a UTF-8 character or an escape sequence); terminal
// escape sequences (colours, cursor moves, clearing) and other control characters are dropped, a
// carriage return starts its line again, and only the last `rows` lines are kept, each at most
// `columns` bytes (longer lines wrap, as on a terminal). Pure; tested on captured firmware output
// and on noise.
class ConsoleScreen {
public:
    explicit ConsoleScreen(int rows = 25, int columns = 160) : rows_(rows), columns_(columns) {}
    void feed(const QByteArray &bytes);
    QString text() const; // the kept lines, the last without a newline when it is unfinished
    bool isEmpty() const { return lines_.isEmpty() && current_.isEmpty(); }

private:
    void endLine();
    void put(char c);

    enum class Escape {
        None,
        Start,   // after ESC
        Csi,     // ESC [ ... up to a final byte
        String,  // ESC ] (OSC) or ESC P (DCS) ... up to BEL or ESC
        Charset, // ESC ( or ESC ): one more byte
    };
    int rows_, columns_;
    QList<QByteArray> lines_;
    QByteArray current_;
    bool carriageReturn_ = false; // a CR not yet followed by LF: the next character rewrites the line
    Escape escape_ = Escape::None;
};

} // namespace metaldesk
