import NIOCore

/// A command from the MTA (the Sendmail milter protocol, version 6, as libmilter's mfdef.h and
/// Postfix's milter8 speak it): one length-prefixed packet, a command byte and its data.
public enum MilterCommand: Sendable, Equatable {
    /// SMFIC_OPTNEG 'O': the MTA's protocol version, the actions it allows, the steps it offers.
    case negotiate(version: UInt32, actions: MilterActions, protocol: MilterProtocolFlags)
    /// SMFIC_MACRO 'D': macros for the command that follows (named by its code).
    case macros(forCommand: UInt8, [String: String])
    /// SMFIC_CONNECT 'C': the client's host name, address family, port and address.
    case connect(hostname: String, family: UInt8, port: UInt16, address: String)
    /// SMFIC_HELO 'H'.
    case helo(String)
    /// SMFIC_MAIL 'M': the sender and ESMTP arguments.
    case mail([String])
    /// SMFIC_RCPT 'R'.
    case recipient([String])
    /// SMFIC_DATA 'T'.
    case data
    /// SMFIC_HEADER 'L': one header field, name and value.
    case header(name: String, value: String)
    /// SMFIC_EOH 'N'.
    case endOfHeaders
    /// SMFIC_BODY 'B': a chunk of the body (CRLF line ends, at most 64 KiB).
    case body(ByteBuffer)
    /// SMFIC_BODYEOB 'E': the end of the message; the MTA waits for the modifications and a verdict.
    case endOfMessage(ByteBuffer)
    /// SMFIC_ABORT 'A': forget the current message, keep the connection.
    case abort
    /// SMFIC_QUIT 'Q': close the connection.
    case quit
    /// SMFIC_QUIT_NC 'K': forget the connection's state; a new SMTP connection follows on this one.
    case quitNewConnection
    /// SMFIC_UNKNOWN 'U': an SMTP command the MTA did not know.
    case unknown(String)

    /// The command's code byte.
    public var code: UInt8 {
        switch self {
        case .negotiate: UInt8(ascii: "O")
        case .macros: UInt8(ascii: "D")
        case .connect: UInt8(ascii: "C")
        case .helo: UInt8(ascii: "H")
        case .mail: UInt8(ascii: "M")
        case .recipient: UInt8(ascii: "R")
        case .data: UInt8(ascii: "T")
        case .header: UInt8(ascii: "L")
        case .endOfHeaders: UInt8(ascii: "N")
        case .body: UInt8(ascii: "B")
        case .endOfMessage: UInt8(ascii: "E")
        case .abort: UInt8(ascii: "A")
        case .quit: UInt8(ascii: "Q")
        case .quitNewConnection: UInt8(ascii: "K")
        case .unknown: UInt8(ascii: "U")
        }
    }

    /// Parses one packet's payload (the length prefix already removed by the frame decoder).
    public init(packet: ByteBuffer) throws(MilterProtocolError) {
        var buffer = packet
        guard let code = buffer.readInteger(as: UInt8.self) else { throw .malformed("an empty packet") }
        switch code {
        case UInt8(ascii: "O"):
            guard let version = buffer.readInteger(as: UInt32.self), let actions = buffer.readInteger(as: UInt32.self),
                let steps = buffer.readInteger(as: UInt32.self)
            else { throw .malformed("option negotiation shorter than 12 bytes") }
            self = .negotiate(
                version: version, actions: MilterActions(rawValue: actions),
                protocol: MilterProtocolFlags(rawValue: steps))
        case UInt8(ascii: "D"):
            guard let command = buffer.readInteger(as: UInt8.self) else { throw .malformed("macros without a command") }
            let strings = Self.strings(&buffer)
            var macros: [String: String] = [:]
            var index = 0
            while index + 1 < strings.count {
                macros[Self.macroName(strings[index])] = strings[index + 1]
                index += 2
            }
            self = .macros(forCommand: command, macros)
        case UInt8(ascii: "C"):
            guard let hostname = Self.string(&buffer), let family = buffer.readInteger(as: UInt8.self) else {
                throw .malformed("connect without a host name and family")
            }
            if family == UInt8(ascii: "U") {
                self = .connect(hostname: hostname, family: family, port: 0, address: "")
            } else {
                guard let port = buffer.readInteger(as: UInt16.self), let address = Self.string(&buffer) else {
                    throw .malformed("connect without a port and address")
                }
                self = .connect(hostname: hostname, family: family, port: port, address: address)
            }
        case UInt8(ascii: "H"): self = .helo(Self.string(&buffer) ?? "")
        case UInt8(ascii: "M"): self = .mail(Self.strings(&buffer))
        case UInt8(ascii: "R"): self = .recipient(Self.strings(&buffer))
        case UInt8(ascii: "T"): self = .data
        case UInt8(ascii: "L"):
            guard let name = Self.string(&buffer) else { throw .malformed("a header without a name") }
            self = .header(name: name, value: Self.string(&buffer) ?? "")
        case UInt8(ascii: "N"): self = .endOfHeaders
        case UInt8(ascii: "B"): self = .body(buffer)
        case UInt8(ascii: "E"): self = .endOfMessage(buffer)
        case UInt8(ascii: "A"): self = .abort
        case UInt8(ascii: "Q"): self = .quit
        case UInt8(ascii: "K"): self = .quitNewConnection
        case UInt8(ascii: "U"): self = .unknown(Self.string(&buffer) ?? "")
        default: throw .unknownCommand(code)
        }
    }

