import NIOCore
import NIOPosix

/// Sends DNS queries over UDP (RFC 1035 §4.2.1) from a small pool of sockets, each bound to an
/// ephemeral port the kernel picks at random and retired after a bounded number of queries, so
/// that source ports keep changing (RFC 5452 §4.5) without a socket per query. Queries to each server
/// pass through a `QueryWindow`, so that losses slow the sender down instead of multiplying retries.
/// One lookup asks one server up to `tries` times, each try with a fresh ID; a reply to any of its
/// tries answers it, so a reply that arrives just after its try's deadline passed is not lost while the
/// next try is out. All mutable state lives on `eventLoop`, in `NIOLoopBoundBox`es that check it.
final class UDPTransport: Sendable {
    /// Open sockets per address family among which queries are spread.
    static let socketsPerFamily = 4
    /// A socket stops taking queries after this many and closes when its last reply is in.
    static let maxQueriesPerSocket = 256
    /// Queries registered on one socket at most; IDs are 16 bits, this keeps collisions rare.
    static let maxInFlightPerSocket = 1024
    /// Receive buffer asked for each socket, so that replies to thousands of queries in flight are not
    /// dropped by the kernel while the event loop is busy (the kernel caps it at net.core.rmem_max).
    static let receiveBufferBytes: Int32 = 1 << 20
    /// Replies read with one recvmmsg at most.
    static let repliesPerRead = 16
    /// Room for each reply read: EDNS payload sizes above this are not offered (RFC 6891 §6.2.5;
    /// DNS Flag Day 2020 settled on 1232).
    static let largestReplyBytes = 4096

    /// One question to one server, and its tries.
    struct Lookup {
        var query: [UInt8]
        var question: DNSQuestion
        var server: SocketAddress
        var timeout: TimeAmount
        var promise: EventLoopPromise<[UInt8]>
        var triesLeft: Int
        /// Every try sent, by its number: the socket and ID it went out with, and when. Each stays
        /// registered, and so answerable, until the lookup ends.
        var sent: [(socket: UDPSocket, id: UInt16, at: NIODeadline)] = []
        /// The try whose deadline runs, if one does.
        var running: Int?
        /// When the next try began to wait for room in the window.
        var queuedAt = NIODeadline.now()
    }

    struct State {
        /// Keyed on "is IPv6".
        var pools: [Bool: [UDPSocket]] = [:]
        var windows: [SocketAddress: QueryWindow] = [:]
        /// Lookups whose next try waits for room, in arrival order (some may have ended meanwhile).
        var waiting: [SocketAddress: CircularBuffer<Int>] = [:]
        var lookups: [Int: Lookup] = [:]
        var nextLookup = 0
        var statistics = QueryStatistics()
        var roundTrip = RoundTripEstimate()
        var timeouts = TimeoutQueue()
        /// When the sweep of `timeouts` is due, if one is scheduled.
        var sweepAt: NIODeadline?
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

    /// Asks `server` up to `tries` times, `timeout` apart, each try with a fresh random ID and sent when
    /// the server's window has room; completes with the first reply that matches the ID of any try,
    /// the server and the question, or with a timeout once the last try's deadline passes.
    func exchange(
        query: [UInt8], question: DNSQuestion, server: SocketAddress, timeout: TimeAmount, tries: Int = 1
    ) -> EventLoopFuture<[UInt8]> {
        exchange([Exchange(query: query, question: question, server: server)], timeout: timeout, tries: tries)[0]
    }

    /// One question for `exchange(_:timeout:tries:)`.
    struct Exchange {
        var query: [UInt8]
        var question: DNSQuestion
        var server: SocketAddress
    }

    /// Several exchanges started together, with one hop to the event loop: each future completes as
    /// `exchange(query:question:server:timeout:tries:)`'s would.
    func exchange(_ exchanges: [Exchange], timeout: TimeAmount, tries: Int) -> [EventLoopFuture<[UInt8]>] {
        let lookups = exchanges.map { e in
            Lookup(
                query: e.query, question: e.question, server: e.server, timeout: timeout,
                promise: eventLoop.makePromise(of: [UInt8].self), triesLeft: max(1, tries))
        }
        if eventLoop.inEventLoop {
            for lookup in lookups { start(lookup) }
        } else {
            eventLoop.execute { for lookup in lookups { self.start(lookup) } }
        }
        return lookups.map(\.promise.futureResult)
    }

