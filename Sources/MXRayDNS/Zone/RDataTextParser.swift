/// Parses RDATA written in master-file presentation format (RFC 1035 §5.1, RFC 3597 §5).
public enum RDataTextParser {
    /// Parses one line of RDATA text, e.g. `10 mx1.example.com.` for MX.
    public static func parse(type: RRType, text: String, origin: DomainName?) throws(ZoneFileError) -> RData {
        let entries = try ZoneTokenizer.entries(Array(("x " + text).utf8))
        let tokens = entries.first.map { Array($0.tokens.dropFirst()) } ?? []
        return try parse(type: type, tokens: tokens, origin: origin, line: 1)
    }

    static func parse(type: RRType, tokens: [ZoneToken], origin: DomainName?, line: Int) throws(ZoneFileError) -> RData
    {
        func fail(_ message: String) -> ZoneFileError { ZoneFileError(line: line, message: "\(type): \(message)") }
        func expect(_ n: Int) throws(ZoneFileError) {
            guard tokens.count == n else {
                throw fail("expected \(n) field\(n == 1 ? "" : "s"), found \(tokens.count)")
            }
        }
        func name(_ token: ZoneToken) throws(ZoneFileError) -> DomainName {
            try ZoneNames.resolve(token.text, origin: origin, line: line)
        }
        func number<T: FixedWidthInteger>(_ token: ZoneToken, _: T.Type, _ what: String) throws(ZoneFileError) -> T {
            guard let v = T(token.text) else { throw fail("\(what) \"\(token.text)\" is not a number in range") }
            return v
        }

        // RFC 3597 §5: the generic form works for every type, known or not.
        if let first = tokens.first, first.text == "\\#", !first.quoted {
            guard tokens.count >= 2, let length = Int(tokens[1].text) else { throw fail("\\# needs a length") }
            let hex = tokens.dropFirst(2).map(\.text).joined()
            guard let data = Hex.decode(hex), data.count == length else {
                throw fail("\\# length \(length) does not match its hex data")
            }
            if type.isTypedByMXRay {
                var reader = WireReader(data)
                do { return try RDataWire.decode(type: type, length: data.count, from: &reader) } catch {
                    throw fail("\(error)")
                }
            }
            return .unknown(type: type, data: data)
        }

        switch type {
        case .a:
            try expect(1)
            guard let ip = IPv4Address(tokens[0].text) else {
                throw fail("\"\(tokens[0].text)\" is not an IPv4 address")
            }
            return .a(ip)
        case .aaaa:
            try expect(1)
            guard let ip = IPv6Address(tokens[0].text) else {
                throw fail("\"\(tokens[0].text)\" is not an IPv6 address")
            }
            return .aaaa(ip)
        case .mx:
            try expect(2)
            return .mx(preference: try number(tokens[0], UInt16.self, "preference"), exchange: try name(tokens[1]))
        case .cname:
            try expect(1)
            return .cname(try name(tokens[0]))
        case .ptr:
            try expect(1)
            return .ptr(try name(tokens[0]))
        case .ns:
            try expect(1)
            return .ns(try name(tokens[0]))
        case .soa:
            try expect(7)
            var times: [UInt32] = []
            for t in tokens[3...] {
                guard let v = TTLText.parse(t.text) else { throw fail("\"\(t.text)\" is not a time value") }
                times.append(v)
            }
            return .soa(
                SOAData(
                    mname: try name(tokens[0]), rname: try name(tokens[1]),
                    serial: try number(tokens[2], UInt32.self, "serial"),
                    refresh: times[0], retry: times[1], expire: times[2], minimum: times[3]))
        case .txt:
            guard !tokens.isEmpty else { throw fail("needs at least one character-string") }
            var strings: [[UInt8]] = []
            for t in tokens {
                guard let s = unescape(t.text), s.count <= 255 else {
                    throw fail(
                        "character-string \"\(t.text.prefix(40))...\" is longer than 255 octets or has a bad "
                            + "escape; split it into several quoted strings"
                    )
                }
                strings.append(s)
            }
            return .txt(strings)
        case .tlsa:
            guard tokens.count >= 4 else { throw fail("expected usage, selector, matching type and data") }
            guard let data = Hex.decode(tokens[3...].map(\.text).joined()) else {
                throw fail("certificate association data is not hex")
            }
            return .tlsa(
                TLSAData(
                    usage: try number(tokens[0], UInt8.self, "usage"),
                    selector: try number(tokens[1], UInt8.self, "selector"),
                    matchingType: try number(tokens[2], UInt8.self, "matching type"),
                    associationData: data))
        default:
            throw ZoneFileError(
                line: line, message: "\(type): mxray reads this type only in the RFC 3597 generic form (\\# LENGTH HEX)"
            )
        }
    }

