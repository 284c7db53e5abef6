/// Why a DNS message could not be decoded. Every malformed input ends here, never in a trap.
public enum DNSWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message ended while `reading` needed more bytes.
    case truncated(reading: String, offset: Int)
    /// A label length octet used the reserved 0b01/0b10 prefixes (RFC 1035 §4.1.4, RFC 6891 §5).
    case badLabelType(offset: Int)
    /// A compression pointer that does not point strictly backwards: a loop or a forward jump.
    case badPointer(offset: Int, target: Int)
    /// More compression pointers in one name than `WireReader.maxPointersPerName`.
    case tooManyPointers(offset: Int)
    case name(DNSNameError, offset: Int)
    /// RDATA whose length disagrees with what its type's layout consumed.
    case rdataLength(type: RRType, expected: Int, consumed: Int)
    /// A message too large to encode (over 65,535 octets).
    case messageTooLarge(Int)
    case characterStringTooLong(Int)

    public var description: String {
        switch self {
        case .truncated(let what, let at): "message truncated at offset \(at) while reading \(what)"
        case .badLabelType(let at): "reserved label type at offset \(at)"
        case .badPointer(let at, let target):
            "compression pointer at offset \(at) to \(target) does not point backwards (loop or forward reference)"
        case .tooManyPointers(let at):
            "more than \(WireReader.maxPointersPerName) compression pointers in the name at offset \(at)"
        case .name(let e, let at): "bad name at offset \(at): \(e)"
        case .rdataLength(let type, let expected, let consumed):
            "\(type) RDATA length \(expected) but its fields took \(consumed)"
        case .messageTooLarge(let n): "message of \(n) octets exceeds 65,535"
        case .characterStringTooLong(let n): "character-string of \(n) octets exceeds 255"
        }
    }
}