    /// One NUL-terminated string (the rest of the buffer when the NUL is missing).
    static func string(_ buffer: inout ByteBuffer) -> String? {
        guard buffer.readableBytes > 0 else { return nil }
        let view = buffer.readableBytesView
        let end = view.firstIndex(of: 0) ?? view.endIndex
        let length = end - view.startIndex
        let text = buffer.readString(length: length) ?? ""
        if end != view.endIndex { buffer.moveReaderIndex(forwardBy: 1) }
        return text
    }

    static func strings(_ buffer: inout ByteBuffer) -> [String] {
        var result: [String] = []
        while let s = string(&buffer) { result.append(s) }
        return result
    }

    /// `{daemon_name}` and `daemon_name` name the same macro; single letters stay as they are.
    static func macroName(_ raw: String) -> String {
        raw.hasPrefix("{") && raw.hasSuffix("}") && raw.count > 2 ? String(raw.dropFirst().dropLast()) : raw
    }
}

/// SMFIF_* flags: the modifications a filter may make.
public struct MilterActions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let addHeaders = MilterActions(rawValue: 0x01)
    public static let changeBody = MilterActions(rawValue: 0x02)
    public static let addRecipients = MilterActions(rawValue: 0x04)
    public static let deleteRecipients = MilterActions(rawValue: 0x08)
    public static let changeHeaders = MilterActions(rawValue: 0x10)
    public static let quarantine = MilterActions(rawValue: 0x20)
}

/// SMFIP_* flags: the steps the MTA may leave out (NO*) or not wait for a reply to (NR_*).
public struct MilterProtocolFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let noConnect = MilterProtocolFlags(rawValue: 0x01)
    public static let noHelo = MilterProtocolFlags(rawValue: 0x02)
    public static let noMail = MilterProtocolFlags(rawValue: 0x04)
    public static let noRecipient = MilterProtocolFlags(rawValue: 0x08)
    public static let noBody = MilterProtocolFlags(rawValue: 0x10)
    public static let noHeaders = MilterProtocolFlags(rawValue: 0x20)
    public static let noEndOfHeaders = MilterProtocolFlags(rawValue: 0x40)
    public static let noReplyHeader = MilterProtocolFlags(rawValue: 0x80)
    public static let noUnknown = MilterProtocolFlags(rawValue: 0x100)
    public static let noData = MilterProtocolFlags(rawValue: 0x200)
    public static let noReplyConnect = MilterProtocolFlags(rawValue: 0x1000)
    public static let noReplyHelo = MilterProtocolFlags(rawValue: 0x2000)
    public static let noReplyMail = MilterProtocolFlags(rawValue: 0x4000)
    public static let noReplyRecipient = MilterProtocolFlags(rawValue: 0x8000)
    public static let noReplyData = MilterProtocolFlags(rawValue: 0x10000)
    public static let noReplyUnknown = MilterProtocolFlags(rawValue: 0x20000)
    public static let noReplyEndOfHeaders = MilterProtocolFlags(rawValue: 0x40000)
    public static let noReplyBody = MilterProtocolFlags(rawValue: 0x80000)
    /// Header values keep their leading space, so the bytes DKIM signed are the bytes we see.
    public static let headerLeadingSpace = MilterProtocolFlags(rawValue: 0x100000)

    /// The no-reply flag for a command code: with it agreed, the filter does not answer that step.
    /// Macros are never answered and the end of a message always is (nil for both).
    public static func noReply(forCommand code: UInt8) -> MilterProtocolFlags? {
        switch code {
        case UInt8(ascii: "C"): .noReplyConnect
        case UInt8(ascii: "H"): .noReplyHelo
        case UInt8(ascii: "M"): .noReplyMail
        case UInt8(ascii: "R"): .noReplyRecipient
        case UInt8(ascii: "T"): .noReplyData
        case UInt8(ascii: "U"): .noReplyUnknown
        case UInt8(ascii: "L"): .noReplyHeader
        case UInt8(ascii: "N"): .noReplyEndOfHeaders
        case UInt8(ascii: "B"): .noReplyBody
        default: nil
        }
    }
}

public enum MilterProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unknownCommand(UInt8)
    case unsupportedVersion(UInt32)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed milter packet: \(why)"
        case .unknownCommand(let code): "unknown milter command 0x\(String(code, radix: 16))"
        case .unsupportedVersion(let v): "the MTA speaks milter protocol version \(v); mxray needs 6"
        }
    }
}
