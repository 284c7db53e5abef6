import Foundation
import MXRayDNS
import Testing

@testable import MXRayMessage

/// Received fields from other projects' test suites (see Resources/SOURCES.md), each with the
/// client address and receiving host expected. The parser must agree on at least 98% of both.
@Suite struct ReceivedCorpusTests {
    struct Case: Decodable {
        var field: String
        var ip: String?
        var rdns: String?
        var helo: String?
        var by: String?
        var mta: String
        var source: String
    }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Resources/received-corpus", withExtension: "jsonl")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { try! JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
    }()

    /// Disagreements kept on purpose, by corpus line, with the reason.
    static let kept: [Int: String] = [:]

    static func address(_ text: String?) -> IPAddress? {
        guard var t = text else { return nil }
        if let percent = t.firstIndex(of: "%") { t = String(t[..<percent]) }
        return IPAddress(t)?.unmapped
    }

    @Test func corpusIsComplete() {
        #expect(Self.cases.count == 482)
    }

    @Test func clientAddressAndReceivingHost() {
        var ipAgree = 0, byAgree = 0, heloAgree = 0, rdnsAgree = 0
        var misses: [String] = []
        for (index, c) in Self.cases.enumerated() {
            let line = index + 1
            let r = ReceivedField(parsing: c.field)
            let ipOK = r.ip?.unmapped == Self.address(c.ip) && (c.ip == nil) == (r.ip == nil)
            let byOK = r.by?.lowercased() == c.by?.lowercased()
            if ipOK { ipAgree += 1 }
            if r.helo == c.helo { heloAgree += 1 }
            if r.reverseName?.lowercased() == c.rdns?.lowercased() { rdnsAgree += 1 }
            if byOK { byAgree += 1 }
            if (!ipOK || !byOK) && Self.kept[line] == nil {
                misses.append(
                    "\(line) [\(c.mta)] ip \(r.ip?.description ?? "nil") want \(c.ip ?? "nil"); "
                        + "by \(r.by ?? "nil") want \(c.by ?? "nil"): \(c.field.prefix(160))")
            }
        }
        let n = Double(Self.cases.count)
        print(
            "received corpus: client address \(ipAgree)/\(Self.cases.count), receiving host "
                + "\(byAgree)/\(Self.cases.count), HELO \(heloAgree), reverse name \(rdnsAgree) (not asserted)")
        let report = "\(misses.count) disagreements:\n\(misses.joined(separator: "\n"))"
        #expect(misses.isEmpty, "\(report)")
        #expect(Double(ipAgree) / n >= 0.98, "\(report)")
        #expect(Double(byAgree) / n >= 0.98, "\(report)")
    }
}
