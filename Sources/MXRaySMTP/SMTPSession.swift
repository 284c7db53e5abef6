import MXRayDNS
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One line of a conversation, as `--transcript` prints it.
public struct TranscriptLine: Sendable, Codable, Equatable {
    /// "C" for what mxray sent, "S" for what the server sent, "*" for events (connect, TLS).
    public var direction: String
    public var text: String
    public init(direction: String, text: String) { self.direction = direction; self.text = text }
}

/// Why a session step did not complete.
public enum SMTPSessionError: Error, Sendable, CustomStringConvertible {
    case timeout(String)
    case closed(String)
    case protocolError(String)
    case connect(String)
    case tls(String)

    public var description: String {
        switch self {
        case .timeout(let what): "no \(what) before the timeout"
        case .closed(let what): "connection closed while waiting for \(what)"
        case .protocolError(let s): "protocol error: \(s)"
        case .connect(let s): "cannot connect: \(s)"
        case .tls(let s): "TLS handshake failed: \(s)"
        }
    }
}

/// What the TLS handshake gave.
public struct TLSHandshakeFacts: Sendable {
    public var version: String?
    public var peerCertificate: NIOSSLCertificate?
}

/// An SMTP client conversation over NIO (RFC 5321 §3, §4), with STARTTLS (RFC 3207). Every wait
/// is bounded by the timeout given to it; the transcript records both directions.
public final class SMTPSession: @unchecked Sendable {
    let channel: Channel
    let inbox: ReplyInbox
    public private(set) var transcript: [TranscriptLine] = []

    init(channel: Channel, inbox: ReplyInbox) { self.channel = channel; self.inbox = inbox }

    public static func connect(to address: IPAddress, port: Int, timeout: Duration) async throws -> SMTPSession {
        let inbox = ReplyInbox()
        let socketAddress: SocketAddress
        do { socketAddress = try SocketAddress(ipAddress: address.description, port: port) } catch { throw SMTPSessionError.connect("\(error)") }
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(timeout.nanoseconds))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()), name: "replies")
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(inbox: inbox), name: "inbox")
                    }
                }
                .connect(to: socketAddress).get()
        } catch {
            throw SMTPSessionError.connect("\(error)")
        }
        let session = SMTPSession(channel: channel, inbox: inbox)
        session.transcript.append(TranscriptLine(direction: "*", text: "connected to \(socketAddress)"))
        return session
    }

    /// The next reply, within `timeout`.
    public func readReply(_ what: String, timeout: Duration) async throws -> SMTPReply {
        let reply = try await inbox.next(on: channel.eventLoop, timeout: timeout, what: what)
        for (i, line) in reply.lines.enumerated() {
            transcript.append(TranscriptLine(direction: "S", text: "\(reply.code)\(i == reply.lines.count - 1 ? " " : "-")\(line)"))
        }
        return reply
    }

    /// Sends one command line and reads its reply.
    public func command(_ line: String, timeout: Duration) async throws -> SMTPReply {
        transcript.append(TranscriptLine(direction: "C", text: line))
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line + "\r\n")
        do { try await channel.writeAndFlush(buffer).get() } catch { throw SMTPSessionError.closed("sending \(line.prefix(10))") }
        return try await readReply(String(line.prefix(4)).uppercased() + " reply", timeout: timeout)
    }

    /// Starts TLS on the open connection (after a 220 to STARTTLS) and waits for the handshake.
    public func startTLS(context: NIOSSLContext, serverHostname: String?, timeout: Duration) async throws -> TLSHandshakeFacts {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        inbox.handshake = promise
        do {
            try await channel.eventLoop.submit {
                let ssl = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try self.channel.pipeline.syncOperations.addHandler(ssl, name: "tls", position: .first)
            }.get()
        } catch {
            throw SMTPSessionError.tls("\(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { promise.fail(SMTPSessionError.timeout("TLS handshake")) }
        defer { timer.cancel() }
        do { try await promise.futureResult.get() } catch let error as SMTPSessionError { throw error } catch { throw SMTPSessionError.tls("\(error)") }
        let facts = try await channel.eventLoop.submit {
            let ssl = try self.channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
            return TLSHandshakeFacts(version: ssl.tlsVersion.map(Self.name), peerCertificate: ssl.peerCertificate)
        }.get()
        transcript.append(TranscriptLine(direction: "*", text: "TLS established (\(facts.version ?? "unknown version"))"))
        return facts
    }

    static func name(_ v: TLSVersion) -> String {
        switch v {
        case .tlsv1: "TLSv1.0"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Replies in arrival order, and whoever waits for the next one. Confined to the event loop.
final class ReplyInbox: @unchecked Sendable {
    private var replies: [Result<SMTPReply, Error>] = []
    private var waiter: EventLoopPromise<SMTPReply>?
    var handshake: EventLoopPromise<Void>?
    var closed = false

    func deliver(_ result: Result<SMTPReply, Error>) {
        if let w = waiter { waiter = nil; w.completeWith(result) } else { replies.append(result) }
    }

    func next(on eventLoop: EventLoop, timeout: Duration, what: String) async throws -> SMTPReply {
        let future: EventLoopFuture<SMTPReply> = try await eventLoop.submit {
            let promise = eventLoop.makePromise(of: SMTPReply.self)
            if !self.replies.isEmpty {
                promise.completeWith(self.replies.removeFirst())
            } else if self.closed {
                promise.fail(SMTPSessionError.closed(what))
            } else {
                self.waiter = promise
                let timer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                    if self.waiter?.futureResult === promise.futureResult { self.waiter = nil }
                    promise.fail(SMTPSessionError.timeout(what))
                }
                promise.futureResult.whenComplete { _ in timer.cancel() }
            }
            return promise.futureResult
        }.get()
        return try await future.get()
    }
}

/// Hands decoded replies, TLS completion and connection loss to the inbox.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    let inbox: ReplyInbox
    init(inbox: ReplyInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { inbox.deliver(.success(unwrapInboundIn(data))) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { inbox.handshake?.succeed(()); inbox.handshake = nil }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let h = inbox.handshake { inbox.handshake = nil; h.fail(SMTPSessionError.tls("\(error)")) }
        inbox.deliver(.failure(SMTPSessionError.protocolError("\(error)")))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.closed = true
        if let h = inbox.handshake { inbox.handshake = nil; h.fail(SMTPSessionError.closed("the TLS handshake")) }
        inbox.deliver(.failure(SMTPSessionError.closed("a reply")))
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let c = components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }
}
