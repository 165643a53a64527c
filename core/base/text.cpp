#include "core/base/text.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

namespace metaldesk {

namespace {
constexpr int kMaxDepth = 4; // a sentence, an argument that is a sentence, and its words
constexpr int kMaxArgs = 16;
} // namespace

Text::Text(const char *context, const char *source, int n) : context_(context), source_(source), n_(n) {}

Text Text::plain(const QString &text)
{
    Text t;
    t.source_ = text.toUtf8();
    return t;
}

Text Text::arg(const QString &value) const { return arg(plain(value)); }

Text Text::arg(const Text &value) const
{
    Text t = *this;
    t.args_.push_back(value);
    return t;
}

Text Text::arg(qint64 value) const { return arg(QString::number(value)); }

QString Text::render(bool translate) const
{
    if (isPlain())
        return QString::fromUtf8(source_);
    QString pattern;
    if (translate) {
        pattern = QCoreApplication::translate(context_.constData(), source_.constData(), nullptr, n_);
    } else {
        pattern = QString::fromUtf8(source_);
        if (n_ >= 0)
            pattern.replace(QLatin1String("%n"), QString::number(n_));
    }
    // One pass, so that an argument holding "%2" stays as it is (QString::arg in a chain would fill it).
    QString out;
    out.reserve(pattern.size() + 32);
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (c == QLatin1Char('%') && i + 1 < pattern.size() && pattern.at(i + 1).isDigit()) {
            qsizetype end = i + 1;
            int number = 0;
            while (end < pattern.size() && pattern.at(end).isDigit() && end - i <= 2)
                number = number * 10 + pattern.at(end++).digitValue();
            if (number >= 1 && number <= int(args_.size())) {
                out += args_[size_t(number - 1)].render(translate);
                i = end - 1;
                continue;
            }
        }
        out += c;
    }
    return out;
}

QJsonObject Text::toJson() const
{
    if (isPlain())
        return {{QStringLiteral("p"), QString::fromUtf8(source_)}};
    QJsonObject json{{QStringLiteral("c"), QString::fromUtf8(context_)},
                     {QStringLiteral("s"), QString::fromUtf8(source_)}};
    if (n_ >= 0)
        json.insert(QStringLiteral("n"), n_);
    if (!args_.empty()) {
        QJsonArray args;
        for (const Text &a : args_)
            args.append(a.isPlain() ? QJsonValue(QString::fromUtf8(a.source_)) : QJsonValue(a.toJson()));
        json.insert(QStringLiteral("a"), args);
    }
    return json;
}

QByteArray Text::toJsonBytes() const { return QJsonDocument(toJson()).toJson(QJsonDocument::Compact); }

std::optional<Text> Text::fromJson(const QJsonObject &json) { return fromJson(json, 0); }

std::optional<Text> Text::fromJson(const QJsonObject &json, int depth)
{
    if (depth > kMaxDepth)
        return std::nullopt;
    if (json.contains(QLatin1String("p"))) {
        if (!json.value(QLatin1String("p")).isString() || json.size() != 1)
            return std::nullopt;
        return plain(json.value(QLatin1String("p")).toString());
    }
    const QJsonValue context = json.value(QLatin1String("c"));
    const QJsonValue source = json.value(QLatin1String("s"));
    if (!context.isString() || !source.isString() || context.toString().isEmpty() || source.toString().isEmpty())
        return std::nullopt;
    Text t;
    t.context_ = context.toString().toUtf8();
    t.source_ = source.toString().toUtf8();
    if (json.contains(QLatin1String("n"))) {
        const QJsonValue n = json.value(QLatin1String("n"));
        if (!n.isDouble() || n.toDouble() < 0 || n.toDouble() > 2e9)
            return std::nullopt;
        t.n_ = n.toInt();
    }
    const QJsonValue args = json.value(QLatin1String("a"));
    if (!args.isUndefined()) {
        if (!args.isArray() || args.toArray().size() > kMaxArgs)
            return std::nullopt;
        for (const QJsonValue &a : args.toArray()) {
            if (a.isString()) {
                t.args_.push_back(plain(a.toString()));
                continue;
            }
            if (!a.isObject())
                return std::nullopt;
            auto nested = fromJson(a.toObject(), depth + 1);
            if (!nested)
                return std::nullopt;
            t.args_.push_back(std::move(*nested));
        }
    }
    return t;
}

std::optional<Text> Text::fromJsonBytes(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return fromJson(doc.object());
}

bool Text::operator==(const Text &other) const
{
    return context_ == other.context_ && source_ == other.source_ && n_ == other.n_ && args_ == other.args_;
}

} // namespace metaldesk
