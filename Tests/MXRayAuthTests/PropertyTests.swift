import Crypto
import Foundation
import MXRayMessage
import Testing

@testable import MXRayAuth

/// RFC 6376 §3.4.4 written as plainly as possible: the fast canonicalizer must agree with it.
private func relaxedReference(_ body: [UInt8]) -> [UInt8] {
    var lines: [[UInt8]] = []
    var segments = body.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    if segments.last?.isEmpty == true { segments.removeLast() }
    for (index, var line) in segments.enumerated() {
        if index < segments.count - 1 || body.last == 0x0A, line.last == 0x0D { line.removeLast() }
        var out: [UInt8] = []
        var space = false
        for b in line {
            if b == 0x20 || b == 0x09 {
                space = true
            } else {
                if space { out.append(0x20) }
                space = false
                out.append(b)
            }
        }
        lines.append(out)
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    return lines.flatMap { $0 + [0x0D, 0x0A] }
}

@Suite struct CanonicalizationPropertyTests {
    /// Random bodies over an alphabet that makes every case likely: runs of spaces and tabs, bare CR,
    /// bare LF, CRLF, empty lines and lines of only whitespace.
    /// Empty lines ended by bare LFs double in size: the output buffer must allow for it.
    @Test func bareLFEmptyLinesBeforeText() {
        let body = [UInt8](repeating: 0x0A, count: 40) + [0x61]
        #expect(Canonicalizer.body(body, .relaxed) == relaxedReference(body))
        #expect(Canonicalizer.body(body, .relaxed).count == 2 * 40 + 3)
    }

    @Test func relaxedBodyAgreesWithTheReference() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [[UInt8]] = [[0x61], [0x62], [0x20], [0x09], [0x0D], [0x0A], [0x0D, 0x0A], [0x20, 0x20]]
        // Mostly clean text, so that the fast path is taken often and its 32-byte blocks meet every
        // kind of byte at every position.
        let text: [[UInt8]] = Array(repeating: [0x61], count: 6) + [[0x20, 0x62], [0x0D, 0x0A, 0x63]]
        for round in 0..<10_000 {
            var body: [UInt8] = []
            let pieces = round % 2 == 0 ? alphabet : text + [alphabet.randomElement(using: &rng)!]
            for _ in 0..<Int.random(in: 0..<160, using: &rng) { body += pieces.randomElement(using: &rng)! }
            #expect(Canonicalization.relaxed.canonicalBody(body) == relaxedReference(body), "body \(body)")
        }
    }

    /// The body hash, taken where the body lies when canonicalization only cuts or adds at the end, is the
    /// hash of the canonical body, whole or cut by l=.
    @Test func bodyHashOfTheBodyInPlaceAgreesWithTheReference() {
        var rng = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = Array(repeating: [0x61], count: 8) + [[0x20, 0x62], [0x0D, 0x0A], [0x09], [0x0A]]
        for _ in 0..<2_000 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<40, using: &rng) { body += pieces.randomElement(using: &rng)! }
            // §3.4.3 plainly: a missing final CRLF added, then every trailing empty line dropped.
            var simple = body
            if !simple.reversed().starts(with: [0x0A, 0x0D]) { simple += [0x0D, 0x0A] }
            while simple.count >= 4 && simple.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A] { simple.removeLast(2) }
            for (mode, canonical) in [(Canonicalization.simple, simple), (.relaxed, relaxedReference(body))] {
                let count = canonical.count
                for limit in [nil, 0, 1, max(count - 1, 0), count, Int.random(in: 0...60, using: &rng)] {
                    let expected = Array(SHA256.hash(data: canonical[..<min(limit ?? count, count)]))
                    let computed = SignedData.bodyHash(body, mode, limit: limit)
                    #expect(computed.hash == expected && computed.length == canonical.count, "\(mode) \(body)")
                }
            }
        }
    }

    /// The body comes out with CRLF line endings whether it was copied whole or line by line.
    @Test func messageBodyLineEndings() throws {
        let header = Array("From: a@example.com\r\n\r\n".utf8)
        for (body, expected, endings) in [
            ("one\r\ntwo\r\n", "one\r\ntwo\r\n", LineEndings.crlf),
            ("one\r\ntwo\nthree\r\n", "one\r\ntwo\r\nthree\r\n", .mixed),
            ("\none", "\r\none", .mixed),
            ("no newline", "no newline", .crlf),
            ("a\rb\r\n", "a\rb\r\n", .crlf),
        ] {
            let message = try Message(bytes: header + Array(body.utf8))
            #expect(message.body == Array(expected.utf8))
            #expect(message.lineEndings == endings)
        }
        let bare = try Message(bytes: Array("From: a@example.com\n\none\ntwo\n".utf8))
        #expect(bare.body == Array("one\r\ntwo\r\n".utf8))
        #expect(bare.lineEndings == .lf)
    }
}

@Suite struct Base64PropertyTests {
    /// Whatever Foundation encodes, with folding whitespace put anywhere, decodes to the same bytes.
    @Test func decodesWhatFoundationEncodes() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var text = Array(Data(bytes).base64EncodedString().utf8)
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                text.insert([0x20, 0x09, 0x0D, 0x0A].randomElement(using: &rng)!, at: Int.random(in: 0...text.count))
            }
            #expect(Base64.decode(String(decoding: text, as: UTF8.self)) == bytes, "length \(length)")
        }
    }

    @Test func refusesWhatIsNotBase64() {
        for bad in ["QUJD*", "QQ==QQ==", "QUJDR", "QQ===", "QU=J", "QUJD\u{0}"] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64.decode("QQ") == [0x41] && Base64.decode("QUI") == [0x41, 0x42] && Base64.decode("") == [])
    }
}

/// The byte-level checks of DKIM-Signature tags, against what RFC 6376 §3.5 asks.
@Suite struct SignatureTagCheckTests {
    @Test func headerNamesSplitAtColonsWithoutFoldingWhiteSpace() {
        #expect(SignatureFields.headerNames("From:To") == ["From", "To"])
        #expect(SignatureFields.headerNames(" From :\r\n\tTo: ::Subject : ") == ["From", "To", "Subject"])
        #expect(SignatureFields.headerNames("X Odd :") == ["X Odd"])
        #expect(SignatureFields.headerNames("").isEmpty && SignatureFields.headerNames(" : ").isEmpty)
        #expect(SignatureFields.isFrom("fROM") && !SignatureFields.isFrom("From2") && !SignatureFields.isFrom("Frm"))
    }

    @Test func domainNamesAndSelectors() {
        for good in ["example.com", "a", "sel_1-x.Example.ORG", String(repeating: "a", count: 63) + ".b"] {
            #expect(SignatureFields.isDomainName(good), "\(good)")
        }
        let long = String(repeating: "a", count: 64) + ".b"
        for bad in ["", ".", "a..b", ".a", "a.", "a b", "ex@mple", "exämple.com", long] {
            #expect(!SignatureFields.isDomainName(bad), "\(bad)")
        }
        #expect(SignatureFields.timestamp("1700000000") == 1_700_000_000 && SignatureFields.timestamp("17e9") == nil)
        #expect(SignatureFields.timestamp("") == nil && SignatureFields.timestamp("1234567890123") == nil)
    }
}
