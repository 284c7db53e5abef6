/// A bounds-checked cursor over a DNS message (RFC 1035 §4.1). Reading past the end throws.
public struct WireReader: Sendable {
    /// A name may chain compression pointers; each must point strictly backwards, which already
    /// rules out loops, and this caps the work a hostile message can cause.
    public static let maxPointersPerName = 64

    public let bytes: [UInt8]
    public var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

    mutating func u8(_ what: String) throws(DNSWireError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(reading: what, offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: String) throws(DNSWireError) -> UInt16 {
        guard offset + 2 <= bytes.count else { throw .truncated(reading: what, offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ what: String) throws(DNSWireError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw .truncated(reading: what, offset: offset) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func take(_ count: Int, _ what: String) throws(DNSWireError) -> [UInt8] {
        guard count >= 0, offset + count <= bytes.count else { throw .truncated(reading: what, offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Reads a possibly compressed name (RFC 1035 §4.1.4).
    mutating func name() throws(DNSWireError) -> DomainName {
        let start = offset
        // First the checks and the length, then one allocation of exactly that size: built label by
        // label, the name's array grew several times, and names are most of what a reply holds.
        var length = 0
        var cursor = offset
        var jumped = false
        var pointers = 0
        // The lowest offset a pointer may target: strictly before the label it sits in.
        var limit = offset
        while true {
            guard cursor < bytes.count else { throw .truncated(reading: "name", offset: cursor) }
            let label = bytes[cursor]
            switch label & 0xC0 {
            case 0x00:
                if label == 0 {
                    if !jumped { offset = cursor + 1 }
                    guard length + 1 <= DomainName.maxWireLength else {
                        throw .name(.nameTooLong(length + 1), offset: start)
                    }
                    return DomainName(uncheckedWire: copyName(from: start, length: length))
                }
                let end = cursor + 1 + Int(label)
                guard end <= bytes.count else { throw .truncated(reading: "label", offset: cursor) }
                length += 1 + Int(label)
                guard length + 1 <= DomainName.maxWireLength else {
                    throw .name(.nameTooLong(length + 1), offset: start)
                }
                cursor = end
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw .truncated(reading: "compression pointer", offset: cursor) }
                let target = Int(label & 0x3F) << 8 | Int(bytes[cursor + 1])
                guard target < limit else { throw .badPointer(offset: cursor, target: target) }
                pointers += 1
                guard pointers <= Self.maxPointersPerName else { throw .tooManyPointers(offset: start) }
                if !jumped { offset = cursor + 2 }
                jumped = true
                limit = target
                cursor = target
            default:
                throw .badLabelType(offset: cursor)
            }
        }
    }

    /// The labels of the name at `start`, already checked by `name()`, `length` bytes in all.
    private func copyName(from start: Int, length: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            var cursor = start
            count = 0
            while count < length {
                let label = Int(bytes[cursor])
                if label & 0xC0 == 0xC0 {
                    cursor = (label & 0x3F) << 8 | Int(bytes[cursor + 1])
                    continue
                }
                for i in 0...label { buffer[count + i] = bytes[cursor + i] }
                count += label + 1
                cursor += label + 1
            }
        }
    }

    /// A <character-string> (RFC 1035 §3.3): a length octet then that many octets.
    mutating func characterString() throws(DNSWireError) -> [UInt8] {
        let length = try u8("character-string length")
        return try take(Int(length), "character-string")
    }
}

/// Builds a DNS message, compressing names where RFC 1035 §4.1.4 and RFC 3597 §4 allow it.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Suffix (lower-cased wire form) → offset, for compression. Only offsets below 0x4000 are usable.
    private var suffixes: [[UInt8]: Int] = [:]
    public var compress: Bool

    public init(compress: Bool = true, capacity: Int = 512) {
        self.compress = compress
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(v & 0xff))
    }
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24))
        bytes.append(UInt8((v >> 16) & 0xff))
        bytes.append(UInt8((v >> 8) & 0xff))
        bytes.append(UInt8(v & 0xff))
    }
    mutating func append(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    mutating func set16(_ v: UInt16, at index: Int) {
        bytes[index] = UInt8(v >> 8)
        bytes[index + 1] = UInt8(v & 0xff)
    }

    mutating func name(_ name: DomainName, compressible: Bool = true) {
        let wire = name.wire
        var i = 0
        while i < wire.count {
            if compress && compressible {
                let suffix = wire[i...].map(DomainName.lower)
                if let at = suffixes[suffix] {
                    u16(0xC000 | UInt16(at))
                    return
                }
                if bytes.count < 0x4000 { suffixes[suffix] = bytes.count }
            }
            let length = Int(wire[i])
            bytes.append(contentsOf: wire[i...(i + length)])
            i += 1 + length
        }
        bytes.append(0)
    }

    mutating func characterString(_ s: [UInt8]) throws(DNSWireError) {
        guard s.count <= 255 else { throw .characterStringTooLong(s.count) }
        bytes.append(UInt8(s.count))
        bytes.append(contentsOf: s)
    }
}
