// The console's last screenful: what a person at a terminal would read, from bytes as they come.
#include "core/libvirt/consolescreen.h"

#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

class TestConsoleScreen : public QObject {
    Q_OBJECT
private slots:
    void keepsTheLastRows()
    {
        ConsoleScreen screen(3, 80);
        screen.feed("one\ntwo\nthree\nfour\nfi");
        QCOMPARE(screen.text(), u"three\nfour\nfi"_s);
        screen.feed("ve\n");
        QCOMPARE(screen.text(), u"three\nfour\nfive"_s);
    }
    void dropsEscapeSequencesEvenWhenSplit()
    {
        // SeaBIOS's and iPXE's first bytes: reset, no wrap, clear, colours, an OSC title.
        ConsoleScreen screen;
        const QByteArray bytes = "\x1b"
                                 "c\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2)\r\n"
                                 "\x1b[0;1miPXE 1.0.0\x1b[0m -- Open Source\x1b]0;title\a\x1b(B!\n";
        for (char c : bytes) // one byte at a time: a sequence split anywhere
            screen.feed(QByteArray(1, c));
        QCOMPARE(screen.text(), u"SeaBIOS (version 1.16.2)\niPXE 1.0.0 -- Open Source!"_s);
    }
    void aCarriageReturnRewritesItsLine()
    {
        ConsoleScreen screen;
        screen.feed("writing 10%\rwriting 55%\rwriting 100%\r\ndone\n");
        QCOMPARE(screen.text(), u"writing 100%\ndone"_s);
        screen.feed("ab\bc\x07\x01");
        QCOMPARE(screen.text(), u"writing 100%\ndone\nac"_s);
    }
    void longLinesWrapAndUtf8SurvivesASplit()
    {
        ConsoleScreen screen(25, 4);
        screen.feed("abcdefghij\n");
        QCOMPARE(screen.text(), u"abcd\nefgh\nij"_s);
        ConsoleScreen korean;
        const QByteArray word = u"커미션"_s.toUtf8();
        korean.feed(word.left(4));
        korean.feed(word.mid(4));
        QCOMPARE(korean.text(), u"커미션"_s);
    }
    void anythingIsSafe()
    {
        ConsoleScreen screen(5, 10);
        QByteArray noise;
        for (int i = 0; i < 100000; ++i)
            noise.append(char((i * 7919) % 256));
        screen.feed(noise);
        QVERIFY(screen.text().count(u'\n') <= 4);
    }
};

QTEST_GUILESS_MAIN(TestConsoleScreen)
#include "tst_consolescreen.moc"
