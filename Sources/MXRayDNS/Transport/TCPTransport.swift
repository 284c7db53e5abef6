import NIOCore
import NIOExtras
import NIOPosix

/// The framing of DNS over TCP: every message is preceded by a two-octet length (RFC 1035
/// §4.2.2, RFC 7766 §8). NIOExtras' length-field decoder does exactly this.
enum DNSTCPFraming {
    static func decoder() -> ByteToMessageHandler<LengthFieldBasedFrameDecoder> {
        ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldBitLength: .twoBytes))
    }
}

/// Completes the exchange with the first framed reply that matches the query; fails it when
/// the connection closes or errors first.
final class TCPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<[UInt8]>
    private let id: UInt16
    private let question: DNSQuestion

    init(promise: EventLoopPromise<[UInt8]>, id: UInt16, question: DNSQuestion) {
        self.promise = promise
        self.id = id
        self.question = question
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = Array(unwrapInboundIn(data).readableBytesView)
        guard ReplyMatcher.matches(reply, id: id, question: question) else { return }
        promise.succeed(reply)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ExchangeError.closedWithoutReply)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(ExchangeError.network("\(error)"))
        context.close(promise: nil)
    }
}

/// One query over a new TCP connection (RFC 7766 §5), bounded by `timeout` from connect to reply.
enum TCPTransport {
    static func exchange(
        query: [UInt8], question: DNSQuestion, server: SocketAddress, timeout: TimeAmount,
        eventLoop: EventLoop
    ) -> EventLoopFuture<[UInt8]> {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        var bytes = query
        let id = UInt16.random(in: .min ... .max)
        bytes[0] = UInt8(id >> 8)
        bytes[1] = UInt8(id & 0xff)
        let datagram = bytes
        let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(ExchangeError.timeout) }
        let connect = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSTCPFraming.decoder())
                    try channel.pipeline.syncOperations.addHandler(
                        TCPReplyHandler(promise: promise, id: id, question: question))
                }
            }
            .connect(to: server)
        connect.whenComplete { result in
            switch result {
            case .success(let channel):
                var buffer = channel.allocator.buffer(capacity: datagram.count + 2)
                buffer.writeInteger(UInt16(datagram.count))
                buffer.writeBytes(datagram)
                channel.writeAndFlush(buffer).whenFailure { promise.fail(ExchangeError.network("\($0)")) }
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure(let error):
                promise.fail(ExchangeError.network("TCP connect to \(server) failed: \(error)"))
            }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }
}
