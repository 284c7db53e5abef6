import NIOCore

/// One IMAP response (RFC 9051 §7, §2.2.2): its text with each literal's bytes taken out (the
/// text keeps the `{N}` marker), and the literals in order.
public struct IMAPResponse: Sendable {
    public var text: String
    public var literals: [[UInt8]]

    /// `A3 OK ...` → ("A3", "OK ..."); `* 3 EXISTS` → ("*", "3 EXISTS").
    var tag: Substring { text.prefix { $0 != " " } }
    var rest: Substring { text.drop { $0 != " " }.dropFirst() }
}

/// Frames responses: a line up to CRLF, and when it ends in a literal `{N}` the N bytes after it
/// and the rest of the response after them (RFC 9051 §4.3). Lines and literals are bounded.
public struct IMAPResponseDecoder: ByteToMessageDecoder {
    public typealias InboundOut = IMAPResponse
    let maxLineBytes = 1 << 20
    let maxLiteralBytes: Int

    public init(maxLiteralBytes: Int) { self.maxLiteralBytes = maxLiteralBytes }

    enum DecodeError: Error, CustomStringConvertible {
        case lineTooLong, literalTooLarge(Int)
        var description: String {
            switch self {
            case .lineTooLong: "an IMAP response line longer than 1 MiB"
            case .literalTooLarge(let n): "an IMAP literal of \(n) bytes exceeds the limit"
            }
        }
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var view = buffer.readableBytesView
        var text = ""
        var literals: [[UInt8]] = []
        var offset = view.startIndex
        while true {
            guard let lf = view[offset...].firstIndex(of: 0x0A) else {
                if view.endIndex - offset > maxLineBytes { throw DecodeError.lineTooLong }
                return .needMoreData
            }
            var end = lf
            if end > offset, view[end - 1] == 0x0D { end -= 1 }
            let line = view[offset..<end]
            text += String(decoding: line, as: UTF8.self)
            offset = lf + 1
            guard let count = Self.literalLength(line) else { break }
            guard count <= maxLiteralBytes else { throw DecodeError.literalTooLarge(count) }
            guard view.endIndex - offset >= count else { return .needMoreData }
            literals.append(Array(view[offset..<offset + count]))
            offset += count
            view = buffer.readableBytesView
        }
        buffer.moveReaderIndex(forwardBy: offset - view.startIndex)
        context.fireChannelRead(wrapInboundOut(IMAPResponse(text: text, literals: literals)))
        return .continue
    }

    /// N when the line ends in `{N}` or `{N+}`.
    static func literalLength(_ line: ByteBufferView.SubSequence) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.endIndex - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
