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
    public init(direction: String, text: String) {
        self.direction = direction
        self.text = text
    }
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

/// What the TLS handshake gave: the version and the chain the server presented, leaf first.
public struct TLSHandshakeFacts: Sendable {
    public var version: String?
    public var peerCertificate: NIOSSLCertificate?
    /// Every certificate the server sent, leaf first; the caller judges them (the handshake does
    /// not, so that an opportunistic sender's view and a verifying sender's view come from one
    /// connection).
    public var presentedChain: [NIOSSLCertificate]
}

/// An SMTP client conversation over NIO (RFC 5321 §3, §4), with STARTTLS (RFC 3207). Every wait
/// is bounded by the timeout given to it; the transcript records both directions.
///
/// Not `Sendable`: one task holds a session and drives it command by command. The replies, the
/// waiter and the TLS handshake promise live in a `ReplyInbox` that only the channel's event loop
/// touches (an `NIOLoopBoundBox` checks that), so nothing is written off its loop.
public final class SMTPSession {
    let channel: Channel
    let inbox: NIOLoopBoundBox<ReplyInbox>
    public private(set) var transcript: [TranscriptLine] = []

    init(channel: Channel, inbox: NIOLoopBoundBox<ReplyInbox>) {
        self.channel = channel
        self.inbox = inbox
    }

    public static func connect(to address: IPAddress, port: Int, timeout: Duration) async throws -> SMTPSession {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let inbox = NIOLoopBoundBox.makeBoxSendingValue(ReplyInbox(), eventLoop: eventLoop)
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address.description, port: port)
        } catch {
            throw SMTPSessionError.connect("\(error)")
        }
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(SMTPReplyDecoder()), name: "replies")
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
        let inbox = self.inbox
        let future = try await channel.eventLoop.submit {
            inbox.value.next(on: inbox.eventLoop, timeout: timeout, what: what)
        }.get()
        let reply = try await future.get()
        for (i, line) in reply.lines.enumerated() {
            let separator = i == reply.lines.count - 1 ? " " : "-"
            transcript.append(TranscriptLine(direction: "S", text: "\(reply.code)\(separator)\(line)"))
        }
        return reply
    }

    /// Sends one command line and reads its reply.
    public func command(_ line: String, timeout: Duration) async throws -> SMTPReply {
        transcript.append(TranscriptLine(direction: "C", text: line))
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line + "\r\n")
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            throw SMTPSessionError.closed("sending \(line.prefix(10))")
        }
        return try await readReply(String(line.prefix(4)).uppercased() + " reply", timeout: timeout)
    }

    /// Starts TLS on the open connection (after a 220 to STARTTLS) and waits for the handshake.
    /// The handshake accepts any certificate, as an opportunistic sender does (RFC 3207 §4.1); the
    /// chain the server presented is returned for the caller to judge. `context` must ask for
    /// verification (so that NIOSSL calls the chain callback), without a host name check.
    public func startTLS(context: NIOSSLContext, serverHostname: String?, timeout: Duration) async throws
        -> TLSHandshakeFacts
    {
        let channel = self.channel
        let inbox = self.inbox
        let handshake: EventLoopFuture<Void>
        do {
            handshake = try await channel.eventLoop.submit {
                let promise = channel.eventLoop.makePromise(of: Void.self)
                inbox.value.handshake = promise
                let ssl = try NIOSSLClientHandler(context: context, serverHostname: serverHostname) { chain, verdict in
                    // Runs on the channel's loop: keep what was presented, judge it later.
                    inbox.value.presentedChain = chain
                    verdict.succeed(.certificateVerified)
                }
                try channel.pipeline.syncOperations.addHandler(ssl, name: "tls", position: .first)
                let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                    promise.fail(SMTPSessionError.timeout("TLS handshake"))
                }
                promise.futureResult.whenComplete { _ in timer.cancel() }
                return promise.futureResult
            }.get()
        } catch {
            throw SMTPSessionError.tls("\(error)")
        }
        do {
            try await handshake.get()
        } catch let error as SMTPSessionError {
            throw error
        } catch {
            throw SMTPSessionError.tls("\(error)")
        }
        let facts = try await channel.eventLoop.submit {
            let ssl = try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
            return TLSHandshakeFacts(
                version: ssl.tlsVersion.map(Self.name), peerCertificate: ssl.peerCertificate,
                presentedChain: inbox.value.presentedChain)
        }.get()
        transcript.append(
            TranscriptLine(direction: "*", text: "TLS established (\(facts.version ?? "unknown version"))"))
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

/// Replies in arrival order, whoever waits for the next one, and the pending TLS handshake.
/// Only the channel's event loop touches it (through `NIOLoopBoundBox`).
final class ReplyInbox {
    private var replies: [Result<SMTPReply, Error>] = []
    private var waiter: EventLoopPromise<SMTPReply>?
    var handshake: EventLoopPromise<Void>?
    var presentedChain: [NIOSSLCertificate] = []
    var closed = false

    func deliver(_ result: Result<SMTPReply, Error>) {
        if let w = waiter {
            waiter = nil
            w.completeWith(result)
        } else {
            replies.append(result)
        }
    }

    /// The next reply: at once when one is queued, else when it arrives, the connection closes or
    /// `timeout` passes.
    func next(on eventLoop: EventLoop, timeout: Duration, what: String) -> EventLoopFuture<SMTPReply> {
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        if !replies.isEmpty {
            promise.completeWith(replies.removeFirst())
        } else if closed {
            promise.fail(SMTPSessionError.closed(what))
        } else {
            waiter = promise
            // Runs on the same loop; NIOLoopBound checks that, where a plain capture could not.
            let inbox = NIOLoopBound(self, eventLoop: eventLoop)
            let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                if inbox.value.waiter?.futureResult === promise.futureResult { inbox.value.waiter = nil }
                promise.fail(SMTPSessionError.timeout(what))
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
        }
        return promise.futureResult
    }
}

/// Hands decoded replies, TLS completion and connection loss to the inbox.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    let inbox: NIOLoopBoundBox<ReplyInbox>
    init(inbox: NIOLoopBoundBox<ReplyInbox>) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.value.deliver(.success(unwrapInboundIn(data)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            inbox.value.handshake?.succeed(())
            inbox.value.handshake = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let h = inbox.value.handshake {
            inbox.value.handshake = nil
            h.fail(SMTPSessionError.tls("\(error)"))
        }
        inbox.value.deliver(.failure(SMTPSessionError.protocolError("\(error)")))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.value.closed = true
        if let h = inbox.value.handshake {
            inbox.value.handshake = nil
            h.fail(SMTPSessionError.closed("the TLS handshake"))
        }
        inbox.value.deliver(.failure(SMTPSessionError.closed("a reply")))
    }
}
