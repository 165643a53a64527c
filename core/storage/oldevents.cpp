#include "core/storage/oldevents.h"

#include "core/base/sentencematcher.h"

#include <QFile>
#include <QXmlStreamReader>

namespace metaldesk {

namespace {

// The event texts in English and Korean, and the words that may be their arguments (statuses,
// power states), from the translations' catalogue.
SentenceMatcher load()
{
    SentenceMatcher matcher;
    QFile file(QStringLiteral(":/metaldesk/catalogue/metaldesk_ko.ts"));
    if (!file.open(QIODevice::ReadOnly))
        return matcher;
    static const QList<QByteArray> wordContexts{"NodeStatus", "Power"};
    QXmlStreamReader xml(&file);
    QByteArray context, source;
    bool numerus = false;
    QStringList translations;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            if (xml.name() == QLatin1String("name")) {
                context = xml.readElementText().toUtf8();
            } else if (xml.name() == QLatin1String("message")) {
                numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
                source.clear();
                translations.clear();
            } else if (xml.name() == QLatin1String("source")) {
                source = xml.readElementText().toUtf8();
            } else if (xml.name() == QLatin1String("translation") && !numerus) {
                translations << xml.readElementText();
            } else if (xml.name() == QLatin1String("numerusform")) {
                translations << xml.readElementText();
            }
        } else if (xml.isEndElement() && xml.name() == QLatin1String("message")) {
            translations.removeAll(QString());
            if (context == Text::kEventContext) {
                matcher.addSentence(context, source, QString::fromUtf8(source), numerus);
                for (const QString &t : std::as_const(translations))
                    matcher.addSentence(context, source, t, numerus);
            }
            if (context == Text::kEventContext || wordContexts.contains(context)) {
                matcher.addWord(QString::fromUtf8(source), context, source);
                for (const QString &t : std::as_const(translations))
                    matcher.addWord(t, context, source);
            }
        }
    }
    return matcher;
}

} // namespace

std::optional<Text> textOfOldEvent(const QString &description)
{
    static const SentenceMatcher matcher = load();
    return matcher.match(description);
}

} // namespace metaldesk
