/// An MTA-STS policy (RFC 8461 §3.2): version, mode, max_age and the MX patterns.
public struct MTASTSPolicy: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable { case enforce, testing, none }

    public var mode: Mode
    public var maxAge: Int
    public var mx: [String]
    public var text: String

    /// RFC 8461 §3.2: max_age is at most 31,557,600 seconds (about a year).
    public static let maxMaxAge = 31_557_600

    /// Parses the policy body; lines are `key: value`, ended by CRLF or LF.
    public init(parsing text: String) throws(MTASTSError) {
        self.text = text
        var version: String?, mode: Mode?, maxAge: Int?
        var mx: [String] = []
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.trimmingCharacters(in: [" ", "\t", "\r"])
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else { throw .policy("line \"\(line.prefix(40))\" is not key: value") }
            let key = line[..<colon].trimmingCharacters(in: [" ", "\t"])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            switch key {
            case "version":
                guard version == nil else { throw .policy("version appears twice") }
                version = value
            case "mode":
                guard mode == nil else { throw .policy("mode appears twice") }
                guard let m = Mode(rawValue: value) else { throw .policy("mode \"\(value)\" is not enforce, testing or none") }
                mode = m
            case "max_age":
                guard maxAge == nil else { throw .policy("max_age appears twice") }
                guard value.count <= 10, value.allSatisfy(\.isNumber), let n = Int(value), n <= Self.maxMaxAge else {
                    throw .policy("max_age \"\(value)\" is not 0-\(Self.maxMaxAge)")
                }
                maxAge = n
            case "mx":
                guard !value.isEmpty else { throw .policy("empty mx line") }
                mx.append(value.lowercased())
            default:
                break // RFC 8461 §3.2: unknown fields are ignored
            }
        }
        guard version == "STSv1" else { throw .policy(version == nil ? "no version field" : "version \"\(version!)\" is not STSv1") }
        guard let mode else { throw .policy("no mode field") }
        guard let maxAge else { throw .policy("no max_age field") }
        guard !mx.isEmpty || mode == .none else { throw .policy("no mx field (required unless mode is none)") }
        self.mode = mode; self.maxAge = maxAge; self.mx = mx
    }

    /// RFC 8461 §4.1: a pattern matches a host name exactly, or `*.` matches one leftmost label.
    public func covers(_ host: String) -> Bool { mx.contains { Self.pattern($0, matches: host) } }

    public static func pattern(_ pattern: String, matches host: String) -> Bool {
        var h = host.lowercased(), p = pattern.lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        if p.hasSuffix(".") { p.removeLast() }
        if p.hasPrefix("*.") {
            let suffix = p.dropFirst(1) // ".example.com"
            guard h.hasSuffix(suffix) else { return false }
            let label = h.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
        return h == p
    }
}

/// The `_mta-sts` TXT record (RFC 8461 §3.1): v=STSv1 and an id of 1-32 letters and digits.
public struct MTASTSRecord: Sendable, Codable, Equatable {
    public var id: String
    public var text: String

    public init(parsing text: String) throws(MTASTSError) {
        self.text = text
        var version: String?, id: String?
        for part in text.split(separator: ";") {
            let field = part.trimmingCharacters(in: [" ", "\t"])
            if field.isEmpty { continue }
            guard let eq = field.firstIndex(of: "=") else { throw .record("field \"\(field)\" has no '='") }
            let key = field[..<eq].trimmingCharacters(in: [" ", "\t"]), value = field[field.index(after: eq)...].trimmingCharacters(in: [" ", "\t"])
            if key == "v" { version = value }
            if key == "id" { id = value }
        }
        guard version == "STSv1", text.trimmingCharacters(in: [" ", "\t"]).hasPrefix("v=STSv1") else { throw .record("does not start with v=STSv1") }
        guard let id, (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .record("id must be 1-32 letters and digits")
        }
        self.id = id
    }

    /// Records that start like MTA-STS (`v=STSv1`), the ones RFC 8461 §3.1 counts.
    public static func isMTASTS(_ text: String) -> Bool { text.trimmingCharacters(in: [" ", "\t"]).hasPrefix("v=STSv1") }
}

public enum MTASTSError: Error, Sendable, Equatable, CustomStringConvertible {
    case record(String)
    case policy(String)
    case fetch(String)

    public var description: String {
        switch self {
        case .record(let s): "invalid _mta-sts record: \(s)"
        case .policy(let s): "invalid MTA-STS policy: \(s)"
        case .fetch(let s): s
        }
    }
}
