/// The `_mta-sts` TXT record (RFC 8461 §3.1): v=STSv1 and an id of 1-32 letters and digits.
public struct MTASTSRecord: Sendable, Codable, Equatable {
    public var id: String
    public var text: String

    public init(parsing text: String) throws(MTASTSError) {
        self.text = text
        var version: String?, id: String?
        for part in text.split(separator: ";") {
            let field = part.trimmingWSP()
            if field.isEmpty { continue }
            guard let eq = field.firstIndex(of: "=") else { throw .record("field \"\(field)\" has no '='") }
            let key = field[..<eq].trimmingWSP(), value = field[field.index(after: eq)...].trimmingWSP()
            if key == "v" { version = String(value) }
            if key == "id" { id = String(value) }
        }
        guard version == "STSv1", text[...].trimmingWSP().hasPrefix("v=STSv1") else {
            throw .record("does not start with v=STSv1")
        }
        guard let id, (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .record("id must be 1-32 letters and digits")
        }
        self.id = id
    }

    /// Records that start like MTA-STS (`v=STSv1`), the ones RFC 8461 §3.1 counts.
    public static func isMTASTS(_ text: String) -> Bool {
        text[...].trimmingWSP().hasPrefix("v=STSv1")
    }
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
