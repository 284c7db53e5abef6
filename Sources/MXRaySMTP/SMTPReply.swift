import NIOCore

/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines.
public struct SMTPReply: Sendable, Codable, Equatable {
    public var code: Int
    public var lines: [String]

    public var isPositive: Bool { (200..<400).contains(code) }
    public var isTransient: Bool { (400..<500).contains(code) }
    public var isPermanent: Bool { (500..<600).contains(code) }
    /// The reply as one line, for reports.
    public var text: String { "\(code) " + lines.joined(separator: " / ") }
}

/// Why the server's bytes are not a reply.
public enum SMTPReplyError: Error, Sendable, Equatable, CustomStringConvertible {
    case lineTooLong(Int)
    case tooManyLines
    case badCode(String)
    case mismatchedCode(expected: Int, got: String)

    public var description: String {
        switch self {
        case .lineTooLong(let n): "reply line longer than \(n) bytes"
        case .tooManyLines: "reply of more than \(SMTPReplyDecoder.maxLines) lines"
        case .badCode(let line): "not an SMTP reply line: \"\(line.prefix(60))\""
        case .mismatchedCode(let code, let line): "multi-line reply changes code from \(code): \"\(line.prefix(60))\""
        }
    }
}

/// Frames a byte stream into replies (RFC 5321 §4.2.1): `NNN-text` lines continue a reply, the
/// `NNN text` line ends it. CRLF or bare LF end lines. Lines and replies are bounded.
public final class SMTPReplyDecoder: ByteToMessageDecoder {
    public typealias InboundOut = SMTPReply
    /// RFC 5321 §4.5.3.1.5 says 512 octets; servers that write longer lines are tolerated up to this.
    public static let maxLineLength = 2048
    /// A reply of more lines than this is refused (EHLO replies run to a few dozen).
    public static let maxLines = 100

    private var pending: [String] = []
    private var pendingCode: Int?

    public init() {}

    public func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: 0x0A) else {
            if buffer.readableBytes > Self.maxLineLength { throw SMTPReplyError.lineTooLong(Self.maxLineLength) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maxLineLength else { throw SMTPReplyError.lineTooLong(Self.maxLineLength) }
        var bytes = buffer.readBytes(length: length + 1)!
        bytes.removeLast()
        if bytes.last == 0x0D { bytes.removeLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let code = Int(line.prefix(3)),
            (200...599).contains(code), bytes.count == 3 || bytes[3] == 0x20 || bytes[3] == 0x2D
        else {
            throw SMTPReplyError.badCode(line)
        }
        if let expected = pendingCode, expected != code {
            throw SMTPReplyError.mismatchedCode(expected: expected, got: line)
        }
        pendingCode = code
        pending.append(bytes.count > 4 ? String(line.dropFirst(4)) : "")
        guard pending.count <= Self.maxLines else { throw SMTPReplyError.tooManyLines }
        if bytes.count > 3 && bytes[3] == 0x2D { return .continue }
        context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: pending)))
        pending = []
        pendingCode = nil
        return .continue
    }

    public func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
