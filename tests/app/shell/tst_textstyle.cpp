// The console's shared text colours read at WCAG 2's 4.5:1 against the window, in the light style the
// tests use and in a dark palette: hints, captions and the failure and warning colours (review G3, G4).
#include "app/shell/textstyle.h"

#include <QApplication>
#include <QtTest>

using namespace metaldesk;

class TestTextStyle : public QObject {
    Q_OBJECT
private slots:
    void measuresContrastAsWcagDoes();
    void hintsReadInTheLightStyle();
    void hintsReadInADarkPalette();
    void failuresAndWarningsReadOnTheLightWindow();
};

void TestTextStyle::measuresContrastAsWcagDoes()
{
    QCOMPARE(qRound(contrastRatio(Qt::black, Qt::white) * 10), 210);
    QCOMPARE(contrastRatio(Qt::white, Qt::white), 1.0);
    // #767676 on white is the lightest grey that passes: 4.54:1.
    QVERIFY(qAbs(contrastRatio(QColor(0x76, 0x76, 0x76), Qt::white) - 4.54) < 0.01);
}

void TestTextStyle::hintsReadInTheLightStyle()
{
    const QPalette palette = QApplication::palette();
    // The style's own placeholder grey does not pass: the reason for hintColor().
    const QColor placeholder = palette.color(QPalette::PlaceholderText);
    QVERIFY(contrastRatio(mixed(palette.color(QPalette::Window), placeholder, placeholder.alphaF()),
                          palette.color(QPalette::Window)) < 4.5);
    const QColor hint = hintColor(palette);
    QVERIFY2(contrastRatio(hint, palette.color(QPalette::Window)) >= 4.5, qPrintable(hint.name()));
    // Still a hint: lighter than the text itself.
    QVERIFY(hint != palette.color(QPalette::WindowText));
}

void TestTextStyle::hintsReadInADarkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::PlaceholderText, QColor(0x60, 0x60, 0x60));
    const QColor hint = hintColor(dark);
    QVERIFY2(contrastRatio(hint, dark.color(QPalette::Window)) >= 4.5, qPrintable(hint.name()));
    QVERIFY(hint.lightness() > QColor(0x60, 0x60, 0x60).lightness());
}

void TestTextStyle::failuresAndWarningsReadOnTheLightWindow()
{
    const QColor window = QApplication::palette().color(QPalette::Window);
    QVERIFY(contrastRatio(kErrorColor, window) >= 4.5);
    QVERIFY(contrastRatio(kWarningColor, window) >= 4.5);
}

QTEST_MAIN(TestTextStyle)
#include "tst_textstyle.moc"
