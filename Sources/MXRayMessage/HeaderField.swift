/// One header field as received (RFC 5322 §2.2): the exact bytes, which DKIM and ARC sign, and
/// the unfolded value for everything else.
public struct HeaderField: Sendable, Hashable {
    /// The field name as written, case kept (compare with `is(_:)`).
    public let name: String
    /// The whole field — name, colon, value and any folding — with CRLF line endings and without
    /// the final CRLF. Identical to the input when the input used CRLF.
    public let raw: [UInt8]
    /// Offset in `raw` of the first byte after the colon.
    public let valueOffset: Int

    public init(name: String, raw: [UInt8], valueOffset: Int) {
        self.name = name
        self.raw = raw
        self.valueOffset = valueOffset
    }

    /// Builds a field from a name and an (already folded, if wanted) value: `Name: value`.
    public init(name: String, value: String) {
        var raw = Array(name.utf8)
        raw.append(UInt8(ascii: ":"))
        let offset = raw.count
        raw.append(UInt8(ascii: " "))
        raw.append(contentsOf: value.utf8)
        self.init(name: name, raw: raw, valueOffset: offset)
    }

    /// The bytes after the colon, folding kept.
    public var rawValue: ArraySlice<UInt8> { raw[valueOffset...] }

    /// The value unfolded (RFC 5322 §2.2.3): CRLFs removed, outer whitespace trimmed. Bytes that
    /// are not UTF-8 become U+FFFD.
    public var value: String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count - valueOffset)
        for b in rawValue where b != 0x0D && b != 0x0A { out.append(b) }
        var start = 0, end = out.count
        while start < end && (out[start] == 0x20 || out[start] == 0x09) { start += 1 }
        while end > start && (out[end - 1] == 0x20 || out[end - 1] == 0x09) { end -= 1 }
        return String(decoding: out[start..<end], as: UTF8.self)
    }

    /// Case-insensitive name comparison (RFC 5322 §1.2.2).
    public func `is`(_ other: String) -> Bool {
        guard name.utf8.count == other.utf8.count else { return false }
        for (a, b) in zip(name.utf8, other.utf8) where a != b {
            // ASCII letters differ only in bit 0x20.
            guard a | 0x20 == b | 0x20, (a | 0x20) >= 0x61, (a | 0x20) <= 0x7A else { return false }
        }
        return true
    }
}
