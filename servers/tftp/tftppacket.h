#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <utility>
#include <variant>

namespace metaldesk::tftp {

// RFC 1350 opcodes, and OACK from RFC 2347.
enum class Opcode : quint16 {
    ReadRequest = 1,
    WriteRequest = 2,
    Data = 3,
    Ack = 4,
    Error = 5,
    OptionAck = 6
};

// RFC 1350 error codes (8 from RFC 2347: option negotiation refused).
enum class ErrorCode : quint16 {
    NotDefined = 0,
    FileNotFound = 1,
    AccessViolation = 2,
    DiskFull = 3,
    IllegalOperation = 4,
    UnknownTransferId = 5,
    FileExists = 6,
    NoSuchUser = 7,
    OptionRefused = 8,
};

using Options = QList<std::pair<QByteArray, QByteArray>>; // names lower-cased, in the client's order

struct Request {
    bool write = false;
    QByteArray filename; // as sent: the server decides what a path may be
    QByteArray mode;     // lower-cased: "octet" or "netascii" ("mail" is refused by the parser)
    Options options;
    QByteArray option(QByteArrayView name) const;
};
struct Data {
    quint16 block = 0;
    QByteArray payload;
};
struct Ack {
    quint16 block = 0;
};
struct ErrorMessage {
    quint16 code = 0;
    QByteArray message;
};
struct OptionAck {
    Options options;
};
using Message = std::variant<Request, Data, Ack, ErrorMessage, OptionAck>;

enum class ParseError {
    Truncated,     // shorter than its opcode needs
    BadOpcode,     // not 1 to 6
    Unterminated,  // a string without its NUL
    EmptyFilename, // a request for ""
    BadMode,       // not octet or netascii
    BadOption,     // an option without a value, or given twice
};
inline constexpr int ParseErrorCount = 6;
const char *parseErrorName(ParseError error);

struct ParseFailure {
    ParseError error;
    QString detail;
};

// A pure function over one datagram: safe on any input.
std::variant<Message, ParseFailure> parse(QByteArrayView bytes);

QByteArray serialize(const Message &message);

} // namespace metaldesk::tftp
