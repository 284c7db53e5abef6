import Foundation

/// Encodes `Encodable` values as JSON text (RFC 8259) with sorted keys and unescaped slashes, byte for byte
/// what Foundation's `JSONEncoder` writes with `[.sortedKeys, .withoutEscapingSlashes]` (and `.prettyPrinted`
/// when `pretty` is set), at a fraction of its cost: Foundation boxes every value and checks each one against
/// its special types by dynamic casts, which made JSON a quarter of a bulk audit's CPU.
///
/// Values are collected into a small tree (an object's keys are only known once its `encode(to:)` returns)
/// and written in one pass. Dates, data and URLs are written as Foundation's default strategies write them;
/// NaN and infinity throw, as there.
public struct FastJSONEncoder: Sendable {
    public var pretty: Bool

    public init(pretty: Bool = false) { self.pretty = pretty }

    public func encode<T: Encodable>(_ value: T) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        try JSONTree.encode(value, codingPath: []).write(to: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }
}

/// One encoded value. Containers are classes so that an encoder's containers can keep adding to them.
enum JSONTree {
    case null
    case bool(Bool)
    /// A number already spelled out, or another literal written as it is.
    case literal(String)
    case string(String)
    case object(JSONObjectBox)
    case array(JSONArrayBox)

    /// Encodes one value: primitives and Foundation's special types directly, anything else through its own
    /// `encode(to:)`.
    static func encode<T: Encodable>(_ value: T, codingPath: @autoclosure () -> [any CodingKey]) throws -> JSONTree {
        if let leaf = try leaf(value, codingPath: codingPath) { return leaf }
        let encoder = TreeEncoder(codingPath: codingPath(), valueType: T.self)
        try value.encode(to: encoder)
        return encoder.result ?? .object(JSONObjectBox())
    }

