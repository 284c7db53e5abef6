import MXRayMessage

/// The two canonicalization algorithms of RFC 6376 §3.4.
public enum Canonicalization: String, Sendable, Codable {
    case simple, relaxed
}

extension Canonicalization {
    /// The canonical form of a body with CRLF line endings (RFC 6376 §3.4.3, §3.4.4).
    public func canonicalBody(_ body: [UInt8]) -> [UInt8] { Canonicalizer.body(body, self) }

    /// The SHA-256 hash a signature's `bh=` holds for `body` (RFC 6376 §3.7), over the first `limit`
    /// canonical octets when `l=` gives one, with the canonical body's whole length.
    public func bodyHash(_ body: [UInt8], limit: Int? = nil) -> (hash: [UInt8], length: Int) {
        let computed = SignedData.bodyHash(body, self, limit: limit)
        return (computed.hash, computed.length)
    }
}

/// Header and body canonicalization (RFC 6376 §3.4), shared by DKIM and ARC.
enum Canonicalizer {
    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// One header field in canonical form, with CRLF appended when `terminate` is set.
    static func header(
        _ raw: ArraySlice<UInt8>, _ mode: Canonicalization, terminate: Bool = true, into out: inout [UInt8]
    ) {
        switch mode {
        case .simple:
            // §3.4.1: the field exactly as it is.
            out.append(contentsOf: raw)
        case .relaxed:
            // §3.4.2: lower-case name, unfold, reduce WSP runs to one SP, trim around the colon and at the end.
            raw.withUnsafeBufferPointer { p in
                let n = p.count
                var colon = 0
                while colon < n && p[colon] != UInt8(ascii: ":") { colon += 1 }
                guard colon < n else {
                    out.append(contentsOf: p)
                    return
                }
                var nameEnd = colon
                while nameEnd > 0 && isWSP(p[nameEnd - 1]) { nameEnd -= 1 }
                out.reserveCapacity(out.count + n + 2)
                for k in 0..<nameEnd {
                    let b = p[k]
                    out.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
                }
                out.append(UInt8(ascii: ":"))
                var pendingSpace = false
                var started = false
                var k = colon + 1
                while k < n {
                    let b = p[k]
                    k += 1
                    if b == 0x0D || b == 0x0A { continue }
                    if isWSP(b) {
                        pendingSpace = started
                        continue
                    }
                    if pendingSpace {
                        out.append(0x20)
                        pendingSpace = false
                    }
                    out.append(b)
                    started = true
                }
            }
        }
        if terminate {
            out.append(0x0D)
            out.append(0x0A)
        }
    }

    /// A canonical body that is the original's first `end` octets, followed by CRLF when `addsCRLF`:
    /// it can be hashed where it lies, without a copy.
    struct Prefix: Equatable {
        var end: Int
        var addsCRLF: Bool
        var count: Int { end + (addsCRLF ? 2 : 0) }
    }

    /// The relaxed canonical body when it is `p` itself less its trailing empty lines: no tab, no run
    /// of spaces, no space at a line's start or before a CR, every LF after a CR. That is most mail, and
    /// the check compares 32 bytes at a time with the 32 bytes one place earlier (two loads that overlap,
    /// so no byte needs shifting across lanes); nil sends the body through the line-by-line loop.
    static func relaxedUnchanged(_ p: UnsafeBufferPointer<UInt8>) -> Prefix? {
        guard let base = p.baseAddress, p.count > 0 else { return Prefix(end: 0, addsCRLF: false) }
        let n = p.count
        guard p[n - 1] != 0x20 else { return nil }
        // Byte i is acceptable unless, with b the byte before it (a line feed before the first): i is a
        // tab; i and b are spaces; i is a space and b a line feed; i is a CR and b a space; i is a line
        // feed and b no CR.
        @inline(__always) func acceptable(_ byte: UInt8, after b: UInt8) -> Bool {
            switch byte {
            case 0x09: false
            case 0x20: b != 0x20 && b != 0x0A
            case 0x0D: b != 0x20
            case 0x0A: b == 0x0D
            default: true
            }
        }
        guard acceptable(p[0], after: 0x0A) else { return nil }
        typealias Lanes = SIMD32<UInt8>
        let raw = UnsafeRawPointer(base)
        let (tab, space, cr, lf) = (
            Lanes(repeating: 0x09), Lanes(repeating: 0x20), Lanes(repeating: 0x0D), Lanes(repeating: 0x0A)
        )
        var i = 1
        while i + Lanes.scalarCount <= n {
            let bytes = raw.loadUnaligned(fromByteOffset: i, as: Lanes.self)
            let before = raw.loadUnaligned(fromByteOffset: i - 1, as: Lanes.self)
            let spaces = bytes .== space
            let spacesBefore = before .== space
            let bad =
                (bytes .== tab) .| (spaces .& (spacesBefore .| (before .== lf))) .| ((bytes .== cr) .& spacesBefore)
                .| ((bytes .== lf) .& .!(before .== cr))
            // `any(bad)` is an out-of-line call here; the mask's 32 lanes (0 or all ones) read as four
            // words are tested in a few instructions instead.
            let words = unsafeBitCast(bad, to: SIMD4<UInt64>.self)
            if words[0] | words[1] | words[2] | words[3] != 0 { return nil }
            i += Lanes.scalarCount
        }
        while i < n {
            guard acceptable(p[i], after: p[i - 1]) else { return nil }
            i += 1
        }
        // Trailing empty lines: a CRLF that follows another CRLF or starts the body.
        var end = n
        while end >= 2, p[end - 2] == 0x0D, p[end - 1] == 0x0A,
            end == 2 || (end >= 4 && p[end - 4] == 0x0D && p[end - 3] == 0x0A)
        {
            end -= 2
        }
        guard end > 0 else { return Prefix(end: 0, addsCRLF: false) }
        return Prefix(end: end, addsCRLF: !(end >= 2 && p[end - 2] == 0x0D && p[end - 1] == 0x0A))
    }

