#pragma once

#include "core/base/text.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QRegularExpression>

#include <optional>

namespace metaldesk {

// Finds which known sentence a piece of text is, with its arguments: for sentences written out by
// something that did not keep their Text (an older MetalDesk's events, the boot environment's
// reports, which are shell scripts). Each sentence is known by one or more written forms (its
// English source, its translations); an argument that is a known word becomes that word's Text.
class SentenceMatcher {
public:
    // With preferWords, an argument is a known word where it can be ("could not download %1 %2" with
    // the word "the boot-kernel": %1 is that, not "the"); the words are then added before the sentences.
    explicit SentenceMatcher(bool preferWords = false) : preferWords_(preferWords) {}

    // `written` is the source or a translation of it, with its %1, %2, ... and %n.
    void addSentence(const QByteArray &context, const QByteArray &source, const QString &written, bool numerus);
    void addWord(const QString &written, const QByteArray &context, const QByteArray &source);
    // The Text the sentence is, when one of the forms matches it whole (the most specific first).
    std::optional<Text> match(const QString &sentence) const;

private:
    struct Form {
        QByteArray context;
        QByteArray source;
        bool numerus = false;
        QRegularExpression pattern;
        QList<int> groups;     // each group's argument number; 0 for %n
        qsizetype literal = 0; // the fixed text: the more, the more specific
    };
    QList<Form> forms_;                                   // kept most specific first
    QHash<QString, QPair<QByteArray, QByteArray>> words_; // rendering → context, source
    bool preferWords_;
};

} // namespace metaldesk
