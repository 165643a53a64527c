#pragma once

#include "core/base/expected.h"

#include <QStringList>

namespace metaldesk {

// What the user asked for on the command line, checked.
struct CommandLine {
    enum class Mode {
        Gui,
        Headless,
        CreateAdmin,
        SetConfig,
        GetConfig,
        ApiKey,
        Images,
        SecretKey,
        Help,
        Version
    };
    Mode mode = Mode::Gui;
    QString database; // as given; "" = the default SQLite file
    QString listen;   // --listen; empty: where listenAddresses() chooses
    // createadmin
    QString username;
    QString password;
    QString email;
    // set-config and get-config (as MAAS's set-config and get-config)
    QString configName;
    QString configValue;
    // secret-key: "" (say where the key is), "file" or "keyring" (move it there)
    QString keyPlace;
    // images: list, add NAME FILE-OR-URL, remove NAME, sources, source-add URL, source-remove URL,
    // import
    QStringList imageWords;
    QString keyringFile;        // source-add: the mirror's public key(s)
    bool allowUnsigned = false; // source-add: a mirror without signatures, said explicitly
    QStringList selections;     // source-add: "ubuntu/noble/amd64"
    QString indexPath;          // source-add: empty for streams/v1/index.sjson
    QString proxy;              // import: empty for the config key image_proxy
    QString architecture = QStringLiteral("amd64");
    QString firmware = QStringLiteral("bios,uefi");
    QString title;
    QString sha256;   // add: the file's SHA-256, checked when given
    QString helpText; // for Mode::Help
};

// args includes the program name, as QCoreApplication::arguments(). Errors are "usage" errors:
// the caller prints them with a pointer to --help and exits with status 2.
Expected<CommandLine> parseCommandLine(const QStringList &args);

// Whether a window can be shown at all (an X11 or Wayland display, or a Qt platform chosen).
bool displayAvailable();

} // namespace metaldesk
