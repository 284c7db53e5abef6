import ArgumentParser
import Foundation
import MXRayAuth
import MXRayMessage
import MXRayMilter
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix

/// `mxray-bench milter --target inet:HOST:PORT`: a milter client on loopback that sends signed
/// messages of `--size` bytes over `--connections` connections, one message at a time on each, as
/// an MTA does, and measures messages per second, latency from the first packet to the verdict,
/// and, with `--pid`, the server's CPU seconds per message (from /proc): the same load for mxray
/// milter and for OpenDKIM (Scripts/milter-bench.sh runs both).
struct MilterLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "milter")
    @Option(help: "The milter: inet:HOST:PORT.") var target: String
    @Option var messages = 5000
    @Option var connections = 16
    @Option var size = 10_240
    @Option(help: "The server's process id, for its CPU time.") var pid: Int32?
    @Option var domain = "mxray.test"
    @Option var selector = "rsa2026"
    @Option var key = "Examples/keys/rsa2048.pem"
    @Option(help: "The client address the MTA reports (SPF).") var clientIP = "192.0.2.25"
    @Option(help: "A label for the output line.") var label = "milter"

    func run() async throws {
        let parts = target.split(separator: ":")
        guard parts.count == 3, parts[0] == "inet", let port = Int(parts[2]) else {
            throw ValidationError("--target must be inet:HOST:PORT")
        }
        let (greeting, payload) = try messageBytes()
        let group = MultiThreadedEventLoopGroup.singleton
        let cpuBefore = pid.flatMap(Self.cpuSeconds)
        let latencies = NIOLockedValueBox<[Double]>([])
        let inserted = NIOLockedValueBox(0)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for c in 0..<connections {
                let share = messages / connections + (c < messages % connections ? 1 : 0)
                tasks.addTask {
                    let client = try await LoadConnection.open(host: String(parts[1]), port: port, group: group)
                    try await client.exchange(Self.negotiate, expecting: 1)
                    let steps = await client.negotiatedSteps()
                    // Connect and HELO once; each message then starts at MAIL, as an MTA reuses a session.
                    try await client.exchange(greeting, expecting: Self.replies(to: greeting, steps: steps))
                    let packets = Self.packets(payload)
                    for _ in 0..<share {
                        let t0 = ContinuousClock.now
                        let replies = try await client.message(packets, steps: steps)
                        let ms = (ContinuousClock.now - t0).seconds * 1000
                        latencies.withLockedValue { $0.append(ms) }
                        inserted.withLockedValue { $0 += replies }
                    }
                    try await client.close()
                }
            }
            try await tasks.waitForAll()
        }
        let seconds = (ContinuousClock.now - start).seconds
        let sorted = latencies.withLockedValue { $0.sorted() }
        func percentile(_ p: Double) -> String {
            String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
        }
        var line =
            "\(label): \(messages) messages of \(payload.count) bytes over \(connections) connections, "
            + "\(String(format: "%.2f", seconds)) s, \(format(Double(messages) / seconds)) messages/s; latency ms "
            + "p50 \(percentile(0.5)) p95 \(percentile(0.95)) p99 \(percentile(0.99)); "
            + "\(inserted.withLockedValue { $0 }) header fields inserted"
        if let pid, let before = cpuBefore, let after = Self.cpuSeconds(pid) {
            let cpu = after - before
            line += String(format: "; server CPU %.2f s, %.0f messages per CPU-second", cpu, Double(messages) / cpu)
        }
        print(line)
    }

    /// The packets of a byte string, each with its length prefix.
    static func packets(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while i + 5 <= bytes.count {
            let length = Int(bytes[i..<i + 4].reduce(0) { $0 << 8 | UInt32($1) })
            out.append(Array(bytes[i..<i + 4 + length]))
            i += 4 + length
        }
        return out
    }

    /// How many replies the packets call for, given the no-reply steps the server negotiated
    /// (SMFIP_NR_*; macros never get one, end of message always does).
    static func replies(to bytes: [UInt8], steps: UInt32) -> Int {
        let agreed = MilterProtocolFlags(rawValue: steps)
        return packets(bytes).filter { packet in
            let code = packet[4]
            guard code != UInt8(ascii: "D") else { return false }
            return MilterProtocolFlags.noReply(forCommand: code).map { !agreed.contains($0) } ?? true
        }.count
    }

    /// Postfix 3.7's offer: version 6, every action, every step.
    static var negotiate: [UInt8] { packet("O", int(6) + int(0x1FF) + int(0x1F_FFFF)) }

    static func packet(_ code: Character, _ payload: [UInt8] = []) -> [UInt8] {
        int(UInt32(payload.count + 1)) + [code.asciiValue!] + payload
    }
    static func int(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func strings(_ values: String...) -> [UInt8] { values.flatMap { Array($0.utf8) + [0] } }

    /// A session's connect and HELO, and one message as Postfix sends it (from MAIL to the end of
    /// the message), signed once by `domain`.
    func messageBytes() throws -> (greeting: [UInt8], message: [UInt8]) {
        var text =
            "From: Alice <alice@\(domain)>\r\nTo: Bob <bob@example.net>\r\nSubject: Benchmark\r\n"
            + "Date: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <bench@\(domain)>\r\n\r\n"
        let line = "The quick brown fox jumps over the lazy dog, again and again.  \r\n"
        while text.utf8.count < size { text += line }
        let signer = DKIMSigner(
            domain: domain, selector: selector, key: try PrivateKey(pem: String(contentsOfFile: key, encoding: .utf8)))
        let message = try signer.sign(try Message(bytes: Array(text.utf8)))
        typealias S = MilterLoad
        var greeting = S.packet(
            "C", S.strings("mail.\(domain)") + [UInt8(ascii: "4"), 0x30, 0x39] + S.strings(clientIP))
        greeting += S.packet("H", S.strings("mail.\(domain)"))
        var out = S.packet("D", [UInt8(ascii: "M")] + S.strings("i", "BENCH1"))
        out += S.packet("M", S.strings("<alice@\(domain)>"))
        out += S.packet("R", S.strings("<bob@example.net>"))
        for field in message.fields {
            let value = String(decoding: field.rawValue, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            out += S.packet("L", S.strings(field.name, value))
        }
        out += S.packet("N")
        var body = message.body[...]
        while !body.isEmpty {
            out += S.packet("B", Array(body.prefix(65535)))
            body = body.dropFirst(65535)
        }
        out += S.packet("E")
        return (greeting, out)
    }

    /// utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks).
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// One milter client connection: sends a batch of packets and waits for the reply that ends it
/// (the negotiation reply, or the verdict at end of message), counting header insertions.
final class LoadConnection: Sendable {
    let channel: Channel
    let handler: NIOLoopBound<ReplyHandler>

    init(channel: Channel, handler: NIOLoopBound<ReplyHandler>) {
        self.channel = channel
        self.handler = handler
    }

    static func open(host: String, port: Int, group: EventLoopGroup) async throws -> LoadConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldLength: .four)),
                        ReplyHandler(),
                    ])
                }
            }
            .connect(host: host, port: port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.handler(type: ReplyHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return LoadConnection(channel: channel, handler: handler)
    }

    /// Sends packets and waits for `expecting` replies (or an early verdict); returns how many
    /// header insertions came back.
    @discardableResult
    func exchange(_ bytes: [UInt8], expecting: Int) async throws -> Int {
        let channel = self.channel
        let handler = self.handler
        guard expecting > 0 else {
            try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
            return 0
        }
        let promise = channel.eventLoop.makePromise(of: Int.self)
        try await channel.eventLoop.submit {
            handler.value.waiting = promise
            handler.value.inserted = 0
            handler.value.remaining = expecting
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            // Every wait is bounded: a server that stops answering fails the run, it does not hang it.
            channel.eventLoop.scheduleTask(in: .seconds(30)) {
                guard let waiting = handler.value.waiting, waiting.futureResult === promise.futureResult else { return }
                handler.value.waiting = nil
                promise.fail(LoadError("no verdict within 30 s (\(handler.value.remaining) replies still awaited)"))
            }
        }.get()
        return try await promise.futureResult.get()
    }

    /// One message, packet by packet as an MTA sends it: a packet that calls for a reply waits for
    /// it; packets that do not are sent on at once; an early verdict ends the message. Returns the
    /// header insertions.
    func message(_ packets: [[UInt8]], steps: UInt32) async throws -> Int {
        var inserted = 0
        var pending: [UInt8] = []
        for packet in packets {
            pending += packet
            let expects = MilterLoad.replies(to: packet, steps: steps)
            guard expects > 0 else { continue }
            let (count, early) = try await exchangeOne(pending)
            pending = []
            inserted += count
            if early { break }
        }
        return inserted
    }

    /// Sends packets and waits for one reply.
    func exchangeOne(_ bytes: [UInt8]) async throws -> (Int, Bool) {
        let inserted = try await exchange(bytes, expecting: 1)
        let handler = self.handler
        let early = try await channel.eventLoop.submit { handler.value.early }.get()
        return (inserted, early)
    }

    /// The SMFIP_* flags of the server's negotiation reply.
    func negotiatedSteps() async -> UInt32 {
        let handler = self.handler
        return (try? await channel.eventLoop.submit { handler.value.steps }.get()) ?? 0
    }

    func close() async throws { try await channel.close() }
}

final class ReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var waiting: EventLoopPromise<Int>?
    var inserted = 0
    var remaining = 0
    var steps: UInt32 = 0
    /// The last reply ended the message early (accept, tempfail, reject, discard).
    var early = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        guard let code = frame.readInteger(as: UInt8.self) else { return }
        switch Character(UnicodeScalar(code)) {
        case "i", "h", "m": inserted += 1
        case "O":
            frame.moveReaderIndex(forwardBy: 8)
            steps = frame.readInteger(as: UInt32.self) ?? 0
            finish(early: false)
        case "c", "s": finish(early: false)  // continue, or skip (the rest of this step's kind)
        case "a", "t", "y", "d": finish(early: true)
        default: break
        }
    }

    private func finish(early: Bool) {
        self.early = early
        remaining -= 1
        guard early || remaining <= 0 else { return }
        waiting?.succeed(inserted)
        waiting = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        waiting?.fail(error)
        waiting = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        waiting?.fail(ChannelError.ioOnClosedChannel)
        waiting = nil
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
