import CompressNIO
import Foundation
import MXRayFeedback
import NIOCore
import ZIPFoundation

/// Reports built in the tests, and the wrappings reporters send them in.
enum Fixtures {
    static func dmarc(
        org: String = "google.com", id: String = "1234", domain: String = "example.com", begin: Int64 = 1_764_374_400,
        records: [DMARCAggregateReport.Record]? = nil
    ) -> DMARCAggregateReport {
        DMARCAggregateReport(
            orgName: org, email: "noreply-dmarc-support@google.com", reportID: id, begin: begin, end: begin + 86_399,
            published: .init(domain: domain, adkim: "r", aspf: "r", p: "reject", sp: "reject", pct: 100),
            records: records ?? [
                .init(
                    sourceIP: "209.85.220.41", count: 10, disposition: "none", dkimAligned: "pass", spfAligned: "pass",
                    headerFrom: domain, envelopeFrom: domain,
                    dkim: [.init(domain: domain, selector: "s1", result: "pass")],
                    spf: [.init(domain: domain, scope: "mfrom", result: "pass")]),
                .init(
                    sourceIP: "198.51.100.7", count: 3, disposition: "reject", dkimAligned: "fail", spfAligned: "fail",
                    headerFrom: domain, dkim: [], spf: [.init(domain: "spoof.example", result: "softfail")]),
                .init(
                    sourceIP: "2001:db8::25", count: 2, disposition: "none", dkimAligned: "fail", spfAligned: "fail",
                    reasons: [.init(type: "forwarded", comment: "arc=pass as.1.google.com=pass")],
                    headerFrom: domain, dkim: [.init(domain: "list.example", result: "pass")],
                    spf: [.init(domain: "list.example", result: "pass")]),
            ])
    }

    static func tls(
        org: String = "Google Inc.", id: String = "2026-11-28T00:00:00Z_example.com", domain: String = "example.com",
        begin: Int64 = 1_764_288_000, failingHost: String = "mx2.example.com"
    ) -> TLSReport {
        TLSReport(
            orgName: org, reportID: id, contact: "smtp-tls-reporting@google.com", begin: begin, end: begin + 86_399,
            policies: [
                .init(
                    type: "sts", domain: domain, mxHosts: ["mx1.example.com", "mx2.example.com"], successCount: 90,
                    failureCount: 10,
                    failures: [
                        .init(
                            resultType: "certificate-host-mismatch", sendingMTAIP: "209.85.220.41",
                            receivingMXHostname: failingHost, receivingIP: "192.0.2.2", sessionCount: 10)
                    ])
            ])
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        var out = try! buffer.compress(with: .gzip())
        return out.readBytes(length: out.readableBytes)!
    }

    static func zip(_ files: [(String, [UInt8])]) -> [UInt8] {
        let archive = try! Archive(data: Data(), accessMode: .create)
        for (name, bytes) in files {
            try! archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate
            ) { position, size in
                Data(bytes[Int(position)..<Int(position) + size])
            }
        }
        return [UInt8](archive.data!)
    }

    /// A report message as reporters send it (RFC 7489 §7.2.1.1): a text part and the attachment.
    static func message(attachment: [UInt8], name: String, type: String, encoding: String = "base64") -> [UInt8] {
        let body: String
        if encoding == "base64" {
            body = Data(attachment).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn])
        } else {
            body = String(decoding: attachment, as: UTF8.self).replacingOccurrences(of: "=", with: "=3D")
        }
        let text = """
            From: noreply-dmarc-support@google.com\r
            To: dmarc@example.com\r
            Subject: Report domain: example.com Submitter: google.com Report-ID: 1234\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="=_b1"\r
            \r
            This is a multi-part message.\r
            --=_b1\r
            Content-Type: text/plain; charset=us-ascii\r
            \r
            This is an aggregate report from google.com.\r
            --=_b1\r
            Content-Type: \(type); name="\(name)"\r
            Content-Disposition: attachment; filename="\(name)"\r
            Content-Transfer-Encoding: \(encoding)\r
            \r
            \(body)\r
            --=_b1--\r

            """
        return Array(text.utf8)
    }

    static let samples = Bundle.module.resourceURL!.appendingPathComponent("samples")
}
