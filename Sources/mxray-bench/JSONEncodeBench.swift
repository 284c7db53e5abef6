import ArgumentParser
import Foundation
import MXRayAudit
import MXRayDNS

/// `mxray-bench json-encode --zone Z`: the audit report of the zone's domain encoded as one JSON line, again
/// and again, as `mxray audit --json` writes each domain; Foundation's `JSONEncoder` on the same report for
/// comparison.
struct JSONEncode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "json-encode")
    @Option(help: "A zone file whose origin is audited.") var zone = "Examples/healthy-two-vendor.zone"
    @Option var reports = 100_000

    func run() async throws {
        let zoneFile = try ZoneFile(contentsOf: zone)
        let auditor = Auditor(gatherer: FactGatherer(resolver: ZoneResolver(zones: [zoneFile]), policyFetcher: nil))
        let report = await auditor.audit(zoneFile.origin?.text ?? "example.com")
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = try FastJSONEncoder().encode(report)
        guard line == String(decoding: try foundation.encode(report), as: UTF8.self) else {
            fail("FastJSONEncoder and Foundation disagree on the report")
        }
        // Foundation is measured on a tenth as many: it is several times slower.
        for (name, count, encode) in [
            ("FastJSONEncoder", reports, { try FastJSONEncoder().encode(report).utf8.count }),
            ("Foundation JSONEncoder", reports / 10, { try foundation.encode(report).count }),
        ] as [(String, Int, () throws -> Int)] {
            var bytes = 0
            let start = ContinuousClock.now
            for _ in 0..<count { bytes += try encode() }
            let seconds = (ContinuousClock.now - start).seconds
            print(
                "json-encode \(name): \(count) reports of \(line.utf8.count) bytes, "
                    + "\(String(format: "%.2f", seconds)) s, \(format(Double(count) / seconds)) reports/s, "
                    + "\(String(format: "%.0f", Double(bytes) / seconds / 1e6)) MB/s")
        }
    }
}