    /// The counts so far; the smallest window is read from the windows themselves.
    func statistics() -> EventLoopFuture<QueryStatistics> {
        eventLoop.submit {
            var statistics = self.state.value.statistics
            statistics.roundTrip = self.state.value.roundTrip.current
            statistics.smallestWindow = self.state.value.windows.values.filter { $0.smallest < $0.maximum }
                .map { Int($0.smallest) }.min()
            return statistics
        }
    }

    private func start(_ lookup: Lookup) {
        let id = state.value.nextLookup
        state.value.nextLookup += 1
        state.value.lookups[id] = lookup
        if state.value.windows[lookup.server] == nil {
            state.value.windows[lookup.server] = QueryWindow(initial: initialWindow, maximum: maxInFlight)
        }
        sendOrQueue(id, to: lookup.server)
    }

    /// Sends the lookup's next try if the server's window has room and nothing waits before it.
    private func sendOrQueue(_ id: Int, to server: SocketAddress) {
        if state.value.windows[server]!.hasRoom && state.value.waiting[server]?.isEmpty ?? true {
            send(id)
        } else {
            state.value.lookups[id]!.queuedAt = .now()
            state.value.waiting[server, default: CircularBuffer()].append(id)
            state.value.statistics.waited += 1
        }
    }

    private func send(_ id: Int) {
        guard var lookup = state.value.lookups[id] else { return }
        let server = lookup.server
        state.value.windows[server]!.inFlight += 1
        state.value.statistics.sent += 1
        state.value.statistics.largestInFlight = max(
            state.value.statistics.largestInFlight, state.value.windows[server]!.inFlight)
        let socket = pickSocket(ipv6: server.protocol == .inet6)
        let queryID = socket.freshID()
        let attempt = lookup.sent.count
        var datagram = lookup.query
        datagram[0] = UInt8(queryID >> 8)
        datagram[1] = UInt8(queryID & 0xff)
        let now = NIODeadline.now()
        state.value.timeouts.add(
            .init(deadline: now + lookup.timeout, lookup: id, attempt: attempt), timeout: lookup.timeout)
        sweep(by: now + lookup.timeout)
        socket.register(
            queryID, UDPSocket.Pending(server: server, question: lookup.question, lookup: id, attempt: attempt))
        lookup.sent.append((socket, queryID, now))
        lookup.running = attempt
        lookup.triesLeft -= 1
        state.value.lookups[id] = lookup
        socket.send(datagram, to: server, id: queryID)
    }

    /// A reply matched try `attempt` of lookup `id`. One that came after its deadline answers the
    /// lookup as well, and the window takes back the loss it counted for that try.
    func replied(_ id: Int, attempt: Int, reply: [UInt8]) {
        guard let server = state.value.lookups[id]?.server, let sentAt = state.value.lookups[id]?.sent[attempt].at
        else { return }
        state.value.roundTrip.record(sentAt: sentAt)
        if stopRunning(id, attempt: attempt) {
            state.value.windows[server]!.answered()
            state.value.statistics.answered += 1
        } else {
            state.value.windows[server]!.answeredLate()
            state.value.statistics.answeredLate += 1
        }
        end(id, with: .success(reply))
        drain(server)
    }

    /// Deadlines are checked this much late at most, so that one sweep takes the tries of many.
    static let sweepGranularity = TimeAmount.milliseconds(10)

    /// Makes sure a sweep runs soon after `deadline`.
    private func sweep(by deadline: NIODeadline) {
        let at = deadline + Self.sweepGranularity
        if let scheduled = state.value.sweepAt, scheduled <= at { return }
        state.value.sweepAt = at
        eventLoop.scheduleTask(deadline: at) { self.sweep() }
    }

