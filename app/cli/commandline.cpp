#include "app/cli/commandline.h"

#include "core/storage/settings.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QMap>

namespace metaldesk {

namespace {

// Gives lupdate and the runtime one translation context for this file.
struct CommandLineText {
    Q_DECLARE_TR_FUNCTIONS(CommandLine)
};

QCommandLineOption databaseOption()
{
    return {
        QStringLiteral("database"),
        CommandLineText::tr("Where the data lives: an SQLite file (default ~/.local/share/MetalDesk/metaldesk.db) or "
                            "postgresql://user:password@host[:port]/database."),
        CommandLineText::tr("path-or-url")};
}

// Unknown options and extra words are usage errors, with the offending text in the message.
Expected<void> parseStrict(QCommandLineParser &parser, const QStringList &args, int maxPositional)
{
    if (!parser.parse(args))
        return Error{parser.errorText()};
    if (parser.positionalArguments().size() > maxPositional)
        return Error{
            CommandLineText::tr("unexpected argument '%1'").arg(parser.positionalArguments().value(maxPositional))};
    return {};
}

Expected<CommandLine> parseCreateAdmin(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        CommandLineText::tr("Create an administrator account (as 'maas createadmin'). Options that are "
                            "missing are asked for when a terminal is present. The password is asked for "
                            "without echo, or read from the first line of standard input."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("username"), CommandLineText::tr("The administrator's user name."),
                      CommandLineText::tr("name")});
    // Refused, with the way that works: a password on the command line is shown to every user of
    // the computer (ps, /proc/PID/cmdline) and kept in the shell's history (security review M3).
    QCommandLineOption password(QStringLiteral("password"), QString(), QStringLiteral("password"));
    password.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(password);
    parser.addOption({QStringLiteral("email"), CommandLineText::tr("The administrator's e-mail address."),
                      CommandLineText::tr("address")});
    parser.addOption(databaseOption());
    if (auto ok = parseStrict(parser, args, 0); !ok)
        return ok.error();
    CommandLine cl;
    if (parser.isSet(QStringLiteral("help"))) {
        cl.mode = CommandLine::Mode::Help;
        cl.helpText = parser.helpText().replace(args.value(0), args.value(0) + QStringLiteral(" createadmin"));
        return cl;
    }
    if (parser.isSet(password))
        return Error{CommandLineText::tr("createadmin takes no --password: on the command line every user of this "
                                         "computer could read it. Type it when asked, or give it as the first line of "
                                         "standard input (printf '%s\\n' \"$PASSWORD\" | metaldesk createadmin ...).")};
    cl.mode = CommandLine::Mode::CreateAdmin;
    cl.username = parser.value(QStringLiteral("username"));
    cl.email = parser.value(QStringLiteral("email"));
    cl.database = parser.value(QStringLiteral("database"));
    return cl;
}

// The settings with what each takes and its default, for `set-config --help`.
QString settingsHelp()
{
    QString text = QLatin1Char('\n') + CommandLineText::tr("Settings:") + QLatin1Char('\n');
    for (const SettingSpec &s : allSettings()) {
        QString takes;
        switch (s.kind) {
        case SettingSpec::Kind::Integer: takes = QStringLiteral("%1-%2").arg(s.minimum).arg(s.maximum); break;
        case SettingSpec::Kind::Boolean: takes = QStringLiteral("true|false"); break;
        case SettingSpec::Kind::Choice: takes = s.choices.join(QLatin1Char('|')); break;
        default: break;
        }
        text += QStringLiteral("  %1").arg(QLatin1String(s.name), -26) +
                QCoreApplication::translate("Settings", s.description);
        if (!takes.isEmpty())
            text += QStringLiteral(" (%1)").arg(takes);
        if (*s.defaultValue)
            text += QLatin1Char(' ') + CommandLineText::tr("[default: %1]").arg(QLatin1String(s.defaultValue));
        text += QLatin1Char('\n');
    }
    return text;
}

// `set-config NAME VALUE` and `get-config NAME`, as MAAS's set-config and get-config.
Expected<CommandLine> parseConfigCommand(const QStringList &args, bool set)
{
    const QString command = set ? QStringLiteral("set-config") : QStringLiteral("get-config");
    QCommandLineParser parser;
    parser.setApplicationDescription(
        set ? CommandLineText::tr("Change a setting in the database (for example dhcp_interface, dhcp_range, "
                                  "http_port); running instances read it when their services start.")
            : CommandLineText::tr("Print a setting from the database."));
    parser.addHelpOption();
    parser.addOption(databaseOption());
    parser.addPositionalArgument(QStringLiteral("name"), CommandLineText::tr("The setting's name."));
    if (set)
        parser.addPositionalArgument(QStringLiteral("value"), CommandLineText::tr("Its new value."));
    if (auto ok = parseStrict(parser, args, set ? 2 : 1); !ok)
        return ok.error();
    CommandLine cl;
    if (parser.isSet(QStringLiteral("help"))) {
        cl.mode = CommandLine::Mode::Help;
        cl.helpText =
            parser.helpText().replace(args.value(0), args.value(0) + QLatin1Char(' ') + command) + settingsHelp();
        return cl;
    }
    const QStringList words = parser.positionalArguments();
    if (words.size() != (set ? 2 : 1))
        return Error{set ? CommandLineText::tr("set-config needs a name and a value")
                         : CommandLineText::tr("get-config needs a name")};
    // The name and the value are checked here, before the database is opened: a typo is a usage
    // error that names the settings there are.
    if (auto checked = checkSetting(words.value(0), words.value(1)); !checked)
        return checked.error();
    cl.mode = set ? CommandLine::Mode::SetConfig : CommandLine::Mode::GetConfig;
    cl.configName = words.value(0);
    cl.configValue = words.value(1);
    cl.database = parser.value(QStringLiteral("database"));
    return cl;
}

// `secret-key [file|keyring]`: where the key sealing the stored passwords is kept.
Expected<CommandLine> parseSecretKey(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(CommandLineText::tr(
        "Say where the key that seals the stored passwords is kept, or move it: 'file' keeps it in a file beside "
        "the database for good (a host that runs headless, without a desktop session), 'keyring' moves it into "
        "the desktop keyring (run it in the desktop session). In a desktop session with a keyring MetalDesk "
        "moves the key there by itself, unless 'file' was chosen."));
    parser.addHelpOption();
    parser.addOption(databaseOption());
    parser.addPositionalArgument(QStringLiteral("place"), CommandLineText::tr("file or keyring"),
                                 CommandLineText::tr("[file|keyring]"));
    if (auto ok = parseStrict(parser, args, 1); !ok)
        return ok.error();
    CommandLine cl;
    if (parser.isSet(QStringLiteral("help"))) {
        cl.mode = CommandLine::Mode::Help;
        cl.helpText = parser.helpText().replace(args.value(0), args.value(0) + QStringLiteral(" secret-key"));
        return cl;
    }
    cl.keyPlace = parser.positionalArguments().value(0);
    if (!cl.keyPlace.isEmpty() && cl.keyPlace != QLatin1String("file") && cl.keyPlace != QLatin1String("keyring"))
        return Error{CommandLineText::tr("secret-key takes file or keyring, not '%1'").arg(cl.keyPlace)};
    cl.mode = CommandLine::Mode::SecretKey;
    cl.database = parser.value(QStringLiteral("database"));
    return cl;
}

// `apikey --username NAME`: a new API key, printed once (as `maas apikey --generate`).
Expected<CommandLine> parseApiKey(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(CommandLineText::tr(
        "Make a new API key for a user and print it (MAAS's consumer:token:secret form, for juju and other MAAS "
        "clients). It is shown this once: keys are listed on the Users page and revoked there."));
    parser.addHelpOption();
    parser.addOption(
        {QStringLiteral("username"), CommandLineText::tr("The user the key is for."), CommandLineText::tr("name")});
    parser.addOption({QStringLiteral("name"), CommandLineText::tr("What the key is for (shown on the Users page)."),
                      CommandLineText::tr("text")});
    parser.addOption(databaseOption());
    if (auto ok = parseStrict(parser, args, 0); !ok)
        return ok.error();
    CommandLine cl;
    if (parser.isSet(QStringLiteral("help"))) {
        cl.mode = CommandLine::Mode::Help;
        cl.helpText = parser.helpText().replace(args.value(0), args.value(0) + QStringLiteral(" apikey"));
        return cl;
    }
    if (!parser.isSet(QStringLiteral("username")))
        return Error{CommandLineText::tr("apikey needs --username")};
    cl.mode = CommandLine::Mode::ApiKey;
    cl.username = parser.value(QStringLiteral("username"));
    cl.title = parser.value(QStringLiteral("name"));
    cl.database = parser.value(QStringLiteral("database"));
    return cl;
}

// `images list|add|remove|sources|source-add|source-remove|import`: the image catalogue and the
// mirrors it imports from.
Expected<CommandLine> parseImages(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(CommandLineText::tr(
        "The images MetalDesk deploys.\n  images list                      what the catalogue holds\n  images add "
        "NAME FILE-OR-URL      a whole-disk image (raw, .gz, .xz, .bz2, qcow2) or a root filesystem .tar.gz "
        "with a kernel in its /boot, as NAME (os/release, such as debian/bookworm); a file is copied under the boot "
        "root (a qcow2 converted to raw)\n  images remove NAME       "
        "        takes it "
        "out\n  images sources                   the simplestreams mirrors images are imported from\n  images "
        "source-add URL           adds a mirror (or changes it): --keyring, --select, --allow-unsigned\n  images "
        "source-remove URL        takes a mirror out (its images stay)\n  images import                    "
        "imports what the mirrors' selections name, with progress"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("arch"), CommandLineText::tr("The architecture it runs on (default amd64)."),
                      CommandLineText::tr("architecture"), QStringLiteral("amd64")});
    parser.addOption({QStringLiteral("firmware"),
                      CommandLineText::tr("The firmware it boots on: bios, uefi or bios,uefi (the default)."),
                      CommandLineText::tr("list"), QStringLiteral("bios,uefi")});
    parser.addOption({QStringLiteral("title"), CommandLineText::tr("A title for people (\"Debian 12\")."),
                      CommandLineText::tr("text")});
    parser.addOption({QStringLiteral("sha256"),
                      CommandLineText::tr("add: the file's SHA-256; the file is refused when it does not match."),
                      CommandLineText::tr("hex")});
    parser.addOption({QStringLiteral("keyring"),
                      CommandLineText::tr("source-add: the file with the public key(s) the mirror signs with (binary "
                                          "or ASCII-armoured)."),
                      CommandLineText::tr("file")});
    parser.addOption({QStringLiteral("select"),
                      CommandLineText::tr("source-add: what to import, as os/release/architecture (ubuntu/noble/amd64, "
                                          "* for any part); repeat for more."),
                      CommandLineText::tr("selection")});
    parser.addOption(
        {QStringLiteral("allow-unsigned"),
         CommandLineText::tr("source-add: the mirror has no signatures, and its files are taken anyway.")});
    parser.addOption({QStringLiteral("index-path"),
                      CommandLineText::tr("source-add: the index inside the mirror (default streams/v1/index.sjson)."),
                      CommandLineText::tr("path")});
    parser.addOption({QStringLiteral("proxy"),
                      CommandLineText::tr("import: an HTTP proxy (http://host:port); default the config key "
                                          "image_proxy."),
                      CommandLineText::tr("url")});
    parser.addOption(databaseOption());
    parser.addPositionalArgument(
        QStringLiteral("verb"), CommandLineText::tr("list, add, remove, sources, source-add, source-remove or import"));
    if (auto ok = parseStrict(parser, args, 3); !ok)
        return ok.error();
    CommandLine cl;
    if (parser.isSet(QStringLiteral("help"))) {
        cl.mode = CommandLine::Mode::Help;
        cl.helpText = parser.helpText().replace(args.value(0), args.value(0) + QStringLiteral(" images"));
        return cl;
    }
    const QStringList words = parser.positionalArguments();
    const QString verb = words.value(0);
    const QMap<QString, int> wordsOf = {{QStringLiteral("list"), 1},       {QStringLiteral("add"), 3},
                                        {QStringLiteral("remove"), 2},     {QStringLiteral("sources"), 1},
                                        {QStringLiteral("source-add"), 2}, {QStringLiteral("source-remove"), 2},
                                        {QStringLiteral("import"), 1}};
    if (!wordsOf.contains(verb))
        return Error{
            CommandLineText::tr("images needs list, add, remove, sources, source-add, source-remove or import")};
    const int wanted = wordsOf.value(verb);
    if (words.size() != wanted)
        return Error{verb == QLatin1String("add")
                         ? CommandLineText::tr("images add needs a name and a file or URL")
                         : CommandLineText::tr("images %1 takes %2 word(s)").arg(verb).arg(wanted)};
    cl.mode = CommandLine::Mode::Images;
    cl.imageWords = words;
    cl.architecture = parser.value(QStringLiteral("arch"));
    cl.firmware = parser.value(QStringLiteral("firmware"));
    cl.title = parser.value(QStringLiteral("title"));
    cl.sha256 = parser.value(QStringLiteral("sha256"));
    cl.keyringFile = parser.value(QStringLiteral("keyring"));
    cl.selections = parser.values(QStringLiteral("select"));
    cl.allowUnsigned = parser.isSet(QStringLiteral("allow-unsigned"));
    cl.indexPath = parser.value(QStringLiteral("index-path"));
    cl.proxy = parser.value(QStringLiteral("proxy"));
    cl.database = parser.value(QStringLiteral("database"));
    return cl;
}

} // namespace

