import Logging
import MXRayAuth
import MXRayDNS
import NIOCore
import NIOExtras
import NIOPosix

/// Every listener of a configuration, bound and serving: TCP or Unix-domain sockets, each
/// connection with its own session, one DNS resolver and cache shared by all.
public final class MilterServer: Sendable {
    public let channels: [Channel]

    init(channels: [Channel]) { self.channels = channels }

    /// Binds every listener; the first failure closes what was bound and is thrown.
    public static func start(
        config: MilterConfig, resolver: any DNSResolver, group: EventLoopGroup, logger: Logger
    ) async throws -> MilterServer {
        var channels: [Channel] = []
        do {
            for listener in config.listeners {
                let filter = try MilterFilter(listener: listener, resolver: resolver)
                channels.append(try await bind(listener, filter: filter, config: config, group: group, logger: logger))
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return MilterServer(channels: channels)
    }

    static func bind(
        _ listener: MilterConfig.Listener, filter: MilterFilter, config: MilterConfig, group: EventLoopGroup,
        logger: Logger
    ) async throws -> Channel {
        var sessionOptions = MilterSession.Options()
        sessionOptions.memoryLimit = config.limits.memoryBytes
        sessionOptions.sizeLimit = config.limits.maxMessageBytes
        sessionOptions.spillDirectory = config.limits.spillDirectory
        let options = sessionOptions
        let load = MilterLoad(limit: config.limits.maxConcurrentMessages)
        let timeout = TimeAmount.milliseconds(Int64(config.limits.messageTimeoutSeconds * 1000))
        let idle = TimeAmount.milliseconds(Int64(config.limits.idleTimeoutSeconds * 1000))
        var log = logger
        log[metadataKey: "listener"] = "\(listener.listen)"
        let connectionLogger = log
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: idle),
                        // A packet is at most a 64 KiB body chunk or one header field; 1 MiB bounds a bad peer.
                        ByteToMessageHandler(
                            LengthFieldBasedFrameDecoder(lengthFieldLength: .four), maximumBufferSize: 1 << 20),
                        MilterHandler(
                            filter: filter, options: options, load: load, timeout: timeout, logger: connectionLogger,
                            metrics: MilterMetrics()),
                    ])
                }
            }
        let address = try MilterAddress(parsing: listener.listen)
        let channel: Channel
        switch address {
        case .inet(let host, let port): channel = try await bootstrap.bind(host: host, port: port).get()
        case .unix(let path):
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        log.info("listening", metadata: ["roles": "\(listener.roles.map(\.rawValue).joined(separator: ","))"])
        return channel
    }

    /// The TCP port a listener got (for `inet:...:0` in tests).
    public func port(_ index: Int) -> Int? { channels[index].localAddress?.port }

    public func close() async {
        for channel in channels { try? await channel.close() }
    }
}
