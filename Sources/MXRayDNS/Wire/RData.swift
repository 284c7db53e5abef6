/// The start of authority of a zone (RFC 1035 §3.3.13).
public struct SOAData: Sendable, Hashable {
    public var mname: DomainName
    public var rname: DomainName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// Since RFC 2308 §4: the TTL of negative answers from this zone.
    public var minimum: UInt32

    public init(
        mname: DomainName, rname: DomainName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32,
        minimum: UInt32
    ) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// A DANE certificate association (RFC 6698 §2.1).
public struct TLSAData: Sendable, Hashable {
    public var usage: UInt8
    public var selector: UInt8
    public var matchingType: UInt8
    public var associationData: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, associationData: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.associationData = associationData
    }
}

/// The typed RDATA of the record types mxray reads; any other type is kept as raw bytes
/// (RFC 3597 §2) so that nothing a server sent is lost.
public enum RData: Sendable, Hashable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case mx(preference: UInt16, exchange: DomainName)
    /// Every character-string, in order (RFC 1035 §3.3.14).
    case txt([[UInt8]])
    case cname(DomainName)
    case ptr(DomainName)
    case ns(DomainName)
    case soa(SOAData)
    case tlsa(TLSAData)
    case unknown(type: RRType, data: [UInt8])

    /// A TXT record holding `text`, split into character-strings of at most 255 octets.
    public static func txt(text: String) -> RData {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return .txt([[]]) }
        return .txt(stride(from: 0, to: bytes.count, by: 255).map { Array(bytes[$0..<min($0 + 255, bytes.count)]) })
    }

    public var type: RRType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .mx: .mx
        case .txt: .txt
        case .cname: .cname
        case .ptr: .ptr
        case .ns: .ns
        case .soa: .soa
        case .tlsa: .tlsa
        case .unknown(let type, _): type
        }
    }

    /// The character-strings of a TXT record joined without separators, as SPF and DMARC
    /// read them (RFC 7208 §3.3, RFC 7489 §6.6.3). Bytes that are not UTF-8 become U+FFFD.
    public var joinedText: String? {
        guard case .txt(let strings) = self else { return nil }
        if strings.count == 1 { return String(decoding: strings[0], as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(strings.reduce(0) { $0 + $1.count })
        for s in strings { bytes += s }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The name this record points at, for the types that hold one.
    public var target: DomainName? {
        switch self {
        case .mx(_, let n), .cname(let n), .ptr(let n), .ns(let n): n
        default: nil
        }
    }

    /// Presentation format, as in a master file (RFC 1035 §5.1, RFC 3597 §5 for unknown types).
    public var presentation: String {
        switch self {
        case .a(let ip): return ip.description
        case .aaaa(let ip): return ip.description
        case .mx(let pref, let exchange): return "\(pref) \(exchange)"
        case .txt(let strings): return strings.map(Self.quoted).joined(separator: " ")
        case .cname(let n), .ptr(let n), .ns(let n): return n.description
        case .soa(let s):
            return "\(s.mname) \(s.rname) \(s.serial) \(s.refresh) \(s.retry) \(s.expire) \(s.minimum)"
        case .tlsa(let t):
            return "\(t.usage) \(t.selector) \(t.matchingType) \(Self.hex(t.associationData))"
        case .unknown(_, let data):
            return data.isEmpty ? "\\# 0" : "\\# \(data.count) \(Self.hex(data))"
        }
    }

    static func quoted(_ s: [UInt8]) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for b in s {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(b)
            case 0x20...0x7e:
                out.append(b)
            default:
                out.append(UInt8(ascii: "\\"))
                out.append(contentsOf: Array(String(format3: Int(b)).utf8))
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ data: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(data.count * 2)
        for b in data {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A resource record (RFC 1035 §3.2.1).
public struct ResourceRecord: Sendable, Hashable, CustomStringConvertible, Codable {
    public var name: DomainName
    public var rdataClass: DNSClass
    public var ttl: UInt32
    public var data: RData

    public init(name: DomainName, ttl: UInt32, data: RData, rdataClass: DNSClass = .internet) {
        self.name = name
        self.ttl = ttl
        self.data = data
        self.rdataClass = rdataClass
    }

    public var type: RRType { data.type }

    /// One master-file line: `name TTL CLASS TYPE RDATA`.
    public var description: String { "\(name)\t\(ttl)\t\(rdataClass)\t\(type)\t\(data.presentation)" }

    enum CodingKeys: String, CodingKey { case name, ttl, `class`, type, data }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(ttl, forKey: .ttl)
        try c.encode(rdataClass.description, forKey: .class)
        try c.encode(type, forKey: .type)
        try c.encode(data.presentation, forKey: .data)
    }

    /// Reads the JSON this type writes, parsing `data` as master-file RDATA.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(DomainName.self, forKey: .name)
        ttl = try c.decode(UInt32.self, forKey: .ttl)
        rdataClass = .internet
        let type = try c.decode(RRType.self, forKey: .type)
        let text = try c.decode(String.self, forKey: .data)
        do {
            data = try RDataTextParser.parse(type: type, text: text, origin: .root)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .data, in: c, debugDescription: "\(error)")
        }
    }
}

/// A question (RFC 1035 §4.1.2).
public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible, Codable {
    public var name: DomainName
    public var type: RRType
    public var qclass: DNSClass = .internet

    public init(name: DomainName, type: RRType) {
        self.name = name
        self.type = type
    }

    public var description: String { "\(name) \(type)" }

    enum CodingKeys: String, CodingKey { case name, type }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(DomainName.self, forKey: .name)
        type = try c.decode(RRType.self, forKey: .type)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
    }
}
