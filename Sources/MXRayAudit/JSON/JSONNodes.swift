import Foundation

/// One encoded value: a leaf, or a container whose members are linked through `first` and `next`.
struct JSONNode {
    enum Kind: UInt8 {
        /// A value whose `encode(to:)` asked for no container: Foundation writes `{}`.
        case empty
        case null, `true`, `false`
        /// A number already spelled out, or another literal written as it is.
        case literal
        case string
        case object
        case array
    }

    var kind: Kind
    /// A literal's or a string's text.
    var text: String
    /// The member's name in its object; empty for an array element.
    var key: String
    /// The key's first eight bytes, big-endian: keys that differ there sort by one comparison.
    var keyPrefix: UInt64
    var parent: Int32
    var first: Int32 = -1
    var last: Int32 = -1
    var next: Int32 = -1
    var count: Int32 = 0
}

/// Every node of one encoding in one array, so that a value costs no allocation of its own: the encoder, its
/// containers and the path to a value are indices into it. An object's members are linked in the order they
/// were encoded and sorted only when written; keys encoded twice keep the last value, as in Foundation.
final class JSONNodes {
    static let root: Int32 = 0
    // No access to these two outlives a statement, and the runtime's exclusivity checks on them cost more than
    // a sixth of the encoding.
    @exclusivity(unchecked) private(set) var nodes: [JSONNode]
    /// Members of the objects being written, sorted in place: a stack shared by the nested objects.
    @exclusivity(unchecked) private var order: [Int32] = []

    init() {
        nodes = []
        nodes.reserveCapacity(256)
        nodes.append(JSONNode(kind: .empty, text: "", key: "", keyPrefix: 0, parent: -1))
    }

    func count(of node: Int32) -> Int { Int(nodes[Int(node)].count) }

    /// Adds a member (or an element, with an empty key) at the end of container `parent`.
    func add(to parent: Int32, key: String, _ kind: JSONNode.Kind, _ text: String = "") -> Int32 {
        let index = Int32(nodes.count)
        nodes.append(JSONNode(kind: kind, text: text, key: key, keyPrefix: Self.prefix(of: key), parent: parent))
        let p = Int(parent)
        if nodes[p].last >= 0 { nodes[Int(nodes[p].last)].next = index } else { nodes[p].first = index }
        nodes[p].last = index
        nodes[p].count += 1
        return index
    }

    /// The first eight bytes of `key`, big-endian, zero-padded: comparing two as integers orders them as
    /// their bytes do, as far as they go.
    static func prefix(of key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { bytes in
            var prefix: UInt64 = 0
            for i in 0..<min(8, bytes.count) { prefix |= UInt64(bytes[i]) << (56 - 8 * UInt64(i)) }
            return prefix
        }
    }

    /// Replaces what `node` holds.
    func set(_ node: Int32, _ kind: JSONNode.Kind, _ text: String = "") {
        let n = Int(node)
        nodes[n].kind = kind
        nodes[n].text = text
        nodes[n].first = -1
        nodes[n].last = -1
        nodes[n].count = 0
    }

    /// Makes `node` an object or an array, keeping the members of one it already is.
    func become(_ node: Int32, _ kind: JSONNode.Kind) {
        if nodes[Int(node)].kind != kind { set(node, kind) }
    }

    /// Stores `value` in `node`: a primitive directly, anything else through its own `encode(to:)`.
    func fill<T: Encodable>(_ node: Int32, with value: T) throws {
        if try fillLeaf(node, with: value) { return }
        set(node, .empty)
        try value.encode(to: NodeEncoder(nodes: self, node: node, valueType: T.self))
    }

    /// The coding path to `node`, for errors and for `encode(to:)` methods that ask.
    func path(of node: Int32) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var n = Int(node)
        while n > 0 {
            let parent = Int(nodes[n].parent)
            if nodes[parent].kind == .array {
                var position = 0
                var sibling = nodes[parent].first
                while sibling >= 0 && Int(sibling) != n {
                    position += 1
                    sibling = nodes[Int(sibling)].next
                }
                keys.append(PathKey(intValue: position))
            } else {
                keys.append(PathKey(stringValue: nodes[n].key))
            }
            n = parent
        }
        return keys.reversed()
    }
}

