import NIOCore
import NIOPosix

/// One bound UDP socket and the tries registered on it, by ID, until their lookups end. Its state is
/// confined to its transport's event loop in an `NIOLoopBoundBox`, which checks every access.
final class UDPSocket: Sendable {
    struct Pending {
        var server: SocketAddress
        var question: DNSQuestion
        /// The transport's lookup and which of its tries this is.
        var lookup: Int
        var attempt: Int
    }

    struct State {
        var pending: [UInt16: Pending] = [:]
        var sent = 0
        var closed = false
        /// Set when the pool stops handing this socket out.
        var detached = false
        /// Set while a flush is due at the end of this round of the event loop.
        var flushDue = false
        /// The channel once it is bound: writes go to it directly, without a callback each.
        var bound: Channel?
    }

    let transport: UDPTransport
    let eventLoop: EventLoop
    let channel: EventLoopFuture<Channel>
    private let state: NIOLoopBoundBox<State>

    init(transport: UDPTransport, ipv6: Bool) {
        self.transport = transport
        eventLoop = transport.eventLoop
        state = NIOLoopBoundBox.makeBoxSendingValue(State(), eventLoop: eventLoop)
        let promise = eventLoop.makePromise(of: Channel.self)
        channel = promise.futureResult
        let bootstrap = DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(UDPTransport.receiveBufferBytes))
            // Up to 16 replies per recvmmsg when many are waiting. NIO splits one receive buffer among
            // them, so it must hold 16 of the largest reply a server may send for our EDNS size.
            .channelOption(.datagramVectorReadMessageCount, value: UDPTransport.repliesPerRead)
            .channelOption(
                .recvAllocator,
                value: FixedSizeRecvByteBufferAllocator(
                    capacity: UDPTransport.repliesPerRead * UDPTransport.largestReplyBytes)
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPReplyHandler(socket: self))
                }
            }
        bootstrap.bind(host: ipv6 ? "::" : "0.0.0.0", port: 0).cascade(to: promise)
        channel.whenSuccess { self.state.value.bound = $0 }
    }

    /// Writes a query; the queries written in one round of the event loop are flushed together, which
    /// NIO sends with one sendmmsg.
    func send(_ datagram: [UInt8], to server: SocketAddress, id: UInt16) {
        if let bound = state.value.bound { return write(datagram, to: server, id: id, on: bound) }
        channel.whenComplete { result in
            switch result {
            case .success(let channel): self.write(datagram, to: server, id: id, on: channel)
            case .failure(let error): self.fail(id, ExchangeError.network("cannot open a UDP socket: \(error)"))
            }
        }
    }

    private func write(_ datagram: [UInt8], to server: SocketAddress, id: UInt16, on channel: Channel) {
        let envelope = AddressedEnvelope(remoteAddress: server, data: channel.allocator.buffer(bytes: datagram))
        channel.write(envelope).whenFailure { error in
            self.fail(id, ExchangeError.network("\(error)"))
        }
        guard !state.value.flushDue else { return }
        state.value.flushDue = true
        eventLoop.execute {
            self.state.value.flushDue = false
            channel.flush()
        }
    }

    /// True once the socket takes no new queries (it closes when the last try on it is released).
    var retired: Bool {
        let s = state.value
        return s.closed || s.sent >= UDPTransport.maxQueriesPerSocket
            || s.pending.count >= UDPTransport.maxInFlightPerSocket
    }

    func freshID() -> UInt16 {
        // Bounded: at most maxInFlightPerSocket IDs are taken, so a free one is found quickly.
        var id = UInt16.random(in: .min ... .max)
        while state.value.pending[id] != nil { id = UInt16.random(in: .min ... .max) }
        return id
    }

    func register(_ id: UInt16, _ p: Pending) {
        state.value.pending[id] = p
        state.value.sent += 1
    }

    /// The try's lookup ended: its ID is free again, and a detached socket with nothing left closes.
    func release(_ id: UInt16) {
        guard state.value.pending.removeValue(forKey: id) != nil else { return }
        if state.value.pending.isEmpty && state.value.detached { closeNow() }
    }

    private func fail(_ id: UInt16, _ error: ExchangeError) {
        guard let p = state.value.pending[id] else { return }
        transport.failed(p.lookup, attempt: p.attempt, error)
    }

    func detach() {
        state.value.detached = true
        if state.value.pending.isEmpty { closeNow() }
    }

    func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let reply = Array(envelope.data.readableBytesView)
        guard reply.count >= 2 else { return }
        let id = UInt16(reply[0]) << 8 | UInt16(reply[1])
        guard let p = state.value.pending[id], p.server == envelope.remoteAddress,
            ReplyMatcher.matches(reply, id: id, question: p.question)
        else { return }
        transport.replied(p.lookup, attempt: p.attempt, reply: reply)
    }

    func closeNow() {
        guard !state.value.closed else { return }
        state.value.closed = true
        // Each failure ends a lookup, which releases its tries here and on other sockets.
        while let id = state.value.pending.keys.first {
            let before = state.value.pending.count
            fail(id, ExchangeError.network("resolver shut down"))
            if state.value.pending.count == before { release(id) }
        }
        channel.whenSuccess { $0.close(promise: nil) }
    }
}

/// Hands every datagram to its socket's matcher; everything else is dropped.
final class UDPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let socket: UDPSocket

    init(socket: UDPSocket) { self.socket = socket }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        socket.receive(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP errors and the like: the pending queries end at their deadlines.
    }
}