    /// The canonical body as a prefix of `body` when it is one: always for simple (§3.4.3: trailing
    /// empty lines dropped, a missing final CRLF added, so an empty body becomes CRLF), and for relaxed
    /// when nothing but trailing empty lines changes.
    static func prefix(_ body: [UInt8], _ mode: Canonicalization) -> Prefix? {
        switch mode {
        case .simple:
            var end = body.count
            while end >= 4 && body[end - 4] == 0x0D && body[end - 3] == 0x0A && body[end - 2] == 0x0D
                && body[end - 1] == 0x0A
            {
                end -= 2
            }
            return Prefix(end: end, addsCRLF: !(end >= 2 && body[end - 2] == 0x0D && body[end - 1] == 0x0A))
        case .relaxed:
            return body.withUnsafeBufferPointer(relaxedUnchanged)
        }
    }

    /// The canonical body (§3.4.3, §3.4.4); `body` has CRLF line endings.
    static func body(_ body: [UInt8], _ mode: Canonicalization) -> [UInt8] {
        guard let prefix = prefix(body, mode) else { return relaxedRewritten(body) }
        var out = Array(body[..<prefix.end])
        if prefix.addsCRLF { out += [0x0D, 0x0A] }
        return out
    }

    /// The relaxed canonical body written out line by line, for a body that `relaxedUnchanged` refused.
    static func relaxedRewritten(_ body: [UInt8]) -> [UInt8] {
        // §3.4.4: WSP at line ends removed, inner WSP runs become one SP, trailing empty lines
        // dropped, and a non-empty body ends with CRLF. Output never exceeds input + 2 octets.
        body.withUnsafeBufferPointer { p in
            let n = p.count
            // Worst case: empty lines ended by bare LFs, each octet becoming CRLF, then a final CRLF.
            // (n + n / 2 + 2, assumed before, overran with "\n\n\n...a": the property test found it.)
            return [UInt8](unsafeUninitializedCapacity: 2 * n + 2) { out, written in
                var w = 0
                var emptyLinesPending = 0
                var lineStart = 0
                func flushEmptyLines() {
                    for _ in 0..<emptyLinesPending {
                        out[w] = 0x0D
                        out[w + 1] = 0x0A
                        w += 2
                    }
                    emptyLinesPending = 0
                }
                while lineStart < n {
                    // One pass finds the line's end and whether it is already canonical: no tab,
                    // no leading, doubled or trailing space. Such a line is copied as it is.
                    var j = lineStart
                    var clean = true
                    var afterSpace = true
                    while j < n {
                        let b = p[j]
                        if b == 0x0A { break }
                        if b == 0x20 {
                            if afterSpace { clean = false }
                            afterSpace = true
                        } else {
                            if b == 0x09 { clean = false }
                            afterSpace = false
                        }
                        j += 1
                    }
                    let hasLF = j < n
                    var contentEnd = j
                    if hasLF && contentEnd > lineStart && p[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                    if clean && contentEnd > lineStart && p[contentEnd - 1] != 0x20 {
                        flushEmptyLines()
                        let length = contentEnd - lineStart
                        (out.baseAddress! + w).initialize(from: p.baseAddress! + lineStart, count: length)
                        w += length
                        out[w] = 0x0D
                        out[w + 1] = 0x0A
                        w += 2
                        lineStart = hasLF ? j + 1 : n
                        continue
                    }
                    var k = lineStart
                    while k < contentEnd && isWSP(p[k]) { k += 1 }
                    if k == contentEnd {
                        emptyLinesPending += 1
                    } else {
                        flushEmptyLines()
                        var pendingSpace = k > lineStart
                        while k < contentEnd {
                            let b = p[k]
                            k += 1
                            if isWSP(b) {
                                pendingSpace = true
                                continue
                            }
                            if pendingSpace {
                                out[w] = 0x20
                                w += 1
                                pendingSpace = false
                            }
                            out[w] = b
                            w += 1
                        }
                        out[w] = 0x0D
                        out[w + 1] = 0x0A
                        w += 2
                    }
                    lineStart = hasLF ? j + 1 : n
                }
                written = w
            }
        }
    }

    /// The signature field with the value of its `b=` tag removed (RFC 6376 §3.7), so that it can
    /// be hashed as the last signed field.
    static func strippingSignatureValue(_ raw: [UInt8], valueOffset: Int) -> [UInt8] {
        var out = Array(raw[..<valueOffset])
        var segmentStart = valueOffset
        var i = valueOffset
        while i <= raw.count {
            if i == raw.count || raw[i] == UInt8(ascii: ";") {
                let segment = raw[segmentStart..<i]
                if let eq = segment.firstIndex(of: UInt8(ascii: "=")),
                    segment[segment.startIndex..<eq].filter({ !isWSP($0) && $0 != 0x0D && $0 != 0x0A }) == [
                        UInt8(ascii: "b")
                    ]
                {
                    out += raw[segmentStart...eq]
                } else {
                    out += segment
                }
                if i < raw.count { out.append(UInt8(ascii: ";")) }
                segmentStart = i + 1
            }
            i += 1
        }
        return out
    }
}
