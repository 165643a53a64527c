#pragma once

#include "core/base/text.h"

#include <optional>

namespace metaldesk {

// Events recorded before schema 11 kept only a sentence: in English, or in the language the window
// had then. This finds the event text it was, with its arguments, among the event texts and their
// Korean translations (the translations' catalogue, built into the program). None when nothing
// matches: the event is then shown as it was recorded, and marked so.
std::optional<Text> textOfOldEvent(const QString &description);

} // namespace metaldesk
