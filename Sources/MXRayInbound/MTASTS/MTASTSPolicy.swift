import MXRayDNS

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
            guard let colon = line.firstIndex(of: ":") else {
                throw .policy("line \"\(line.prefix(40))\" is not key: value")
            }
            let key = line[..<colon].trimmingCharacters(in: [" ", "\t"])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
            switch key {
            case "version":
                guard version == nil else { throw .policy("version appears twice") }
                version = value
            case "mode":
                guard mode == nil else { throw .policy("mode appears twice") }
                guard let m = Mode(rawValue: value) else {
                    throw .policy("mode \"\(value)\" is not enforce, testing or none")
                }
                mode = m
            case "max_age":
                guard maxAge == nil else { throw .policy("max_age appears twice") }
                guard value.count <= 10, value.allSatisfy(\.isNumber), let n = Int(value), n <= Self.maxMaxAge else {
                    throw .policy("max_age \"\(value)\" is not 0-\(Self.maxMaxAge)")
                }
                maxAge = n
            case "mx":
                guard !value.isEmpty else { throw .policy("empty mx line") }
                // A pattern written with U-labels is compared in A-label form (RFC 8461 §4.1, RFC 5891).
                mx.append((try? IDNA.toASCII(value)) ?? value.lowercased())
            default:
                break  // RFC 8461 §3.2: unknown fields are ignored
            }
        }
        guard version == "STSv1" else {
            throw .policy(version == nil ? "no version field" : "version \"\(version!)\" is not STSv1")
        }
        guard let mode else { throw .policy("no mode field") }
        guard let maxAge else { throw .policy("no max_age field") }
        guard !mx.isEmpty || mode == .none else { throw .policy("no mx field (required unless mode is none)") }
        self.mode = mode
        self.maxAge = maxAge
        self.mx = mx
    }
}