    /// Times out every try whose deadline has passed (those still running), then waits for the next.
    private func sweep() {
        state.value.sweepAt = nil
        for entry in state.value.timeouts.takeDue(now: .now()) { timedOut(entry.lookup, attempt: entry.attempt) }
        if let next = state.value.timeouts.earliest { sweep(by: next) }
    }

    /// Try `attempt` of lookup `id` had no reply in time: a loss for the window; the next try goes
    /// out, or the lookup ends as a timeout after its last. The try stays answerable meanwhile.
    private func timedOut(_ id: Int, attempt: Int) {
        guard stopRunning(id, attempt: attempt), let lookup = state.value.lookups[id] else { return }
        let server = lookup.server
        state.value.windows[server]!.timedOut(now: .now(), period: lookup.timeout)
        state.value.statistics.timedOut += 1
        if lookup.triesLeft > 0 {
            sendOrQueue(id, to: server)
        } else {
            end(id, with: .failure(ExchangeError.timeout))
        }
        drain(server)
    }

    /// Try `attempt` of lookup `id` could not be sent, or its socket closed: the lookup ends with the
    /// error, as a network error ends it at once.
    func failed(_ id: Int, attempt: Int, _ error: ExchangeError) {
        guard let server = state.value.lookups[id]?.server else { return }
        if stopRunning(id, attempt: attempt) { state.value.statistics.failed += 1 }
        end(id, with: .failure(error))
        drain(server)
    }

    /// Ends a lookup: a try still in flight no longer counts against the window, and every try's ID
    /// is released.
    private func end(_ id: Int, with result: Result<[UInt8], Error>) {
        if stopRunning(id) { state.value.statistics.superseded += 1 }
        guard let lookup = state.value.lookups.removeValue(forKey: id) else { return }
        for each in lookup.sent { each.socket.release(each.id) }
        lookup.promise.completeWith(result)
    }

    /// Stops the lookup's running try if it is `attempt` (whichever it is, when nil): its room in the
    /// window is free again. False when that try is not running.
    private func stopRunning(_ id: Int, attempt: Int? = nil) -> Bool {
        guard let lookup = state.value.lookups[id], let running = lookup.running, attempt ?? running == running
        else { return false }
        state.value.lookups[id]!.running = nil
        state.value.windows[lookup.server]!.inFlight -= 1
        return true
    }

    /// Waiting lookups take the room the window has. When a server stops answering, the window shrinks
    /// to its minimum, and a long queue would drain a few tries per timeout period. So once the server
    /// has answered nothing for a timeout period, a lookup that waited longer than its own timeout ends
    /// as a timeout unsent. Tries are in flight whenever some wait, and each ends within its timeout,
    /// so this runs often enough to keep the bound. A server that still answers, however lossy or slow,
    /// has its queue drained, and nothing that would be answered is failed.
    private func drain(_ server: SocketAddress) {
        guard let window = state.value.windows[server] else { return }
        let now = NIODeadline.now()
        // The queue is in arrival order, so the lookups that waited too long are at its front.
        while let first = state.value.waiting[server]?.first {
            guard let lookup = state.value.lookups[first] else {
                state.value.waiting[server]!.removeFirst()
                continue
            }
            guard now - window.lastAnswer > lookup.timeout, now - lookup.queuedAt > lookup.timeout else { break }
            state.value.waiting[server]!.removeFirst()
            state.value.statistics.gaveUpWaiting += 1
            end(first, with: .failure(ExchangeError.timeout))
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
            let socket = UDPSocket(transport: self, ipv6: ipv6)
            pool.append(socket)
            state.value.pools[ipv6] = pool
            return socket
        }
        let socket = pool.randomElement()!
        state.value.pools[ipv6] = pool
        return socket
    }

    /// Closes every socket; lookups in flight and waiting fail.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.submit {
            let sockets = self.state.value.pools.values.flatMap { $0 }
            self.state.value.pools = [:]
            self.state.value.waiting = [:]
            for id in Array(self.state.value.lookups.keys) {
                self.end(id, with: .failure(ExchangeError.network("resolver shut down")))
            }
            for s in sockets { s.closeNow() }
        }
    }
}
