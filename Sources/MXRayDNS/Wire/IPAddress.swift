#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 address: the RDATA of an A record (RFC 1035 §3.4.1).
public struct IPv4Address: Sendable, Hashable, Comparable, TextCodable {
    public let bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    /// Parses dotted-quad text (exactly four decimal octets, as inet_pton accepts).
    public init?(_ text: String) {
        var raw = in_addr()
        guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
        let value = UInt32(bigEndian: raw.s_addr)
        self.init(UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff))
    }

    public init?<C: Collection>(wire: C) where C.Element == UInt8 {
        guard wire.count == 4 else { return nil }
        let b = Array(wire)
        self.init(b[0], b[1], b[2], b[3])
    }

    public var wire: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }
    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }
    public var value: UInt32 { UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3) }

    public static func == (l: Self, r: Self) -> Bool { l.value == r.value }
    public static func < (l: Self, r: Self) -> Bool { l.value < r.value }
    public func hash(into h: inout Hasher) { h.combine(value) }
}

/// An IPv6 address: the RDATA of an AAAA record (RFC 3596 §2.2), printed in RFC 5952 form.
public struct IPv6Address: Sendable, Hashable, Comparable, TextCodable {
    public let wire: [UInt8]

    public init?<C: Collection>(wire: C) where C.Element == UInt8 {
        guard wire.count == 16 else { return nil }
        self.wire = Array(wire)
    }

    /// Parses RFC 4291 §2.2 text; a zone index (`%eth0`) is not an address and is rejected.
    public init?(_ text: String) {
        var raw = in6_addr()
        guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        wire = withUnsafeBytes(of: &raw) { Array($0) }
    }

    public var description: String {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: wire) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func < (l: Self, r: Self) -> Bool { l.wire.lexicographicallyPrecedes(r.wire) }
}

/// Either family of IP address, as a user types it or as a nameserver is configured.
public enum IPAddress: Sendable, Hashable, TextCodable {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: String) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    /// The name under which PTR records for this address live (RFC 1035 §3.5, RFC 3596 §2.5).
    public var reverseName: DomainName {
        switch self {
        case .v4(let a):
            let w = a.wire
            return try! DomainName("\(w[3]).\(w[2]).\(w[1]).\(w[0]).in-addr.arpa.")
        case .v6(let a):
            let hex = Array("0123456789abcdef")
            var labels: [String] = []
            for byte in a.wire.reversed() {
                labels.append(String(hex[Int(byte & 0x0f)]))
                labels.append(String(hex[Int(byte >> 4)]))
            }
            return try! DomainName(labels.joined(separator: ".") + ".ip6.arpa.")
        }
    }
}

/// Values that appear in JSON as their presentation text ("192.0.2.1"), not as their fields.
public protocol TextCodable: Codable, CustomStringConvertible {
    init?(_ text: String)
}

extension TextCodable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Self(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a valid \(Self.self): \(text)"))
        }
        self = parsed
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPAddress {
    /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps (RFC 4291 §2.5.5.2).
    public var unmapped: IPAddress {
        if case .v6(let v6) = self, v6.wire.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            return .v4(IPv4Address(wire: v6.wire.suffix(4))!)
        }
        return self
    }
}
