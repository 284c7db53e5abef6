import ArgumentParser
import Foundation
import MXRayDNS
import NIOCore
import NIOPosix

/// `mxray-bench dns-lab`: the latency lab's DNS path (issue #15). It holds each UDP query for a random
/// delay, forwards it to an authoritative server on loopback and passes the reply back, dropping a
/// share of the replies, so that a bulk audit meets internet-like answers (RFC 1035 §4.2.1 over UDP
/// only: the lab's zone never truncates). The delay comes before the server, not after it, so that
/// the server sees the auditor's bursts spread over the delay range: forwarded at once, thousands of
/// queries overflowed its socket and were lost on top of the loss asked for. Counters go to standard
/// error every `--report` seconds.
///
/// The lab shares the machine's cores with the auditor and the server, so it is kept cheap: datagrams
/// are read 16 at a time and written in batches, and held queries wait in 1 ms buckets swept by one
/// repeating timer, not a timer each (a timer each woke the loop for every query, and the lab cost a
/// third as much CPU as the auditor it served).
struct DNSLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns-lab")
    @Option(help: "IP:PORT to answer on.") var listen = "127.0.0.77:53"
    @Option(help: "IP:PORT of the authoritative server.") var upstream: String
    @Option(help: "Shortest added delay, ms.") var minDelay = 30.0
    @Option(help: "Longest added delay, ms (uniform in between).") var maxDelay = 150.0
    @Option(help: "Share of replies dropped, 0-1.") var loss = 0.01
    @Option(help: "Seconds between counter lines on standard error; 0: none.") var report = 0

    func validate() throws {
        guard minDelay >= 0, maxDelay >= minDelay, maxDelay <= 10_000 else {
            throw ValidationError("delays must satisfy 0 <= min <= max <= 10000 ms")
        }
        guard (0...1).contains(loss) else { throw ValidationError("--loss must be from 0 to 1") }
    }

    func run() async throws {
        func address(_ text: String) throws -> SocketAddress {
            guard let server = try? Nameserver(parsing: text) else { throw ValidationError("\(text) is not IP:PORT") }
            return try SocketAddress(ipAddress: server.address.description, port: server.port)
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let lab = Lab(
            loop: loop, upstream: try address(upstream), delay: minDelay...maxDelay, loss: loss)
        func bootstrap() -> DatagramBootstrap {
            DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_rcvbuf), value: 8 << 20)
                .channelOption(.datagramVectorReadMessageCount, value: 16)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 4096))
        }
        let up = try await bootstrap()
            .channelInitializer { $0.pipeline.addHandler(UpstreamHandler(lab: lab)) }
            .bind(host: "127.0.0.1", port: 0).get()
        let front = try await bootstrap()
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { $0.pipeline.addHandler(FrontHandler(lab: lab)) }
            .bind(to: try address(listen)).get()
        loop.execute {
            lab.front = front
            lab.up = up
        }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { _ in lab.sweep() }
        if report > 0 {
            loop.scheduleRepeatedTask(initialDelay: .seconds(Int64(report)), delay: .seconds(Int64(report))) { _ in
                FileHandle.standardError.write(Data("dns-lab: \(lab.counters)\n".utf8))
            }
        }
        print("dns-lab: listening on \(listen), forwarding to \(upstream)")
        try await front.closeFuture.get()
    }

    /// The forwarding state, touched only on its event loop. Each query gets a fresh upstream id,
    /// so clients that picked the same id never receive each other's answers.
    final class Lab: @unchecked Sendable {
        let loop: any EventLoop
        let upstream: SocketAddress
        let delay: ClosedRange<Double>
        let loss: Double
        var front: (any Channel)?
        var up: (any Channel)?
        var pending: [UInt16: (client: SocketAddress, id: UInt16)] = [:]
        /// Held queries by the millisecond (since `start`) they are due upstream.
        var held: [Int64: [AddressedEnvelope<ByteBuffer>]] = [:]
        let start = NIODeadline.now()
        /// The first millisecond not swept yet.
        var sweptTo: Int64 = 0
        var nextID: UInt16 = 0
        var forwarded = 0
        var answered = 0
        var dropped = 0
        var refused = 0

        init(loop: any EventLoop, upstream: SocketAddress, delay: ClosedRange<Double>, loss: Double) {
            self.loop = loop
            self.upstream = upstream
            self.delay = delay
            self.loss = loss
        }

        var counters: String {
            "forwarded=\(forwarded) answered=\(answered) dropped=\(dropped) refused=\(refused) "
                + "in_flight=\(pending.count)"
        }

        func query(_ envelope: AddressedEnvelope<ByteBuffer>) {
            var data = envelope.data
            guard up != nil, let id = data.getInteger(at: data.readerIndex, as: UInt16.self), data.readableBytes >= 12
            else { return }
            guard pending.count < 60_000 else {
                refused += 1
                return
            }
            repeat { nextID &+= 1 } while pending[nextID] != nil
            pending[nextID] = (envelope.remoteAddress, id)
            data.setInteger(nextID, at: data.readerIndex)
            let due = max(millisecondsNow() + Int64(Double.random(in: delay).rounded()), sweptTo)
            held[due, default: []].append(AddressedEnvelope(remoteAddress: upstream, data: data))
        }

        func millisecondsNow() -> Int64 { (NIODeadline.now() - start).nanoseconds / 1_000_000 }

        /// Forwards every query due by now, in one flush.
        func sweep() {
            guard let up else { return }
            let now = millisecondsNow()
            var wrote = false
            while sweptTo <= now {
                for forward in held.removeValue(forKey: sweptTo) ?? [] {
                    forwarded += 1
                    up.write(forward, promise: nil)
                    wrote = true
                }
                sweptTo += 1
            }
            if wrote { up.flush() }
        }

        func reply(_ envelope: AddressedEnvelope<ByteBuffer>) {
            var data = envelope.data
            guard let front, let id = data.getInteger(at: data.readerIndex, as: UInt16.self),
                let asker = pending.removeValue(forKey: id)
            else { return }
            guard Double.random(in: 0..<1) >= loss else {
                dropped += 1
                return
            }
            data.setInteger(asker.id, at: data.readerIndex)
            answered += 1
            front.write(AddressedEnvelope(remoteAddress: asker.client, data: data), promise: nil)
        }
    }

    final class FrontHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let lab: Lab
        init(lab: Lab) { self.lab = lab }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { lab.query(unwrapInboundIn(data)) }
    }

    final class UpstreamHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let lab: Lab
        init(lab: Lab) { self.lab = lab }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { lab.reply(unwrapInboundIn(data)) }
        /// The replies of one read go back to the askers together.
        func channelReadComplete(context: ChannelHandlerContext) { lab.front?.flush() }
    }
}
