import Foundation
import MXRayDNS
import MXRayMessage

@testable import MXRayAuth

enum Conformance {
    static let directory = Bundle.module.url(forResource: "Conformance", withExtension: nil)!

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(path)))
    }

    static func text(_ path: String) throws -> String { String(decoding: try bytes(path), as: UTF8.self) }
}

/// An in-memory zone answering TXT questions, as the test vectors list them.
func txtResolver(_ records: [(String, String)]) -> ZoneResolver {
    let rrs = records.map { ResourceRecord(name: try! DomainName($0.0), ttl: 300, data: .txt(text: $0.1)) }
    return ZoneResolver(zones: [ZoneFile(records: rrs, path: "test vectors")])
}

/// Stalwart's format: `name record` lines, a blank line, then the message.
func stalwartCase(_ path: String) throws -> (resolver: ZoneResolver, message: Message) {
    let bytes = try Conformance.bytes(path)
    var records: [(String, String)] = []
    var offset = 0
    while offset < bytes.count {
        var end = offset
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        let line = String(decoding: bytes[offset..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        offset = end + 1
        if line.isEmpty { break }
        let parts = line.split(separator: " ", maxSplits: 1)
        records.append((String(parts[0]), String(parts[1])))
    }
    return (txtResolver(records), try Message(bytes: Array(bytes[offset...])))
}

func message(_ text: String) throws -> Message { try Message(bytes: Array(text.utf8)) }
