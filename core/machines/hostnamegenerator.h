#pragma once

#include "core/base/expected.h"

#include <QRandomGenerator>
#include <QStringList>
#include <functional>

namespace metaldesk {

// Random two-word names for enlisted machines, like MAAS's "alarming-waste": an adjective and a
// noun from the project's own word lists (resources/words/).
class HostnameGenerator {
public:
    HostnameGenerator(QStringList adjectives, QStringList nouns);
    // The lists compiled into the program.
    static Expected<HostnameGenerator> builtIn();

    QString random(QRandomGenerator &rng) const;
    // A name no one has yet: random picks first, then a numbered one once the space runs thin.
    // Empty if every name tried was taken (isTaken also answers true when it cannot tell).
    QString unique(QRandomGenerator &rng, const std::function<bool(const QString &)> &isTaken) const;
    qsizetype combinations() const { return adjectives_.size() * nouns_.size(); }

private:
    QStringList adjectives_;
    QStringList nouns_;
};

} // namespace metaldesk
