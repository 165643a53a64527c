// The boot environment's failure sentences: every `fail "..."` in bootenv/ is in MetalDesk's list
// (so that the window shows it in its language) and the list holds nothing the scripts no longer
// say; a reported sentence becomes its Text, its variable parts as arguments; an unknown one stays
// as the machine sent it.
#include "core/boot/bootenvtexts.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QTest>

using namespace metaldesk;
using namespace Qt::StringLiterals;

namespace {

// A `fail "..."` argument as the catalogue writes it: each expansion ($x, ${x}, $(...), $((...)),
// $?, $1) becomes the next %N.
QByteArray sentenceOf(const QByteArray &line, qsizetype start)
{
    QByteArray out;
    int argument = 0;
    for (qsizetype i = start; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"')
            return out;
        if (c == '\\' && i + 1 < line.size()) {
            out += line[++i];
            continue;
        }
        if (c != '$' || i + 1 >= line.size()) {
            out += c;
            continue;
        }
        const char next = line[i + 1];
        if (next == '(') { // $(...) or $((...)): to the matching parenthesis
            int depth = 0;
            for (++i; i < line.size(); ++i) {
                depth += line[i] == '(' ? 1 : line[i] == ')' ? -1 : 0;
                if (depth == 0)
                    break;
            }
        } else if (next == '{') {
            i = line.indexOf('}', i);
        } else if (next == '?' || std::isdigit(static_cast<unsigned char>(next))) {
            ++i;
        } else if (std::isalpha(static_cast<unsigned char>(next)) || next == '_') {
            while (i + 1 < line.size() && (std::isalnum(static_cast<unsigned char>(line[i + 1])) || line[i + 1] == '_'))
                ++i;
        } else {
            out += c;
            continue;
        }
        out += '%' + QByteArray::number(++argument);
    }
    return out;
}

QSet<QByteArray> scriptSentences()
{
    QSet<QByteArray> sentences;
    const QDir bootenv(QStringLiteral(BOOTENV_DIR));
    for (const QString &name : bootenv.entryList({u"*.sh"_s, u"init"_s}, QDir::Files)) {
        QFile file(bootenv.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray &line : file.readAll().split('\n')) {
            if (line.trimmed().startsWith('#'))
                continue;
            for (qsizetype at = line.indexOf("fail \""); at >= 0; at = line.indexOf("fail \"", at + 1))
                sentences << sentenceOf(line, at + 6);
        }
    }
    return sentences;
}

} // namespace

class TestBootEnvTexts : public QObject {
    Q_OBJECT
private slots:
    void knowsEverySentenceTheScriptsSay()
    {
        const QSet<QByteArray> said = scriptSentences();
        QVERIFY2(said.size() > 30, qPrintable(u"%1 sentences found in bootenv/"_s.arg(said.size())));
        const QList<QByteArray> known = bootEnvironmentSentences();
        const QSet<QByteArray> listed(known.begin(), known.end());
        QStringList missing, stale;
        for (const QByteArray &s : said)
            if (!listed.contains(s))
                missing << QString::fromUtf8(s);
        for (const QByteArray &s : listed)
            if (!said.contains(s))
                stale << QString::fromUtf8(s);
        QVERIFY2(missing.isEmpty(), qPrintable(u"not in core/boot/bootenvtexts.cpp:\n"_s + missing.join(u'\n')));
        QVERIFY2(stale.isEmpty(), qPrintable(u"no script says:\n"_s + stale.join(u'\n')));
    }

    void turnsAReportIntoItsText()
    {
        const QString download =
            u"could not download the image http://10.0.0.1:5248/images/debian.img (HTTP 404); check the image in MetalDesk"_s;
        const Text text = bootEnvironmentText(download);
        QVERIFY(!text.isPlain());
        QCOMPARE(text.source(), "could not download the image %1 (%2); check the image in MetalDesk"_ba);
        QCOMPARE(text.english(), download);
        // A word the scripts fill in is a text of its own.
        const Text kernel = bootEnvironmentText(
            u"could not download the boot-kernel http://h/k (timed out); check the image in MetalDesk"_s);
        QCOMPARE(kernel, Text::event("could not download %1 %2 (%3); check the image in MetalDesk")
                             .arg(Text::event("the boot-kernel"))
                             .arg(u"http://h/k"_s)
                             .arg(u"timed out"_s));
        const Text late =
            bootEnvironmentText(u"the deploy did not finish within 30 minutes; see this machine's console"_s);
        QCOMPARE(late, Text::event("the %1 did not finish within %2 minutes; see this machine's console")
                           .arg(Text::event("deploy"))
                           .arg(u"30"_s));
    }

    void keepsAnUnknownReportAsSent()
    {
        const Text text = bootEnvironmentText(u"a newer environment's own words"_s);
        QVERIFY(text.isPlain());
        QCOMPARE(text.english(), u"a newer environment's own words"_s);
    }
};

QTEST_GUILESS_MAIN(TestBootEnvTexts)
#include "tst_bootenvtexts.moc"
