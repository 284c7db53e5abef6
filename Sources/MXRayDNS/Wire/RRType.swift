/// A resource record TYPE (RFC 1035 §3.2.2), kept as its number so unknown types survive.
public struct RRType: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: UInt16
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RRType(1)
    public static let ns = RRType(2)
    public static let cname = RRType(5)
    public static let soa = RRType(6)
    public static let ptr = RRType(12)
    public static let mx = RRType(15)
    public static let txt = RRType(16)
    public static let aaaa = RRType(28)
    public static let opt = RRType(41)
    public static let tlsa = RRType(52)
    public static let spf = RRType(99)
    public static let any = RRType(255)

    static let mnemonics: [(String, RRType)] = [
        ("A", .a), ("NS", .ns), ("CNAME", .cname), ("SOA", .soa), ("PTR", .ptr), ("MX", .mx),
        ("TXT", .txt), ("AAAA", .aaaa), ("OPT", .opt), ("TLSA", .tlsa), ("SPF", .spf), ("ANY", .any),
        ("SRV", RRType(33)), ("DS", RRType(43)), ("RRSIG", RRType(46)), ("NSEC", RRType(47)),
        ("DNSKEY", RRType(48)), ("NSEC3", RRType(50)), ("SVCB", RRType(64)), ("HTTPS", RRType(65)),
        ("CAA", RRType(257)),
    ]

    /// Parses a mnemonic ("MX"), the RFC 3597 §5 generic form ("TYPE65") or a bare number.
    public init?(name: String) {
        let upper = name.uppercased()
        if let known = Self.mnemonics.first(where: { $0.0 == upper }) {
            self = known.1
            return
        }
        let digits = upper.hasPrefix("TYPE") ? String(upper.dropFirst(4)) : upper
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = UInt16(digits) else { return nil }
        self.init(n)
    }

    public var description: String {
        Self.mnemonics.first(where: { $0.1 == self })?.0 ?? "TYPE\(rawValue)"
    }

    public static func < (l: RRType, r: RRType) -> Bool { l.rawValue < r.rawValue }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let t = RRType(name: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown type \(text)"))
        }
        self = t
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A resource record CLASS (RFC 1035 §3.2.4). mxray only asks IN questions.
public struct DNSClass: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let internet = DNSClass(1)
    public static let chaos = DNSClass(3)
    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        default: "CLASS\(rawValue)"
        }
    }
}

/// Response codes (RFC 1035 §4.1.1, extended by EDNS0 in RFC 6891 §6.1.3).
public struct ResponseCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let noError = ResponseCode(0)
    public static let formatError = ResponseCode(1)
    public static let serverFailure = ResponseCode(2)
    public static let nameError = ResponseCode(3)
    public static let notImplemented = ResponseCode(4)
    public static let refused = ResponseCode(5)
    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}