    /// The primitives are matched on their metatype, which costs a pointer comparison, where a cast would
    /// search the conformance tables.
    static func leaf<T: Encodable>(_ value: T, codingPath: () -> [any CodingKey]) throws -> JSONTree? {
        let type = T.self
        if type == String.self { return .string(value as! String) }
        if type == Int.self { return .literal(String(value as! Int)) }
        if type == Bool.self { return .bool(value as! Bool) }
        if type == Double.self { return try number(value as! Double, codingPath: codingPath()) }
        if type == UInt16.self { return .literal(String(value as! UInt16)) }
        if type == UInt32.self { return .literal(String(value as! UInt32)) }
        if type == Int64.self { return .literal(String(value as! Int64)) }
        if type == UInt8.self { return .literal(String(value as! UInt8)) }
        if type == UInt64.self { return .literal(String(value as! UInt64)) }
        if type == Int32.self { return .literal(String(value as! Int32)) }
        if type == UInt.self { return .literal(String(value as! UInt)) }
        if type == Int8.self { return .literal(String(value as! Int8)) }
        if type == Int16.self { return .literal(String(value as! Int16)) }
        if type == Float.self { return try number(value as! Float, codingPath: codingPath()) }
        if type == Data.self { return .string((value as! Data).base64EncodedString()) }
        if type == URL.self { return .string((value as! URL).absoluteString) }
        if type == Decimal.self { return .literal((value as! Decimal).description) }
        if type == Date.self {
            return try number((value as! Date).timeIntervalSinceReferenceDate, codingPath: codingPath())
        }
        return nil
    }

    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F, codingPath: [any CodingKey])
        throws -> JSONTree
    {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) is not valid JSON"))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .literal(text)
    }

    func write(to out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .literal(let text): out.append(contentsOf: text.utf8)
        case .string(let text): JSONTree.writeString(text, to: &out)
        case .array(let box):
            out.append(UInt8(ascii: "["))
            for (i, element) in box.elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONTree.newline(&out, indent: indent + 2) }
                element.write(to: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { JSONTree.closeLine(&out, indent: indent, empty: box.elements.isEmpty) }
            out.append(UInt8(ascii: "]"))
        case .object(let box):
            out.append(UInt8(ascii: "{"))
            // Foundation on Linux orders keys by their code points; UTF-8 bytes order the same way.
            var entries = box.entries.sorted { JSONTree.precedes($0.key, $1.key) }
            if zip(entries, entries.dropFirst()).contains(where: { $0.key == $1.key }) {
                // A key encoded twice keeps its last value, as in Foundation's dictionary.
                entries = box.entries.enumerated().sorted { a, b in
                    a.element.key == b.element.key
                        ? a.offset > b.offset : JSONTree.precedes(a.element.key, b.element.key)
                }.map(\.element)
            }
            var previous: String?
            for entry in entries where entry.key != previous {
                if previous != nil { out.append(UInt8(ascii: ",")) }
                previous = entry.key
                if pretty { JSONTree.newline(&out, indent: indent + 2) }
                JSONTree.writeString(entry.key, to: &out)
                out.append(contentsOf: pretty ? " : ".utf8 : ":".utf8)
                entry.value.write(to: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { JSONTree.closeLine(&out, indent: indent, empty: entries.isEmpty) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Code point order, which Foundation on Linux sorts keys by: UTF-8 bytes in order give it, and
    /// memcmp compares them many at a time.
    static func precedes(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order < 0 || (order == 0 && x.count < y.count)
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

/// An object's members in the order they were encoded; sorted when written.
final class JSONObjectBox {
    var entries: [(key: String, value: JSONTree)] = []
}

final class JSONArrayBox {
    var elements: [JSONTree] = []
}

/// The `Encoder` handed to a value's `encode(to:)`: it records the one container the value asks for.
final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    /// The type whose `encode(to:)` this is: a primitive not matched above would encode itself forever.
    let valueType: Any.Type?
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var result: JSONTree?

    init(codingPath: [any CodingKey], valueType: Any.Type?) {
        self.codingPath = codingPath
        self.valueType = valueType
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing) = result {
            box = existing
        } else {
            box = JSONObjectBox()
            result = .object(box)
        }
        return KeyedEncodingContainer(TreeKeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing) = result {
            box = existing
        } else {
            box = JSONArrayBox()
            result = .array(box)
        }
        return TreeUnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { TreeSingleValueContainer(encoder: self) }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONObjectBox
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { box.entries.append((key.stringValue, .null)) }
    mutating func encode(_ value: String, forKey key: Key) throws {
        box.entries.append((key.stringValue, .string(value)))
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box.entries.append((key.stringValue, .bool(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        box.entries.append((key.stringValue, .literal(String(value))))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.entries.append((key.stringValue, try JSONTree.encode(value, codingPath: codingPath + [key])))
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONObjectBox()
        box.entries.append((key.stringValue, .object(nested)))
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(box: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        box.entries.append((key.stringValue, .array(nested)))
        return TreeUnkeyedContainer(box: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        let encoder = DeferredEncoder(codingPath: codingPath)
        let index = box.entries.count
        box.entries.append((name, .null))
        let box = self.box
        encoder.onFinish = { box.entries[index].value = $0 }
        return encoder
    }
}

struct TreeUnkeyedContainer: UnkeyedEncodingContainer {
    let box: JSONArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.elements.count }

    mutating func encodeNil() throws { box.elements.append(.null) }
    mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
    mutating func encode(_ value: Bool) throws { box.elements.append(.bool(value)) }
    mutating func encode(_ value: Int) throws { box.elements.append(.literal(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.elements.append(try JSONTree.encode(value, codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONObjectBox()
        box.elements.append(.object(nested))
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(box: nested, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        box.elements.append(.array(nested))
        return TreeUnkeyedContainer(box: nested, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = DeferredEncoder(codingPath: codingPath)
        let index = box.elements.count
        box.elements.append(.null)
        let box = self.box
        encoder.onFinish = { box.elements[index] = $0 }
        return encoder
    }
}

struct TreeSingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.result = .null }
    mutating func encode(_ value: String) throws { encoder.result = .string(value) }
    mutating func encode(_ value: Bool) throws { encoder.result = .bool(value) }
    mutating func encode(_ value: Int) throws { encoder.result = .literal(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        guard T.self != encoder.valueType else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(T.self) is not supported"))
        }
        encoder.result = try JSONTree.encode(value, codingPath: codingPath)
    }
}

/// A super-encoder: whatever is encoded into it replaces its placeholder in the parent container.
final class DeferredEncoder: Encoder {
    private let inner: TreeEncoder
    var onFinish: ((JSONTree) -> Void)?
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey]) { inner = TreeEncoder(codingPath: codingPath, valueType: nil) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        defer { onFinish?(inner.result ?? .null) }
        return inner.container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        defer { onFinish?(inner.result ?? .null) }
        return inner.unkeyedContainer()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        DeferredSingleValue(encoder: inner, onFinish: onFinish)
    }
}

struct DeferredSingleValue: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    let onFinish: ((JSONTree) -> Void)?
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { onFinish?(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        onFinish?(try JSONTree.encode(value, codingPath: codingPath))
    }
}
