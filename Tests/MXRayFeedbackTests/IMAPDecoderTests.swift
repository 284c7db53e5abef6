import NIOCore
import NIOEmbedded
import Testing

@testable import MXRayFeedback

/// IMAP response framing (RFC 9051 §4.3): lines, literals split across reads, and the bounds.
@Suite struct IMAPDecoderTests {
    func channel(maxLiteral: Int = 1000) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(IMAPResponseDecoder(maxLiteralBytes: maxLiteral)))
        return channel
    }

    @Test func literalsAcrossReads() throws {
        let channel = try channel()
        let message = "From: a@example.com\r\n\r\nbody\r\n"
        let wire = "* OK ready\r\n* 1 FETCH (UID 7 BODY[] {\(message.utf8.count)}\r\n\(message))\r\nM2 OK done\r\n"
        // One byte at a time: nothing is delivered before its literal is complete.
        for byte in wire.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        let greeting = try #require(try channel.readInbound(as: IMAPResponse.self))
        #expect(greeting.text == "* OK ready" && greeting.tag == "*")
        let fetch = try #require(try channel.readInbound(as: IMAPResponse.self))
        #expect(fetch.literals == [Array(message.utf8)] && fetch.text.hasSuffix(")"))
        let done = try #require(try channel.readInbound(as: IMAPResponse.self))
        #expect(done.tag == "M2" && done.rest == "OK done")
    }

    @Test func bounds() throws {
        let channel = try channel(maxLiteral: 10)
        #expect(throws: (any Error).self) { try channel.writeInbound(ByteBuffer(string: "* 1 FETCH (BODY[] {11}\r\n")) }
        let long = try self.channel()
        #expect(throws: (any Error).self) {
            try long.writeInbound(ByteBuffer(bytes: [UInt8](repeating: 0x41, count: (1 << 20) + 10)))
        }
        #expect(IMAPResponseDecoder.literalLength(ByteBuffer(string: "x {12+}").readableBytesView[...]) == 12)
        #expect(IMAPResponseDecoder.literalLength(ByteBuffer(string: "x {1a}").readableBytesView[...]) == nil)
    }

    @Test func quoting() throws {
        #expect(try IMAPConversation.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(throws: IMAPError.self) { try IMAPConversation.quoted("a\r\nb") }
    }
}
