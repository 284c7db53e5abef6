import NIOCore
import NIOPosix

/// Sends DNS queries over UDP (RFC 1035 §4.2.1) from a small pool of sockets, each bound to an
/// ephemeral port the kernel picks at random and retired after a bounded number of queries, so
/// that source ports keep changing (RFC 5452 §4.5) without a socket per query. Queries to each server
/// pass through a `QueryWindow`, so that losses slow the sender down instead of multiplying retries.
/// All mutable state lives on `eventLoop`, in `NIOLoopBoundBox`es that check it.
final class UDPTransport: Sendable {
    /// Open sockets per address family among which queries are spread.
    static let socketsPerFamily = 4
    /// A socket stops taking queries after this many and closes when its last reply is in.
    static let maxQueriesPerSocket = 256
    /// Queries in flight on one socket at most; IDs are 16 bits, this keeps collisions rare.
    static let maxInFlightPerSocket = 1024
    /// Receive buffer asked for each socket, so that replies to thousands of queries in flight are not
    /// dropped by the kernel while the event loop is busy (the kernel caps it at net.core.rmem_max).
    static let receiveBufferBytes: Int32 = 1 << 20
    /// Replies read with one recvmmsg at most.
    static let repliesPerRead = 16
    /// Room for each reply read: EDNS payload sizes above this are not offered (RFC 6891 §6.2.5;
    /// DNS Flag Day 2020 settled on 1232).
    static let largestReplyBytes = 4096

    /// A query not yet sent.
    struct Request {
        var query: [UInt8]
        var question: DNSQuestion
        var server: SocketAddress
        var timeout: TimeAmount
        var promise: EventLoopPromise<[UInt8]>
        /// When it began to wait for room in the window.
        var queuedAt = NIODeadline.now()
    }

    struct State {
        /// Keyed on "is IPv6".
        var pools: [Bool: [UDPSocket]] = [:]
        var windows: [SocketAddress: QueryWindow] = [:]
        var waiting: [SocketAddress: CircularBuffer<Request>] = [:]
        var statistics = QueryStatistics()
    }

    let eventLoop: EventLoop
    let initialWindow: Int
    let maxInFlight: Int
    private let state: NIOLoopBoundBox<State>

    init(eventLoop: EventLoop, initialWindow: Int = 64, maxInFlight: Int = 4096) {
        self.eventLoop = eventLoop
        self.initialWindow = initialWindow
        self.maxInFlight = maxInFlight
        state = NIOLoopBoundBox.makeBoxSendingValue(State(), eventLoop: eventLoop)
    }

    /// Sends `query` (its ID is replaced by a fresh random one) when the server's window has room, and
    /// completes with the first reply that matches the ID, the server and the question.
    func exchange(query: [UInt8], question: DNSQuestion, server: SocketAddress, timeout: TimeAmount) -> EventLoopFuture<
        [UInt8]
    > {
        if eventLoop.inEventLoop { return start(query: query, question: question, server: server, timeout: timeout) }
        return eventLoop.flatSubmit { self.start(query: query, question: question, server: server, timeout: timeout) }
    }

    /// The counts so far.
    func statistics() -> EventLoopFuture<QueryStatistics> {
        eventLoop.submit { self.state.value.statistics }
    }

    private func start(query: [UInt8], question: DNSQuestion, server: SocketAddress, timeout: TimeAmount)
        -> EventLoopFuture<[UInt8]>
    {
        let request = Request(
            query: query, question: question, server: server, timeout: timeout,
            promise: eventLoop.makePromise(of: [UInt8].self))
        if state.value.windows[server] == nil {
            state.value.windows[server] = QueryWindow(initial: initialWindow, maximum: maxInFlight)
        }
        if state.value.windows[server]!.hasRoom && state.value.waiting[server]?.isEmpty ?? true {
            send(request)
        } else {
            state.value.waiting[server, default: CircularBuffer()].append(request)
            state.value.statistics.waited += 1
        }
        return request.promise.futureResult
    }

    private func send(_ request: Request) {
        let server = request.server
        state.value.windows[server]!.inFlight += 1
        state.value.statistics.sent += 1
        state.value.statistics.largestInFlight = max(
            state.value.statistics.largestInFlight, state.value.windows[server]!.inFlight)
        request.promise.futureResult.whenComplete { result in
            self.finished(server, result, timeout: request.timeout)
        }
        let socket = pickSocket(ipv6: server.protocol == .inet6)
        let id = socket.freshID()
        var bytes = request.query
        bytes[0] = UInt8(id >> 8)
        bytes[1] = UInt8(id & 0xff)
        let datagram = bytes
        let timer = eventLoop.scheduleTask(in: request.timeout) {
            socket.complete(id, with: .failure(ExchangeError.timeout))
        }
        socket.register(
            id, UDPSocket.Pending(server: server, question: request.question, promise: request.promise, timer: timer))
        socket.send(datagram, to: server, id: id)
    }

