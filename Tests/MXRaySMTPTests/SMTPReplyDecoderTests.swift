import NIOCore
import NIOEmbedded
import Testing

@testable import MXRaySMTP

/// The reply framer byte by byte, without a socket (RFC 5321 §4.2).
@Suite struct SMTPReplyDecoderTests {
    func channel() throws -> EmbeddedChannel {
        let c = EmbeddedChannel()
        try c.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
        return c
    }

    @Test func multiLineReply() throws {
        let c = try channel()
        try c.writeInbound(
            ByteBuffer(string: "250-mx.example.com Hello\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250 8BITMIME\r\n"))
        let reply = try c.readInbound(as: SMTPReply.self)
        #expect(
            reply == SMTPReply(code: 250, lines: ["mx.example.com Hello", "SIZE 52428800", "STARTTLS", "8BITMIME"]))
        #expect(try c.finish().isClean)
    }

    @Test func byteByByteAndBareLF() throws {
        let c = try channel()
        for b in Array("220 ready\n".utf8) { try c.writeInbound(ByteBuffer(bytes: [b])) }
        #expect(try c.readInbound(as: SMTPReply.self) == SMTPReply(code: 220, lines: ["ready"]))
        try c.writeInbound(ByteBuffer(string: "354\r\n"))
        #expect(try c.readInbound(as: SMTPReply.self) == SMTPReply(code: 354, lines: [""]))
    }

    @Test func pipelinedReplies() throws {
        let c = try channel()
        try c.writeInbound(ByteBuffer(string: "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 User unknown\r\n"))
        #expect(try c.readInbound(as: SMTPReply.self)?.code == 250)
        #expect(try c.readInbound(as: SMTPReply.self)?.lines == ["2.1.5 Ok"])
        #expect(try c.readInbound(as: SMTPReply.self)?.isPermanent == true)
    }

    @Test(arguments: [
        "HTTP/1.1 400 Bad Request\r\n", "999 nine nine nine\r\n", "25\r\n", "250x no separator\r\n",
        "\u{16}\u{3}\u{1} TLS bytes\r\n",
    ])
    func badReplyCodes(_ text: String) throws {
        let c = try channel()
        #expect(throws: SMTPReplyError.self) { try c.writeInbound(ByteBuffer(string: text)) }
    }

    @Test func codeMustNotChangeWithinAReply() throws {
        let c = try channel()
        #expect(throws: SMTPReplyError.self) { try c.writeInbound(ByteBuffer(string: "250-first\r\n251 second\r\n")) }
    }

    @Test func oversizedLinesAndRepliesAreRefused() throws {
        let c = try channel()
        #expect(throws: SMTPReplyError.lineTooLong(SMTPReplyDecoder.maxLineLength)) {
            try c.writeInbound(ByteBuffer(string: "220 " + String(repeating: "x", count: 5000)))
        }
        let d = try channel()
        #expect(throws: SMTPReplyError.tooManyLines) {
            try d.writeInbound(ByteBuffer(string: String(repeating: "250-x\r\n", count: SMTPReplyDecoder.maxLines + 1)))
        }
    }
}
