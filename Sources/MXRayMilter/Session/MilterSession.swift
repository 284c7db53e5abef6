import MXRayDNS
import NIOCore

/// One milter connection's state, command by command (libmilter's state machine as Postfix drives
/// it): what to answer at once, and when the message is complete, its envelope for the filter.
/// Several messages may follow on one connection; abort forgets the message, not the connection.
struct MilterSession {
    /// What the session asks of the MTA and how much it keeps.
    struct Options: Sendable {
        /// The modifications the filter makes.
        var actions: MilterActions = [.addHeaders, .changeHeaders, .quarantine]
        /// Steps the filter does not need, and steps it does not answer. DATA is kept and answered:
        /// Postfix sends the DATA macros anyway, and sent alone, with nothing to wait for, they sit
        /// unacknowledged (this side's delayed ACK) while the first header waits behind Nagle's
        /// algorithm, about 40 ms a message (BENCHMARKS.md, the Postfix pipeline).
        var protocolWanted: MilterProtocolFlags = [
            .noUnknown, .noReplyConnect, .noReplyHelo, .noReplyMail, .noReplyRecipient, .noReplyHeader,
            .noReplyEndOfHeaders, .noReplyBody, .noReplyUnknown, .headerLeadingSpace,
        ]
        var memoryLimit = 1 << 20
        var sizeLimit = 64 << 20
        var maxHeaders = 10_000
        var spillDirectory = "/tmp"
    }

    /// What the handler does after a command.
    enum Step: Equatable {
        /// Nothing to send.
        case none
        case reply([MilterResponse])
        /// The message is complete: run the filter, then send its responses.
        case endOfMessage
        /// Close the connection.
        case close
    }

    let options: Options
    private(set) var agreed: MilterProtocolFlags = []
    private(set) var negotiated = false
    private var macros: [String: String] = [:]
    private var clientAddress: IPAddress?
    private var clientName = ""
    private var helo = ""
    private var mailFrom = ""
    private var recipients: [String] = []
    private var headers: [(name: String, value: String)] = []
    private var headerBytes = 0
    private var body: MessageBuffer

    init(options: Options) {
        self.options = options
        body = MessageBuffer(
            memoryLimit: options.memoryLimit, sizeLimit: options.sizeLimit, directory: options.spillDirectory)
    }

    /// A continue, unless the MTA agreed not to wait for a reply to this command.
    private func answer(_ command: MilterCommand) -> Step {
        MilterProtocolFlags.noReply(forCommand: command.code).map(agreed.contains) == true ? .none : .reply([.continue])
    }

    mutating func handle(_ command: MilterCommand) throws -> Step {
        if case .negotiate = command {
        } else if !negotiated {
            throw MilterSessionError.outOfOrder("\(command.code) before option negotiation")
        }
        switch command {
        case .negotiate(let version, let actions, let offered):
            guard version >= 6 else { throw MilterProtocolError.unsupportedVersion(version) }
            agreed = options.protocolWanted.intersection(offered)
            negotiated = true
            return .reply([.negotiate(version: 6, actions: options.actions.intersection(actions), protocol: agreed)])
        case .macros(_, let values):
            for (name, value) in values { macros[name] = value }
            return .none
        case .connect(let hostname, let family, _, let address):
            resetConnection()
            clientName = hostname
            let bare = address.hasPrefix("IPv6:") ? String(address.dropFirst(5)) : address
            clientAddress = family == UInt8(ascii: "4") || family == UInt8(ascii: "6") ? IPAddress(bare) : nil
            return answer(command)
        case .helo(let name):
            helo = name
            return answer(command)
        case .mail(let arguments):
            resetMessage()
            mailFrom = Self.bare(arguments.first ?? "")
            return answer(command)
        case .recipient(let arguments):
            if let r = arguments.first { recipients.append(Self.bare(r)) }
            return answer(command)
        case .data:
            return answer(command)
        case .unknown:
            return answer(command)
        case .header(let name, let value):
            // Past the bound the fields are not kept: the message goes through unjudged.
            headerBytes += name.utf8.count + value.utf8.count + 3
            if headers.count < options.maxHeaders && headerBytes <= options.sizeLimit {
                headers.append((name, value))
            } else {
                oversizedHeaders = true
            }
            return answer(command)
        case .endOfHeaders:
            return answer(command)
        case .body(let chunk):
            try body.append(chunk.readableBytesView)
            return answer(command)
        case .endOfMessage(let chunk):
            if chunk.readableBytes > 0 { try body.append(chunk.readableBytesView) }
            return .endOfMessage
        case .abort:
            resetMessage()
            return .none
        case .quit:
            resetConnection()
            return .close
        case .quitNewConnection:
            resetConnection()
            return .none
        }
    }

    private var oversizedHeaders = false

    /// The message as the MTA gave it; the session then forgets it (the connection stays).
    mutating func takeEnvelope() throws -> MilterEnvelope {
        defer { resetMessage() }
        let oversized = body.oversized || oversizedHeaders
        return MilterEnvelope(
            clientAddress: clientAddress, clientName: clientName, helo: helo, mailFrom: mailFrom,
            recipients: recipients, macros: macros, headers: oversized ? [] : headers,
            leadingSpace: agreed.contains(.headerLeadingSpace), body: oversized ? [] : try body.bytes(),
            oversized: oversized)
    }

    mutating func resetMessage() {
        mailFrom = ""
        recipients = []
        headers = []
        headerBytes = 0
        oversizedHeaders = false
        body.reset()
    }

    mutating func resetConnection() {
        resetMessage()
        macros = [:]
        clientAddress = nil
        clientName = ""
        helo = ""
    }

    /// `<user@example.com>` as `user@example.com`; `<>` as the empty null sender.
    static func bare(_ address: String) -> String {
        var a = Substring(address)
        if a.hasPrefix("<") { a = a.dropFirst() }
        if a.hasSuffix(">") { a = a.dropLast() }
        return String(a)
    }
}