    /// A query to `server` ended: the window learns from how, and waiting queries take the room.
    private func finished(_ server: SocketAddress, _ result: Result<[UInt8], Error>, timeout: TimeAmount) {
        guard var window = state.value.windows[server] else { return }
        window.inFlight -= 1
        switch result {
        case .success:
            window.answered()
            state.value.statistics.answered += 1
        case .failure(ExchangeError.timeout):
            window.timedOut(now: .now(), period: timeout)
            state.value.statistics.timedOut += 1
            if window.smallest < window.maximum {
                let smallest = Int(window.smallest)
                state.value.statistics.smallestWindow = min(
                    state.value.statistics.smallestWindow ?? smallest, smallest)
            }
        case .failure:
            state.value.statistics.failed += 1
        }
        state.value.windows[server] = window
        // When a server stops answering, the window shrinks to its minimum, and a long queue would
        // drain a few queries per timeout period. So once the server has answered nothing for a
        // timeout period, a query that waited longer than its own timeout ends as a timeout unsent.
        // Queries are in flight whenever some wait, and each ends within its timeout, so this runs
        // often enough to keep the bound. A server that still answers, however lossy or slow, has its
        // queue drained, and nothing that would be answered is failed.
        let now = NIODeadline.now()
        let serverSilent = now - window.lastAnswer > timeout
        // The queue is in arrival order, so the queries that waited too long are at its front.
        while serverSilent, let first = state.value.waiting[server]?.first, now - first.queuedAt > first.timeout {
            state.value.waiting[server]!.removeFirst()
            state.value.statistics.gaveUpWaiting += 1
            first.promise.fail(ExchangeError.timeout)
        }
        while state.value.windows[server]!.hasRoom, let next = state.value.waiting[server]?.popFirst() {
            send(next)
        }
    }

    private func pickSocket(ipv6: Bool) -> UDPSocket {
        var pool = state.value.pools[ipv6, default: []]
        pool.removeAll { socket in
            guard socket.retired else { return false }
            socket.detach()
            return true
        }
        if pool.count < Self.socketsPerFamily {
            let socket = UDPSocket(eventLoop: eventLoop, ipv6: ipv6)
            pool.append(socket)
            state.value.pools[ipv6] = pool
            return socket
        }
        let socket = pool.randomElement()!
        state.value.pools[ipv6] = pool
        return socket
    }

    /// Closes every socket; queries in flight and waiting fail.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let sockets = self.state.value.pools.values.flatMap { $0 }
            let waiting = self.state.value.waiting.values.flatMap { $0 }
            self.state.value.pools = [:]
            self.state.value.waiting = [:]
            for s in sockets { s.closeNow() }
            for request in waiting { request.promise.fail(ExchangeError.network("resolver shut down")) }
            return self.eventLoop.makeSucceededVoidFuture()
        }
    }
}

/// One bound UDP socket and the queries awaiting replies on it. Its state is confined to its
/// event loop in an `NIOLoopBoundBox`, which checks every access.
final class UDPSocket: Sendable {
    struct Pending {
        var server: SocketAddress
        var question: DNSQuestion
        var promise: EventLoopPromise<[UInt8]>
        var timer: Scheduled<Void>
    }

    struct State {
        var pending: [UInt16: Pending] = [:]
        var sent = 0
        var closed = false
        /// Set when the pool stops handing this socket out.
        var detached = false
        /// Set while a flush is due at the end of this round of the event loop.
        var flushDue = false
    }

    let eventLoop: EventLoop
    let channel: EventLoopFuture<Channel>
    private let state: NIOLoopBoundBox<State>

    init(eventLoop: EventLoop, ipv6: Bool) {
        self.eventLoop = eventLoop
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
    }

    /// Writes a query; the queries written in one round of the event loop are flushed together, which
    /// NIO sends with one sendmmsg.
    func send(_ datagram: [UInt8], to server: SocketAddress, id: UInt16) {
        channel.whenComplete { result in
            switch result {
            case .success(let channel):
                let envelope = AddressedEnvelope(remoteAddress: server, data: channel.allocator.buffer(bytes: datagram))
                channel.write(envelope).whenFailure { error in
                    self.complete(id, with: .failure(ExchangeError.network("\(error)")))
                }
                guard !self.state.value.flushDue else { return }
                self.state.value.flushDue = true
                self.eventLoop.execute {
                    self.state.value.flushDue = false
                    channel.flush()
                }
            case .failure(let error):
                self.complete(id, with: .failure(ExchangeError.network("cannot open a UDP socket: \(error)")))
            }
        }
    }

    /// True once the socket takes no new queries (it closes when the last reply is in).
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

    func complete(_ id: UInt16, with result: Result<[UInt8], Error>) {
        guard let p = state.value.pending.removeValue(forKey: id) else { return }
        p.timer.cancel()
        p.promise.completeWith(result)
        if state.value.pending.isEmpty && state.value.detached { closeNow() }
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
        complete(id, with: .success(reply))
    }

    func closeNow() {
        guard !state.value.closed else { return }
        state.value.closed = true
        for id in Array(state.value.pending.keys) {
            complete(id, with: .failure(ExchangeError.network("resolver shut down")))
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
        // ICMP errors and the like: the pending queries end by their timers.
    }
}