Expected<CommandLine> parseCommandLine(const QStringList &args)
{
    if (args.size() > 1 && args.at(1) == QLatin1String("createadmin"))
        return parseCreateAdmin(QStringList{args.at(0)} + args.mid(2));
    if (args.size() > 1 && (args.at(1) == QLatin1String("set-config") || args.at(1) == QLatin1String("get-config")))
        return parseConfigCommand(QStringList{args.at(0)} + args.mid(2), args.at(1) == QLatin1String("set-config"));
    if (args.size() > 1 && args.at(1) == QLatin1String("apikey"))
        return parseApiKey(QStringList{args.at(0)} + args.mid(2));
    if (args.size() > 1 && args.at(1) == QLatin1String("images"))
        return parseImages(QStringList{args.at(0)} + args.mid(2));
    if (args.size() > 1 && args.at(1) == QLatin1String("secret-key"))
        return parseSecretKey(QStringList{args.at(0)} + args.mid(2));

    QCommandLineParser parser;
    parser.setApplicationDescription(CommandLineText::tr(
        "MetalDesk: metal-as-a-service for the home lab.\n\nCommands:\n  createadmin   Create an administrator "
        "account (see 'metaldesk createadmin --help').\n  set-config    Change a setting (see 'metaldesk set-config "
        "--help').\n  get-config    Print a setting.\n  apikey        Make an API key for a user (see 'metaldesk "
        "apikey "
        "--help').\n  images        The image catalogue: list, add, remove (see 'metaldesk images --help')."
        "\n  secret-key    Where the key sealing the stored passwords is kept: a file or the desktop keyring."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        {QStringLiteral("headless"), CommandLineText::tr("Run all services without a window (home servers, CI).")});
    parser.addOption(databaseOption());
    parser.addOption(
        {QStringLiteral("listen"),
         CommandLineText::tr("The IP address the boot servers and the API listen on, 0.0.0.0 for all (default: the "
                             "boot interface's address, and loopback for the API)."),
         CommandLineText::tr("address")});
    parser.addPositionalArgument(
        QStringLiteral("command"),
        CommandLineText::tr("Optional: createadmin, set-config, get-config, apikey, images or secret-key."),
        CommandLineText::tr("[command]"));
    if (auto ok = parseStrict(parser, args, 0); !ok) {
        if (!parser.positionalArguments().isEmpty())
            return Error{CommandLineText::tr("unknown command '%1'").arg(parser.positionalArguments().first())};
        return ok.error();
    }

    CommandLine cl;
    if (parser.isSet(QStringLiteral("help"))) {
        cl.mode = CommandLine::Mode::Help;
        cl.helpText = parser.helpText();
        return cl;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        cl.mode = CommandLine::Mode::Version;
        return cl;
    }
    cl.mode = parser.isSet(QStringLiteral("headless")) ? CommandLine::Mode::Headless : CommandLine::Mode::Gui;
    cl.database = parser.value(QStringLiteral("database"));
    cl.listen = parser.value(QStringLiteral("listen"));
    if (QHostAddress address; parser.isSet(QStringLiteral("listen")) && !address.setAddress(cl.listen))
        return Error{CommandLineText::tr("--listen: '%1' is not an IP address (for example 0.0.0.0 or 192.168.10.1)")
                         .arg(cl.listen)};
    return cl;
}

bool displayAvailable()
{
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        if (!qEnvironmentVariableIsEmpty(name))
            return true;
    return false;
}

} // namespace metaldesk
