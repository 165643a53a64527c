#include "core/base/sentencematcher.h"

#include <QMap>

#include <algorithm>

namespace metaldesk {

void SentenceMatcher::addSentence(const QByteArray &context, const QByteArray &source, const QString &written,
                                  bool numerus)
{
    static const QRegularExpression placeholder(QStringLiteral("%(\\d{1,2}|n)"));
    Form form{context, source, numerus, {}, {}, 0};
    QString anything = QStringLiteral("(.*?)");
    if (preferWords_ && !words_.isEmpty()) { // the words first, the longest first; anything else after
        QStringList words = words_.keys();
        std::sort(words.begin(), words.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
        for (QString &w : words)
            w = QRegularExpression::escape(w);
        anything = QStringLiteral("(%1|.*?)").arg(words.join(QLatin1Char('|')));
    }
    QString pattern = QStringLiteral("\\A");
    qsizetype at = 0;
    for (auto it = placeholder.globalMatch(written); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        const QString fixed = written.mid(at, m.capturedStart() - at);
        pattern += QRegularExpression::escape(fixed);
        form.literal += fixed.size();
        const bool count = m.captured(1) == QLatin1String("n");
        pattern += count ? QStringLiteral("(\\d+)") : anything;
        form.groups << (count ? 0 : m.captured(1).toInt());
        at = m.capturedEnd();
    }
    pattern += QRegularExpression::escape(written.mid(at)) + QStringLiteral("\\z");
    form.literal += written.size() - at;
    form.pattern = QRegularExpression(pattern, QRegularExpression::DotMatchesEverythingOption);
    const auto after =
        std::find_if(forms_.begin(), forms_.end(), [&form](const Form &other) { return other.literal < form.literal; });
    forms_.insert(after, std::move(form));
}

void SentenceMatcher::addWord(const QString &written, const QByteArray &context, const QByteArray &source)
{
    words_.insert(written, {context, source});
}

std::optional<Text> SentenceMatcher::match(const QString &sentence) const
{
    for (const Form &form : forms_) {
        const QRegularExpressionMatch m = form.pattern.match(sentence);
        if (!m.hasMatch())
            continue;
        int n = -1;
        QMap<int, QString> args;
        for (int g = 0; g < form.groups.size(); ++g) {
            if (form.groups[g] == 0)
                n = m.captured(g + 1).toInt();
            else
                args.insert(form.groups[g], m.captured(g + 1));
        }
        if (form.numerus && n < 0)
            continue;
        Text text(form.context.constData(), form.source.constData(), form.numerus ? n : -1);
        for (int number = 1; !args.isEmpty(); ++number) {
            const QString value = args.take(number);
            const auto word = words_.constFind(value);
            text = word == words_.cend() ? text.arg(value)
                                         : text.arg(Text(word->first.constData(), word->second.constData()));
        }
        return text;
    }
    return std::nullopt;
}

} // namespace metaldesk
