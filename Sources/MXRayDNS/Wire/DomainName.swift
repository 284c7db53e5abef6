/// A domain name as DNS carries it (RFC 1035 §3.1): a sequence of labels of up to 63 octets,
/// at most 255 octets on the wire. Labels keep their bytes and case exactly as received;
/// comparison and hashing ignore ASCII case (RFC 4343 §3).
public struct DomainName: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// RFC 1035 §2.3.4: a label is at most 63 octets.
    public static let maxLabelLength = 63
    /// RFC 1035 §2.3.4: a name is at most 255 octets in wire form, root label included.
    public static let maxWireLength = 255

    /// Wire form without the terminating root label: each label is its length octet then its bytes.
    public let wire: [UInt8]

    public static let root = DomainName(uncheckedWire: [])

    init(uncheckedWire: [UInt8]) { wire = uncheckedWire }

    /// Builds a name from raw label bytes, enforcing the RFC 1035 length limits.
    public init<S: Sequence>(labels: S) throws(DNSNameError) where S.Element: Collection, S.Element.Element == UInt8 {
        var wire: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= Self.maxLabelLength else { throw .labelTooLong(label.count) }
            wire.append(UInt8(label.count))
            wire.append(contentsOf: label)
        }
        guard wire.count + 1 <= Self.maxWireLength else { throw .nameTooLong(wire.count + 1) }
        self.wire = wire
    }

    /// Parses presentation format (RFC 1035 §5.1): dots separate labels, `\.` and `\DDD` escape
    /// octets, a trailing dot is optional. "." is the root.
    public init(_ text: String) throws(DNSNameError) {
        if text == "." {
            self = .root
            return
        }
        guard !text.isEmpty else { throw .emptyLabel }
        if let simple = Self.parseSimple(text) {
            self = simple
            return
        }
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        var endedWithDot = false
        while i < bytes.count {
            let b = bytes[i]
            endedWithDot = false
            if b == UInt8(ascii: ".") {
                guard !current.isEmpty else { throw .emptyLabel }
                labels.append(current)
                current = []
                endedWithDot = true
                i += 1
            } else if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { throw .badEscape(text) }
                let next = bytes[i + 1]
                if next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") {
                    guard i + 3 < bytes.count else { throw .badEscape(text) }
                    let digits = bytes[(i + 1)...(i + 3)]
                    guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                        throw .badEscape(text)
                    }
                    let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                    guard value <= 255 else { throw .badEscape(text) }
                    current.append(UInt8(value))
                    i += 4
                } else {
                    current.append(next)
                    i += 2
                }
            } else {
                current.append(b)
                i += 1
            }
        }
        if !endedWithDot {
            guard !current.isEmpty else { throw .emptyLabel }
            labels.append(current)
        }
        try self.init(labels: labels)
    }

    /// Fast path for names without escapes: one pass over the UTF-8 bytes. Nil sends the text to
    /// the full parser (escapes, errors).
    static func parseSimple(_ text: String) -> DomainName? {
        var wire: [UInt8] = []
        var ok = true
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var count = bytes.count
            if count > 0 && bytes[count - 1] == UInt8(ascii: ".") { count -= 1 }
            guard count > 0, count + 2 <= maxWireLength else {
                ok = false
                return
            }
            wire.reserveCapacity(count + 1)
            var labelStart = 0
            wire.append(0)
            for i in 0..<count {
                let b = bytes[i]
                if b == UInt8(ascii: "\\") {
                    ok = false
                    return
                }
                if b == UInt8(ascii: ".") {
                    let length = i - labelStart
                    guard length > 0, length <= maxLabelLength else {
                        ok = false
                        return
                    }
                    wire[wire.count - length - 1] = UInt8(length)
                    wire.append(0)
                    labelStart = i + 1
                } else {
                    wire.append(b)
                }
            }
            let length = count - labelStart
            guard length > 0, length <= maxLabelLength else {
                ok = false
                return
            }
            wire[wire.count - length - 1] = UInt8(length)
        } ?? { ok = false }()
        return ok ? DomainName(uncheckedWire: wire) : nil
    }

    /// The labels, leftmost first.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var i = 0
        while i < wire.count {
            let length = Int(wire[i])
            result.append(wire[(i + 1)..<(i + 1 + length)])
            i += 1 + length
        }
        return result
    }

    public var labelCount: Int {
        var count = 0
        var i = 0
        while i < wire.count {
            count += 1
            i += 1 + Int(wire[i])
        }
        return count
    }

    public var isRoot: Bool { wire.isEmpty }

    /// The name with its leftmost label removed; nil for the root.
    public var parent: DomainName? {
        guard !wire.isEmpty else { return nil }
        return DomainName(uncheckedWire: Array(wire[(1 + Int(wire[0]))...]))
    }

    /// This name followed by `suffix` (used to make relative names absolute).
    public func appending(_ suffix: DomainName) throws(DNSNameError) -> DomainName {
        let total = wire.count + suffix.wire.count + 1
        guard total <= Self.maxWireLength else { throw .nameTooLong(total) }
        return DomainName(uncheckedWire: wire + suffix.wire)
    }

    /// A name with `label` added on the left.
    public func prepending(_ label: some Collection<UInt8>) throws(DNSNameError) -> DomainName {
        guard !label.isEmpty else { throw .emptyLabel }
        guard label.count <= Self.maxLabelLength else { throw .labelTooLong(label.count) }
        let total = wire.count + label.count + 2
        guard total <= Self.maxWireLength else { throw .nameTooLong(total) }
        return DomainName(uncheckedWire: [UInt8(label.count)] + label + wire)
    }

    /// True when this name equals `other` or lies below it.
    public func isSubdomain(of other: DomainName) -> Bool {
        guard wire.count >= other.wire.count else { return false }
        // Walk label boundaries so that "xexample.com" is not taken as below "example.com".
        var i = 0
        while true {
            if wire.count - i == other.wire.count {
                return Self.equalIgnoringCase(wire[i...], other.wire[...])
            }
            if i >= wire.count { return false }
            i += 1 + Int(wire[i])
            if wire.count - i < other.wire.count { return false }
        }
    }

    /// Lower-cased copy (ASCII only; other octets are kept).
    public var lowercased: DomainName { DomainName(uncheckedWire: wire.map(Self.lower)) }

    /// Presentation format with the trailing dot, e.g. `mx1.example.com.`.
    public var description: String {
        if wire.isEmpty { return "." }
        if let fast = plainDescription() { return fast }
        var out: [UInt8] = []
        out.reserveCapacity(wire.count + 1)
        for label in labels {
            for b in label { Self.appendEscaped(b, to: &out) }
            out.append(UInt8(ascii: "."))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The presentation form when no byte needs escaping (the usual case), else nil.
    private func plainDescription() -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(wire.count)
        var i = 0
        while i < wire.count {
            let end = i + 1 + Int(wire[i])
            var k = i + 1
            while k < end {
                let b = wire[k]
                guard
                    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                        || b == 0x2D || b == 0x5F || b == 0x2A || b == 0x2F || b == 0x2B
                else { return nil }
                out.append(b)
                k += 1
            }
            out.append(UInt8(ascii: "."))
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Presentation format without the trailing dot, as people write host names in reports.
    public var text: String {
        let d = description
        return d == "." ? d : String(d.dropLast())
    }

    static func appendEscaped(_ b: UInt8, to out: inout [UInt8]) {
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ";"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "@"), UInt8(ascii: "$"):
            out.append(UInt8(ascii: "\\"))
            out.append(b)
        case 0x21...0x7e:
            out.append(b)
        default:
            out.append(UInt8(ascii: "\\"))
            out.append(contentsOf: Array(String(format3: Int(b)).utf8))
        }
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5a) ? b | 0x20 : b
    }

    static func equalIgnoringCase(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var ia = a.startIndex, ib = b.startIndex
        while ia < a.endIndex {
            if lower(a[ia]) != lower(b[ib]) { return false }
            ia += 1
            ib += 1
        }
        return true
    }

    public static func == (l: DomainName, r: DomainName) -> Bool {
        equalIgnoringCase(l.wire[...], r.wire[...])
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(wire.count)
        for b in wire { hasher.combine(Self.lower(b)) }
    }

    /// Canonical DNS order (RFC 4034 §6.1): by labels from the right, case-insensitively.
    public static func < (l: DomainName, r: DomainName) -> Bool {
        let a = l.labels.reversed().map { $0.map(lower) }
        let b = r.labels.reversed().map { $0.map(lower) }
        for (x, y) in zip(a, b) where x != y { return x.lexicographicallyPrecedes(y) }
        return a.count < b.count
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try DomainName(text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension String {
    /// Three-digit decimal, as `\DDD` escapes need (RFC 1035 §5.1).
    init(format3 value: Int) {
        let digits = String(value)
        let padding = String(repeating: "0", count: Swift.max(0, 3 - digits.utf8.count))
        self.init(padding + digits)
    }
}

/// Why a domain name could not be built.
public enum DNSNameError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyLabel
    case labelTooLong(Int)
    case nameTooLong(Int)
    case badEscape(String)

    public var description: String {
        switch self {
        case .emptyLabel: "empty label in domain name"
        case .labelTooLong(let n):
            "label of \(n) octets exceeds the limit of \(DomainName.maxLabelLength) (RFC 1035 §2.3.4)"
        case .nameTooLong(let n):
            "name of \(n) octets exceeds the limit of \(DomainName.maxWireLength) (RFC 1035 §2.3.4)"
        case .badEscape(let s): "bad escape sequence in domain name \"\(s)\""
        }
    }
}