    /// Undoes `\X` and `\DDD` escapes in a character-string (RFC 1035 §5.1).
    static func unescape(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < bytes.count else { return nil }
            let d = bytes[i + 1]
            if d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") {
                guard i + 3 < bytes.count else { return nil }
                let digits = bytes[(i + 1)...(i + 3)]
                guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
                let v = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                guard v <= 255 else { return nil }
                out.append(UInt8(v))
                i += 4
            } else {
                out.append(d)
                i += 2
            }
        }
        return out
    }
}

extension RRType {
    /// The types whose RDATA mxray decodes into fields rather than keeping raw.
    var isTypedByMXRay: Bool {
        [RRType.a, .aaaa, .mx, .txt, .cname, .ptr, .ns, .soa, .tlsa].contains(self)
    }
}

enum Hex {
    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// TTLs and SOA times: seconds, or BIND's unit form such as `1h30m` or `2d`.
enum TTLText {
    /// RFC 2181 §8: a TTL is at most 2^31 - 1 seconds.
    static let maxTTL: UInt64 = 0x7FFF_FFFF

    static func parse(_ text: String) -> UInt32? {
        guard !text.isEmpty else { return nil }
        if let plain = UInt64(text) { return plain <= maxTTL ? UInt32(plain) : nil }
        var total: UInt64 = 0
        var digits: UInt64? = nil
        for c in text.lowercased() {
            if let d = c.wholeNumberValue, c.isASCII {
                digits = (digits ?? 0) * 10 + UInt64(d)
                if digits! > maxTTL { return nil }
                continue
            }
            let unit: UInt64
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            case "w": unit = 604800
            default: return nil
            }
            guard let n = digits else { return nil }
            total += n * unit
            if total > maxTTL { return nil }
            digits = nil
        }
        guard digits == nil else { return nil }
        return UInt32(total)
    }
}

/// Owner and target names in a master file: `@`, relative names completed with the origin.
enum ZoneNames {
    static func resolve(_ text: String, origin: DomainName?, line: Int) throws(ZoneFileError) -> DomainName {
        if text == "@" {
            guard let origin else { throw ZoneFileError(line: line, message: "'@' used but no $ORIGIN is set") }
            return origin
        }
        let name: DomainName
        do { name = try DomainName(text) } catch { throw ZoneFileError(line: line, message: "\"\(text)\": \(error)") }
        if isAbsolute(text) { return name }
        guard let origin else {
            throw ZoneFileError(
                line: line,
                message:
                    "relative name \"\(text)\" but no $ORIGIN is set; add a $ORIGIN line or write the name with "
                    + "a trailing dot"
            )
        }
        do { return try name.appending(origin) } catch {
            throw ZoneFileError(line: line, message: "\"\(text)\": \(error)")
        }
    }

    /// A name ends in an unescaped dot: count the backslashes before the final dot.
    static func isAbsolute(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.last == UInt8(ascii: ".") else { return false }
        var backslashes = 0
        var i = bytes.count - 2
        while i >= 0 && bytes[i] == UInt8(ascii: "\\") {
            backslashes += 1
            i -= 1
        }
        return backslashes % 2 == 0
    }
}
