#include "servers/tftp/tftppacket.h"

#include <QtEndian>

namespace metaldesk::tftp {

namespace {

// Splits NUL-terminated strings; false if the last one has no NUL.
bool splitStrings(QByteArrayView area, QList<QByteArray> &out)
{
    qsizetype start = 0;
    while (start < area.size()) {
        const qsizetype nul = area.indexOf('\0', start);
        if (nul < 0)
            return false;
        out << area.sliced(start, nul - start).toByteArray();
        start = nul + 1;
    }
    return true;
}

std::variant<Options, ParseFailure> readOptions(const QList<QByteArray> &strings, qsizetype from)
{
    Options options;
    if ((strings.size() - from) % 2 != 0)
        return ParseFailure{ParseError::BadOption,
                            QStringLiteral("option '%1' has no value").arg(QString::fromLatin1(strings.last()))};
    for (qsizetype i = from; i < strings.size(); i += 2) {
        const QByteArray name = strings[i].toLower();
        for (const auto &[seen, value] : options)
            if (seen == name)
                return ParseFailure{ParseError::BadOption,
                                    QStringLiteral("option '%1' given twice").arg(QString::fromLatin1(name))};
        options.append({name, strings[i + 1]});
    }
    return options;
}

void appendStrings(QByteArray &out, const Options &options)
{
    for (const auto &[name, value] : options) {
        out += name;
        out += '\0';
        out += value;
        out += '\0';
    }
}

QByteArray header(Opcode op, quint16 number)
{
    QByteArray out(4, Qt::Uninitialized);
    qToBigEndian(quint16(op), out.data());
    qToBigEndian(number, out.data() + 2);
    return out;
}

} // namespace

QByteArray Request::option(QByteArrayView name) const
{
    for (const auto &[n, value] : options)
        if (n == name)
            return value;
    return {};
}

const char *parseErrorName(ParseError error)
{
    switch (error) {
    case ParseError::Truncated: return "truncated";
    case ParseError::BadOpcode: return "bad opcode";
    case ParseError::Unterminated: return "unterminated string";
    case ParseError::EmptyFilename: return "empty file name";
    case ParseError::BadMode: return "bad mode";
    case ParseError::BadOption: return "bad option";
    }
    return "?";
}

std::variant<Message, ParseFailure> parse(QByteArrayView bytes)
{
    if (bytes.size() < 2)
        return ParseFailure{ParseError::Truncated, QStringLiteral("%1 bytes, no opcode").arg(bytes.size())};
    const quint16 op = qFromBigEndian<quint16>(bytes.data());
    switch (Opcode(op)) {
    case Opcode::ReadRequest:
    case Opcode::WriteRequest: {
        QList<QByteArray> strings;
        if (!splitStrings(bytes.sliced(2), strings) || strings.size() < 2)
            return ParseFailure{ParseError::Unterminated, QStringLiteral("a request needs a file name and a mode, "
                                                                         "each ending in NUL")};
        Request r;
        r.write = Opcode(op) == Opcode::WriteRequest;
        r.filename = strings[0];
        r.mode = strings[1].toLower();
        if (r.filename.isEmpty())
            return ParseFailure{ParseError::EmptyFilename, QStringLiteral("no file name")};
        if (r.mode != "octet" && r.mode != "netascii")
            return ParseFailure{ParseError::BadMode, QStringLiteral("mode '%1'").arg(QString::fromLatin1(r.mode))};
        auto options = readOptions(strings, 2);
        if (auto *failed = std::get_if<ParseFailure>(&options))
            return *failed;
        r.options = std::get<Options>(options);
        return r;
    }
    case Opcode::Data:
        if (bytes.size() < 4)
            return ParseFailure{ParseError::Truncated, QStringLiteral("DATA without a block number")};
        return Data{qFromBigEndian<quint16>(bytes.data() + 2), bytes.sliced(4).toByteArray()};
    case Opcode::Ack:
        if (bytes.size() < 4)
            return ParseFailure{ParseError::Truncated, QStringLiteral("ACK without a block number")};
        return Ack{qFromBigEndian<quint16>(bytes.data() + 2)};
    case Opcode::Error: {
        if (bytes.size() < 4)
            return ParseFailure{ParseError::Truncated, QStringLiteral("ERROR without a code")};
        // Some clients omit the final NUL of the message: take what is there.
        QByteArrayView text = bytes.sliced(4);
        if (const qsizetype nul = text.indexOf('\0'); nul >= 0)
            text = text.first(nul);
        return ErrorMessage{qFromBigEndian<quint16>(bytes.data() + 2), text.toByteArray()};
    }
    case Opcode::OptionAck: {
        QList<QByteArray> strings;
        if (!splitStrings(bytes.sliced(2), strings))
            return ParseFailure{ParseError::Unterminated, QStringLiteral("OACK option without its NUL")};
        auto options = readOptions(strings, 0);
        if (auto *failed = std::get_if<ParseFailure>(&options))
            return *failed;
        return OptionAck{std::get<Options>(options)};
    }
    }
    return ParseFailure{ParseError::BadOpcode, QStringLiteral("opcode %1").arg(op)};
}

QByteArray serialize(const Message &message)
{
    struct Writer {
        QByteArray operator()(const Request &r) const
        {
            QByteArray out(2, Qt::Uninitialized);
            qToBigEndian(quint16(r.write ? Opcode::WriteRequest : Opcode::ReadRequest), out.data());
            out += r.filename + '\0' + r.mode + '\0';
            appendStrings(out, r.options);
            return out;
        }
        QByteArray operator()(const Data &d) const { return header(Opcode::Data, d.block) + d.payload; }
        QByteArray operator()(const Ack &a) const { return header(Opcode::Ack, a.block); }
        QByteArray operator()(const ErrorMessage &e) const { return header(Opcode::Error, e.code) + e.message + '\0'; }
        QByteArray operator()(const OptionAck &o) const
        {
            QByteArray out(2, Qt::Uninitialized);
            qToBigEndian(quint16(Opcode::OptionAck), out.data());
            appendStrings(out, o.options);
            return out;
        }
    };
    return std::visit(Writer{}, message);
}

} // namespace metaldesk::tftp