/// A key of a coding path rebuilt from the nodes.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

extension JSONNodes {
    func write(_ node: Int32, to out: inout [UInt8], pretty: Bool, indent: Int) {
        let n = Int(node)
        switch nodes[n].kind {
        case .null: out.append(contentsOf: "null".utf8)
        case .true: out.append(contentsOf: "true".utf8)
        case .false: out.append(contentsOf: "false".utf8)
        case .literal: out.append(contentsOf: nodes[n].text.utf8)
        case .string: Self.writeString(nodes[n].text, to: &out)
        case .array:
            out.append(UInt8(ascii: "["))
            var element = nodes[n].first
            while element >= 0 {
                if element != nodes[n].first { out.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&out, indent: indent + 2) }
                write(element, to: &out, pretty: pretty, indent: indent + 2)
                element = nodes[Int(element)].next
            }
            if pretty { Self.closeLine(&out, indent: indent, empty: nodes[n].count == 0) }
            out.append(UInt8(ascii: "]"))
        case .object, .empty:
            out.append(UInt8(ascii: "{"))
            let start = order.count
            var member = nodes[n].first
            while member >= 0 {
                order.append(member)
                member = nodes[Int(member)].next
            }
            let end = order.count
            // Foundation on Linux orders keys by their code points; UTF-8 bytes order the same way. Members
            // with one key stay in the order they were encoded, and the last of them is written.
            // Sorted through a buffer pointer: sorting the array's slice copied it first.
            order.withUnsafeMutableBufferPointer { all in
                var members = UnsafeMutableBufferPointer(rebasing: all[start..<end])
                members.sort { a, b in
                    let (x, y) = (nodes[Int(a)].keyPrefix, nodes[Int(b)].keyPrefix)
                    if x != y { return x < y }
                    let c = Self.compare(nodes[Int(a)].key, nodes[Int(b)].key)
                    return c < 0 || (c == 0 && a < b)
                }
            }
            var first = true
            for k in start..<end {
                let member = Int(order[k])
                if k + 1 < end, nodes[member].keyPrefix == nodes[Int(order[k + 1])].keyPrefix,
                    nodes[member].key == nodes[Int(order[k + 1])].key
                {
                    continue
                }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if pretty { Self.newline(&out, indent: indent + 2) }
                Self.writeString(nodes[member].key, to: &out)
                out.append(contentsOf: pretty ? " : ".utf8 : ":".utf8)
                write(Int32(member), to: &out, pretty: pretty, indent: indent + 2)
            }
            order.removeLast(order.count - start)
            if pretty { Self.closeLine(&out, indent: indent, empty: start == end) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Code point order, which Foundation on Linux sorts keys by: UTF-8 bytes in order give it, and memcmp
    /// compares them many at a time. Negative, zero or positive as `a` sorts before, with or after `b`.
    static func compare(_ a: String, _ b: String) -> Int {
        var (a, b) = (a, b)
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : Int(memcmp(x.baseAddress!, y.baseAddress!, common))
                return order != 0 ? order : x.count - y.count
            }
        }
    }

    private static func newline(_ out: inout [UInt8], indent: Int) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    /// Foundation closes an empty container on a line of its own after an empty one.
    private static func closeLine(_ out: inout [UInt8], indent: Int, empty: Bool) {
        if empty { out.append(UInt8(ascii: "\n")) }
        newline(&out, indent: indent)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// RFC 8259 §7: quotation mark, reverse solidus and the control characters are escaped; all else is
    /// written as UTF-8, in runs between the bytes that need escaping.
    static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                runStart = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0C: out.append(contentsOf: "\\f".utf8)
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
