#include "core/machines/hostnamegenerator.h"

#include "core/machines/machine.h"

#include <QFile>

namespace metaldesk {

namespace {
Expected<QStringList> readWords(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return Error{QObject::tr("cannot read the word list %1: %2").arg(path, file.errorString())};
    QStringList words;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const QString word = QString::fromUtf8(line).trimmed();
        if (word.isEmpty() || word.startsWith(QLatin1Char('#')))
            continue;
        if (!isValidHostname(word))
            return Error{QObject::tr("the word list %1 has an unusable word '%2'").arg(path, word)};
        words << word;
    }
    words.removeDuplicates();
    if (words.isEmpty())
        return Error{QObject::tr("the word list %1 is empty").arg(path)};
    return words;
}
} // namespace

HostnameGenerator::HostnameGenerator(QStringList adjectives, QStringList nouns)
    : adjectives_(std::move(adjectives)), nouns_(std::move(nouns))
{
}

Expected<HostnameGenerator> HostnameGenerator::builtIn()
{
    auto adjectives = readWords(QStringLiteral(":/metaldesk/words/adjectives.txt"));
    if (!adjectives)
        return adjectives.error();
    auto nouns = readWords(QStringLiteral(":/metaldesk/words/nouns.txt"));
    if (!nouns)
        return nouns.error();
    return HostnameGenerator(*adjectives, *nouns);
}

QString HostnameGenerator::random(QRandomGenerator &rng) const
{
    return adjectives_.at(rng.bounded(qsizetype(adjectives_.size()))) + QLatin1Char('-') +
           nouns_.at(rng.bounded(qsizetype(nouns_.size())));
}

QString HostnameGenerator::unique(QRandomGenerator &rng, const std::function<bool(const QString &)> &isTaken) const
{
    for (int attempt = 0; attempt < 64; ++attempt) {
        const QString name = random(rng);
        if (!isTaken(name))
            return name;
    }
    // Most pairs are taken: a numbered name is still a valid, readable label.
    const QString base = random(rng);
    for (int n = 2; n < 100000; ++n) {
        const QString name = base + QLatin1Char('-') + QString::number(n);
        if (!isTaken(name))
            return name;
    }
    return {};
}

} // namespace metaldesk
