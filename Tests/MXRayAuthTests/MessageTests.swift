import Testing

@testable import MXRayMessage

@Suite struct MessageTests {
    @Test func keepsRawFieldBytesAndUnfoldsValues() throws {
        let m = try Message(bytes: Array("Subject:  Hello\r\n\tworld \r\nX-8bit: caf\u{e9}\r\n\r\nBody\r\n".utf8))
        #expect(m.fields.count == 2)
        #expect(m.fields[0].raw == Array("Subject:  Hello\r\n\tworld ".utf8))
        #expect(m.fields[0].value == "Hello\tworld")
        #expect(m.fields[1].value == "caf\u{e9}")
        #expect(m.body == Array("Body\r\n".utf8))
        #expect(m.lineEndings == .crlf)
    }

    @Test func bareLFIsNormalisedAndReported() throws {
        let m = try Message(bytes: Array("A: 1\n folded\nB: 2\n\nline\nline2".utf8))
        #expect(m.lineEndings == .lf)
        #expect(m.fields[0].raw == Array("A: 1\r\n folded".utf8))
        #expect(m.body == Array("line\r\nline2".utf8))
        let mixed = try Message(bytes: Array("A: 1\r\n\nx\r\n".utf8))
        #expect(mixed.lineEndings == .mixed)
    }

    @Test func emptyMissingAndHeaderOnly() throws {
        let headerOnly = try Message(bytes: Array("A: 1\r\nB: 2\r\n".utf8))
        #expect(!headerOnly.hasBody && headerOnly.body.isEmpty && headerOnly.fields.count == 2)
        let empty = try Message(bytes: Array("A: 1\r\n\r\n".utf8))
        #expect(empty.hasBody && empty.body.isEmpty)
        let nothing = try Message(bytes: [])
        #expect(nothing.fields.isEmpty && nothing.body.isEmpty)
        let noHeaders = try Message(bytes: Array("\r\nbody only\r\n".utf8))
        #expect(noHeaders.fields.isEmpty && noHeaders.body == Array("body only\r\n".utf8))
    }

    @Test func serialisesBack() throws {
        let text = "From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n"
        #expect(try Message(bytes: Array(text.utf8)).bytes == Array(text.utf8))
    }

    @Test func badHeaderLinesAreErrorsWithTheLine() {
        #expect(throws: MessageError.notAHeaderField(line: 2, text: "not a header")) {
            try Message(bytes: Array("A: 1\r\nnot a header\r\n\r\n".utf8))
        }
        #expect(throws: MessageError.notAHeaderField(line: 1, text: " leading space")) {
            try Message(bytes: Array(" leading space\r\n".utf8))
        }
    }

    @Test func headerCountIsBounded() {
        let many = String(repeating: "X: y\r\n", count: Message.maxHeaderFields + 1)
        #expect(throws: MessageError.tooManyHeaderFields(Message.maxHeaderFields + 1)) {
            try Message(bytes: Array(many.utf8))
        }
    }

    @Test func mboxSplitsAndUnquotes() {
        let mbox =
            "From a@example.com Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From the start\nbody\n\nFrom "
            + "b@example.com Mon Jan  1 00:00:01 2024\nSubject: two\n\nsecond\n"
        let parts = Mbox.split(Array(mbox.utf8))
        #expect(parts.count == 2)
        #expect(String(decoding: parts[0], as: UTF8.self) == "Subject: one\n\nFrom the start\nbody\n")
        #expect(String(decoding: parts[1], as: UTF8.self) == "Subject: two\n\nsecond\n")
        #expect(Mbox.split(Array("Subject: plain\n\nx".utf8)).count == 1)
    }
}
