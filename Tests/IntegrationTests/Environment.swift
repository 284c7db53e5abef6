import Foundation
import MXRayDNS
import NIOCore
import NIOPosix
import Synchronization

/// Where Scripts/integration-test.sh started the real servers. Without it the suite is skipped,
/// so that `swift test` stays hermetic.
enum IntegrationEnvironment {
    static let nsd: Nameserver? = ProcessInfo.processInfo.environment["MXRAY_NSD"].flatMap {
        try? Nameserver(parsing: $0)
    }
    static let nsd6: Nameserver? = ProcessInfo.processInfo.environment["MXRAY_NSD6"].flatMap {
        try? Nameserver(parsing: $0)
    }
    static var available: Bool { nsd != nil }
}

func name(_ text: String) -> DomainName { try! DomainName(text) }

func resolver(_ servers: [Nameserver], timeout: Duration = .seconds(2), attempts: Int = 2, cache: Bool = true)
    -> StubResolver
{
    var configuration = ResolverConfiguration(nameservers: servers)
    configuration.timeout = timeout
    configuration.attempts = attempts
    configuration.cacheEnabled = cache
    return StubResolver(configuration: configuration)
}

/// A UDP socket on loopback that reads every query and never answers: a dead nameserver.
final class SilentNameserver: Sendable {
    let channel: Channel
    let nameserver: Nameserver

    init() async throws {
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        nameserver = Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)), port: channel.localAddress!.port!)
    }

    func close() async { try? await channel.close() }
}

/// A UDP relay on loopback in front of nsd that records what each query looked like on the wire
/// (source port, ID, question) and can send a forged reply before the real one.
final class RecordingRelay: Sendable {
    struct Seen: Sendable {
        var sourcePort: Int
        var id: UInt16
        var question: [UInt8]
    }

    let channel: Channel
    let nameserver: Nameserver
    private let upstream: Channel
    private let state = Mutex<(seen: [Seen], clients: [UInt16: SocketAddress])>(([], [:]))
    let forgeFirst: Bool

    init(upstream server: Nameserver, forgeFirst: Bool = false) async throws {
        self.forgeFirst = forgeFirst
        let group = MultiThreadedEventLoopGroup.singleton
        let box = Mutex<RecordingRelay?>(nil)
        let target = try SocketAddress(ipAddress: server.address.description, port: server.port)
        upstream = try await DatagramBootstrap(group: group)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(
                        Forwarder { envelope in box.withLock { $0 }?.fromUpstream(envelope) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel = try await DatagramBootstrap(group: group)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(
                        Forwarder { envelope in box.withLock { $0 }?.fromClient(envelope, to: target) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        nameserver = Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)), port: channel.localAddress!.port!)
        box.withLock { $0 = self }
    }

    var seen: [Seen] { state.withLock { $0.seen } }

    private func fromClient(_ envelope: AddressedEnvelope<ByteBuffer>, to target: SocketAddress) {
        let bytes = Array(envelope.data.readableBytesView)
        guard bytes.count > 12 else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        state.withLock {
            $0.seen.append(Seen(sourcePort: envelope.remoteAddress.port ?? 0, id: id, question: Array(bytes[12...])))
            $0.clients[id] = envelope.remoteAddress
        }
        if forgeFirst {
            // An off-path attacker's guesses: a wrong ID, then the right ID with another question.
            var wrongID = bytes
            wrongID[0] ^= 0xFF
            wrongID[2] |= 0x80
            var otherQuestion = bytes
            otherQuestion[2] |= 0x80
            otherQuestion[13] ^= 0x01
            for forged in [wrongID, otherQuestion] {
                channel.writeAndFlush(
                    AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: forged)),
                    promise: nil)
            }
        }
        upstream.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: envelope.data), promise: nil)
    }

    private func fromUpstream(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let bytes = Array(envelope.data.readableBytesView)
        guard bytes.count >= 2 else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard let client = state.withLock({ $0.clients[id] }) else { return }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: envelope.data), promise: nil)
    }

    func close() async {
        try? await channel.close()
        try? await upstream.close()
    }
}

final class Forwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let onRead: @Sendable (AddressedEnvelope<ByteBuffer>) -> Void
    init(_ onRead: @escaping @Sendable (AddressedEnvelope<ByteBuffer>) -> Void) { self.onRead = onRead }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { onRead(unwrapInboundIn(data)) }
}
