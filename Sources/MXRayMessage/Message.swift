#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the lines of the input ended. DKIM canonicalises CRLF lines (RFC 6376 §3.4), so bare LF
/// input is normalised and the report says so.
public enum LineEndings: String, Sendable, Codable {
    case crlf, lf, mixed, none

    init(crlf: Int, lf: Int) {
        self = crlf > 0 && lf > 0 ? .mixed : lf > 0 ? .lf : crlf > 0 ? .crlf : .none
    }
}

/// Why bytes could not be read as a message.
public enum MessageError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(Int)
    case tooManyHeaderFields(Int)
    case headerTooLarge(Int)
    case notAHeaderField(line: Int, text: String)

    public var description: String {
        switch self {
        case .tooLarge(let n): "message of \(n) bytes exceeds the \(Message.maxBytes)-byte limit"
        case .tooManyHeaderFields(let n): "more than \(Message.maxHeaderFields) header fields (\(n) seen)"
        case .headerTooLarge(let n): "header section of more than \(Message.maxHeaderBytes) bytes (\(n) seen)"
        case .notAHeaderField(let line, let text):
            "line \(line) is in the header section but is not a header field: \"\(text)\""
        }
    }
}

/// An RFC 5322 message as received: header fields with their exact bytes, then the body.
public struct Message: Sendable {
    /// A message larger than this is refused.
    public static let maxBytes = 256 * 1024 * 1024
    /// Header fields past this count are refused.
    public static let maxHeaderFields = 20_000
    /// A header section larger than this is refused.
    public static let maxHeaderBytes = 8 * 1024 * 1024

    public var fields: [HeaderField]
    /// The body with CRLF line endings; empty when there is none.
    public var body: [UInt8]
    /// False when no blank line ended the header section (a header-only message).
    public var hasBody: Bool
    public var lineEndings: LineEndings

    public init(fields: [HeaderField], body: [UInt8], hasBody: Bool = true, lineEndings: LineEndings = .crlf) {
        self.fields = fields
        self.body = body
        self.hasBody = hasBody
        self.lineEndings = lineEndings
    }

    /// Parses bytes as received. CRLF and bare LF are both accepted; an mbox `From ` line at the
    /// very start is skipped.
    public init(bytes input: [UInt8]) throws(MessageError) {
        guard input.count <= Self.maxBytes else { throw .tooLarge(input.count) }
        var crlf = 0, lf = 0
        var fields: [HeaderField] = []
        var i = 0
        var lineNumber = 0
        var headerBytes = 0
        var current: [UInt8] = []
        var currentName = ""
        var currentOffset = 0
        var hasBody = false

        func flush() {
            if !current.isEmpty {
                fields.append(HeaderField(name: currentName, raw: current, valueOffset: currentOffset))
            }
            current = []
        }

        // Header section: one line at a time.
        while i < input.count {
            var end = i
            while end < input.count && input[end] != 0x0A { end += 1 }
            let hasNewline = end < input.count
            var lineEnd = end
            if hasNewline {
                if end > i && input[end - 1] == 0x0D {
                    crlf += 1
                    lineEnd = end - 1
                } else {
                    lf += 1
                }
            }
            let line = input[i..<lineEnd]
            lineNumber += 1
            let next = hasNewline ? end + 1 : end
            headerBytes += next - i
            guard headerBytes <= Self.maxHeaderBytes else { throw .headerTooLarge(headerBytes) }

            if line.isEmpty && hasNewline {
                flush()
                hasBody = true
                i = next
                break
            }
            if line.isEmpty {
                i = next
                break
            }
            if line.first == 0x20 || line.first == 0x09 {
                if current.isEmpty {
                    throw .notAHeaderField(line: lineNumber, text: String(decoding: line.prefix(60), as: UTF8.self))
                }
                current += [0x0D, 0x0A]
                current += line
            } else if lineNumber == 1, line.starts(with: Array("From ".utf8)) {
                // mbox envelope line (RFC 4155): not part of the message.
            } else {
                flush()
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw .notAHeaderField(line: lineNumber, text: String(decoding: line.prefix(60), as: UTF8.self))
                }
                var nameEnd = colon
                while nameEnd > line.startIndex && (input[nameEnd - 1] == 0x20 || input[nameEnd - 1] == 0x09) {
                    nameEnd -= 1
                }
                guard nameEnd > line.startIndex else {
                    throw .notAHeaderField(line: lineNumber, text: String(decoding: line.prefix(60), as: UTF8.self))
                }
                currentName = String(decoding: input[line.startIndex..<nameEnd], as: UTF8.self)
                current = Array(line)
                currentOffset = colon - line.startIndex + 1
                guard fields.count < Self.maxHeaderFields else { throw .tooManyHeaderFields(fields.count + 1) }
            }
            i = next
        }
        flush()

        // Body: every line ending made CRLF (RFC 5322 §2.3). Most bodies already end every line with
        // CRLF and are copied whole; the first bare LF sends the rest through the byte loop.
        let start = i
        let (crlfLines, firstBareLF) = input.withUnsafeBufferPointer { p -> (Int, Int?) in
            guard let base = p.baseAddress else { return (0, nil) }
            let raw = UnsafeRawPointer(base)
            var lines = 0
            var offset = start
            // memchr jumps from line feed to line feed many bytes at a time.
            while offset < p.count, let hit = memchr(raw + offset, 0x0A, p.count - offset) {
                let j = raw.distance(to: UnsafeRawPointer(hit))
                guard j > start && p[j - 1] == 0x0D else { return (lines, j) }
                lines += 1
                offset = j + 1
            }
            return (lines, nil)
        }
        guard let bareLF = firstBareLF else {
            self.fields = fields
            self.body = Array(input[start...])
            self.hasBody = hasBody
            crlf += crlfLines
            self.lineEndings = LineEndings(crlf: crlf, lf: lf)
            return
        }
        var body: [UInt8] = []
        body.reserveCapacity(input.count - i + (input.count - i) / 40)
        body += input[start..<bareLF]
        crlf += crlfLines
        i = bareLF
        while i < input.count {
            let b = input[i]
            if b == 0x0A {
                if body.last == 0x0D && i > 0 && input[i - 1] == 0x0D {
                    crlf += 1
                } else {
                    lf += 1
                    body.append(0x0D)
                }
            }
            body.append(b)
            i += 1
        }
        self.fields = fields
        self.body = body
        self.hasBody = hasBody
        self.lineEndings = LineEndings(crlf: crlf, lf: lf)
    }

    /// The fields with this name, top to bottom.
    public func fields(named name: String) -> [HeaderField] { fields.filter { $0.is(name) } }

    /// The serialised message: each field, CRLF, a blank line, the body.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(fields.reduce(0) { $0 + $1.raw.count + 2 } + body.count + 2)
        for f in fields {
            out += f.raw
            out += [0x0D, 0x0A]
        }
        if hasBody || !body.isEmpty {
            out += [0x0D, 0x0A]
            out += body
        }
        return out
    }

    /// A copy with `field` added on top, as a hop that prepends trace or authentication fields does.
    public func prepending(_ new: [HeaderField]) -> Message {
        var copy = self
        copy.fields = new + fields
        return copy
    }
}
