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
    @Test func relaxedBodyAgreesWithTheReference() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [[UInt8]] = [[0x61], [0x62], [0x20], [0x09], [0x0D], [0x0A], [0x0D, 0x0A], [0x20, 0x20]]
        for _ in 0..<5_000 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<40, using: &rng) { body += alphabet.randomElement(using: &rng)! }
            #expect(Canonicalizer.body(body, .relaxed) == relaxedReference(body), "body \(body)")
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
