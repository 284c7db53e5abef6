import NIOCore
import NIOPosix
import NIOSSL

/// Why an IMAP conversation failed.
public struct IMAPError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Where and how to reach the mailbox: implicit TLS (RFC 8314 §3.2, port 993), the certificate
/// checked for `host` against the system's roots or `caFile`.
public struct IMAPAccount: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var caFile: String?
    public var timeout: Duration

    public init(host: String, port: Int = 993, user: String, password: String, caFile: String?, timeout: Duration) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
    }
}

/// The few IMAP4rev1/rev2 commands the report ingest needs (RFC 9051, RFC 3501): LOGIN, SELECT,
/// UID SEARCH, UID FETCH of whole messages without setting \Seen, CREATE, and UID MOVE (RFC 6851)
/// or, without MOVE, UID COPY then \Deleted and UID EXPUNGE (RFC 4315). Every response is awaited
/// for at most the account's timeout: a deadline closes the connection.
public final class IMAPConversation {
    let channel: Channel
    var inbound: NIOAsyncChannelInboundStream<IMAPResponse>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let timeout: Duration
    var tagNumber = 0
    public private(set) var capabilities: Set<String> = []

    init(
        channel: Channel, inbound: NIOAsyncChannelInboundStream<IMAPResponse>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, timeout: Duration
    ) {
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.timeout = timeout
    }

    /// Connects, checks the greeting, logs in, runs `body`, logs out and closes.
    public static func withSession<T>(
        _ account: IMAPAccount, maxMessageBytes: Int, _ body: (IMAPConversation) async throws -> T
    ) async throws -> T {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca = account.caFile { configuration.trustRoots = .file(ca) }
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: configuration) } catch {
            throw IMAPError("cannot set up TLS: \(error)")
        }
        let host = account.host
        let asyncChannel: NIOAsyncChannel<IMAPResponse, ByteBuffer>
        do {
            asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(account.timeout))
                .connect(host: host, port: account.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let name = host.first?.isNumber == true || host.contains(":") ? nil : host
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: name))
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(IMAPResponseDecoder(maxLiteralBytes: maxMessageBytes)))
                        return try NIOAsyncChannel<IMAPResponse, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw IMAPError("cannot connect to \(host):\(account.port): \(error)")
        }
        return try await asyncChannel.executeThenClose { inbound, outbound in
            let session = IMAPConversation(
                channel: asyncChannel.channel, inbound: inbound, outbound: outbound, timeout: account.timeout)
            let greeting = try await session.next("the greeting")
            guard greeting.text.hasPrefix("* OK") || greeting.text.hasPrefix("* PREAUTH") else {
                throw IMAPError("the server greeted with \"\(greeting.text.prefix(80))\"")
            }
            if !greeting.text.hasPrefix("* PREAUTH") {
                try await session.login(user: account.user, password: account.password)
            }
            try await session.refreshCapabilities()
            let result = try await body(session)
            _ = try? await session.command("LOGOUT")
            return result
        }
    }

    /// The next response within the timeout; a deadline closes the channel so the wait ends.
    func next(_ what: String) async throws -> IMAPResponse {
        let channel = self.channel
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        do {
            guard let response = try await inbound.next() else {
                throw IMAPError("the connection closed (or \(timeout) passed) while waiting for \(what)")
            }
            return response
        } catch let error as IMAPError {
            throw error
        } catch {
            throw IMAPError("reading \(what): \(error)")
        }
    }

    /// Sends `tag command` and collects the untagged responses up to the tagged completion;
    /// throws unless the completion is OK.
    @discardableResult
    func command(_ text: String, display: String? = nil) async throws -> [IMAPResponse] {
        tagNumber += 1
        let tag = "M\(tagNumber)"
        var buffer = channel.allocator.buffer(capacity: text.utf8.count + tag.utf8.count + 3)
        buffer.writeString("\(tag) \(text)\r\n")
        try await outbound.write(buffer)
        var untagged: [IMAPResponse] = []
        let shown = display ?? String(text.prefix(40))
        while true {
            let response = try await next("the reply to \(shown)")
            guard response.tag == tag else {
                untagged.append(response)
                guard untagged.count < 100_000 else { throw IMAPError("too many responses to \(shown)") }
                continue
            }
            guard response.rest.hasPrefix("OK") else {
                throw IMAPError("\(shown): \(response.rest.prefix(200))")
            }
            return untagged
        }
    }

    func login(user: String, password: String) async throws {
        try await command("LOGIN \(try Self.quoted(user)) \(try Self.quoted(password))", display: "LOGIN")
    }

    func refreshCapabilities() async throws {
        let lines = try await command("CAPABILITY")
        for line in lines where line.rest.hasPrefix("CAPABILITY") {
            capabilities = Set(line.rest.split(separator: " ").dropFirst().map { $0.uppercased() })
        }
    }

    /// Selects the mailbox read-write.
    public func select(_ mailbox: String) async throws {
        try await command("SELECT \(try Self.quoted(mailbox))")
    }

    /// Creates a mailbox; one that exists already is fine.
    public func create(_ mailbox: String) async throws {
        do { try await command("CREATE \(try Self.quoted(mailbox))") } catch let error as IMAPError {
            guard
                error.description.uppercased().contains("ALREADYEXISTS")
                    || error.description.lowercased().contains("exists")
            else { throw error }
        }
    }

    /// Every message's UID, ascending.
    public func allUIDs() async throws -> [UInt32] {
        var uids: [UInt32] = []
        for line in try await command("UID SEARCH ALL") where line.rest.hasPrefix("SEARCH") {
            uids += line.rest.split(separator: " ").dropFirst().compactMap { UInt32($0) }
        }
        return uids.sorted()
    }

    /// The whole message, without setting \Seen (BODY.PEEK[], RFC 9051 §6.4.5).
    public func fetch(uid: UInt32) async throws -> [UInt8]? {
        let lines = try await command("UID FETCH \(uid) (BODY.PEEK[])")
        return lines.first { $0.text.contains("FETCH") && !$0.literals.isEmpty }?.literals.first
    }

    /// Moves the message: UID MOVE where offered, else copy, flag \Deleted and expunge it alone.
    public func move(uid: UInt32, to mailbox: String) async throws {
        let target = try Self.quoted(mailbox)
        if capabilities.contains("MOVE") {
            try await command("UID MOVE \(uid) \(target)")
            return
        }
        try await command("UID COPY \(uid) \(target)")
        try await command("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)")
        if capabilities.contains("UIDPLUS") {
            try await command("UID EXPUNGE \(uid)")
        } else {
            try await command("EXPUNGE")
        }
    }

    /// A quoted string (RFC 9051 §4.3); CR, LF and NUL cannot be quoted and are refused.
    static func quoted(_ s: String) throws -> String {
        // Bytes, not Characters: "\r\n" is one Character and equals neither "\r" nor "\n".
        guard !s.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
            throw IMAPError("a user name, password or mailbox with a line break cannot be sent")
        }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }
}
