import NIOCore
import NIOEmbedded
import Testing

@testable import MXRayDNS

/// The TCP framing handler, byte by byte, without a socket (RFC 1035 §4.2.2).
@Suite struct TCPFrameDecoderTests {
    func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(DNSTCPFraming.decoder())
        return channel
    }

    @Test func framesArriveOneByteAtATime() throws {
        let channel = try channel()
        let frame: [UInt8] = [0, 5, 1, 2, 3, 4, 5]
        for (i, byte) in frame.enumerated() {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            if i < frame.count - 1 { #expect(try channel.readInbound(as: ByteBuffer.self) == nil) }
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [1, 2, 3, 4, 5]))
        #expect(try channel.finish().isClean)
    }

    @Test func severalFramesInOneRead() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 1, 0xAA, 0, 2, 0xBB, 0xCC, 0, 0, 0, 3, 1]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [0xAA]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: [0xBB, 0xCC]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(bytes: []))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)  // 3 announced, 1 arrived
        // A connection that closes inside a frame leaves bytes over: an error, never a message.
        #expect(throws: (any Error).self) { try channel.finish() }
    }

    @Test func largestFrameIsAccepted() throws {
        let channel = try channel()
        let payload = [UInt8](repeating: 7, count: 65535)
        try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF] + payload))
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 65535)
        #expect(try channel.finish().isClean)
    }
}
