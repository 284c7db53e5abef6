import ArgumentParser
import CompressNIO
import Foundation
import MXRayFeedback
import NIOCore
import ZIPFoundation

/// `mxray-bench reports-corpus --out DIR --count N`: a corpus of DMARC aggregate reports for the
/// ingest benchmark, written the way reporters send them: gzipped XML (Google's style), zipped
/// XML (Microsoft's, Yahoo's) and plain XML. Sizes are mixed: most reports hold a few records,
/// some hundreds. The same seed writes the same corpus.
struct ReportsCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports-corpus", abstract: "Write a corpus of DMARC aggregate reports for the ingest benchmark.")

    @Option(help: "Directory to write into (created).") var out: String
    @Option(help: "Reports to write.") var count = 10_000
    @Option(help: "Seed for the generator.") var seed: UInt64 = 1

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var rng = SplitMix(seed: seed)
        let reporters = ["google.com", "Outlook.com", "Yahoo", "Mail.Ru", "Comcast", "Zoho", "Fastmail Pty Ltd"]
        let results = ["pass", "fail", "softfail", "neutral", "none"]
        var records = 0
        var bytes = 0
        for n in 0..<count {
            let org = reporters[Int(rng.next() % UInt64(reporters.count))]
            let domain = "domain\(rng.next() % 500).example"
            // Mostly small reports, with a tail: 1-4 records for 70%, up to 40 for 25%, up to 400 for 5%.
            let roll = rng.next() % 100
            let size = Int(roll < 70 ? 1 + rng.next() % 4 : roll < 95 ? 5 + rng.next() % 36 : 41 + rng.next() % 360)
            let begin = Int64(1_764_374_400 - Int(rng.next() % 90) * 86_400)
            var rows: [DMARCAggregateReport.Record] = []
            for r in 0..<size {
                let pass = rng.next() % 10 < 8
                let ip = "198.51.\(r % 256).\(rng.next() % 256)"
                rows.append(
                    .init(
                        sourceIP: ip, count: Int64(1 + rng.next() % 200), disposition: pass ? "none" : "quarantine",
                        dkimAligned: pass ? "pass" : "fail", spfAligned: rng.next() % 2 == 0 ? "pass" : "fail",
                        reasons: rng.next() % 20 == 0 ? [.init(type: "forwarded", comment: "arc=pass")] : [],
                        headerFrom: domain, envelopeFrom: domain,
                        dkim: [.init(domain: domain, selector: "s\(r % 3)", result: pass ? "pass" : "fail")],
                        spf: [.init(domain: domain, scope: "mfrom", result: results[Int(rng.next() % 5)])]))
            }
            records += size
            let report = DMARCAggregateReport(
                orgName: org, email: "dmarc@\(org.lowercased().replacingOccurrences(of: " ", with: ""))",
                reportID: "\(seed)-\(n)-\(rng.next() % 1_000_000)", begin: begin, end: begin + 86_399,
                published: .init(domain: domain, adkim: "r", aspf: "r", p: "quarantine", sp: "none", pct: 100),
                records: rows)
            let xml = Array(ReportWriter.xml(report).utf8)
            let name =
                "\(org.lowercased().replacingOccurrences(of: " ", with: "_"))!\(domain)!\(begin)!\(begin + 86_399)!\(n)"
            let kind = n % 20
            let data: [UInt8]
            let file: String
            if kind < 9 {
                var buffer = ByteBuffer(bytes: xml)
                var gz = try buffer.compress(with: .gzip())
                data = gz.readBytes(length: gz.readableBytes) ?? []
                file = name + ".xml.gz"
            } else if kind < 18 {
                let archive = try Archive(data: Data(), accessMode: .create)
                try archive.addEntry(
                    with: name + ".xml", type: .file, uncompressedSize: Int64(xml.count), compressionMethod: .deflate
                ) { position, chunk in Data(xml[Int(position)..<Int(position) + chunk]) }
                data = [UInt8](archive.data ?? Data())
                file = name + ".zip"
            } else {
                data = xml
                file = name + ".xml"
            }
            bytes += data.count
            try Data(data).write(to: URL(fileURLWithPath: out + "/" + file))
        }
        print("\(count) reports, \(records) records, \(bytes / 1024) KiB written to \(out)")
    }
}

/// A small deterministic generator (SplitMix64), so a corpus can be written again exactly.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
