import Foundation

/// The `Encoder` handed to a value's `encode(to:)`: a node of `JSONNodes`, small enough to be passed as
/// `any Encoder` without an allocation.
struct NodeEncoder: Encoder {
    let nodes: JSONNodes
    let node: Int32
    /// The type whose `encode(to:)` this is: a primitive not matched as a leaf would encode itself forever.
    let valueType: Any.Type?
    var codingPath: [any CodingKey] { nodes.path(of: node) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        nodes.become(node, .object)
        return KeyedEncodingContainer(NodeKeyedContainer<Key>(nodes: nodes, node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        nodes.become(node, .array)
        return NodeUnkeyedContainer(nodes: nodes, node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        NodeSingleValueContainer(nodes: nodes, node: node, valueType: valueType)
    }
}

/// A super-encoder is a member named "super" (or the given key), or an element (no name); left unused, it
/// is written `{}`, as by Foundation.
private func superEncoder(of nodes: JSONNodes, in node: Int32, named name: String) -> any Encoder {
    NodeEncoder(nodes: nodes, node: nodes.add(to: node, key: name, .empty), valueType: nil)
}

struct NodeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let nodes: JSONNodes
    let node: Int32
    var codingPath: [any CodingKey] { nodes.path(of: node) }

    mutating func encodeNil(forKey key: Key) throws { _ = nodes.add(to: node, key: key.stringValue, .null) }
    mutating func encode(_ value: String, forKey key: Key) throws {
        _ = nodes.add(to: node, key: key.stringValue, .string, value)
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        _ = nodes.add(to: node, key: key.stringValue, value ? .true : .false)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        _ = nodes.add(to: node, key: key.stringValue, .literal, String(value))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try nodes.fill(nodes.add(to: node, key: key.stringValue, .empty), with: value)
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
        let nested = nodes.add(to: node, key: key.stringValue, .object)
        return KeyedEncodingContainer(NodeKeyedContainer<NestedKey>(nodes: nodes, node: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeUnkeyedContainer(nodes: nodes, node: nodes.add(to: node, key: key.stringValue, .array))
    }

    mutating func superEncoder() -> any Encoder { MXRayAudit.superEncoder(of: nodes, in: node, named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        MXRayAudit.superEncoder(of: nodes, in: node, named: key.stringValue)
    }
}

struct NodeUnkeyedContainer: UnkeyedEncodingContainer {
    let nodes: JSONNodes
    let node: Int32
    var codingPath: [any CodingKey] { nodes.path(of: node) }
    var count: Int { nodes.count(of: node) }

    mutating func encodeNil() throws { _ = nodes.add(to: node, key: "", .null) }
    mutating func encode(_ value: String) throws { _ = nodes.add(to: node, key: "", .string, value) }
    mutating func encode(_ value: Bool) throws { _ = nodes.add(to: node, key: "", value ? .true : .false) }
    mutating func encode(_ value: Int) throws { _ = nodes.add(to: node, key: "", .literal, String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try nodes.fill(nodes.add(to: node, key: "", .empty), with: value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        KeyedEncodingContainer(NodeKeyedContainer<NestedKey>(nodes: nodes, node: nodes.add(to: node, key: "", .object)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeUnkeyedContainer(nodes: nodes, node: nodes.add(to: node, key: "", .array))
    }

    mutating func superEncoder() -> any Encoder { MXRayAudit.superEncoder(of: nodes, in: node, named: "") }
}

struct NodeSingleValueContainer: SingleValueEncodingContainer {
    let nodes: JSONNodes
    let node: Int32
    let valueType: Any.Type?
    var codingPath: [any CodingKey] { nodes.path(of: node) }

    mutating func encodeNil() throws { nodes.set(node, .null) }
    mutating func encode(_ value: String) throws { nodes.set(node, .string, value) }
    mutating func encode(_ value: Bool) throws { nodes.set(node, value ? .true : .false) }
    mutating func encode(_ value: Int) throws { nodes.set(node, .literal, String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        guard T.self != valueType else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(T.self) is not supported"))
        }
        try nodes.fill(node, with: value)
    }
}
