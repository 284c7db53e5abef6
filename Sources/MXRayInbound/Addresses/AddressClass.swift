import MXRayDNS

/// Which addresses can be reached from the Internet (RFC 6890 special-purpose registries).
/// Documentation ranges are told apart: they mark example data rather than a broken zone.
public enum AddressClass {
    /// RFC 5737 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and RFC 3849 (2001:db8::/32).
    public static func isDocumentation(_ ip: IPAddress) -> Bool {
        switch ip {
        case .v4(let a): return [0xC000_0200, 0xC633_6400, 0xCB00_7100].contains(a.value & 0xFFFF_FF00)
        case .v6(let a): return a.wire.prefix(4) == [0x20, 0x01, 0x0D, 0xB8]
        }
    }

    public static func isPublic(_ ip: IPAddress) -> Bool {
        switch ip {
        case .v4(let a):
            let v = a.value
            func within(_ net: UInt32, _ bits: UInt32) -> Bool { v & ~(UInt32.max >> bits) == net }
            let special: [(UInt32, UInt32)] = [
                (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16),
                (0xAC10_0000, 12), (0xC000_0000, 24), (0xC0A8_0000, 16), (0xC612_0000, 15),
                (0xE000_0000, 4), (0xF000_0000, 4),
            ]
            return !special.contains { within($0.0, $0.1) }
        case .v6(let a):
            let w = a.wire
            if w.allSatisfy({ $0 == 0 }) || w == [UInt8](repeating: 0, count: 15) + [1] { return false }  // :: and ::1
            if w[0] == 0xFE && (w[1] & 0xC0) == 0x80 { return false }  // fe80::/10 link-local
            if (w[0] & 0xFE) == 0xFC { return false }  // fc00::/7 unique local
            if w[0] == 0xFF { return false }  // multicast
            if w.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
                return isPublic(.v4(IPv4Address(wire: w.suffix(4))!))
            }
            return true
        }
    }
}
