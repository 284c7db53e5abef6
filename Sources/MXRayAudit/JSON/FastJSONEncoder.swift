import Foundation

/// Encodes `Encodable` values as JSON text (RFC 8259) with sorted keys and unescaped slashes, byte for byte
/// what Foundation's `JSONEncoder` writes with `[.sortedKeys, .withoutEscapingSlashes]` (and `.prettyPrinted`
/// when `pretty` is set), at a fraction of its cost: Foundation boxes every value and checks each one against
/// its special types by dynamic casts, which made JSON a quarter of a bulk audit's CPU.
///
/// Values are collected as nodes of one flat array (an object's keys are only known once its `encode(to:)`
/// returns) and written in one pass. Dates, data and URLs are written as Foundation's default strategies write
/// them; NaN and infinity throw, as there.
public struct FastJSONEncoder: Sendable {
    public var pretty: Bool

    public init(pretty: Bool = false) { self.pretty = pretty }

    public func encode<T: Encodable>(_ value: T) throws -> String {
        let nodes = JSONNodes()
        try nodes.fill(JSONNodes.root, with: value)
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        nodes.write(JSONNodes.root, to: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONNodes {
    /// Stores a primitive or one of Foundation's special types in `node` and returns true, or returns false for a
    /// value that encodes itself. The primitives are matched on their metatype, which costs a pointer comparison,
    /// where a cast would search the conformance tables.
    func fillLeaf<T: Encodable>(_ node: Int32, with value: T) throws -> Bool {
        let type = T.self
        if type == String.self {
            set(node, .string, value as! String)
        } else if type == Int.self {
            set(node, .literal, String(value as! Int))
        } else if type == Bool.self {
            set(node, value as! Bool ? .true : .false)
        } else if type == Double.self {
            set(node, .literal, try number(value as! Double, at: node))
        } else if let text = Self.integer(value, as: UInt16.self) ?? Self.integer(value, as: UInt32.self)
            ?? Self.integer(value, as: Int64.self) ?? Self.integer(value, as: UInt8.self)
            ?? Self.integer(value, as: UInt64.self) ?? Self.integer(value, as: Int32.self)
            ?? Self.integer(value, as: UInt.self) ?? Self.integer(value, as: Int8.self)
            ?? Self.integer(value, as: Int16.self)
        {
            set(node, .literal, text)
        } else if type == Float.self {
            set(node, .literal, try number(value as! Float, at: node))
        } else if type == Data.self {
            set(node, .string, (value as! Data).base64EncodedString())
        } else if type == URL.self {
            set(node, .string, (value as! URL).absoluteString)
        } else if type == Decimal.self {
            set(node, .literal, (value as! Decimal).description)
        } else if type == Date.self {
            set(node, .literal, try number((value as! Date).timeIntervalSinceReferenceDate, at: node))
        } else {
            return false
        }
        return true
    }

    /// The decimal text of `value` when it is an `I`.
    @inline(__always)
    static func integer<T, I: BinaryInteger>(_ value: T, as: I.Type) -> String? {
        T.self == I.self ? String(value as! I) : nil
    }

    /// Foundation's spelling of a number: the shortest that reads back the same, without a trailing ".0".
    func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F, at node: Int32) throws -> String {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: path(of: node), debugDescription: "\(value) is not valid JSON")
            )
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
