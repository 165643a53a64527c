#pragma once

#include <QString>
#include <QTemporaryDir>
#include <QTranslator>
#include <memory>

namespace metaldesk {
struct CoreServices;
}

namespace metaldesk::guitest {

// Every source text made longer and Korean-looking ("한국어 Apply 번역"): pages must fit texts
// longer than English in a CJK font before the real translation exists.
class PseudoKorean : public QTranslator {
public:
    bool isEmpty() const override { return false; }
    QString translate(const char *context, const char *sourceText, const char *disambiguation, int n) const override;
};

// The Korean translations a Korean desktop loads: MetalDesk's own (compiled into the program) into
// `metaldesk`, Qt's (its buttons and dialogs: qt6-translations-l10n) into `qt`. Not installed.
bool loadShippedKorean(QTranslator &metaldesk, QTranslator &qt);

// What every GUI test sets first: QSettings in `settingsDir` (never the user's own), English
// numbers and dates, the engine's narration off (and its warnings, when `quietWarnings`), and the
// screenshot folder (SCREENSHOT_DIR) made. Returns false when that folder cannot be made.
bool setUpGuiTest(const QString &applicationName, const QString &settingsDir, bool quietWarnings);

// What each GUI test function starts from: no saved settings, a new folder `dir` and a real
// MetalDesk database in it, opened as `core`. Empty when that worked, else why not.
QString startFresh(std::unique_ptr<QTemporaryDir> &dir, std::unique_ptr<CoreServices> &core);

} // namespace metaldesk::guitest
