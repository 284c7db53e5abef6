import Crypto
import MXRayAuth

/// The `body-canonicalization` fuzz target's oracle: DKIM's canonical bodies (RFC 6376 §3.4.3,
/// §3.4.4) and their hashes, checked against a plain byte-at-a-time reading of the RFC. The library
/// hashes most bodies where they lie after a vectorised check, and rewrites the rest line by line;
/// whatever path an input takes, the result must be the reference's. A difference stops the fuzzer.
enum BodyCanonicalizationOracle {
    static func check(_ body: [UInt8]) {
        // A limit (l=) taken from the input itself, so that cut hashes are explored too.
        let limitSeed = body.first.map { Int($0) * 7 }
        for mode in [Canonicalization.simple, .relaxed] {
            let expected = mode == .simple ? simple(body) : relaxed(body)
            let canonical = mode.canonicalBody(body)
            guard canonical == expected else {
                fatalError("\(mode) canonical body differs for \(body): got \(canonical), expected \(expected)")
            }
            for limit in [nil, limitSeed] {
                let used = min(limit ?? expected.count, expected.count)
                let hash = mode.bodyHash(body, limit: limit)
                guard hash.hash == Array(SHA256.hash(data: expected[..<used])), hash.length == expected.count else {
                    fatalError("\(mode) body hash (l=\(limit.map(String.init) ?? "none")) differs for \(body)")
                }
            }
        }
    }

    /// §3.4.3: a missing final CRLF added (an empty body becomes CRLF), then trailing empty lines dropped.
    static func simple(_ body: [UInt8]) -> [UInt8] {
        var out = body
        if !(out.count >= 2 && out[out.count - 2] == 0x0D && out[out.count - 1] == 0x0A) { out += [0x0D, 0x0A] }
        while out.count >= 4 && Array(out.suffix(4)) == [0x0D, 0x0A, 0x0D, 0x0A] { out.removeLast(2) }
        return out
    }

    /// §3.4.4, one byte at a time: a line ends at LF (a CR just before it belongs to the ending), WSP
    /// runs inside a line become one SP, WSP at a line's end goes, empty lines at the end go, and every
    /// line kept ends with CRLF.
    static func relaxed(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var line: [UInt8] = []
        var sawWSP = false
        var emptyLinesHeld = 0
        func endLine() {
            if line.isEmpty {
                emptyLinesHeld += 1
            } else {
                for _ in 0..<emptyLinesHeld { out += [0x0D, 0x0A] }
                emptyLinesHeld = 0
                out += line + [0x0D, 0x0A]
            }
            line = []
            sawWSP = false
        }
        for (i, byte) in body.enumerated() {
            switch byte {
            case 0x0A: endLine()
            case 0x0D where i + 1 < body.count && body[i + 1] == 0x0A: continue
            case 0x20, 0x09: sawWSP = true
            default:
                if sawWSP { line.append(0x20) }
                sawWSP = false
                line.append(byte)
            }
        }
        if !line.isEmpty { endLine() }
        return out
    }
}
