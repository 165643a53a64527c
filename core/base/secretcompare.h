#pragma once

#include <QByteArrayView>

namespace metaldesk {

// Whether two secrets are equal, compared without stopping at the first difference, so that the
// time taken does not tell an attacker how much of a guess was right. The lengths may differ (a
// length is not a secret here: every token and key has a fixed one).
bool sameSecret(QByteArrayView a, QByteArrayView b);

} // namespace metaldesk
