import NIOCore

/// A reply or modification from the filter to the MTA (libmilter's SMFIR_* codes). Each is one
/// packet: a four-byte big-endian length that counts the code byte, the code, the data.
public enum MilterResponse: Sendable, Equatable {
    /// SMFIC_OPTNEG 'O' in reply: our version, the actions we use, the steps we leave out.
    case negotiate(version: UInt32, actions: MilterActions, protocol: MilterProtocolFlags)
    /// SMFIR_CONTINUE 'c'.
    case `continue`
    /// SMFIR_ACCEPT 'a': accept the message, send no more of it.
    case accept
    /// SMFIR_TEMPFAIL 't'.
    case tempfail
    /// SMFIR_REPLYCODE 'y': an SMTP reply, such as `550 5.7.1 ...`.
    case reply(String)
    /// SMFIR_INSHEADER 'i': insert a header field at a position (0 is the top).
    case insertHeader(index: UInt32, name: String, value: String)
    /// SMFIR_CHGHEADER 'm': replace the index-th (1-based) field of that name; an empty value deletes it.
    case changeHeader(index: UInt32, name: String, value: String)
    /// SMFIR_QUARANTINE 'q': hold the message with a reason (Postfix's hold queue).
    case quarantine(String)

    public func write(to buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        let start = buffer.writerIndex
        switch self {
        case .negotiate(let version, let actions, let steps):
            buffer.writeInteger(UInt8(ascii: "O"))
            buffer.writeInteger(version)
            buffer.writeInteger(actions.rawValue)
            buffer.writeInteger(steps.rawValue)
        case .continue: buffer.writeInteger(UInt8(ascii: "c"))
        case .accept: buffer.writeInteger(UInt8(ascii: "a"))
        case .tempfail: buffer.writeInteger(UInt8(ascii: "t"))
        case .reply(let text):
            buffer.writeInteger(UInt8(ascii: "y"))
            Self.writeString(text, to: &buffer)
        case .insertHeader(let index, let name, let value):
            buffer.writeInteger(UInt8(ascii: "i"))
            buffer.writeInteger(index)
            Self.writeString(name, to: &buffer)
            Self.writeString(value, to: &buffer)
        case .changeHeader(let index, let name, let value):
            buffer.writeInteger(UInt8(ascii: "m"))
            buffer.writeInteger(index)
            Self.writeString(name, to: &buffer)
            Self.writeString(value, to: &buffer)
        case .quarantine(let reason):
            buffer.writeInteger(UInt8(ascii: "q"))
            Self.writeString(reason, to: &buffer)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - start), at: lengthIndex)
    }

    /// A NUL-terminated string; a NUL inside would end it early, so none is written.
    static func writeString(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeBytes(text.utf8.filter { $0 != 0 })
        buffer.writeInteger(UInt8(0))
    }
}
