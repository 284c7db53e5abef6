import Foundation
import MXRayDNS
import Testing

@testable import MXRayAudit

/// Every kind of value Foundation's encoder treats specially, with keys whose order differs between
/// byte order, case-insensitive order and numeric order.
private struct Awkward: Encodable {
    var emptyArray: [Int] = []
    var emptyObject: [String: Int] = [:]
    var escapes = "a/b\u{1}\u{1f}\u{7f}\u{2028}é\"\\\n\r\t\u{8}\u{c}😀"
    var doubles = [1.0, 0.1, 1e-7, 1e22, -0.0, 123456.789, 5e-324, Double.greatestFiniteMagnitude]
    var float = Float(0.1)
    var integers: [Int64] = [.min, .max, 0]
    var unsigned: [UInt64] = [.max]
    var small: [UInt8] = [0, 255]
    var missing: Int? = nil
    var present: String? = "here"
    var nested = [[Int]]([[]])
    var keys = ["B": 1, "a": 2, "a10": 3, "a9": 4, "_x": 5, "Z": 6, "é": 7, "e": 8, "a-b": 9, "aB": 10, "1": 12]
    var data = Data([1, 2, 3])
    var url = URL(string: "https://mta-sts.example.com/.well-known/mta-sts.txt")!
    var date = Date(timeIntervalSinceReferenceDate: 5.5)
    var flags = [true, false]
    var optionals: [Int?] = [1, nil]
}

/// A type that writes one key twice and uses nested containers and a super-encoder.
private struct HandWritten: Encodable {
    enum Keys: String, CodingKey { case a, b, c, z }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(1, forKey: .a)
        try c.encode(2, forKey: .a)
        var inner = c.nestedContainer(keyedBy: Keys.self, forKey: .b)
        try inner.encode("x", forKey: .z)
        var list = c.nestedUnkeyedContainer(forKey: .c)
        try list.encode(1)
        var more = list.nestedContainer(keyedBy: Keys.self)
        try more.encodeNil(forKey: .a)
        try list.encode(UInt16(7))
        try Int8(-3).encode(to: c.superEncoder(forKey: .z))
    }
}

private func foundation<T: Encodable>(_ value: T, pretty: Bool) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting =
        pretty
        ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        : [
            .sortedKeys, .withoutEscapingSlashes,
        ]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@Suite struct FastJSONEncoderTests {
    @Test(arguments: [false, true]) func sameBytesAsFoundation(pretty: Bool) throws {
        let ours = FastJSONEncoder(pretty: pretty)
        #expect(try ours.encode(Awkward()) == foundation(Awkward(), pretty: pretty))
        #expect(try ours.encode(HandWritten()) == foundation(HandWritten(), pretty: pretty))
        #expect(try ours.encode([String]()) == foundation([String](), pretty: pretty))
        #expect(try ours.encode("top level") == foundation("top level", pretty: pretty))
    }

    @Test func notANumberThrowsLikeFoundation() {
        #expect(throws: EncodingError.self) { try FastJSONEncoder().encode([1.0, .nan]) }
        #expect(throws: EncodingError.self) { try FastJSONEncoder().encode(["x": Double.infinity]) }
    }

    /// Whole audit reports, healthy and broken, with DNS failures and probe-free facts, read from zones.
    @Test func auditReportsMatchFoundation() async throws {
        var reports = [
            try await audit(proofpoint), try await audit("@ MX 0 ."),
            try await audit(proofpoint, failing: ["_dmarc.example.com"]),
        ]
        for name in ["cold-backup", "healthy-two-vendor", "two-vendors-partial-mta-sts"] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Examples/\(name).zone").standardized
            let zone = try ZoneFile(contentsOf: url.path)
            let gatherer = FactGatherer(resolver: ZoneResolver(zones: [zone]), policyFetcher: nil)
            reports.append(await Auditor(gatherer: gatherer).audit(zone.origin?.text ?? "example.com"))
        }
        for report in reports {
            for pretty in [false, true] {
                #expect(try FastJSONEncoder(pretty: pretty).encode(report) == foundation(report, pretty: pretty))
            }
        }
    }
}

extension FastJSONEncoderTests {
    /// A primitive the encoder does not know encodes itself into a single value; that is an error, not a loop.
    @Test func unknownPrimitiveIsAnError() throws {
        struct SelfEncoding: Encodable {
            func encode(to encoder: Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(self)
            }
        }
        #expect(throws: EncodingError.self) { try FastJSONEncoder().encode([SelfEncoding()]) }
        #expect(try FastJSONEncoder().encode([Float16(1)]) == "[1]")
    }
}

/// Containers written in turn: a nested object and list gain members after their parent has moved on, a value
/// encodes nothing, and a super-encoder is left unused.
private struct Interleaved: Encodable {
    struct Nothing: Encodable { func encode(to encoder: Encoder) throws {} }
    enum Keys: String, CodingKey { case list, inner, nothing, later, unused, zz }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        var inner = c.nestedContainer(keyedBy: Keys.self, forKey: .inner)
        var list = c.nestedUnkeyedContainer(forKey: .list)
        try c.encode(Nothing(), forKey: .nothing)
        try inner.encode("first", forKey: .zz)
        try list.encode([Nothing()])
        try c.encode(true, forKey: .later)
        try inner.encode("second", forKey: .later)
        _ = c.superEncoder(forKey: .unused)
        _ = list.superEncoder()
        var again = encoder.container(keyedBy: Keys.self)
        try again.encode(1, forKey: .zz)
    }
}

extension FastJSONEncoderTests {
    @Test(arguments: [false, true]) func containersWrittenInTurnMatchFoundation(pretty: Bool) throws {
        let ours = try FastJSONEncoder(pretty: pretty).encode([Interleaved()])
        let theirs = try foundation([Interleaved()], pretty: pretty)
        #expect(ours == theirs)
    }

    /// The error names the path to the value, array positions included, as Foundation's does.
    @Test func errorNamesThePath() throws {
        struct Holder: Encodable { var values = ["ok": [1.0, 2.0, .infinity]] }
        do {
            _ = try FastJSONEncoder().encode([Holder()])
            Issue.record("infinity encoded")
        } catch EncodingError.invalidValue(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["Index 0", "values", "ok", "Index 2"])
            #expect(context.codingPath.map(\.intValue) == [0, nil, nil, 2])
        }
    }
}
