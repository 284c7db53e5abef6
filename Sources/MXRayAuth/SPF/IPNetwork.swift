import MXRayDNS

/// Splits `address[/len]`; the length defaults to `maxLength` and must be plain decimal digits
/// without a leading zero, at most `maxLength` (RFC 7208 §5.6).
private func splitPrefix(_ text: String, maxLength: Int) -> (String, Int)? {
    let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2 else { return (text, maxLength) }
    let s = parts[1]
    guard !s.isEmpty, s.allSatisfy(\.isASCIIDigit), !(s.count > 1 && s.first == "0"), let n = Int(s), n <= maxLength
    else { return nil }
    return (String(parts[0]), n)
}

/// An IPv4 network `a.b.c.d[/len]` (RFC 7208 §5.6: a zero-padded or out-of-range length is invalid).
public struct IPv4Network: Sendable, Equatable {
    public var address: IPv4Address
    public var prefixLength: Int

    public init?(_ text: String) {
        guard let (ipText, length) = splitPrefix(text, maxLength: 32), let ip = IPv4Address(ipText) else { return nil }
        address = ip
        prefixLength = length
    }

    public func contains(_ ip: IPv4Address) -> Bool { Self.matches(ip, address, prefixLength) }

    static func matches(_ a: IPv4Address, _ b: IPv4Address, _ length: Int) -> Bool {
        guard length > 0 else { return true }
        let mask: UInt32 = length >= 32 ? .max : ~(UInt32.max >> UInt32(length))
        return a.value & mask == b.value & mask
    }
}

/// An IPv6 network `addr[/len]`.
public struct IPv6Network: Sendable, Equatable {
    public var address: IPv6Address
    public var prefixLength: Int

    public init?(_ text: String) {
        guard let (ipText, length) = splitPrefix(text, maxLength: 128), let ip = IPv6Address(ipText) else { return nil }
        address = ip
        prefixLength = length
    }

    public func contains(_ ip: IPv6Address) -> Bool { Self.matches(ip, address, prefixLength) }

    static func matches(_ a: IPv6Address, _ b: IPv6Address, _ length: Int) -> Bool {
        var remaining = length
        for i in 0..<16 where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if a.wire[i] & mask != b.wire[i] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
