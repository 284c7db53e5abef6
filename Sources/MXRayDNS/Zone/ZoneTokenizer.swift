/// One token of a master file (RFC 1035 §5.1), with escapes still in place.
public struct ZoneToken: Sendable, Equatable {
    public var text: String
    /// True when the token was written in double quotes.
    public var quoted: Bool
    public var line: Int
}

/// A logical master-file line: the tokens of one entry, parentheses already joined.
struct ZoneEntry: Sendable {
    var line: Int
    /// RFC 1035 §5.1: an entry starting with blank space reuses the previous owner.
    var ownerOmitted: Bool
    var tokens: [ZoneToken]
}

/// Splits master-file text into entries: comments (`;`), quoted strings, `\` escapes and
/// parentheses that continue an entry over several lines (RFC 1035 §5.1).
enum ZoneTokenizer {
    /// A master file larger than this is refused: it is not a zone a person maintains.
    static let maxFileBytes = 64 * 1024 * 1024

    static func entries(_ bytes: [UInt8]) throws(ZoneFileError) -> [ZoneEntry] {
        guard bytes.count <= maxFileBytes else {
            throw ZoneFileError(line: 0, message: "file of \(bytes.count) bytes exceeds the \(maxFileBytes)-byte limit")
        }
        var entries: [ZoneEntry] = []
        var current: ZoneEntry?
        var line = 1
        var parenDepth = 0
        var parenLine = 0
        var i = 0
        var atLineStart = true

        func finishEntry() {
            if let e = current, !e.tokens.isEmpty { entries.append(e) }
            current = nil
        }

        while i < bytes.count {
            let b = bytes[i]
            if atLineStart && parenDepth == 0 {
                finishEntry()
                current = ZoneEntry(
                    line: line, ownerOmitted: b == UInt8(ascii: " ") || b == UInt8(ascii: "\t"), tokens: [])
                atLineStart = false
            }
            switch b {
            case UInt8(ascii: "\n"):
                line += 1
                atLineStart = true
                i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                i += 1
            case UInt8(ascii: ";"):
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "("):
                if parenDepth == 0 { parenLine = line }
                parenDepth += 1
                guard parenDepth == 1 else { throw ZoneFileError(line: line, message: "nested parentheses") }
                i += 1
            case UInt8(ascii: ")"):
                guard parenDepth > 0 else { throw ZoneFileError(line: line, message: "')' without a matching '('") }
                parenDepth -= 1
                i += 1
            case UInt8(ascii: "\""):
                let start = line
                var text: [UInt8] = []
                i += 1
                var closed = false
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                        text.append(c)
                        text.append(bytes[i + 1])
                        if bytes[i + 1] == UInt8(ascii: "\n") { line += 1 }
                        i += 2
                        continue
                    }
                    if c == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    }
                    if c == UInt8(ascii: "\n") { break }
                    text.append(c)
                    i += 1
                }
                guard closed else { throw ZoneFileError(line: start, message: "unterminated quoted string") }
                current?.tokens.append(
                    ZoneToken(text: String(decoding: text, as: UTF8.self), quoted: true, line: start))
            default:
                var text: [UInt8] = []
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                        text.append(c)
                        text.append(bytes[i + 1])
                        i += 2
                        continue
                    }
                    if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n")
                        || c == UInt8(ascii: "\r")
                        || c == UInt8(ascii: ";") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")")
                        || c == UInt8(ascii: "\"")
                    {
                        break
                    }
                    text.append(c)
                    i += 1
                }
                current?.tokens.append(
                    ZoneToken(text: String(decoding: text, as: UTF8.self), quoted: false, line: line))
            }
        }
        guard parenDepth == 0 else { throw ZoneFileError(line: parenLine, message: "'(' is never closed") }
        finishEntry()
        return entries
    }
}

/// A master-file error, with the line it was found on.
public struct ZoneFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String?
    public var line: Int
    public var message: String

    public init(path: String? = nil, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path ?? "zone"):\(line): \(message)" }
}
