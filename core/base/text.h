#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>
#include <vector>

namespace metaldesk {

// A sentence kept as what it says rather than as words in one language: its translation context,
// its English source and its arguments (plain values, or texts of their own such as a status name).
// Events keep it, so that each one is shown in the window's language, whichever language was on
// when it was recorded; the English rendering is what the API and the logs say.
class Text {
public:
    static constexpr const char *kEventContext = "Events";

    Text() = default;
    // context and source as Qt's translations know them; with n >= 0, the source's %n and its plural.
    Text(const char *context, const char *source, int n = -1);
    // An event's sentence, one context for all of them: Text::event(QT_TRANSLATE_NOOP("Events", "...")).
    static Text event(const char *source, int n = -1) { return Text(kEventContext, source, n); }
    // What no translation changes: a name a user typed, a message from a peer.
    static Text plain(const QString &text);

    // The next %1, %2, ... of the source, in order.
    Text arg(const QString &value) const;
    Text arg(const Text &value) const;
    Text arg(qint64 value) const;

    bool isEmpty() const { return source_.isEmpty(); }
    bool isPlain() const { return context_.isEmpty(); }
    QByteArray context() const { return context_; }
    QByteArray source() const { return source_; }

    QString english() const { return render(false); }
    QString translated() const { return render(true); } // with the translators installed now

    QJsonObject toJson() const;
    QByteArray toJsonBytes() const; // compact, for a database column
    // Refuses what toJson cannot have written (wrong types, nesting deeper than a sentence needs).
    static std::optional<Text> fromJson(const QJsonObject &json);
    static std::optional<Text> fromJsonBytes(const QByteArray &json);

    bool operator==(const Text &other) const;

private:
    static std::optional<Text> fromJson(const QJsonObject &json, int depth);
    QString render(bool translate) const;

    QByteArray context_; // empty for a plain text
    QByteArray source_;
    int n_ = -1;
    std::vector<Text> args_;
};

} // namespace metaldesk
